import MaestroStorage

/// The ids one newer-server list file names (FORMAT.md §2):
/// `ordering/{task,session,task-list}/<projectId>.json` (`orderedIds`),
/// `task-lists/<projectId>/<id>.json` (`orderedTaskIds`) and
/// `task-graphs/<projectId>/<id>.json` (`nodes[].taskId`).
struct ListReferences: Sendable {
  /// What the ids should name.
  enum Target: Sendable {
    case task
    case session
    case taskList
  }

  /// The file, relative to the data dir.
  var file: String
  /// The list's own id: the `id` it holds, else its file name (for
  /// ordering files, the project id).
  var listId: String
  /// The field the ids come from, for messages.
  var field: String
  var target: Target
  /// The ids, string elements only, in file order.
  var ids: [String]

  /// What scanning the list folders gave.
  struct Scan: Sendable {
    var lists: [ListReferences] = []
    /// The ids of the task lists present (what `ordering/task-list` names).
    var taskListIds: Set<String> = []
    /// Files that could not be parsed.
    var findings: [Finding] = []
    var filesRead = 0
    var bytesRead = 0
  }

  /// Reads every list file under `root`. Missing folders are fine (older
  /// servers have none); non-JSON files are skipped as servers skip them.
  ///
  /// - Throws: `MaestroError` when a folder exists but cannot be listed.
  static func scan(root: String) throws -> Scan {
    var scan = Scan()
    for (type, target) in [("task", Target.task), ("session", .session), ("task-list", .taskList)] {
      for relative in try jsonFiles(root, "ordering/" + type) {
        guard let value = read(root, relative, into: &scan) else { continue }
        let ids = value.arrayValue != nil ? value : value["orderedIds"]
        scan.lists.append(
          ListReferences(
            file: relative, listId: stem(relative), field: "orderedIds", target: target,
            ids: EntityFacts.strings(ids)))
      }
    }
    for folder in try projectFolders(root, "task-lists") {
      for relative in try jsonFiles(root, folder) {
        guard let value = read(root, relative, into: &scan) else { continue }
        let id = value["id"]?.stringValue ?? stem(relative)
        scan.taskListIds.insert(id)
        scan.lists.append(
          ListReferences(
            file: relative, listId: id, field: "orderedTaskIds", target: .task,
            ids: EntityFacts.strings(value["orderedTaskIds"])))
      }
    }
    for folder in try projectFolders(root, "task-graphs") {
      for relative in try jsonFiles(root, folder) {
        guard let value = read(root, relative, into: &scan) else { continue }
        let ids = (value["nodes"]?.arrayValue ?? []).compactMap { $0["taskId"]?.stringValue }
        scan.lists.append(
          ListReferences(
            file: relative, listId: value["id"]?.stringValue ?? stem(relative),
            field: "nodes[].taskId", target: .task, ids: ids))
      }
    }
    return scan
  }

  private static func stem(_ relative: String) -> String {
    let name = relative.split(separator: "/").last.map(String.init) ?? relative
    return DataDirectory.entityId(fromFileName: name) ?? name
  }

  /// `folder/*.json`, relative, sorted; empty if the folder is missing.
  private static func jsonFiles(_ root: String, _ folder: String) throws -> [String] {
    guard FileSystem.isDirectory(root + "/" + folder) else { return [] }
    return try FileSystem.listDirectory(root + "/" + folder)
      .filter { $0.kind == .file && DataDirectory.entityId(fromFileName: $0.name) != nil }
      .map { folder + "/" + $0.name }
  }

  /// `folder/<projectId>`, relative, sorted; empty if the folder is missing.
  private static func projectFolders(_ root: String, _ folder: String) throws -> [String] {
    guard FileSystem.isDirectory(root + "/" + folder) else { return [] }
    return try FileSystem.listDirectory(root + "/" + folder)
      .filter { $0.kind == .directory }
      .map { folder + "/" + $0.name }
  }

  /// Parses a list file, or records why it cannot be.
  private static func read(_ root: String, _ relative: String, into scan: inout Scan) -> JSONValue? {
    func fail(_ code: FindingCode, _ message: String) -> JSONValue? {
      scan.findings.append(Finding(code, .list, id: stem(relative), file: relative, message))
      return nil
    }
    let bytes: [UInt8]
    do {
      bytes = try FileSystem.readFile(root + "/" + relative)
    } catch {
      return fail(.fileUnreadable, "the list file cannot be read: \(error)")
    }
    scan.filesRead += 1
    scan.bytesRead += bytes.count
    do {
      return try JSONParser.parse(bytes)
    } catch {
      if error.kind == .empty { return fail(.fileEmpty, "the list file is empty") }
      if error.isTruncation {
        return fail(
          .fileTruncated,
          "the list file ends in the middle of its JSON at line \(error.line), column \(error.column)")
      }
      return fail(.fileMalformed, "the list file is not valid JSON: \(error)")
    }
  }
}
