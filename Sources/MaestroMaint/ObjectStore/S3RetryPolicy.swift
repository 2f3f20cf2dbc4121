import Glibc

/// When an S3 request is tried again and how long to wait first.
///
/// Retried: connection failures and timeouts (nothing or only part of an
/// answer came back), HTTP 500, 502, 503 (`SlowDown`), 504, 429, and S3's
/// `RequestTimeout`/`InternalError` codes. Never retried: anything else
/// (403, 404, 400...), whose answer would not change. Waits grow
/// exponentially from `baseDelay`, capped at `maxDelay`, with jitter
/// (a uniform draw between half the step and the step) so that many clients
/// do not retry in lockstep. `maxAttempts` bounds the total tries of one
/// request, so a dead endpoint fails in well under a minute.
public struct S3RetryPolicy: Sendable, Equatable {
  /// Tries per request, the first included.
  public var maxAttempts: Int
  /// Wait before the second try, in seconds.
  public var baseDelay: Double
  /// Longest wait between two tries, in seconds.
  public var maxDelay: Double

  /// The default: 6 tries, waits from 0.25 s doubling up to 8 s (at most
  /// about 16 s of waiting in all).
  public init(maxAttempts: Int = 6, baseDelay: Double = 0.25, maxDelay: Double = 8) {
    self.maxAttempts = max(1, maxAttempts)
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
  }

  /// Whether an HTTP answer is worth another try.
  ///
  /// - Parameters:
  ///   - status: The HTTP status.
  ///   - code: S3's error code from the body, if any.
  public func isRetryable(status: Int, code: String?) -> Bool {
    switch status {
    case 429, 500, 502, 503, 504: return true
    case 400: return code == "RequestTimeout"
    default: return code == "SlowDown" || code == "InternalError"
    }
  }

  /// The longest wait before try `attempt + 1` (`attempt` counts from 1).
  public func ceiling(afterAttempt attempt: Int) -> Double {
    let exponent = min(max(0, attempt - 1), 30)
    return min(maxDelay, baseDelay * Double(1 << exponent))
  }

  /// The wait before try `attempt + 1`: between half the ceiling and the
  /// ceiling, `unit` in 0...1 picking where (a random draw in use).
  public func delay(afterAttempt attempt: Int, unit: Double = Double.random(in: 0...1)) -> Double {
    let ceiling = ceiling(afterAttempt: attempt)
    return ceiling / 2 + ceiling / 2 * min(1, max(0, unit))
  }

  /// Sleeps `seconds`.
  static func sleep(_ seconds: Double) {
    guard seconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
  }
}
