/// The entity files of a data dir, as a server would find them: only names
/// ending in `.json` count; everything else in the entity folders is listed
/// as `otherFiles` for jobs that report on it.
public struct EntityFileScan: Sendable {
  /// What kind of entity a file holds, by where it sits.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    case project
    /// `tasks/<projectId>/<taskId>.json`
    case task
    /// `tasks/<taskId>.json`, the flat layout servers still read.
    case legacyTask
    case session
  }

  /// One entity file.
  ///
  /// Only the kind and the path are stored (a data dir can hold over a
  /// million entity files); the stem and the folder are read from the path.
  public struct File: Sendable, Hashable {
    public var kind: Kind
    /// The path relative to the data dir, e.g. `tasks/proj_1/task_2.json`.
    public var relativePath: String

    /// A file of `kind` at `relativePath`, whose name ends in `.json`.
    public init(kind: Kind, relativePath: String) {
      self.kind = kind
      self.relativePath = relativePath
    }

    /// The name without `.json`: the id the file should hold.
    public var stem: String {
      let utf8 = relativePath.utf8
      let start = utf8.lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
      return String(relativePath[start..<utf8.index(utf8.endIndex, offsetBy: -5)])
    }

    /// For `.task`, the project folder it sits in (`tasks/<folder>/<name>`).
    public var folder: String? {
      guard kind == .task else { return nil }
      let utf8 = relativePath.utf8
      guard let first = utf8.firstIndex(of: UInt8(ascii: "/")), let last = utf8.lastIndex(of: UInt8(ascii: "/")),
        first < last
      else { return nil }
      return String(relativePath[utf8.index(after: first)..<last])
    }
  }

  /// The entity files, packed (`EntityFileList`).
  public var files: EntityFileList
  /// Non-JSON files and stray temp files inside the entity folders, relative.
  public var otherFiles: [String]
  /// Symlinks inside the entity folders (to files or folders, any name),
  /// relative: never followed, never read, never listed through.
  public var symlinks: [String] = []
  /// Entity folders that do not exist (a fresh or partial data dir).
  public var missingFolders: [String]

  /// Lists the entity files under `root`, in a deterministic order
  /// (projects, tasks by folder, legacy tasks, sessions; names bytewise).
  /// An entity folder that is itself a symlink is not listed through (it
  /// counts as missing); `root` may be reached through one.
  /// - Throws: when `root` itself is missing or unreadable.
  public static func scan(root: String) throws -> EntityFileScan {
    guard FileSystem.isDirectory(root) else {
      throw MaestroError(.notFound, "data directory does not exist", path: root)
    }
    return try scan { relative in try listIfPresent(root + "/" + relative) }
  }

  /// Lists the entity files of a data dir seen through `listing`, which
  /// gives the entries of a folder (a path relative to the data dir, like
  /// `tasks/p1`) sorted bytewise by name, or nil when there is no such
  /// folder: a directory on disk, or the file list of an archive.
  /// - Throws: what `listing` throws.
  public static func scan(listing: (String) throws -> [DirectoryEntry]?) throws -> EntityFileScan {
    var scan = EntityFileScan(files: EntityFileList(), otherFiles: [], missingFolders: [])
    // Sessions are listed before tasks but go last, as servers load them.
    var sessions = EntityFileScan(files: EntityFileList(), otherFiles: [], missingFolders: [])
    for folder in ["projects", "sessions"] {
      let kind: Kind = folder == "projects" ? .project : .session
      guard let entries = try listing(folder) else {
        scan.missingFolders.append(folder)
        continue
      }
      for e in entries {
        if kind == .session { sessions.add(e, kind: kind, under: folder) } else { scan.add(e, kind: kind, under: folder) }
      }
    }
    scan.otherFiles += sessions.otherFiles
    scan.symlinks += sessions.symlinks
    if let entries = try listing("tasks") {
      var legacy = EntityFileList()
      for e in entries {
        if e.kind == .directory {
          for t in try listing("tasks/" + e.name) ?? [] {
            scan.add(t, kind: .task, under: "tasks/" + e.name)
          }
        } else {
          var flat = EntityFileScan(files: EntityFileList(), otherFiles: [], missingFolders: [])
          flat.add(e, kind: .legacyTask, under: "tasks")
          legacy.append(contentsOf: flat.files)
          scan.otherFiles += flat.otherFiles
          scan.symlinks += flat.symlinks
        }
      }
      scan.files.append(contentsOf: legacy)
    } else {
      scan.missingFolders.append("tasks")
    }
    scan.files.append(contentsOf: sessions.files)
    return scan
  }

  private static func listIfPresent(_ path: String) throws -> [DirectoryEntry]? {
    guard FileSystem.isDirectory(path, followSymlinks: false) else { return nil }
    return try FileSystem.listDirectory(path)
  }

  private mutating func add(_ entry: DirectoryEntry, kind: Kind, under dir: String) {
    let relative = dir + "/" + entry.name
    if entry.kind == .symlink {
      symlinks.append(relative)
      return
    }
    guard entry.kind == .file, entry.name.hasSuffix(".json"), entry.name.count > 5 else {
      otherFiles.append(relative)
      return
    }
    files.append(File(kind: kind, relativePath: relative))
  }
}
