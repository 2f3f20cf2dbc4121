#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes to file descriptor 2 directly: C's `stderr` global is not
/// concurrency-safe in Swift 6, and an unbuffered write keeps progress and
/// errors in order with each other.
public enum StandardError {
  /// Writes `text` as is (no newline added).
  public static func write(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
      var offset = 0
      while offset < bytes.count {
        let n = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
        if n <= 0 {
          if n < 0 && errno == EINTR { continue }
          return
        }
        offset += n
      }
    }
  }
}
