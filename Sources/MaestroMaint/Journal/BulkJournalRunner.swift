import MaestroStorage
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@_silgen_name("syncfs")
private func bulkSyncfs(_ fd: Int32) -> Int32

/// Applies a big change plan under a journal with every core and one
/// file-system flush per batch, instead of three fsyncs per change.
///
/// The plan's first `bulkCount` actions must be folder creations followed
/// by writes and removals of distinct files (no moves, nothing that depends
/// on another change but a folder). Folders are made first; then each batch
/// of writes and removals is made on every core through `GuardedFileChange`
/// (a write goes to a temp file beside its target and is exchanged with it,
/// and what came out must be the bytes the change was computed from, else
/// it goes back; a removal is renamed aside and checked the same way), the
/// file system is
/// flushed once (`syncfs`), and the whole batch is marked done in one
/// journal append. Only then does the next batch start. The actions after
/// `bulkCount` (for `migrate`, the history file) run one by one with the
/// journal's usual fsyncs, after everything before them is durable.
///
/// A crash at any point leaves a journal whose done marks name only
/// durable changes; `JournalRunner.recoverInterrupted()` finishes it
/// exactly as it finishes any other (each change recognised by its
/// SHA-256, a leftover temp file settled by `settleLeftovers`). A change
/// whose file changed under the run stops the journal after its batch,
/// naming every such file (`JournalStop`).
public struct BulkJournalRunner: Sendable {
  public let dataDir: String
  public var workers: Int
  /// Changes per flush.
  public var batchSize: Int

  public init(dataDir: String, workers: Int = ParallelMap.defaultWorkers, batchSize: Int = 8192) {
    self.dataDir = dataDir
    self.workers = workers
    self.batchSize = batchSize
  }

  /// The old and new content of a batch of actions, in their order, for
  /// the journal's pack (`nil` where an action needs none).
  public typealias BlobSource = @Sendable ([JournalAction]) async throws -> [(before: [UInt8]?, after: [UInt8]?)]

  /// Actions whose blobs are asked of a `BlobSource` at once: bounds the
  /// bytes in memory while the pack is written.
  static let packBatchSize = 2048

  /// Journals `plan` and applies it.
  /// - Parameter blobs: see `journal(_:bulkCount:command:blobs:)`.
  /// - Throws: I/O errors naming the file; `MaestroError(.io)` naming a file
  ///   that changed since planning (the journal is stopped there, the
  ///   changes made before stay made and can be undone).
  @discardableResult
  public func run(
    _ plan: ChangePlan, bulkCount: Int, command: String, blobs: BlobSource? = nil, progress: ProgressBar? = nil
  ) async throws -> Journal {
    let journal = try await self.journal(plan, bulkCount: bulkCount, command: command, blobs: blobs)
    try await apply(journal, bulkCount: bulkCount, progress: progress)
    return journal
  }

  /// Writes the journal of `plan`, durably, changing nothing else; the
  /// caller may then let go of what produced the blobs before `apply`.
  /// - Parameter blobs: supplies each action's old and new content batch by
  ///   batch as the pack is written, so that no more than a batch is ever
  ///   in memory; `nil` takes them from the plan (`beforeBytes`, `newBytes`).
  public func journal(
    _ plan: ChangePlan, bulkCount: Int, command: String, blobs: BlobSource? = nil
  ) async throws -> Journal {
    for action in plan.actions.prefix(bulkCount) where ![.mkdir, .write, .remove].contains(action.operation) {
      throw MaestroError(.usage, "a bulk plan holds only folder creations, writes and removals (\(action.summary))")
    }
    let pack = try JournalPackWriter(folder: Journal.folder(dataDir))
    var start = 0
    while start < plan.actions.count {
      let batch = Array(plan.actions[start..<min(plan.actions.count, start + Self.packBatchSize)])
      let contents =
        try await blobs?(batch) ?? batch.map { (plan.beforeBytes[$0.seq], $0.newBytes) }
      guard contents.count == batch.count else {
        throw MaestroError(.usage, "the blob source gave \(contents.count) contents for \(batch.count) actions")
      }
      for (action, content) in zip(batch, contents) {
        try pack.add(seq: action.seq, before: content.before, after: content.after)
      }
      start += batch.count
    }
    return try Journal.create(dataDir: dataDir, command: command, actions: plan.actions, pack: pack)
  }

  /// Makes the changes of `journal`, which `journal(_:bulkCount:command:blobs:)`
  /// wrote: its first `bulkCount` actions in batches on every core, the
  /// rest one by one.
  /// - Throws: as `run`; once a change was made, the error records the
  ///   journal as its `partialRun`.
  public func apply(_ journal: Journal, bulkCount: Int, progress: ProgressBar? = nil) async throws {
    do {
      try await applyChanges(journal, bulkCount: bulkCount, progress: progress)
    } catch let stop as JournalStop {
      throw stop
    } catch {
      throw journal.done.isEmpty ? error : MaestroError.afterChanges(error, dataDir: dataDir, journals: [journal.id])
    }
  }

  private func applyChanges(_ journal: Journal, bulkCount: Int, progress: ProgressBar?) async throws {
    let reader = try journal.packReader()
    let root = dataDir
    var pendingDone: [Int] = []
    for action in journal.actions.prefix(bulkCount) where action.operation == .mkdir {
      CrashPoint.reached("journal:before-action")
      let path = root + "/" + action.path
      if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw MaestroError.system("cannot create folder", path: path)
      }
      try DataDirOwner.apply(path: path)
      CrashPoint.reached("journal:after-action")
      pendingDone.append(action.seq)
    }
    let files = journal.actions.prefix(bulkCount).indices.filter { journal.actions[$0].operation != .mkdir }
    var start = 0
    while start < files.count || !pendingDone.isEmpty {
      let batch = files[start..<min(files.count, start + max(1, batchSize))].map {
        (journal.actions[$0], journal.afterRange($0 + 1))
      }
      start += batch.count
      let guarded = GuardedFileChange(root: root, durable: false, keepFolder: JournalRunner.keepFolder(journal))
      let results = await ParallelMap.map(batch, workers: workers) { action, after -> Outcome in
        defer { progress?.advance() }
        do {
          if let conflict = try Self.apply(action, guarded: guarded, newContent: { try after.map(reader.read) ?? [] }) {
            return .changed(conflict)
          }
          return .made
        } catch {
          return .failed("\(error)")
        }
      }
      try flush(root)
      pendingDone += zip(batch, results).filter { if case .made = $0.1 { true } else { false } }.map(\.0.0.seq)
      try journal.markDone(pendingDone)
      pendingDone = []
      if let failed = results.firstIndex(where: { if case .failed = $0 { true } else { false } }),
        case .failed(let reason) = results[failed]
      {
        let action = batch[failed].0
        try journal.stop(at: action.seq, reason: reason)
        throw MaestroError(.io, reason + " (journal \(journal.id) stopped; undo it to put back what it did)", path: root + "/" + action.path)
      }
      let conflicts = results.compactMap { if case .changed(let c) = $0 { c } else { nil } }
      if let first = results.firstIndex(where: { if case .changed = $0 { true } else { false } }) {
        let rest = journal.actions.filter { !journal.done.contains($0.seq) }
        try JournalRunner(dataDir: dataDir).stop(journal, at: batch[first].0, conflicts: conflicts, rest: rest)
      }
      try Cancellation.check()
    }
    try JournalRunner(dataDir: dataDir).finish(journal, progress: progress)
  }

  /// What became of one change of a batch.
  enum Outcome: Sendable {
    case made
    case changed(JournalStop.Conflict)
    case failed(String)
  }

  /// Makes one write or removal, checking first that the path holds what
  /// the plan expects (or already what it leaves), then through `guarded`
  /// (exchange and verify; nothing fsynced: the caller flushes the file
  /// system); a write's new content is read from the pack through
  /// `newContent` only when needed.
  /// - Returns: the conflict when the path does not hold what the change
  ///   was computed from (nothing changed then).
  static func apply(_ action: JournalAction, guarded: GuardedFileChange, newContent: () throws -> [UInt8]) throws
    -> JournalStop.Conflict?
  {
    CrashPoint.reached("journal:before-action")
    let path = guarded.root + "/" + action.path
    RaceHook.reached("journal:before-action", path: path)
    let current = try currentState(at: path)
    if !current.matches(action.after) {
      if let conflict = JournalRunner.conflict(action, current: current) { return conflict }
      let mode = mode_t(action.after.mode ?? 0o644)
      switch action.operation {
      case .write where current.exists:
        if let conflict = try guarded.replace(action.path, with: try newContent(), mode: mode, expected: current.sha256 ?? "") {
          return conflict
        }
      case .write:
        if let conflict = try guarded.create(action.path, with: try newContent(), mode: mode) { return conflict }
      case .remove:
        if let conflict = try guarded.remove(action.path, expected: current.sha256 ?? "") { return conflict }
      default:
        break
      }
    }
    CrashPoint.reached("journal:after-action")
    return nil
  }

  /// `FileState.current(at:)` in one open, one fstat and the reads (no
  /// lstat and stat first): a symlink or a folder is reported as such.
  static func currentState(at path: String) throws -> FileState {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    if fd < 0 {
      if errno == ENOENT { return .absent }
      return try FileState.current(at: path)  // ELOOP (a symlink) and the rest: the general path
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw MaestroError.system("cannot stat file", path: path) }
    if info.st_mode & S_IFMT == S_IFDIR { return FileState(exists: true, isDirectory: true) }
    guard info.st_mode & S_IFMT == S_IFREG else { return try FileState.current(at: path) }
    let bytes = try DescriptorReader.readAll(fd, size: Int(info.st_size), untilEnd: true, path: path)
    return .file(bytes, mode: UInt32(info.st_mode & 0o7777))
  }

  /// The process's umask, read once (reading it means setting it); also
  /// used by `MigrationStager`.
  static let processUmask: mode_t = {
    let old = umask(0o022)
    umask(old)
    return old
  }()

  private func flush(_ root: String) throws {
    let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw MaestroError.system("cannot open data dir", path: root) }
    defer { close(fd) }
    guard bulkSyncfs(fd) == 0 else { throw MaestroError.system("cannot flush the file system (syncfs)", path: root) }
  }
}
