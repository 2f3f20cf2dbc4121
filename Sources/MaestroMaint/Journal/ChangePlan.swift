import MaestroStorage

/// A list of changes to a data dir, built against what is on disk now and
/// applied later by `JournalRunner`. Each change records the state it expects
/// to find, so a file that changes in between is never overwritten blindly.
///
/// Missing parent folders of a new file or a move's destination get their own
/// `mkdir` actions, so that undo removes them again and the tree comes back
/// exactly.
public struct ChangePlan: Sendable {
  /// The data dir the paths are relative to.
  public let dataDir: String
  /// The changes, in the order they will be made.
  public private(set) var actions: [JournalAction] = []
  /// Old content of files that writes replace or removes delete, by seq.
  public private(set) var beforeBytes: [Int: [UInt8]] = [:]
  private var plannedDirectories: Set<String> = []
  /// Paths the plan has already claimed as a destination.
  private var claimed: Set<String> = []

  public init(dataDir: String) {
    self.dataDir = dataDir
  }

  /// Makes room for `count` actions in all (a big plan built at once).
  public mutating func reserveCapacity(_ count: Int) {
    actions.reserveCapacity(count)
  }

  /// Whether nothing is planned.
  public var isEmpty: Bool { actions.isEmpty }

  private func absolute(_ relative: String) -> String { dataDir + "/" + relative }

  /// Plans `relative` to hold `bytes` (a new file or a rewrite). A file
  /// created keeps `mode`; a rewrite keeps the file's own mode.
  public mutating func write(
    _ relative: String, _ bytes: [UInt8], mode: UInt32 = 0o644, reason: String, summary: String
  ) throws {
    try EntityPath.checkRelative(relative)
    let before = try FileState.current(at: absolute(relative))
    if before.isDirectory {
      throw MaestroError(.io, "cannot write a file over a directory", path: absolute(relative))
    }
    try planParents(of: relative, reason: reason)
    let after = FileState.file(bytes, mode: before.mode ?? mode)
    append(
      JournalAction(
        operation: .write, path: relative, reason: reason, summary: summary, before: before, after: after,
        newBytes: bytes),
      oldBytes: before.exists ? try FileSystem.readFile(absolute(relative)) : nil)
  }

  /// Plans `relative`, which held `original` when the caller read it and
  /// computed `bytes` from it, to hold `bytes`: the change expects exactly
  /// `original` (not whatever is there when the plan is written), so a
  /// write someone makes after that read is never replaced.
  public mutating func write(
    _ relative: String, _ bytes: [UInt8], computedFrom original: [UInt8], reason: String, summary: String
  ) throws {
    try EntityPath.checkRelative(relative)
    let mode = (try? FileSystem.stat(absolute(relative), followSymlinks: false).mode) ?? 0o644
    try planParents(of: relative, reason: reason)
    append(
      JournalAction(
        operation: .write, path: relative, reason: reason, summary: summary, before: .file(original, mode: mode),
        after: .file(bytes, mode: mode), newBytes: bytes),
      oldBytes: original)
  }

  /// Plans `relative` to hold `bytes` where the caller knows the state the
  /// change was computed from (`before`, with its bytes `oldBytes` for
  /// undo when a file): used by undo, whose expected state is what the
  /// undone journal left.
  mutating func write(
    _ relative: String, _ bytes: [UInt8], mode: UInt32, before: FileState, oldBytes: [UInt8]?, reason: String,
    summary: String
  ) throws {
    try EntityPath.checkRelative(relative)
    try planParents(of: relative, reason: reason)
    append(
      JournalAction(
        operation: .write, path: relative, reason: reason, summary: summary, before: before,
        after: .file(bytes, mode: before.mode ?? mode), newBytes: bytes),
      oldBytes: before.exists ? oldBytes : nil)
  }

  /// Plans a rename of `relative` to `destination`, which must not exist.
  /// - Parameter original: the bytes the decision to move was made from,
  ///   when the caller read them (else the file is read now).
  public mutating func move(
    _ relative: String, to destination: String, computedFrom original: [UInt8]? = nil, reason: String,
    summary: String
  ) throws {
    try EntityPath.checkRelative(relative)
    try EntityPath.checkRelative(destination)
    var before = try FileState.current(at: absolute(relative))
    if let original, before.exists, !before.isDirectory { before = .file(original, mode: before.mode ?? 0o644) }
    guard before.exists else { throw MaestroError(.notFound, "nothing to move", path: absolute(relative)) }
    guard !FileSystem.fileExists(absolute(destination), followSymlinks: false), !claimed.contains(destination) else {
      throw MaestroError(.io, "destination of a move already exists", path: absolute(destination))
    }
    try planParents(of: destination, reason: reason)
    claimed.insert(destination)
    append(
      JournalAction(
        operation: .move, path: relative, to: destination, reason: reason, summary: summary, before: before,
        after: before),
      oldBytes: nil)
  }

  /// Plans the deletion of the file `relative`; its bytes stay in the
  /// journal so undo can bring it back.
  public mutating func remove(_ relative: String, reason: String, summary: String) throws {
    try EntityPath.checkRelative(relative)
    let before = try FileState.current(at: absolute(relative))
    guard before.exists, !before.isDirectory else {
      throw MaestroError(.notFound, "no file to remove", path: absolute(relative))
    }
    append(
      JournalAction(operation: .remove, path: relative, reason: reason, summary: summary, before: before, after: .absent),
      oldBytes: try FileSystem.readFile(absolute(relative)))
  }

  /// Plans the deletion of the file `relative` whose content the caller has
  /// just read (an archive run hashed it already): not read again here. If
  /// the file changes before the change is made, the runner stops there.
  public mutating func remove(
    _ relative: String, content: [UInt8], sha256: String, mode: UInt32, reason: String, summary: String
  ) throws {
    try EntityPath.checkRelative(relative)
    append(
      JournalAction(
        operation: .remove, path: relative, reason: reason, summary: summary,
        before: FileState(exists: true, sha256: sha256, mode: mode), after: .absent),
      oldBytes: content)
  }

  /// Plans the removal of an empty directory (undo of a `mkdir`).
  mutating func removeDirectory(_ relative: String, reason: String) throws {
    try EntityPath.checkRelative(relative)
    append(
      JournalAction(
        operation: .rmdir, path: relative, reason: reason, summary: "remove folder \(relative)",
        before: FileState(exists: true, isDirectory: true), after: .absent),
      oldBytes: nil)
  }

  /// Plans swapping the folders `relative` and `other` in one step; each
  /// must exist now. The manifests describe the tree now at `relative`
  /// (`leaving`) and the one at `other` that takes its place (`arriving`);
  /// they go into the journal's pack for undo.
  public mutating func exchange(
    _ relative: String, with other: String, leaving: TreeManifest, arriving: TreeManifest, reason: String,
    summary: String
  ) throws {
    try EntityPath.checkRelative(relative)
    try EntityPath.checkRelative(other)
    guard let before = FileState.folder(at: absolute(relative)) else {
      throw MaestroError(.notFound, "no folder to exchange", path: absolute(relative))
    }
    guard let after = FileState.folder(at: absolute(other)) else {
      throw MaestroError(.notFound, "no folder to exchange with", path: absolute(other))
    }
    append(
      JournalAction(
        operation: .exchange, path: relative, to: other, reason: reason, summary: summary, before: before,
        after: after, newBytes: arriving.serialized()),
      oldBytes: leaving.serialized())
  }

  /// Adds an action whose states were worked out by the caller (undo).
  mutating func appendPrepared(_ action: JournalAction, oldBytes: [UInt8]?) {
    append(action, oldBytes: oldBytes)
  }

  private mutating func planParents(of relative: String, reason: String) throws {
    var missing: [String] = []
    var parent = FileSystem.parentDirectory(of: relative)
    while parent != "." && !plannedDirectories.contains(parent) && !FileSystem.isDirectory(absolute(parent)) {
      if FileSystem.fileExists(absolute(parent), followSymlinks: false) {
        throw MaestroError(.io, "a file stands where a folder is needed", path: absolute(parent))
      }
      missing.append(parent)
      parent = FileSystem.parentDirectory(of: parent)
    }
    for dir in missing.reversed() {
      plannedDirectories.insert(dir)
      append(
        JournalAction(
          operation: .mkdir, path: dir, reason: reason, summary: "create folder \(dir)", before: .absent,
          after: FileState(exists: true, isDirectory: true)),
        oldBytes: nil)
    }
  }

  private mutating func append(_ action: JournalAction, oldBytes: [UInt8]?) {
    var action = action
    action.seq = actions.count + 1
    actions.append(action)
    if let oldBytes { beforeBytes[action.seq] = oldBytes }
  }
}
