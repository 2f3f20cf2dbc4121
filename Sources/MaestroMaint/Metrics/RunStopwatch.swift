#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Times a run for its metrics: the wall-clock start (what
/// `last_run_timestamp_seconds` records) and the elapsed time on a
/// monotonic clock (a clock step during the run does not skew it).
public struct RunStopwatch: Sendable {
  /// When the run started, seconds since the Unix epoch.
  public let startedAt: Double
  private let start: ContinuousClock.Instant

  /// Starts timing now.
  public init() {
    startedAt = Double(UTCTime.nowMilliseconds()) / 1000
    start = ContinuousClock.now
  }

  /// Seconds since the start.
  public var elapsedSeconds: Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
  }
}
