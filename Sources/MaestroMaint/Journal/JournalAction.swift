import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a path held at one moment: enough to recognise it again and, with
/// the journal's saved copy, to put it back.
public struct FileState: Sendable, Equatable {
  /// Whether anything is at the path.
  public var exists: Bool
  /// Whether it is a directory (only `mkdir` actions make these).
  public var isDirectory: Bool
  /// SHA-256 of a file's content.
  public var sha256: String?
  /// Permission bits of a file.
  public var mode: UInt32?
  /// For the folders of an `exchange`: the inode number, which tells the two
  /// folders apart whatever they hold.
  public var inode: UInt64?

  public init(exists: Bool, isDirectory: Bool = false, sha256: String? = nil, mode: UInt32? = nil, inode: UInt64? = nil) {
    self.exists = exists
    self.isDirectory = isDirectory
    self.sha256 = sha256
    self.mode = mode
    self.inode = inode
  }

  /// Nothing at the path.
  public static let absent = FileState(exists: false)

  /// A file with these bytes.
  public static func file(_ bytes: [UInt8], mode: UInt32) -> FileState {
    FileState(exists: true, sha256: SHA256.hex(of: bytes), mode: mode)
  }

  /// What is at `path` now (symlinks are not followed).
  public static func current(at path: String) throws -> FileState {
    try currentWithBytes(at: path).state
  }

  /// What is at `path` now and, for a file, the bytes its hash was taken
  /// from (one read).
  static func currentWithBytes(at path: String) throws -> (state: FileState, bytes: [UInt8]?) {
    guard FileSystem.fileExists(path, followSymlinks: false) else { return (.absent, nil) }
    let status = try FileSystem.stat(path, followSymlinks: false)
    if status.kind == .directory { return (FileState(exists: true, isDirectory: true), nil) }
    let bytes = try FileSystem.readFile(path)
    return (.file(bytes, mode: status.mode), bytes)
  }

  /// The folder at `path` and its inode (nil when there is no folder).
  public static func folder(at path: String) -> FileState? {
    var info = stat()
    guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
    return FileState(exists: true, isDirectory: true, inode: UInt64(info.st_ino))
  }

  /// Same content and kind (and the same inode when both name one); the
  /// mode is not compared (a chmod is not a change of data).
  public func matches(_ other: FileState) -> Bool {
    exists == other.exists && isDirectory == other.isDirectory && sha256 == other.sha256
      && (inode == nil || other.inode == nil || inode == other.inode)
  }

  var json: JSONValue {
    var o: JSONObject = ["exists": .bool(exists)]
    if isDirectory { o["directory"] = true }
    if let sha256 { o["sha256"] = .string(sha256) }
    if let mode { o["mode"] = .number(Double(mode)) }
    // A string: an inode number may not fit a double exactly.
    if let inode { o["inode"] = .string(String(inode)) }
    return .object(o)
  }

  init(json: JSONValue?) throws {
    guard let o = json?.objectValue, let exists = o["exists"]?.boolValue else {
      throw MaestroError(.badEntity, "journal: a file state lacks \"exists\"")
    }
    self.init(
      exists: exists, isDirectory: o["directory"]?.boolValue ?? false, sha256: o["sha256"]?.stringValue,
      mode: o["mode"]?.numberValue.map { UInt32($0) }, inode: o["inode"]?.stringValue.flatMap { UInt64($0) })
  }
}

/// One planned change to the data dir, recorded in a journal before it is
/// made so that it can be finished after a crash or undone later.
public struct JournalAction: Sendable, Equatable {
  /// The kind of change.
  public enum Operation: String, Sendable, Equatable {
    /// `path` gets `newBytes` (created or replaced atomically).
    case write
    /// `path` is renamed to `to` (a quarantine, a move to the right folder).
    case move
    /// `path` is deleted; its bytes are kept in the journal for undo.
    case remove
    /// The directory `path` is created (undo removes it again).
    case mkdir
    /// The empty directory `path` is removed (the undo of a `mkdir`).
    case rmdir
    /// The folders `path` and `to` swap names in one step (`RENAME_EXCHANGE`):
    /// a whole migrated tree goes live at once and the old one is kept at
    /// `to`. `before` and `after` describe `path` by inode; the pack holds a
    /// `TreeManifest` of each tree (before: the one leaving `path`, after:
    /// the one arriving), so undo can tell whether the live tree changed.
    case exchange
  }

  /// Position in the journal, from 1.
  public var seq: Int
  public var operation: Operation
  /// Relative to the data dir.
  public var path: String
  /// For `move`: the destination; for `exchange`: the other folder
  /// (relative to the data dir).
  public var to: String?
  /// Why: a finding code, a migration name.
  public var reason: String
  /// The change in words, for plans and logs.
  public var summary: String
  /// `path` before the change.
  public var before: FileState
  /// The changed path (`to` for a move) after the change.
  public var after: FileState
  /// For `write`: the new content (saved beside the journal before any
  /// change, so that an interrupted run can be finished).
  public var newBytes: [UInt8]?

  public init(
    seq: Int = 0, operation: Operation, path: String, to: String? = nil, reason: String, summary: String,
    before: FileState, after: FileState, newBytes: [UInt8]? = nil
  ) {
    self.seq = seq
    self.operation = operation
    self.path = path
    self.to = to
    self.reason = reason
    self.summary = summary
    self.before = before
    self.after = after
    self.newBytes = newBytes
  }

  /// The path whose state `after` describes.
  public var changedPath: String { operation == .move ? (to ?? path) : path }

  var json: JSONObject {
    var o: JSONObject = [
      "type": "action", "seq": .number(Double(seq)), "op": .string(operation.rawValue), "path": .string(path),
    ]
    if let to { o["to"] = .string(to) }
    o["reason"] = .string(reason)
    o["summary"] = .string(summary)
    o["before"] = before.json
    o["after"] = after.json
    return o
  }

  init(json o: JSONObject) throws {
    guard let seq = o["seq"]?.numberValue, let op = o["op"]?.stringValue.flatMap(Operation.init(rawValue:)),
      let path = o["path"]?.stringValue
    else {
      throw MaestroError(.badEntity, "journal: an action lacks seq, op or path")
    }
    try EntityPath.checkRelative(path)
    if let to = o["to"]?.stringValue { try EntityPath.checkRelative(to) }
    self.init(
      seq: Int(seq), operation: op, path: path, to: o["to"]?.stringValue, reason: o["reason"]?.stringValue ?? "",
      summary: o["summary"]?.stringValue ?? "", before: try FileState(json: o["before"]),
      after: try FileState(json: o["after"]))
  }
}

/// Checks on relative paths read back from a journal: a tampered journal must
/// not make undo write outside the data dir.
enum EntityPath {
  static func checkRelative(_ path: String) throws {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false)
    guard !path.isEmpty, !path.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }),
      !path.utf8.contains(0)
    else {
      throw MaestroError(.badEntity, "journal: unsafe path \(path)")
    }
  }
}
