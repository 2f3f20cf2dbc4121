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

  /// How a list file names its ids, by the folder it sits in.
  enum Shape: Sendable {
    /// `ordering/<type>/<projectId>.json`: `orderedIds` (or a bare array).
    case ordering(Target)
    /// `task-lists/<projectId>/<id>.json`: `orderedTaskIds`.
    case taskList
    /// `task-graphs/<projectId>/<id>.json`: `nodes[].taskId`.
    case taskGraph
  }

  /// The list files of a data dir, relative, in a deterministic order.
  /// Missing folders are fine (older servers have none); non-JSON files are
  /// skipped as servers skip them.
  ///
  /// - Throws: `MaestroError` when a folder exists but cannot be listed.
  static func files(in tree: any DataDirTree) throws -> [(path: String, shape: Shape)] {
    var files: [(path: String, shape: Shape)] = []
    for (type, target) in [("task", Target.task), ("session", .session), ("task-list", .taskList)] {
      files += try jsonFiles(tree, "ordering/" + type).map { ($0, .ordering(target)) }
    }
    for (folder, shape) in [("task-lists", Shape.taskList), ("task-graphs", .taskGraph)] {
      for projectFolder in try tree.entries(in: folder) ?? [] where projectFolder.kind == .directory {
        files += try jsonFiles(tree, folder + "/" + projectFolder.name).map { ($0, shape) }
      }
    }
    return files
  }

  /// Parses the list `files`, whose bytes `read` gives (nil: unreadable,
  /// with the reason).
  static func scan(
    _ files: [(path: String, shape: Shape)], read: (String) -> Result<[UInt8], MaestroError>
  ) -> Scan {
    var scan = Scan()
    for (relative, shape) in files {
      guard let value = parse(relative, read(relative), into: &scan) else { continue }
      switch shape {
      case .ordering(let target):
        let ids = value.arrayValue != nil ? value : value["orderedIds"]
        scan.lists.append(
          ListReferences(
            file: relative, listId: stem(relative), field: "orderedIds", target: target,
            ids: EntityFacts.strings(ids)))
      case .taskList:
        let id = value["id"]?.stringValue ?? stem(relative)
        scan.taskListIds.insert(id)
        scan.lists.append(
          ListReferences(
            file: relative, listId: id, field: "orderedTaskIds", target: .task,
            ids: EntityFacts.strings(value["orderedTaskIds"])))
      case .taskGraph:
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
  private static func jsonFiles(_ tree: any DataDirTree, _ folder: String) throws -> [String] {
    try (tree.entries(in: folder) ?? [])
      .filter { $0.kind == .file && DataDirectory.entityId(fromFileName: $0.name) != nil }
      .map { folder + "/" + $0.name }
  }

  /// Parses a list file, or records why it cannot be.
  private static func parse(
    _ relative: String, _ read: Result<[UInt8], MaestroError>, into scan: inout Scan
  ) -> JSONValue? {
    func fail(_ code: FindingCode, _ message: String) -> JSONValue? {
      scan.findings.append(Finding(code, .list, id: stem(relative), file: relative, message))
      return nil
    }
    let bytes: [UInt8]
    switch read {
    case .success(let b): bytes = b
    case .failure(let error): return fail(.fileUnreadable, "the list file cannot be read: \(error)")
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
