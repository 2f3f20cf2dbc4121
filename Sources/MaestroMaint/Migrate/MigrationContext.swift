import MaestroStorage

/// What a task migration may need from the rest of the data dir.
public struct MigrationContext: Sendable {
  /// For each task id, the sessions that list it (in `taskIds`, or in a
  /// legacy single `taskId`), by session id bytewise.
  public var sessionsListing: [String: [String]]

  public init(sessionsListing: [String: [String]] = [:]) {
    self.sessionsListing = sessionsListing
  }
}
