#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The monotonic clock (`CLOCK_MONOTONIC`), for durations and deadlines
/// only: it never goes back, and its values mean nothing as dates.
enum MonotonicClock {
  /// Nanoseconds since an arbitrary start.
  static func nanoseconds() -> Int64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
  }

  /// Seconds since an arbitrary start.
  static func seconds() -> Double {
    Double(nanoseconds()) / 1e9
  }

  /// Milliseconds since an arbitrary start.
  static func milliseconds() -> Int64 {
    nanoseconds() / 1_000_000
  }
}
