import Glibc

/// Helpers for turning a failed C call into a `MaestroError`.
///
/// Every system call in the file layer goes through these, so each failure
/// names the call's purpose, the file and the C reason in one shape.
public enum Errno {
  /// The current thread's `errno`.
  public static var current: Int32 { errno }

  /// The C library's text for an error number (`strerror_r`).
  ///
  /// - Parameter code: An `errno` value.
  /// - Returns: A human-readable reason, e.g. "No such file or directory".
  public static func description(_ code: Int32) -> String {
    // strerror is not thread-safe; Swift imports the XSI strerror_r, which
    // fills the buffer and returns 0 on success.
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
      guard let base = buffer.baseAddress, strerror_r(code, base, buffer.count) == 0 else {
        return "errno \(code)"
      }
      return String(cString: base)
    }
  }

  /// Retries `body` while it fails with `EINTR`, the way every blocking call
  /// must be retried when a signal arrives mid-call.
  @inline(__always)
  static func retryingOnInterrupt<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
      let result = body()
      if result != -1 || errno != EINTR { return result }
    }
  }
}

extension MaestroError {
  /// An error for a failed system call.
  ///
  /// `ENOENT` becomes `.notFound` so callers can tell "missing" from "broken"
  /// by code alone; every other errno becomes `.io`.
  ///
  /// - Parameters:
  ///   - what: What was being attempted, e.g. "cannot open for reading".
  ///   - path: The file the person should look at.
  ///   - errno: The C error number (defaults to the thread's current `errno`).
  /// - Returns: An error whose message is `"<what>: <strerror>"`.
  public static func system(_ what: String, path: String?, errno code: Int32 = Errno.current)
    -> MaestroError
  {
    MaestroError(
      code == ENOENT ? .notFound : .io,
      "\(what): \(Errno.description(code))",
      path: path,
      errno: code
    )
  }
}
