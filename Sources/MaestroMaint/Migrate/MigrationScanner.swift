import MaestroStorage

/// Reads every task and session file of a data dir on every core and works
/// out what a range of migrations makes of each. Nothing is written.
///
/// Sessions are read first: migration 1 fills a pre-Phase-IV-A task's
/// `sessionIds` from the sessions that list it, so task files need the
/// links of all sessions. Projects are never changed by a migration and
/// are not read.
public struct MigrationScanner: Sendable {
  /// The data dir.
  public var dataDir: String
  /// The migrations to apply, in order.
  public var migrations: [Migration]
  /// Whether to compute per-migration diffs (for `plan`).
  public var withDiffs: Bool
  public var workers: Int
  public var showProgress: Bool

  public init(
    dataDir: String, migrations: [Migration], withDiffs: Bool = false, workers: Int = ParallelMap.defaultWorkers,
    showProgress: Bool = false
  ) {
    self.dataDir = dataDir
    self.migrations = migrations
    self.withDiffs = withDiffs
    self.workers = workers
    self.showProgress = showProgress
  }

  /// The scanned files (sessions, then tasks: project folders, then flat)
  /// with what it takes to produce their bytes again.
  /// - Throws: `MaestroError(.notFound)` when the data dir is missing, I/O
  ///   errors naming the folder or file that cannot be read.
  public func scan() async throws -> MigrationContent {
    let listing = try EntityFileScan.scan(root: dataDir)
    let sessions = listing.files.filter { $0.kind == .session }
    let tasks = listing.files.filter { $0.kind == .task || $0.kind == .legacyTask }
    let progress = ProgressBar("migrate: reading", total: sessions.count + tasks.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    defer { progress.finish() }
    let root = dataDir
    let migrations = self.migrations
    let withDiffs = self.withDiffs

    let scannedSessions = try await ParallelMap.map(sessions, workers: workers) { file in
      defer { progress.advance() }
      return Result {
        try Self.scanOne(root: root, file: file, kind: .session, migrations: migrations, context: MigrationContext(), withDiffs: withDiffs)
      }
    }.map { try $0.get() }

    let context = Self.context(sessions: scannedSessions, migrations: migrations)
    let scannedTasks = try await ParallelMap.map(tasks, workers: workers) { file in
      defer { progress.advance() }
      return Result {
        try Self.scanOne(
          root: root, file: file, kind: file.kind == .legacyTask ? .flatTask : .task, migrations: migrations,
          context: context, withDiffs: withDiffs)
      }
    }.map { try $0.get() }
    return MigrationContent(dataDir: dataDir, migrations: migrations, context: context, files: scannedSessions + scannedTasks)
  }

  /// The session links task migrations need: for each task id, the
  /// sessions that list it, by session id bytewise (only when a migration
  /// moves flat tasks, the one that fills `sessionIds`).
  static func context(sessions: [MigratedFile], migrations: [Migration]) -> MigrationContext {
    var listing: [String: [String]] = [:]
    if migrations.contains(where: \.movesFlatTasks) {
      for s in sessions {
        guard let sid = s.id else { continue }
        for t in s.listedTasks where listing[t]?.last != sid { listing[t, default: []].append(sid) }
      }
      for key in listing.keys { listing[key] = Array(Set(listing[key]!)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
    }
    return MigrationContext(sessionsListing: listing)
  }

  /// Reads one file and migrates it in memory; only hashes are kept.
  static func scanOne(
    root: String, file: EntityFileScan.File, kind: MigratedFile.Kind, migrations: [Migration],
    context: MigrationContext, withDiffs: Bool
  ) throws -> MigratedFile {
    let (bytes, mode) = try read(root + "/" + file.relativePath)
    let scanned = MigratedFile(kind: kind, path: file.relativePath, originalSha: SHA256.hex(of: bytes), mode: mode)
    let (migrated, newBytes) = migrate(scanned, original: bytes, migrations: migrations, context: context, withDiffs: withDiffs)
    var result = migrated
    result.migratedSha = newBytes.map { SHA256.hex(of: $0) }
    return result
  }

  /// A file's bytes and permission bits.
  static func read(_ path: String) throws -> (bytes: [UInt8], mode: UInt32) {
    let bytes = try FileSystem.readFile(path)
    let mode = try FileSystem.stat(path, followSymlinks: false).mode
    return (bytes, mode)
  }

  /// Applies `migrations` to one file's bytes `original` in memory.
  /// - Returns: the file with what was learnt (ids, changing versions,
  ///   diffs, a problem) and the migrated bytes when the content changes.
  static func migrate(
    _ input: MigratedFile, original: [UInt8], migrations: [Migration], context: MigrationContext, withDiffs: Bool
  ) -> (file: MigratedFile, migrated: [UInt8]?) {
    var file = input
    let value: JSONValue
    do {
      value = try JSONParser.parse(original)
    } catch {
      file.problem = "not valid JSON: \(error)"
      return (file, nil)
    }
    guard var object = value.objectValue else {
      file.problem = "holds JSON that is not an object"
      return (file, nil)
    }
    file.id = object["id"]?.stringValue
    file.projectId = object["projectId"]?.stringValue
    file.updatedAt = object["updatedAt"]?.numberValue
    if file.kind == .session {
      if object.isTruthy("taskIds"), let ids = object["taskIds"]?.arrayValue {
        file.listedTasks = ids.compactMap(\.stringValue)
      } else if object.isTruthy("taskId"), let id = object["taskId"]?.stringValue {
        file.listedTasks = [id]
      }
    }
    for migration in migrations {
      let before = object
      if file.kind == .session {
        migration.apply(session: &object)
      } else {
        migration.apply(task: &object, context: context)
      }
      let moved = file.kind == .flatTask && migration.movesFlatTasks
      if object != before || moved {
        file.changedBy.append(migration.version)
        if withDiffs { file.diffs.append((migration.version, MigrationDiff.lines(before, object))) }
      }
    }
    guard object != value.objectValue else { return (file, nil) }
    return (file, JSONWriter.serialize(.object(object), style: JSONStyle.detect(original)))
  }
}
