/// One run of a command as metrics: what `--metrics-file` writes for
/// node_exporter's textfile collector.
///
/// Every series carries the labels `command` (`check`, `backup create` ...)
/// and the run's target (`data_dir`, or `dest` for the backup folder of
/// `backup verify` and `backup prune`), so several files, one per command,
/// can sit side by side in the collector's folder. A success is a run that
/// exited 0 or 1; any other exit keeps the last success time of the
/// previous file (0 when there never was one, so an alert on its age
/// fires).
public struct RunMetrics: Sendable, Equatable {
  /// Every metric name starts with this.
  public static let prefix = "maestro_admin_"

  /// The command (`check`, `backup create` ...).
  public var command: String
  /// The target labels after `command`, e.g. `[("data_dir", "/srv/data")]`.
  public var target: [(name: String, value: String)]
  /// When the run started, seconds since the Unix epoch.
  public var startedAt: Double
  /// How long it ran, in seconds.
  public var durationSeconds: Double
  /// Its exit code.
  public var exitCode: Int32
  /// The last run that succeeded, seconds since the epoch (0: none).
  public var lastSuccessAt: Double
  /// What it measured.
  public var measurements: RunMeasurements

  /// Creates the metrics of a run. `lastSuccessAt` is the start time when
  /// the run succeeded, else `previousSuccessAt` (0 when nil; `MetricsFile`
  /// fills it in from the previous file).
  public init(
    command: String, target: [(name: String, value: String)], startedAt: Double, durationSeconds: Double,
    exitCode: Int32, previousSuccessAt: Double? = nil, measurements: RunMeasurements = RunMeasurements()
  ) {
    self.command = command
    self.target = target
    self.startedAt = startedAt
    self.durationSeconds = durationSeconds
    self.exitCode = exitCode
    self.lastSuccessAt = Self.isSuccess(exitCode) ? startedAt : (previousSuccessAt ?? 0)
    self.measurements = measurements
  }

  /// Whether an exit code is a success: 0 (nothing to do) or 1 (changes
  /// made, clean result).
  public static func isSuccess(_ exitCode: Int32) -> Bool {
    exitCode == ExitStatus.ok.rawValue || exitCode == ExitStatus.changed.rawValue
  }

  /// `command` then the target labels.
  public var labels: [(name: String, value: String)] { [("command", command)] + target }

  /// The name of the last-success metric (read back from the previous file).
  public static let lastSuccessName = prefix + "last_success_timestamp_seconds"

  /// The series key of this run's last-success sample, as written.
  public var lastSuccessKey: String { MetricFamily.seriesKey(name: Self.lastSuccessName, labels: labels) }

  /// The families, in a fixed order; a measurement not taken is left out.
  public var families: [MetricFamily] {
    let labels = labels
    func one(_ name: String, _ help: String, _ value: Double) -> MetricFamily {
      MetricFamily(name: Self.prefix + name, help: help, samples: [.init(labels: labels, value: value)])
    }
    func split(_ name: String, _ help: String, _ label: String, _ values: [(String, Int)]) -> MetricFamily {
      MetricFamily(
        name: Self.prefix + name, help: help,
        samples: values.map { .init(labels: labels + [(label, $0.0)], value: Double($0.1)) })
    }
    let m = measurements
    var out = [
      one("last_run_timestamp_seconds", "When the last run of the command started (seconds since the epoch).", startedAt),
      MetricFamily(
        name: Self.lastSuccessName,
        help: "When the last successful run (exit 0 or 1) started (seconds since the epoch; 0: none recorded).",
        samples: [.init(labels: labels, value: lastSuccessAt)]),
      one("duration_seconds", "How long the last run took.", durationSeconds),
      one("exit_code", "The exit code of the last run (0 and 1 are success).", Double(exitCode)),
    ]
    if let v = m.bytes { out.append(one("bytes", "Bytes of data the last run read, verified, archived or kept.", Double(v))) }
    if let v = m.files { out.append(one("files", "Files the last run read or verified.", Double(v))) }
    if let v = m.outputBytes {
      out.append(one("output_bytes", "Size of the snapshot or archive the last run wrote.", Double(v)))
    }
    if let f = m.findings {
      out.append(
        split(
          "findings", "Check findings of the last run, by severity.", "severity",
          Finding.Severity.allCases.map { ($0.rawValue, f[$0] ?? 0) }))
    }
    if let v = m.problems { out.append(one("problems", "Mismatches the last verify found.", Double(v))) }
    if let s = m.snapshots {
      out.append(
        split(
          "snapshots", "Snapshots the last prune kept and removed (or would remove).", "action",
          [("keep", s.kept), ("remove", s.removed)]))
    }
    if let t = m.tasks {
      out.append(
        split(
          "tasks", "Tasks the last archive run archived and held back.", "action",
          [("archive", t.archived), ("hold", t.held)]))
    }
    if let live = m.serverLive {
      out.append(one("server_live", "1 when a server was found running on the data dir during the last run.", live ? 1 : 0))
    }
    return out
  }

  /// The whole file.
  public var text: String { families.map(\.text).joined() }

  public static func == (a: RunMetrics, b: RunMetrics) -> Bool { a.text == b.text }
}
