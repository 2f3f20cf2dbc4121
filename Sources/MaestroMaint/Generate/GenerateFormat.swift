import MaestroStorage

/// Which age of Maestro server the generated data dir looks like
/// (FORMAT.md §3–§4, §7).
public enum GenerateFormat: String, Sendable, CaseIterable {
  /// The seed's fields (`STORAGE-LAYER.md`): tasks with `sessionIds`,
  /// `skillIds`, `agentIds`, `dependencies` and `timeline`; sessions with
  /// `taskIds`, `events` and `metadata`. Two-space JSON.
  case seed
  /// Newer servers: tasks add `referenceTaskIds`, `teamId`, `dueDate` and
  /// `taskSessionStatuses`; sessions add `timeline`, `docs` (with their
  /// files in `session-docs/<sessionId>/<docId>.md` and an absolute
  /// `contentFilePath`), `parentSessionId`, `rootSessionId` and the team
  /// fields. Compact JSON.
  case current
  /// Pre-migration data (FORMAT.md §7): about a third of the tasks in the
  /// flat `tasks/<id>.json` layout, sessions with a single `taskId` (and a
  /// `strategy`) instead of `taskIds`, most tasks without sessions missing
  /// the Phase IV-A arrays, the seed documents' status values. Two-space
  /// JSON. Links still hold both ways once servers' load-time migration
  /// (FORMAT.md §7) has run.
  case legacy

  /// The style servers of this age write.
  public var defaultStyle: JSONStyle {
    self == .current ? .compact : .pretty
  }
}
