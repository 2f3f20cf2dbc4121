import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `maestro-admin repair`: fixes what `check` finds, planned, journaled and
/// reversible.
///
/// A run takes the maintenance lock, finishes any journal a crash left,
/// checks, and then works in rounds: plan from the findings, apply the plan
/// under a journal of its own, check again. Quarantining or moving a file
/// can leave references to it dangling; the next round removes them. A
/// round of list edits alone cannot create findings, so no re-check follows
/// it. At most `maxRounds` rounds run; every round's journal is reported,
/// and `undo` takes them newest first.
///
/// A dry run plans the first round only and changes nothing (no lock).
public struct RepairJob: Sendable {
  /// One applied round.
  public struct Round: Sendable {
    /// The round's changes, in words.
    public var steps: [RepairStep]
    /// The round's journal id (nil for a dry run).
    public var journal: String?
  }

  /// What a run found and did.
  public struct Outcome: Sendable {
    /// Journals a crash had left unfinished, finished first.
    public var recovered: [String] = []
    /// The rounds applied (or, for a dry run, the one planned).
    public var rounds: [Round] = []
    /// Findings of warning or error severity left after the run (manual
    /// ones, and any the rounds could not settle), within `--only`.
    public var remaining: [Finding] = []
    /// Info findings left as found (facts, `migrate`'s business).
    public var reportOnly: [Finding] = []
    /// The quarantine folder used, relative to the data dir.
    public var quarantineFolder: String
    /// Whether it was a dry run.
    public var dryRun: Bool

    /// The journals written, oldest first; undo them newest first.
    public var journals: [String] { rounds.compactMap(\.journal) }
    /// Every step, across rounds.
    public var steps: [RepairStep] { rounds.flatMap(\.steps) }

    /// 0 nothing to do; 1 repaired and now clean; 4 findings left (for a
    /// dry run: anything to repair or left).
    public var exitStatus: ExitStatus {
      if !remaining.isEmpty { return .problemsLeft }
      if dryRun { return steps.isEmpty ? .ok : .problemsLeft }
      return steps.isEmpty ? .ok : .changed
    }
  }

  /// The data dir.
  public var dataDir: String
  /// Which codes to repair (and judge the result by).
  public var filter: FindingFilter
  /// Whether to plan only.
  public var dryRun: Bool
  /// Whether an orphan gets a placeholder project instead of quarantine.
  public var recreateMissingProjects: Bool
  /// The most rounds one run makes.
  public var maxRounds: Int
  /// Whether check draws a progress bar (on a terminal only).
  public var showProgress: Bool
  /// The run's live-server guard: it refuses a data dir a server is
  /// running on before changing anything (a dry run only reports).
  public var liveServer = LiveServerGuard()

  /// A repair of `dataDir`.
  public init(
    dataDir: String, filter: FindingFilter = FindingFilter(), dryRun: Bool = false,
    recreateMissingProjects: Bool = false, maxRounds: Int = 5, showProgress: Bool = false
  ) {
    self.dataDir = dataDir
    self.filter = filter
    self.dryRun = dryRun
    self.recreateMissingProjects = recreateMissingProjects
    self.maxRounds = maxRounds
    self.showProgress = showProgress
  }

  /// Runs the repair.
  /// - Throws: `MaestroError` `.serverLive` (exit 75) when a server runs on
  ///   the data dir, `.locked` (exit 75) when another run holds the lock;
  ///   `.notFound`/`.io` naming the file for I/O trouble (exit 8);
  ///   `JournalStop` naming every file that changed between the read a
  ///   change was computed from and the change (nothing of theirs is
  ///   overwritten; the round's journal is stopped and, with the earlier
  ///   rounds', can be undone).
  public func run() async throws -> Outcome {
    try DataDirectory.requireDataDirectory(dataDir, command: "repair")
    let lock = dryRun ? nil : try MaintenanceLock(dataDir: dataDir, command: "maestro-admin repair", liveServer: liveServer)
    defer { lock?.release() }
    let runner = JournalRunner(dataDir: dataDir)
    let now = currentTimeMilliseconds()
    var outcome = Outcome(quarantineFolder: "lost+found/" + Self.stamp(now), dryRun: dryRun)
    if !dryRun { outcome.recovered = try runner.recoverInterrupted().map(\.id) }
    let planner = RepairPlanner(
      dataDir: dataDir, filter: filter, recreateMissingProjects: recreateMissingProjects,
      quarantineFolder: outcome.quarantineFolder, now: now)
    let check = DataDirCheck(root: dataDir, showProgress: showProgress)
    var findings = try await check.run().findings
    do {
      for _ in 0..<max(maxRounds, 1) {
        try Cancellation.check()
        let plan = try planner.plan(findings)
        if dryRun {
          // What the first round would leave to a person; the findings its
          // own changes would cause show only after it is applied.
          if !plan.isEmpty { outcome.rounds.append(Round(steps: plan.steps, journal: nil)) }
          findings = plan.manual + plan.deferred + plan.reportOnly
          break
        }
        if plan.isEmpty { break }
        let journal: Journal
        do {
          journal = try runner.run(plan.changes, command: "repair")
        } catch var stop as JournalStop {
          // The earlier rounds' journals are undone too, after this one.
          stop.earlierJournals = outcome.journals
          throw stop
        }
        outcome.rounds.append(Round(steps: plan.steps, journal: journal.id))
        if plan.needsRecheck {
          findings = try await check.run().findings
        } else {
          // Only list edits: every finding they answer is settled; what is
          // left is what the plan left alone.
          // left is what the policy leaves alone, and what the plan could
          // not act on.
          findings =
            findings.filter {
              !filter.includes($0.code) || $0.transience != nil || RepairPlanner.treatment($0.code) != .repair
            }
            + plan.manual.filter { RepairPlanner.treatment($0.code) == .repair }
          break
        }
      }
    } catch let stop as JournalStop {
      throw stop  // it names every journal to undo already
    } catch {
      // A later round (or its check) failed after earlier rounds changed
      // the data dir: their journals go with the error.
      let done = outcome.rounds.compactMap(\.journal)
      throw done.isEmpty ? error : MaestroError.afterChanges(error, dataDir: dataDir, journals: done)
    }
    let selected = findings.filter { filter.includes($0.code) }
    outcome.remaining = selected.filter { $0.severity.affectsExitCode }.sorted()
    outcome.reportOnly = selected.filter { !$0.severity.affectsExitCode }.sorted()
    return outcome
  }

  /// `yyyyMMddTHHmmssZ` in UTC.
  static func stamp(_ ms: Double) -> String {
    var t = time_t(ms / 1000)
    var parts = tm()
    gmtime_r(&t, &parts)
    func pad(_ v: Int32, _ width: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "T"
      + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
  }
}
