/// What a command measured during a run, for its metrics file. Each field
/// is written only when set: a run that failed before measuring anything
/// writes its exit code and times alone, never a made-up zero.
public struct RunMeasurements: Sendable, Equatable {
  /// Bytes of data the run handled: the data dir's files read (`check`,
  /// `backup create`), verified (`backup verify`), archived (`archive
  /// create`), or the snapshots kept at the destination (`backup prune`).
  public var bytes: Int64?
  /// Files the run read or verified.
  public var files: Int?
  /// Size of what the run wrote: the snapshot (`backup create`), the
  /// archive (`archive create`).
  public var outputBytes: Int64?
  /// Check findings by severity (`check`, `backup verify --deep`); every
  /// severity is written, 0 when there is none.
  public var findings: [Finding.Severity: Int]?
  /// Mismatches `backup verify` found.
  public var problems: Int?
  /// Snapshots `backup prune` kept and removed (or would remove).
  public var snapshots: (kept: Int, removed: Int)?
  /// Tasks `archive create` archived and held back.
  public var tasks: (archived: Int, held: Int)?
  /// Whether a server was found running on the data dir.
  public var serverLive: Bool?

  /// Nothing measured.
  public init() {}

  public static func == (a: RunMeasurements, b: RunMeasurements) -> Bool {
    a.bytes == b.bytes && a.files == b.files && a.outputBytes == b.outputBytes && a.findings == b.findings
      && a.problems == b.problems && a.snapshots?.kept == b.snapshots?.kept
      && a.snapshots?.removed == b.snapshots?.removed && a.tasks?.archived == b.tasks?.archived
      && a.tasks?.held == b.tasks?.held && a.serverLive == b.serverLive
  }
}
