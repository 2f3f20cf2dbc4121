import MaestroStorage

/// One registered, versioned change of the data dir's format.
///
/// A migration is a pure function of a file's content (plus, for task files,
/// the session links of the whole dir), so it is idempotent: applied to what
/// it already produced it changes nothing. Its `checksum` is the SHA-256 of
/// a stable description — `maestro-admin migration`, its version, its name
/// and its `definition` text, one per line — and is recorded in
/// `migrations.json` when the migration is applied, as Flyway records the
/// checksum of each applied script. Any change to what a migration does must
/// change its `definition` (and so its checksum), so that a data dir that
/// recorded the old definition is refused rather than silently treated as
/// migrated by different code.
public struct Migration: Sendable {
  /// The version the data dir is at after this migration (1, 2, ...).
  public let version: Int
  /// A stable machine name, e.g. `phase-iv-a`.
  public let name: String
  /// One line for people.
  public let summary: String
  /// The exact rules, in words; part of the checksum.
  public let definition: String
  /// Whether this migration also moves flat `tasks/<id>.json` files into
  /// `tasks/<projectId>/`.
  public let movesFlatTasks: Bool
  let migrateTask: @Sendable (inout JSONObject, MigrationContext) -> Void
  let migrateSession: @Sendable (inout JSONObject) -> Void

  /// The version the data dir is at before this migration.
  public var fromVersion: Int { version - 1 }

  /// SHA-256 (hex) of `maestro-admin migration\nversion: N\nname: NAME\n` followed by `definition`.
  public var checksum: String {
    SHA256.hex(of: Array("maestro-admin migration\nversion: \(version)\nname: \(name)\n\(definition)".utf8))
  }

  /// Applies the migration to a task document (a JSON object).
  public func apply(task: inout JSONObject, context: MigrationContext = MigrationContext()) {
    migrateTask(&task, context)
  }

  /// Applies the migration to a session document.
  public func apply(session: inout JSONObject) {
    migrateSession(&session)
  }
}
