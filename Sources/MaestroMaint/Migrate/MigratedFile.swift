import MaestroStorage

/// One entity file as a migration run sees it: what it holds now and what
/// the pending migrations turn it into, by SHA-256 only. The bytes are not
/// kept (a big data dir would not fit in memory twice over);
/// `MigrationContent` reads and migrates a file again when its bytes are
/// needed, checking both hashes.
public struct MigratedFile: Sendable {
  /// Where the file sits.
  public enum Kind: String, Sendable {
    /// `tasks/<projectId>/<id>.json`
    case task
    /// `tasks/<id>.json`, the flat layout migration 1 moves.
    case flatTask
    case session
  }

  public var kind: Kind
  /// Relative to the data dir.
  public var path: String
  /// SHA-256 of the bytes on disk when scanned.
  public var originalSha: String
  /// Permission bits.
  public var mode: UInt32
  /// SHA-256 of the migrated bytes (same style as the file), when the
  /// content changes.
  public var migratedSha: String?
  /// The versions whose rules changed this file (a flat task always counts
  /// for migration 1, which moves it).
  public var changedBy: [Int] = []
  /// Per version, a short diff of what its rules changed (plans only).
  public var diffs: [(version: Int, lines: [String])] = []
  /// The entity's id, project and `updatedAt`, when readable.
  public var id: String?
  public var projectId: String?
  public var updatedAt: Double?
  /// Why the file could not be migrated (unparseable, not an object); such
  /// files are left alone, except flat tasks, which go to lost+found.
  public var problem: String?
  /// For sessions: the task ids it lists (taskIds, else a legacy taskId).
  var listedTasks: [String] = []

  /// SHA-256 of the bytes the file holds after the migrations.
  public var resultSha: String { migratedSha ?? originalSha }
}
