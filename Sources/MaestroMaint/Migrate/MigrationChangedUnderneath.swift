import MaestroStorage

/// `migrate up` refused to swap in its staged folders because entries under
/// `tasks/` or `sessions/` were created, removed or changed after it read
/// them (a running server, a person): nothing live was changed.
public struct MigrationChangedUnderneath: Error, Sendable, CustomStringConvertible {
  /// The data dir.
  public var dataDir: String
  /// Every such path, relative to the data dir, sorted.
  public var paths: [String]

  public var description: String {
    "\(paths.count) file(s) under tasks/ or sessions/ changed while migrating (\(paths.prefix(3).joined(separator: ", "))\(paths.count > 3 ? ", …" : "")); nothing was changed — stop the server and run again"
  }
}
