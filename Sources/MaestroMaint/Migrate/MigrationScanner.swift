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

  /// The scanned files: sessions, then tasks (project folders, then flat).
  /// - Throws: `MaestroError(.notFound)` when the data dir is missing, I/O
  ///   errors naming the folder or file that cannot be read.
  public func scan() async throws -> [MigratedFile] {
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
      return Result { try Self.read(root: root, file: file, kind: .session) }.map {
        Self.migrate($0, migrations: migrations, context: MigrationContext(), withDiffs: withDiffs)
      }
    }.map { try $0.get() }

    var listing2: [String: [String]] = [:]
    if migrations.contains(where: \.movesFlatTasks) {
      for s in scannedSessions {
        guard let sid = s.id else { continue }
        for t in s.listedTasks where listing2[t]?.last != sid { listing2[t, default: []].append(sid) }
      }
      for key in listing2.keys { listing2[key] = Array(Set(listing2[key]!)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
    }
    let context = MigrationContext(sessionsListing: listing2)
    let scannedTasks = try await ParallelMap.map(tasks, workers: workers) { file in
      defer { progress.advance() }
      return Result { try Self.read(root: root, file: file, kind: file.kind == .legacyTask ? .flatTask : .task) }.map {
        Self.migrate($0, migrations: migrations, context: context, withDiffs: withDiffs)
      }
    }.map { try $0.get() }
    return scannedSessions + scannedTasks
  }

  static func read(root: String, file: EntityFileScan.File, kind: MigratedFile.Kind) throws -> MigratedFile {
    let path = root + "/" + file.relativePath
    let bytes = try FileSystem.readFile(path)
    let mode = try FileSystem.stat(path, followSymlinks: false).mode
    return MigratedFile(kind: kind, path: file.relativePath, original: bytes, originalSha: SHA256.hex(of: bytes), mode: mode)
  }

  /// Applies `migrations` to one file in memory.
  static func migrate(
    _ input: MigratedFile, migrations: [Migration], context: MigrationContext, withDiffs: Bool
  ) -> MigratedFile {
    var file = input
    let value: JSONValue
    do {
      value = try JSONParser.parse(file.original)
    } catch {
      file.problem = "not valid JSON: \(error)"
      return file
    }
    guard var object = value.objectValue else {
      file.problem = "holds JSON that is not an object"
      return file
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
    if object != value.objectValue {
      let bytes = JSONWriter.serialize(.object(object), style: JSONStyle.detect(file.original))
      file.migrated = bytes
      file.migratedSha = SHA256.hex(of: bytes)
    }
    return file
  }
}
