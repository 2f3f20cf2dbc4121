import MaestroStorage

/// `maestro-admin archive create`: moves completed tasks (with their whole
/// subtrees) into one tar archive per run and lists them in the catalog.
///
/// Order, so that a SIGKILL at any point leaves every selected task live or
/// in a verified archive the catalog lists:
/// 1. lock; finish journals a crash left; drop stale staging files;
/// 2. settle catalog against live files (`ArchiveSettlement`); select;
/// 3. write the archive under `.maestro-admin/archive-staging/<name>.partial`
///    (fsynced), read it back and match every member's SHA-256;
/// 4. journal, then apply: rename the archive to `archive/<name>`, write
///    the whole new catalog atomically, remove the live files (fsynced per
///    batch). Recovery rolls an interrupted journal forward; `undo` puts
///    the files and the old catalog back and the archive back in staging.
public struct ArchiveCreateJob: Sendable {
  /// What a run found and did.
  public struct Outcome: Sendable {
    /// Journals a crash had left unfinished, finished first.
    public var recovered: [String] = []
    /// The archive file name written (nil when nothing was selected).
    public var archive: String?
    /// The entries written to the catalog (planned, for a dry run).
    public var archived: [ArchiveCatalogEntry] = []
    /// Tasks that qualified but stay live, with the reason.
    public var holds: [ArchiveSelection.Hold] = []
    /// Ids whose identical live copy was removed (already archived).
    public var settled: [String] = []
    /// What settling the catalog found (missing archives, differing live copies).
    public var problems: [String] = []
    /// The run's journal id (for `undo`); nil when nothing changed.
    public var journal: String?
    /// Bytes of the task files archived.
    public var bytes: Int = 0
    /// Size of the archive file written.
    public var archiveSize: Int64 = 0
    /// Whether it was a dry run.
    public var dryRun: Bool
    /// Wall milliseconds per phase (scan, write, verify, journal, apply).
    public var phases: [(name: String, ms: Double)] = []

    /// 0 nothing to do (or a dry run); 1 tasks archived or settled.
    public var exitStatus: ExitStatus { journal == nil ? .ok : .changed }
  }

  /// The data dir.
  public var dataDir: String
  /// What qualifies.
  public var criteria: ArchiveCriteria
  /// Whether it was a dry run.
  public var dryRun: Bool
  /// Whether to draw progress bars (on a terminal only).
  public var showProgress: Bool
  /// The run's live-server guard: it refuses a data dir a server is
  /// running on before changing anything (a dry run only reports).
  public var liveServer = LiveServerGuard()

  public init(dataDir: String, criteria: ArchiveCriteria, dryRun: Bool = false, showProgress: Bool = false) {
    self.dataDir = dataDir
    self.criteria = criteria
    self.dryRun = dryRun
    self.showProgress = showProgress
  }

  /// The toolkit's staging folder for archives not yet in place.
  public static func stagingFolder(_ dataDir: String) -> String {
    MaintenanceLock.stateFolder(dataDir) + "/archive-staging"
  }

  /// Runs the job.
  /// - Throws: `.usage` (exit 16) for a `--project` the data dir does not
  ///   have; `.serverLive` or `.locked` (exit 75); `.notFound`/`.io` naming
  ///   the file (exit 8), including an archive that does not verify after
  ///   writing (nothing is removed then).
  public func run() async throws -> Outcome {
    try DataDirectory.requireDataDirectory(dataDir, command: "archive create")
    try criteria.validateProject(in: dataDir)
    let lock = dryRun ? nil : try MaintenanceLock(dataDir: dataDir, command: "maestro-admin archive create", liveServer: liveServer)
    defer { lock?.release() }
    let runner = JournalRunner(dataDir: dataDir)
    var outcome = Outcome(dryRun: dryRun)
    if !dryRun {
      outcome.recovered = try runner.recoverInterrupted().map(\.id)
      try removeStaleStaging()
    }
    let now = currentTimeMilliseconds()
    var clock = now
    func phase(_ name: String) {
      let t = currentTimeMilliseconds()
      outcome.phases.append((name, t - clock))
      clock = t
    }
    let catalog = try ArchiveCatalog(root: dataDir)
    let settlement = try ArchiveSettlement(root: dataDir, catalog: catalog)
    outcome.problems = settlement.problems
    outcome.settled = settlement.duplicates.map(\.entry.id)
    let records = try await ArchiveTaskScanner(root: dataDir, criteria: criteria, showProgress: showProgress).scan()
    let selection = ArchiveSelection(records: records, criteria: criteria, exclude: settlement.liveIds)
    outcome.holds = selection.holds
    phase("scan")
    let chosen = selection.selected.map { records[$0] }
    let name = chosen.isEmpty ? nil : Self.archiveName(now: now)
    outcome.archive = name
    outcome.archived = chosen.map { ArchiveCatalogEntry(record: $0, archive: name ?? "", archivedAt: now) }
    outcome.bytes = chosen.reduce(0) { $0 + ($1.bytes?.count ?? 0) }
    if dryRun || (chosen.isEmpty && settlement.duplicates.isEmpty) { return outcome }

    var plan = ChangePlan(dataDir: dataDir)
    if let name {
      let staged = try writeVerifiedArchive(chosen, name: name, now: now)
      outcome.archiveSize = (try? FileSystem.stat(dataDir + "/" + staged).size) ?? 0
      phase("write+verify")
      try plan.move(
        staged, to: ArchiveCatalog.folderName + "/" + name, reason: "archive",
        summary: "put the verified archive in place as archive/\(name)")
    }
    if !outcome.archived.isEmpty {
      let lines = catalog.lines + outcome.archived.map(\.catalogLine)
      try plan.write(
        ArchiveCatalog.relativePath, ArchiveCatalog.serialize(lines), mode: 0o600, reason: "archive",
        summary: "list \(outcome.archived.count) archived task(s) in \(ArchiveCatalog.relativePath)")
    }
    for d in settlement.duplicates {
      try plan.remove(
        d.entry.member!, content: d.content, sha256: d.entry.sha256!, mode: d.mode, reason: "archive settle",
        summary: "remove \(d.entry.member!): identical to its copy in archive/\(d.entry.archive!)")
    }
    for r in chosen {
      try plan.remove(
        r.path, content: r.bytes ?? [], sha256: r.sha256 ?? "", mode: r.mode, reason: "archive",
        summary: "remove \(r.path): archived in archive/\(name ?? "")")
    }
    let progress = ProgressBar("remove", total: plan.actions.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    defer { progress.finish() }
    phase("plan")
    outcome.journal = try runner.run(plan, command: "archive create", progress: progress).id
    phase("journal+remove")
    return outcome
  }

  /// Writes, fsyncs and reads back the archive in staging.
  /// - Returns: its path relative to the data dir.
  private func writeVerifiedArchive(_ chosen: [ArchiveTaskRecord], name: String, now: Double) throws -> String {
    let folder = Self.stagingFolder(dataDir)
    try FileSystem.makeDirectories(folder, mode: 0o700)
    let relative = Journal.stateFolderName + "/archive-staging/" + name + ".partial"
    let path = dataDir + "/" + relative
    let manifest = ArchiveFileWriter.manifest(
      for: chosen, id: String(name.dropLast(".tar.zst".count).suffix(8)), createdAt: now, source: dataDir,
      criteria: criteria)
    let progress = ProgressBar("archive", total: chosen.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    let manifestBytes: [UInt8]
    do {
      manifestBytes = try ArchiveFileWriter.write(chosen, manifest: manifest, to: path, progress: progress)
      progress.finish()
      try FileSystem.fsyncDirectory(folder)
    } catch {
      progress.finish()
      try? FileSystem.removeFile(path)
      throw error
    }
    CrashPoint.reached("archive:written")
    let check = try ArchiveFileReader(path: path).read(expectedManifest: manifestBytes)
    guard check.isVerified else {
      try? FileSystem.removeFile(path)
      let first = check.problems.first.map(\.description) ?? "no manifest"
      throw MaestroError(.io, "the archive did not verify after writing (\(first)); nothing was removed", path: path)
    }
    CrashPoint.reached("archive:verified")
    return relative
  }

  /// Staging files no journal needs: recovery has finished every journal,
  /// so what is left is an archive a crash or an undo abandoned.
  private func removeStaleStaging() throws {
    let folder = Self.stagingFolder(dataDir)
    guard FileSystem.isDirectory(folder) else { return }
    for e in try FileSystem.listDirectory(folder) where e.kind == .file && e.name.hasSuffix(".partial") {
      try FileSystem.removeFile(folder + "/" + e.name)
    }
  }

  /// `<UTC yyyyMMddTHHmmssZ>-<8 hex>.tar.zst`.
  static func archiveName(now: Double) -> String {
    let hex = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    return UTCTime(milliseconds: Int64(now)).compact + "-" + String(repeating: "0", count: 8 - hex.count) + hex
      + ".tar.zst"
  }
}
