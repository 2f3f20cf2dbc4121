import MaestroStorage

/// `migrate up` by whole folders: the migrated `tasks/` and `sessions/` are
/// built in a staging folder while every file is read, checked there as the
/// data dir will be, and only then swapped in, each in one journaled
/// `exchange`. A check that finds a new error stops the run before any
/// live file is touched; a crash before the journal leaves only scratch.
extension MigrateJob {
  /// The clock of `up`'s phases.
  struct PhaseClock {
    var mark = ContinuousClock.now
    var phases: [(name: String, seconds: Double)] = []

    mutating func lap(_ name: String) {
      let now = ContinuousClock.now
      let d = now - mark
      phases.append((name, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18))
      mark = now
    }
  }

  /// `up` with the exchange strategy; the lock is held and interrupted
  /// journals are finished.
  func upExchanging(_ options: UpOptions, outcome start: Outcome, clock: inout PhaseClock) async throws -> Outcome {
    var outcome = start
    let latest = Migrations.latestVersion
    let goal = options.target ?? latest
    let all = Migrations.all
    let history = try validatedHistory()
    var status = MigrationStatus(history: history, contentVersion: nil, currentVersion: history?.version ?? 0, pending: [])
    var toStage: [Migration]
    if history == nil && goal != latest {
      // The content's version decides what is pending below the target:
      // detect it first (a read-only scan), then stage just those.
      status = try await prepare(to: goal, withDiffs: false, detect: true).status
      toStage = status.pending.filter { $0.version <= goal }
    } else if let history {
      status.pending = all.filter { $0.version > history.version }
      toStage = status.pending.filter { $0.version <= goal }
    } else {
      // No history, newest target: every migration is staged; those the
      // content is already past change nothing, and the scan tells which.
      toStage = all
    }
    guard !toStage.isEmpty else {
      outcome.status = status
      return outcome
    }

    let now = currentTimeMilliseconds()
    let staging = MigrationStaging.newName(now: now)
    let stagingPath = dataDir + "/" + staging
    var keepStaging = false
    defer { if !keepStaging { DirectorySwap.removeTree(stagingPath) } }
    let stager = MigrationStager(dataDir: dataDir, staging: staging, migrations: toStage, showProgress: showProgress)
    var staged = try await stager.stage()
    ProcessMemory.returnFreePages()
    clock.lap("stage")
    if history == nil && goal == latest {
      status.describe(staged.content.files)
      status.pending = all.filter { $0.version > status.currentVersion }
    }
    outcome.status = status
    let wanted = status.pending.filter { $0.version <= goal }
    guard !wanted.isEmpty else { return outcome }
    outcome.applied = wanted

    let record = status.record(applying: wanted, goal: goal, at: now)

    let quarantineFolder = "lost+found/" + RepairJob.stamp(now)
    let builder = MigrationPlanBuilder(dataDir: dataDir, quarantineFolder: quarantineFolder)
    let decisions = try builder.decide(staged.content)
    let madeFolders = try stager.arrange(decisions, staged: staged, quarantineFolder: quarantineFolder)
    outcome.steps = decisions.steps
    outcome.conflicts = decisions.conflicts
    let files = staged.content.files
    var changedFolders = Set<String>()
    if !decisions.flat.isEmpty { changedFolders.insert("tasks") }
    for k in decisions.rewrites { changedFolders.insert(String(files[k].path.prefix { $0 != "/" })) }
    let swapped = staged.folders.map(\.path).filter(changedFolders.contains)
    clock.lap("arrange")

    // The staged files go to disk while the check reads them from memory:
    // the flush before the journal then has little left to do.
    let flush = BackgroundCall { try DirectorySwap.syncFileSystem(of: stagingPath) }
    // The data dir as it will be, checked before anything live changes.
    var check = DataDirCheck(root: dataDir, showProgress: showProgress)
    for name in swapped { check.overlay[name] = stagingPath + "/" + name }
    let after = try await check.run().findings
    try flush.join()
    clock.lap("check-staged")
    if after.contains(where: { $0.severity == .error }) {
      // Only now is the live data's check needed: which errors are new.
      let before = Self.errorKeys(try await DataDirCheck(root: dataDir, showProgress: showProgress).run().findings)
      outcome.newErrors = Self.newErrors(before: before, after: after)
      clock.lap("check")
    }
    ProcessMemory.returnFreePages()
    if !outcome.newErrors.isEmpty {
      outcome.changedNothing = true
      return outcome
    }

    if options.snapshot {
      outcome.snapshot = try snapshot(options, goal: goal, leftOut: [staging])
      clock.lap("snapshot")
    }

    // Everything staged is durable before the journal names it.
    try DirectorySwap.syncFileSystem(of: stagingPath)
    CrashPoint.reached("migrate:staged")
    // Anything created, removed or changed under tasks/ and sessions/
    // since the scan: refused, nothing swapped.
    let watch = MigrationWatch(staged)
    RaceHook.reached("migrate:scanned", path: dataDir)
    let changed = watch.changes(dataDir: dataDir, in: MigrationStager.folders)
    guard changed.isEmpty else {
      throw MigrationChangedUnderneath(dataDir: dataDir, paths: changed)
    }

    var plan = ChangePlan(dataDir: dataDir)
    let quarantines = FileSystem.isDirectory(stagingPath + "/" + quarantineFolder, followSymlinks: false)
    if quarantines {
      try plan.move(
        staging + "/" + quarantineFolder, to: quarantineFolder, reason: "migrate",
        summary: "move the conflicting copies to \(quarantineFolder)")
    }
    for name in swapped {
      let trees = MigrationStager.manifests(of: name, staged: staged, decisions: decisions, madeFolders: madeFolders)
      try plan.exchange(
        name, with: staging + "/" + name, leaving: trees.before, arriving: trees.after, reason: "migrate",
        summary: "swap in the migrated \(name)/ (the old one is kept at \(staging)/\(name))")
    }
    staged = MigrationStager.Staged(
      content: MigrationContent(dataDir: dataDir), fingerprints: [], stagedPaths: [], folders: [], others: [])
    let path = MigrationHistory.relativePath
    try plan.write(path, record.serialized(), mode: 0o600, reason: "migrate", summary: "record migrations in \(path)")
    clock.lap("plan")
    keepStaging = true
    // Right after each swap, the folder swapped out must still be what was
    // read: a write that landed after the look above is put back live.
    let root = dataDir
    let journal = try JournalRunner(dataDir: dataDir).run(
      plan, command: "migrate up",
      exchangeCheck: { action in
        watch.changes(dataDir: root, in: [action.path], location: { _ in root + "/" + (action.to ?? "") })
      })
    outcome.journal = journal.id
    // Folders staged but not swapped hold only links to the live files; a
    // staging folder the journal does not name at all goes entirely.
    if swapped.isEmpty && !quarantines {
      DirectorySwap.removeTree(stagingPath)
    } else {
      for name in MigrationStager.folders where !swapped.contains(name) {
        DirectorySwap.removeTree(stagingPath + "/" + name)
      }
    }
    clock.lap("apply")
    return outcome
  }
}
