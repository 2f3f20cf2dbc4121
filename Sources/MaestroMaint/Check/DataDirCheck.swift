import MaestroStorage

/// `maestro-admin check`: the integrity of a data dir's files, layout,
/// links and references (FORMAT.md §6–§8), reported as `Finding`s.
///
/// Read-only: it opens files for reading and lists folders, nothing else,
/// so it works on a directory the user cannot write. It streams: entity
/// files are read and parsed on every core, each reduced to an
/// `EntityRecord` (ids and link lists) before the next is read; the
/// cross-file analysis then works on the records alone.
///
/// It also works on a live data dir (a server writing): the version of
/// every file read is stamped, and errors and warnings whose files changed
/// meanwhile are judged again at the end (`LiveRecheck`); those that were
/// only a write in flight come out `transient`, which never sets the exit
/// code. On a data dir at rest that costs a `stat` per file behind a
/// finding.
///
/// ```swift
/// let report = try await DataDirCheck(root: "/srv/maestro/data").run()
/// print(report.verdict)
/// ```
public struct DataDirCheck: Sendable {
  /// The data dir.
  public var root: String
  /// Which codes to report.
  public var filter: FindingFilter
  /// How many files to read and parse at once.
  public var workers: Int
  /// Whether to draw a progress bar on stderr (only when it is a terminal).
  public var showProgress: Bool
  /// Top-level folders to read from elsewhere, by name (`tasks` → a
  /// staged twin): `migrate` checks the data dir as it will be before it
  /// swaps the folders in.
  public var overlay: [String: String] = [:]
  /// Whether to judge again, at the end, the findings whose files changed
  /// during the run (always off with an `overlay`).
  public var rejudgesChangedFiles = true
  /// Runs with 0 between the first pass and the re-judging, then with the
  /// round's number before each round of re-reads (tests stand in for a
  /// server's writes here).
  var duringRejudging: (@Sendable (Int) -> Void)?

  /// A check of the data dir at `root`.
  public init(
    root: String, filter: FindingFilter = FindingFilter(), workers: Int = ParallelMap.defaultWorkers,
    showProgress: Bool = false
  ) {
    self.root = root
    self.filter = filter
    self.workers = workers
    self.showProgress = showProgress
  }

  /// Runs the check.
  ///
  /// - Returns: the report; its `exitStatus` is 0 or 4.
  /// - Throws: `MaestroError` `.notFound` when the data dir does not exist,
  ///   `.io` when it or one of its folders cannot be listed (exit 8), and
  ///   `.cancelled` after SIGINT (exit 32).
  public func run() async throws -> CheckReport {
    let started = ContinuousClock.now
    try DataDirectory.requireDirectory(root)
    let ledger = ReadLedger()
    let tree: any DataDirTree =
      overlay.isEmpty ? RecordingTree(root: root, ledger: ledger) : OverlayTree(root: root, overlay: overlay)
    let aliases = Self.realPath(root).map { [$0] } ?? []
    let pass = try CheckPass(root: root, aliases: aliases, tree: tree)
    let inspector = pass.inspector
    let count = pass.scan.files.count
    ledger.prepare(entityFiles: count)
    let progress = ProgressBar(
      "check", total: count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    var partials = await ParallelMap.reduce(
      0..<count, workers: workers,
      initial: { [workers] in EntityFileInspector.Partial(capacity: count / max(workers, 1) + 1) }
    ) { partial, index in
      guard !Cancellation.isRequested else { return }
      inspector.inspect(index, read(pass.scan.files[index].relativePath, entity: index, ledger), into: &partial)
      progress.advance()
    }
    progress.finish()
    try Cancellation.check()
    let report = try pass.finish(
      partials: &partials, read: { read($0, entity: nil, ledger) }, filter: filter, started: started)
    guard overlay.isEmpty && rejudgesChangedFiles else { return report }
    duringRejudging?(0)
    var recheck = LiveRecheck(root: root, aliases: aliases, files: pass.scan.files, ledger: ledger)
    recheck.beforeRound = duringRejudging
    var rejudged = recheck.run(report)
    let elapsed = ContinuousClock.now - started
    rejudged.durationMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    return rejudged
  }

  /// The bytes of the file at `relative`, or why they cannot be read; the
  /// version read goes into `ledger` (entity file number `entity`, or by path).
  private func read(_ relative: String, entity: Int?, _ ledger: ReadLedger) -> Result<[UInt8], MaestroError> {
    do {
      let (bytes, stamp) = try FileSystem.readFileStamped(OverlayTree.path(of: relative, root: root, overlay: overlay))
      if let entity { ledger.record(entity: entity, stamp) } else { ledger.record(other: relative, stamp) }
      return .success(bytes)
    } catch let error as MaestroError {
      return .failure(error)
    } catch {
      return .failure(MaestroError(.io, "\(error)", path: relative))
    }
  }

  /// The canonical absolute path of `path`, if it differs from `path`
  /// (a data dir reached through a symlink).
  static func realPath(_ path: String) -> String? {
    guard let real = SymlinkTarget.realPath(path) else { return nil }
    return real == path ? nil : real
  }
}
