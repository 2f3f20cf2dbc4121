import MaestroStorage

/// One entity file as a migration run sees it: what it holds now and what
/// the pending migrations turn it into.
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
  /// The bytes on disk.
  public var original: [UInt8]
  public var originalSha: String
  /// Permission bits.
  public var mode: UInt32
  /// The migrated bytes, when the content changes (same style as the file).
  public var migrated: [UInt8]?
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

  /// The bytes the file holds after the migrations.
  public var result: [UInt8] { migrated ?? original }
  /// SHA-256 of `result`.
  public var resultSha: String { migratedSha ?? originalSha }
}
