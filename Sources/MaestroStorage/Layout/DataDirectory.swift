#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a Maestro data dir lives, and the path of every file in it.
///
/// Paths are plain strings joined with `/`. Every builder that takes an id
/// validates it first (`EntityId.validate`), because servers never check the
/// ids they put into paths and a hostile one must not lead this tool outside
/// the data dir.
public struct DataDirectory: Sendable, Equatable {
  /// The data dir, without a trailing slash.
  public let root: String

  /// The default location below the home directory.
  public static let defaultPathInHome = ".maestro/data"

  /// The environment variable servers read the location from.
  public static let environmentVariable = "DATA_DIR"

  /// A data dir at `root`, taken as given apart from trailing slashes.
  public init(root: String) {
    var root = root
    while root.count > 1, root.hasSuffix("/") { root.removeLast() }
    self.root = root
  }

  /// Finds the data dir the way servers do, with `--data-dir` on top.
  ///
  /// Precedence: `explicit` (the `--data-dir` value) > `DATA_DIR` in
  /// `environment` > `~/.maestro/data`. An empty `DATA_DIR` counts as unset,
  /// as it does for Node's `process.env.DATA_DIR || ...`. A relative result
  /// is made absolute against `currentDirectory`, so paths compared with
  /// the absolute `contentFilePath` values in session docs line up.
  ///
  /// `DATA_DIR` gets Node's `replace(/^~/, os.homedir())`: ANY leading `~`
  /// becomes the home directory (so `~x` means `<home>x`, as the server would
  /// read it). The explicit value gets only the shell's forms, `~` and `~/…`,
  /// for `--data-dir=~/x` where no shell expanded it.
  ///
  /// - Parameters:
  ///   - explicit: the `--data-dir` value, if given.
  ///   - environment: the process environment (a parameter, for tests).
  ///   - homeDirectory: the home directory; nil takes `HOME` from
  ///     `environment`, then the password database, as `os.homedir()` does.
  ///   - currentDirectory: base for a relative result; nil takes the
  ///     process's working directory.
  /// - Throws: `MaestroError` `.usage` for an empty `explicit` value, or
  ///   when no home directory can be found and one is needed.
  public static func resolve(
    explicit: String?, environment: [String: String], homeDirectory: String? = nil,
    currentDirectory: String? = nil
  ) throws -> DataDirectory {
    func home() throws -> String {
      if let homeDirectory { return homeDirectory }
      if let h = environment["HOME"], !h.isEmpty { return h }
      if let h = passwordDatabaseHome() { return h }
      throw MaestroError(
        .usage, "cannot find the home directory (HOME is unset); pass --data-dir")
    }

    let path: String
    if let explicit {
      guard !explicit.isEmpty else { throw MaestroError(.usage, "--data-dir is empty") }
      if explicit == "~" {
        path = try home()
      } else if explicit.hasPrefix("~/") {
        path = try home() + explicit.dropFirst()
      } else {
        path = explicit
      }
    } else if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
      path =
        fromEnvironment.hasPrefix("~") ? try home() + fromEnvironment.dropFirst() : fromEnvironment
    } else {
      path = try home() + "/" + defaultPathInHome
    }

    if path.hasPrefix("/") { return DataDirectory(root: path) }
    guard let base = currentDirectory ?? workingDirectory() else {
      throw MaestroError(.usage, "cannot resolve relative data dir \(path): no working directory")
    }
    return DataDirectory(root: base.hasSuffix("/") ? base + path : base + "/" + path)
  }

  // MARK: Folders

  /// `projects/`.
  public var projectsFolder: String { root + "/projects" }

  /// `tasks/`: per-project folders, and legacy flat task files.
  public var tasksFolder: String { root + "/tasks" }

  /// `sessions/`.
  public var sessionsFolder: String { root + "/sessions" }

  /// `session-docs/` (newer servers).
  public var sessionDocsFolder: String { root + "/session-docs" }

  /// `<root>/<relative>`, for the folders and files `knownEntries` lists.
  public func path(_ relative: String) -> String {
    root + "/" + relative
  }

  // MARK: Entity files

  /// `projects/<id>.json`.
  ///
  /// - Parameter file: where `id` was read, named in the error.
  /// - Throws: `MaestroError` `.hostileId` if `id` is unsafe.
  public func projectFile(_ id: String, from file: String? = nil) throws -> String {
    try EntityId.validate(id, file: file)
    return projectsFolder + "/" + id + ".json"
  }

  /// `tasks/<projectId>/`, the current home of a project's tasks.
  ///
  /// - Throws: `MaestroError` `.hostileId` if `projectId` is unsafe.
  public func projectTasksFolder(_ projectId: String, from file: String? = nil) throws -> String {
    try EntityId.validate(projectId, file: file)
    return tasksFolder + "/" + projectId
  }

  /// `tasks/<projectId>/<taskId>.json`, where servers write tasks now.
  ///
  /// - Throws: `MaestroError` `.hostileId` if either id is unsafe.
  public func taskFile(projectId: String, taskId: String, from file: String? = nil) throws -> String
  {
    try EntityId.validate(taskId, file: file)
    return try projectTasksFolder(projectId, from: file) + "/" + taskId + ".json"
  }

  /// `tasks/<taskId>.json`, the legacy flat layout servers still read but
  /// never write or delete.
  ///
  /// - Throws: `MaestroError` `.hostileId` if `taskId` is unsafe.
  public func legacyTaskFile(_ taskId: String, from file: String? = nil) throws -> String {
    try EntityId.validate(taskId, file: file)
    return tasksFolder + "/" + taskId + ".json"
  }

  /// `sessions/<id>.json`.
  ///
  /// - Throws: `MaestroError` `.hostileId` if `id` is unsafe.
  public func sessionFile(_ id: String, from file: String? = nil) throws -> String {
    try EntityId.validate(id, file: file)
    return sessionsFolder + "/" + id + ".json"
  }

  /// `session-docs/<sessionId>/`, where a session's docs are stored.
  ///
  /// - Throws: `MaestroError` `.hostileId` if `sessionId` is unsafe.
  public func sessionDocsFolder(_ sessionId: String, from file: String? = nil) throws -> String {
    try EntityId.validate(sessionId, file: file)
    return sessionDocsFolder + "/" + sessionId
  }

  /// `images/<projectId>/<taskId>/`, where a task's images are stored.
  ///
  /// - Throws: `MaestroError` `.hostileId` if either id is unsafe.
  public func taskImagesFolder(projectId: String, taskId: String, from file: String? = nil) throws
    -> String
  {
    try EntityId.validate(projectId, file: file)
    try EntityId.validate(taskId, file: file)
    return root + "/images/" + projectId + "/" + taskId
  }

  // MARK: File names

  /// The id a file in an entity folder stands for: its name without
  /// `.json`; nil for names servers would skip (FORMAT.md §2: only `.json`
  /// files are read), including a bare `.json`.
  public static func entityId(fromFileName name: String) -> String? {
    guard name.hasSuffix(".json"), name.utf8.count > 5 else { return nil }
    return String(name.dropLast(5))
  }

  /// Whether `name` is a newer server's temporary write, `<file>.<8 hex>.tmp`,
  /// which a crash leaves behind (FORMAT.md §8).
  public static func isServerTempFile(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard bytes.count > 13, bytes.suffix(4).elementsEqual(".tmp".utf8) else { return false }
    let hex = bytes[(bytes.count - 12)..<(bytes.count - 4)]
    guard bytes[bytes.count - 13] == UInt8(ascii: ".") else { return false }
    return hex.allSatisfy {
      (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0)
    }
  }
}

/// The home directory from the password database, as `os.homedir()` falls
/// back to when `HOME` is unset.
private func passwordDatabaseHome() -> String? {
  #if os(Windows)
    return nil
  #else
    var entry = passwd()
    var result: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 4096)
    let status = getpwuid_r(getuid(), &entry, &buffer, buffer.count, &result)
    guard status == 0, result != nil, let dir = entry.pw_dir else { return nil }
    let home = String(cString: dir)
    return home.isEmpty ? nil : home
  #endif
}

/// The process's working directory.
private func workingDirectory() -> String? {
  var buffer = [CChar](repeating: 0, count: 4096)
  guard getcwd(&buffer, buffer.count) != nil else { return nil }
  let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
  return String(decoding: bytes, as: UTF8.self)
}
