import MaestroStorage

/// `maestro-admin archive restore`: puts archived tasks back at their own
/// paths, byte for byte, and drops their catalog lines, in one journal.
///
/// All or nothing: every target is judged first (safe catalog line, archive
/// verified, member's SHA-256 equal to the catalog's, the document's id the
/// catalog's id, no differing live file); one refusal refuses the run,
/// naming the member, and nothing changes. A live file identical to the
/// archived copy is not rewritten; only its catalog line goes.
public struct ArchiveRestoreJob: Sendable {
  /// What a run did.
  public struct Outcome: Sendable {
    /// Journals a crash had left unfinished, finished first.
    public var recovered: [String] = []
    /// The tasks put back (or, for a dry run, that would be).
    public var restored: [ArchiveCatalogEntry] = []
    /// Tasks already live with identical bytes: only their lines go.
    public var alreadyLive: [String] = []
    /// The run's journal id (for `undo`); nil when nothing changed.
    public var journal: String?
    /// Whether it was a dry run.
    public var dryRun: Bool

    /// 1 when anything changed; 0 otherwise (and for a dry run).
    public var exitStatus: ExitStatus { journal == nil ? .ok : .changed }
  }

  /// The data dir.
  public var dataDir: String
  /// Task ids to restore.
  public var ids: [String]
  /// Or every task of this archive (a file name or path).
  public var archive: String?
  /// Whether it was a dry run.
  public var dryRun: Bool
  /// The run's live-server guard: it refuses a data dir a server is
  /// running on before changing anything (a dry run only reports).
  public var liveServer = LiveServerGuard()

  public init(dataDir: String, ids: [String], archive: String? = nil, dryRun: Bool = false) {
    self.dataDir = dataDir
    self.ids = ids
    self.archive = archive
    self.dryRun = dryRun
  }

  /// Runs the restore.
  /// - Throws: `.archiveRefused` (exit 4) naming the member, file or id;
  ///   `.serverLive` or `.locked` (75); `.io`/`.notFound` (8).
  public func run() throws -> Outcome {
    try DataDirectory.requireDataDirectory(dataDir, command: "archive restore")
    let lock = dryRun ? nil : try MaintenanceLock(dataDir: dataDir, command: "maestro-admin archive restore", liveServer: liveServer)
    defer { lock?.release() }
    let runner = JournalRunner(dataDir: dataDir)
    var outcome = Outcome(dryRun: dryRun)
    if !dryRun { outcome.recovered = try runner.recoverInterrupted().map(\.id) }
    let catalog = try ArchiveCatalog(root: dataDir)
    let targets = try resolveTargets(catalog)

    var contents: [String: (bytes: [UInt8], mode: UInt32)] = [:]
    for (archivePath, group) in Dictionary(grouping: targets, by: \.archivePath).sorted(by: { $0.key < $1.key }) {
      guard FileSystem.fileExists(archivePath) else {
        throw MaestroError(.archiveRefused, "the archive is missing; cannot restore \(group[0].member)", path: archivePath)
      }
      let result = try ArchiveFileReader(path: archivePath).read(wanted: Set(group.map(\.member)))
      if let problem = result.problems.first {
        throw MaestroError(.archiveRefused, "archive refused: \(problem)", path: archivePath)
      }
      for t in group {
        guard let c = result.contents[t.member] else {
          throw MaestroError(.archiveRefused, "member \(t.member) is not in the archive", path: archivePath)
        }
        try check(c.bytes, against: t)
        contents[t.member] = c
      }
    }

    var plan = ChangePlan(dataDir: dataDir)
    for t in targets {
      let c = contents[t.member]!
      let live = dataDir + "/" + t.member
      if FileSystem.fileExists(live, followSymlinks: false) {
        guard (try? FileState.current(at: live))?.sha256 == t.sha256 else {
          throw MaestroError(
            .archiveRefused, "a live file differs from the archived task \(EntityId.quoted(t.entry.id)); not overwritten",
            path: live)
        }
        outcome.alreadyLive.append(t.entry.id)
        continue
      }
      outcome.restored.append(t.entry)
      try plan.write(
        t.member, c.bytes, mode: c.mode == 0 ? 0o644 : c.mode, reason: "archive restore",
        summary: "restore \(t.member) from \(FileSystem.lastComponent(of: t.archivePath))")
    }
    let restoredIds = Set(targets.map(\.entry.id))
    let kept = catalog.lines.filter { line in line.entry.map { !restoredIds.contains($0.id) } ?? true }
    try plan.write(
      ArchiveCatalog.relativePath, ArchiveCatalog.serialize(kept), mode: 0o600, reason: "archive restore",
      summary: "drop \(restoredIds.count) restored task(s) from \(ArchiveCatalog.relativePath)")
    if dryRun || targets.isEmpty { return outcome }
    outcome.journal = try runner.run(plan, command: "archive restore").id
    return outcome
  }

  /// The catalog entries to restore, each judged safe.
  private func resolveTargets(_ catalog: ArchiveCatalog) throws -> [ArchiveTarget] {
    var latest: [String: ArchiveCatalogEntry] = [:]
    for e in catalog.entries { latest[e.id] = e }
    var entries: [ArchiveCatalogEntry] = []
    if let archive {
      let name = FileSystem.lastComponent(of: archive)
      guard ArchiveLibrary.isArchiveName(name) else {
        throw MaestroError(.usage, "\(EntityId.quoted(name)) is not an archive file name (<time>-<id>.tar.zst)")
      }
      entries = latest.values.filter { $0.archive == name }.sorted { $0.id < $1.id }
      guard !entries.isEmpty else {
        throw MaestroError(.archiveRefused, "the catalog lists no task in archive/\(name)", path: archive)
      }
    } else {
      for id in ids {
        try EntityId.validate(id)
        guard let e = latest[id] else {
          throw MaestroError(.archiveRefused, "task \(EntityId.quoted(id)) is not in the archive catalog", id: id)
        }
        entries.append(e)
      }
    }
    return try entries.map { try ArchiveTarget(entry: $0, root: dataDir) }
  }

  /// The member's bytes must be the catalog's and hold the catalog's id.
  private func check(_ bytes: [UInt8], against t: ArchiveTarget) throws {
    guard SHA256.hex(of: bytes) == t.sha256 else {
      throw MaestroError(.archiveRefused, "member \(t.member) does not match the catalog's SHA-256", path: t.archivePath)
    }
    let document = (try? JSONParser.parse(bytes))?.objectValue
    guard document?["id"]?.stringValue == t.entry.id, document?["projectId"]?.stringValue == t.entry.projectId else {
      throw MaestroError(
        .archiveRefused, "member \(t.member) does not hold task \(EntityId.quoted(t.entry.id)) of its project",
        path: t.archivePath)
    }
  }
}
