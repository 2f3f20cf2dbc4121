import MaestroStorage

/// `maestro-admin migrate`: status, plan and up.
///
/// `up` runs, in this order: the maintenance lock; recovery of any journal a
/// crash left (and removal of a staging folder no journal names);
/// validation of `migrations.json` (refusing a migration this tool does not
/// know or whose checksum changed). Then, by default (`Strategy.exchange`,
/// see `MigrateJob+Exchange.swift`): every task and session file is read,
/// migrated and written into a staging folder in one pass on both cores
/// (unchanged entries hard-linked); flat tasks are placed; the data dir is
/// checked as it will be, with the staged folders in place of the live ones
/// (and, only when that finds errors, the live data too, to tell the new
/// ones), and any new error stops the run with nothing changed; a backup snapshot;
/// one flush; a check that nothing live changed meanwhile; then ONE journal
/// that moves conflicting copies to lost+found, swaps `tasks/` and
/// `sessions/` each with its staged twin in one step (the old ones stay in
/// the staging folder) and writes the new `migrations.json` last.
///
/// `Strategy.inPlace` (also the fallback where folders cannot be swapped)
/// instead checks first (unless the history shows nothing pending), then
/// journals every file change with its old and new bytes, applies
/// them on both cores with one flush per batch, then checks. Either way
/// `undo <journal>` reverses the whole `up`, record included, and memory
/// holds per-file metadata (paths, hashes), not the files' bytes.
public struct MigrateJob: Sendable {
  /// What `up` did.
  public struct Outcome: Sendable {
    /// Where the data dir stood before the run.
    public var status: MigrationStatus
    /// The migrations applied (or, for a dry run, planned), oldest first.
    public var applied: [Migration] = []
    /// Every file change, in words.
    public var steps: [MigrationStep] = []
    /// Conflicts met and how they were settled.
    public var conflicts: [MigrationConflict] = []
    /// Journals a crash had left, finished first.
    public var recovered: [String] = []
    /// The journal of this run.
    public var journal: String?
    /// The snapshot taken first.
    public var snapshot: String?
    /// Errors the check after the migration found that it did not find before.
    public var newErrors: [Finding] = []
    /// Whether it was a dry run.
    public var dryRun: Bool
    /// Seconds per phase (check, stage, arrange, check-staged, snapshot,
    /// plan, apply; in place: check, scan, snapshot, plan, apply, recheck),
    /// for benchmarks.
    public var phases: [(name: String, seconds: Double)] = []
    /// How the changes were (or would be) made.
    public var strategy: UpOptions.Strategy = .exchange
    /// Why whole folders could not be swapped, when `up` fell back to
    /// rewriting files one by one.
    public var fallbackReason: String?
    /// Whether the check of the staged data found new errors and the run
    /// stopped before changing anything.
    public var changedNothing = false
    /// Staging folders a crash had left before their journal existed, removed.
    public var removedStaging: [String] = []

    /// 0 nothing pending; 1 migrated and check shows no new error; 4 new
    /// errors after migrating (or, for a dry run, anything pending).
    public var exitStatus: ExitStatus {
      if !newErrors.isEmpty { return .problemsLeft }
      if applied.isEmpty { return .ok }
      return dryRun ? .problemsLeft : .changed
    }
  }

  /// The data dir.
  public var dataDir: String
  /// Whether to draw progress bars (on a terminal only).
  public var showProgress: Bool

  /// A migration job on `dataDir`.
  public init(dataDir: String, showProgress: Bool = false) {
    self.dataDir = dataDir
    self.showProgress = showProgress
  }

  /// The history, validated.
  /// - Throws: `MigrationRefusal` (exit 4), `MaestroError(.badEntity)` for an unreadable file.
  public func validatedHistory() throws -> MigrationHistory? {
    try DataDirectory.requireDataDirectory(dataDir, command: "migrate")
    let history = try MigrationHistory.load(dataDir: dataDir)
    try history?.validate(path: dataDir + "/" + MigrationHistory.relativePath)
    return history
  }

  /// Where the data dir stands (read-only: no lock, nothing written).
  public func status() async throws -> MigrationStatus {
    try await prepare(to: nil, withDiffs: false).status
  }

  /// The status and the scanned files for migrating to `target` (default:
  /// the newest version). The content is scanned with every migration when
  /// there is no history (to detect its version) or `detect` is set; that
  /// scan is reused when it applied exactly what is pending.
  public func prepare(
    to target: Int?, withDiffs: Bool, detect: Bool = true
  ) async throws -> (status: MigrationStatus, content: MigrationContent) {
    let latest = Migrations.latestVersion
    let goal = target ?? latest
    guard goal >= 0 && goal <= latest else {
      throw MaestroError(.usage, "--to \(goal): this tool knows versions 0 to \(latest)")
    }
    let history = try validatedHistory()
    let all = Migrations.all
    var content = MigrationContent(dataDir: dataDir)
    var status = MigrationStatus(history: history, contentVersion: nil, currentVersion: history?.version ?? 0, pending: [])
    if history == nil || detect {
      content = try await MigrationScanner(dataDir: dataDir, migrations: all, withDiffs: withDiffs, showProgress: showProgress).scan()
      status.describe(content.files)
    }
    status.pending = all.filter { $0.version > status.currentVersion }
    let wanted = status.pending.filter { $0.version <= goal }
    // The scan above applied every migration; it stands for the wanted ones
    // only when those below them changed nothing (no history: below the
    // content's version) and none above them is left out.
    let reusable = history == nil && goal == latest && !content.files.isEmpty
    if wanted.isEmpty {
      content = MigrationContent(dataDir: dataDir)
    } else if !reusable {
      content = try await MigrationScanner(
        dataDir: dataDir, migrations: wanted, withDiffs: withDiffs, showProgress: showProgress
      ).scan()
    }
    return (status, content)
  }

  /// Plans migrating to `target` without changing anything.
  public func plan(to target: Int?) async throws -> (status: MigrationStatus, migrations: [Migration], plan: MigrationPlanBuilder.Result) {
    let (status, content) = try await prepare(to: target, withDiffs: true)
    let wanted = status.pending.filter { $0.version <= (target ?? Migrations.latestVersion) }
    let builder = MigrationPlanBuilder(dataDir: dataDir, quarantineFolder: "lost+found/" + RepairJob.stamp(currentTimeMilliseconds()))
    return (status, wanted, try builder.build(wanted.isEmpty ? MigrationContent(dataDir: dataDir) : content, record: nil))
  }

  /// Options of `up`.
  public struct UpOptions: Sendable {
    /// The version to reach (default: the newest).
    public var target: Int?
    /// Plan only; change nothing.
    public var dryRun = false
    /// Take a backup snapshot first.
    public var snapshot = true
    /// Default: `DATA_DIR/../maestro-backups`.
    public var snapshotDestination: String?
    /// How to make the changes.
    public var strategy: Strategy = .exchange
    /// The run's live-server guard: it refuses a data dir a server is
    /// running on before changing anything (a dry run only reports).
    public var liveServer = LiveServerGuard()

    /// How `up` makes its changes.
    public enum Strategy: String, Sendable {
      /// Build the migrated `tasks/` and `sessions/` in a staging folder,
      /// check them there, then swap each whole folder in one journaled
      /// step (the old one is kept for undo). Falls back to `inPlace` where
      /// the file system cannot swap two folders.
      case exchange
      /// Replace each changed file on its own, journaled with its old and
      /// new bytes, then check.
      case inPlace = "in-place"
    }

    public init(
      target: Int? = nil, dryRun: Bool = false, snapshot: Bool = true, snapshotDestination: String? = nil,
      strategy: Strategy = .exchange
    ) {
      self.target = target
      self.dryRun = dryRun
      self.snapshot = snapshot
      self.snapshotDestination = snapshotDestination
      self.strategy = strategy
    }
  }

  /// Brings the data dir to `options.target` (default: the newest version).
  /// - Throws: `MigrationRefusal` (exit 4); `MaestroError` `.serverLive` or `.locked` (75),
  ///   `.usage` (16), `.io`/`.notFound` naming the file (8).
  public func up(_ options: UpOptions) async throws -> Outcome {
    if let t = options.target, t < 0 || t > Migrations.latestVersion {
      throw MaestroError(.usage, "--to \(t): this tool knows versions 0 to \(Migrations.latestVersion)")
    }
    if options.snapshot && !options.dryRun {
      // Before any work: a snapshot folder in a server folder (16) or one
      // this user cannot write (8) would otherwise fail after the staging.
      try checkSnapshotDestination(options)
    }
    let lock = options.dryRun ? nil : try MaintenanceLock(dataDir: dataDir, command: "maestro-admin migrate up", liveServer: options.liveServer)
    defer { lock?.release() }
    let runner = JournalRunner(dataDir: dataDir)
    let recovered = options.dryRun ? [] : try runner.recoverInterrupted().map(\.id)
    let removedStaging = options.dryRun ? [] : try MigrationStaging.removeOrphans(dataDir: dataDir)
    var clock = PhaseClock()
    func lap(_ name: String) { clock.lap(name) }
    var strategy = options.strategy
    var fallbackReason: String? = nil
    if !options.dryRun && strategy == .exchange {
      fallbackReason = MigrationStaging.exchangeUnavailable(dataDir: dataDir)
      if fallbackReason != nil { strategy = .inPlace }
    }
    if !options.dryRun && strategy == .exchange {
      // The live data stays untouched until the swap, so its check is
      // needed only when the staged data shows errors (to tell the new
      // ones): see `upExchanging`.
      let empty = MigrationStatus(history: nil, contentVersion: nil, currentVersion: 0, pending: [])
      var outcome = Outcome(status: empty, recovered: recovered, dryRun: false)
      outcome.removedStaging = removedStaging
      outcome = try await upExchanging(options, outcome: outcome, clock: &clock)
      outcome.phases = clock.phases
      return outcome
    }
    // In place, the check runs first, while nothing else is in memory: the
    // scan's per-file data and a full check of a big dir must not peak
    // together. It is skipped when the history already shows nothing to do.
    var errorsBefore: Set<String> = []
    let goalVersion = options.target ?? Migrations.latestVersion
    if !options.dryRun, try validatedHistory().map({ $0.version < goalVersion }) ?? true {
      // Only the keys of its errors are kept: the findings of a big legacy
      // dir would otherwise stay in memory for the whole run.
      errorsBefore = Self.errorKeys(try await DataDirCheck(root: dataDir, showProgress: showProgress).run().findings)
      ProcessMemory.returnFreePages()
      lap("check")
    }
    var (status, content) = try await prepare(to: options.target, withDiffs: options.dryRun, detect: false)
    ProcessMemory.returnFreePages()
    lap("scan")
    var outcome = Outcome(status: status, recovered: recovered, dryRun: options.dryRun)
    outcome.strategy = strategy
    outcome.fallbackReason = fallbackReason
    outcome.removedStaging = removedStaging
    let goal = options.target ?? Migrations.latestVersion
    let wanted = status.pending.filter { $0.version <= goal }
    guard !wanted.isEmpty else { return outcome }
    outcome.applied = wanted

    let now = currentTimeMilliseconds()
    let history = status.record(applying: wanted, goal: goal, at: now)
    let builder = MigrationPlanBuilder(dataDir: dataDir, quarantineFolder: "lost+found/" + RepairJob.stamp(now))
    if options.dryRun {
      let plan = try builder.build(content, record: history)
      outcome.steps = plan.steps
      outcome.conflicts = plan.conflicts
      return outcome
    }
    if options.snapshot {
      outcome.snapshot = try snapshot(options, goal: goal, leftOut: [])
      lap("snapshot")
    }
    var plan = try builder.build(content, record: history)
    ProcessMemory.returnFreePages()
    lap("plan")
    outcome.steps = plan.steps
    outcome.conflicts = plan.conflicts
    let progress = ProgressBar(
      "migrate: writing", total: plan.changes.actions.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    let changes = plan.changes
    let needs = plan.needs
    let scanned = content
    let bulk = BulkJournalRunner(dataDir: dataDir)
    let journal = try await bulk.journal(
      changes, bulkCount: plan.bulkCount, command: "migrate up",
      blobs: { try await scanned.blobs(for: $0, needs: needs, plan: changes) })
    // The journal holds all that is needed now; let go of the scan and the
    // plan's per-file data before the long apply.
    content = MigrationContent(dataDir: dataDir)
    plan.needs = []
    plan.changes = ChangePlan(dataDir: dataDir)
    ProcessMemory.returnFreePages()
    try await bulk.apply(journal, bulkCount: plan.bulkCount, progress: progress)
    progress.finish()
    lap("apply")
    outcome.journal = journal.id
    let after: CheckReport
    do {
      after = try await DataDirCheck(root: dataDir, showProgress: showProgress).run()
    } catch {
      // Migrated already: a failed (or cancelled) re-check leaves the
      // journal to undo.
      throw MaestroError.afterChanges(error, dataDir: dataDir, journals: [journal.id])
    }
    lap("recheck")
    outcome.newErrors = Self.newErrors(before: errorsBefore, after: after.findings)
    outcome.phases = clock.phases
    return outcome
  }

  /// Takes the verified snapshot `up` starts with (into
  /// `--snapshot-dest`, default `DATA_DIR/../maestro-backups`), leaving
  /// `leftOut` folders out; returns its path.
  func snapshot(_ options: UpOptions, goal: Int, leftOut: [String]) throws -> String {
    var snapshotOptions = SnapshotCreator.Options(dataDir: dataDir, destination: snapshotDestination(options))
    snapshotOptions.destinationOption = "--snapshot-dest"
    snapshotOptions.label = "before migrate up to \(goal)"
    snapshotOptions.showProgress = showProgress
    snapshotOptions.leftOut = leftOut
    return try SnapshotCreator(snapshotOptions).run().path
  }

  /// `--snapshot-dest`, or its default beside the data dir.
  func snapshotDestination(_ options: UpOptions) -> String {
    options.snapshotDestination ?? FileSystem.parentDirectory(of: FileSystem.absolutePath(dataDir)) + "/maestro-backups"
  }

  /// Refuses a snapshot folder inside a server folder (16) and one this
  /// user cannot create or write (8), saying what to pass instead.
  func checkSnapshotDestination(_ options: UpOptions) throws {
    let destination = snapshotDestination(options)
    try OutputLocation.refuseServerFolder(destination, option: "--snapshot-dest")
    do {
      try OutputLocation.checkWritable(destination, option: "--snapshot-dest")
    } catch var error as MaestroError {
      let given = options.snapshotDestination == nil ? " (the default, beside the data dir)" : ""
      error.message += "\(given); pass --snapshot-dest a folder this user can write, or --no-snapshot"
      throw error
    }
  }

  /// Errors after that were not there before, compared by code, entity and
  /// id (a moved file keeps its finding).
  static func newErrors(before: Set<String>, after: [Finding]) -> [Finding] {
    after.filter { $0.severity == .error && !before.contains(errorKey($0)) }.sorted()
  }

  /// The keys (`errorKey`) of the errors among `findings`.
  static func errorKeys(_ findings: [Finding]) -> Set<String> {
    Set(findings.filter { $0.severity == .error }.map(errorKey))
  }

  private static func errorKey(_ f: Finding) -> String {
    "\(f.code.rawValue)\u{0}\(f.entity.rawValue)\u{0}\(f.id ?? "")\u{0}\(f.ref ?? "")"
  }
}
