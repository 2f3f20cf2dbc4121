import MaestroStorage

/// The scanned files of a migration run and what it takes to produce their
/// bytes again: the migrations and the session links the scan used.
///
/// The scan keeps hashes only, so that memory does not grow with the data
/// dir. When the journal's pack is written, each file is read again and,
/// where its new content is needed, migrated again; migrations are pure and
/// deterministic, and both the old and the new bytes must hash to what the
/// scan found, so a file that changed since the scan stops the run before
/// anything is changed.
public struct MigrationContent: Sendable {
  /// Which bytes of a scanned file an action needs.
  public enum Source: Sendable, Equatable {
    /// The bytes on disk (`files[index]`).
    case original(Int)
    /// The bytes after the migrations (the original when they change nothing).
    case result(Int)
  }

  /// What one journal action needs: the content it replaces or removes,
  /// and the content it writes.
  public struct Needs: Sendable, Equatable {
    public var before: Source?
    public var after: Source?
  }

  /// The data dir.
  public var dataDir: String
  /// The migrations the scan applied, in order.
  public var migrations: [Migration]
  /// The session links the task migrations saw.
  public var context: MigrationContext
  /// The scanned files: sessions, then tasks.
  public var files: [MigratedFile]

  /// The content of a scan of `dataDir` with `migrations`; with no files,
  /// an empty one (nothing pending).
  public init(dataDir: String, migrations: [Migration] = [], context: MigrationContext = MigrationContext(), files: [MigratedFile] = []) {
    self.dataDir = dataDir
    self.migrations = migrations
    self.context = context
    self.files = files
  }

  /// The bytes `source` stands for, read from disk again.
  /// - Throws: `MaestroError(.io)` naming the file when it no longer holds
  ///   what the scan read, or its migration no longer gives what it gave.
  public func bytes(_ source: Source) throws -> [UInt8] {
    switch source {
    case .original(let k):
      return try original(k)
    case .result(let k):
      let file = files[k]
      let bytes = try original(k)
      guard let expected = file.migratedSha else { return bytes }
      let blank = MigratedFile(kind: file.kind, path: file.path, originalSha: file.originalSha, mode: file.mode)
      let migrated =
        MigrationScanner.migrate(blank, original: bytes, migrations: migrations, context: context, withDiffs: false)
        .migrated ?? bytes
      guard SHA256.hex(of: migrated) == expected else {
        throw MaestroError(.io, "\(file.path): migrating it again gave other bytes than the scan did; nothing was changed", path: dataDir + "/" + file.path)
      }
      return migrated
    }
  }

  private func original(_ k: Int) throws -> [UInt8] {
    let file = files[k]
    let bytes = try FileSystem.readFile(dataDir + "/" + file.path)
    guard SHA256.hex(of: bytes) == file.originalSha else {
      throw MaestroError(.io, "\(file.path) changed since it was scanned; nothing was changed", path: dataDir + "/" + file.path)
    }
    return bytes
  }

  /// The old and new content of each action (for the journal's pack),
  /// computed on every core. `needs[seq - 1]` says what action `seq`
  /// needs; an action without needs gets the plan's own bytes
  /// (`beforeBytes`, `newBytes`: the small history record).
  public func blobs(
    for actions: [JournalAction], needs: [Needs?], plan: ChangePlan, workers: Int = ParallelMap.defaultWorkers
  ) async throws -> [(before: [UInt8]?, after: [UInt8]?)] {
    let results = await ParallelMap.map(actions, workers: workers) { action in
      Result { () throws -> ([UInt8]?, [UInt8]?) in
        guard action.seq <= needs.count, let need = needs[action.seq - 1] else {
          return (plan.beforeBytes[action.seq], action.newBytes)
        }
        return (try need.before.map(bytes), try need.after.map(bytes))
      }
    }
    return try results.map { try $0.get() }
  }
}
