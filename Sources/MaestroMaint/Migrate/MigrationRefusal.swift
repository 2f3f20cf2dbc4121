import MaestroStorage

/// Why `migrate` refuses a data dir (exit 4): its history names a migration
/// this tool does not know, or one whose definition changed.
public struct MigrationRefusal: Error, Sendable, CustomStringConvertible {
  /// What is wrong with the recorded migration.
  public enum Reason: String, Sendable {
    /// A version or name this tool does not know (a newer tool wrote it).
    case unknownMigration = "unknown-migration"
    /// The recorded checksum differs from this tool's definition.
    case checksumMismatch = "checksum-mismatch"
  }

  public var reason: Reason
  /// The recorded migration's version and name.
  public var version: Int
  public var name: String
  /// The `migrations.json` file.
  public var path: String
  /// What is wrong and what to do, in words.
  public var message: String

  public var description: String { "\(path): \(message)" }
}
