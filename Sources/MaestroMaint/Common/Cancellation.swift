import MaestroStorage
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

private let cancelRequested = Atomic<Bool>(false)

/// Ctrl-C handling shared by every command: the first SIGINT asks the running
/// job to stop at the next file boundary (so no write is cut in half and the
/// command can exit 32 cleanly); a second SIGINT exits at once with 32.
public enum Cancellation {
  /// Installs the SIGINT handler. Call once, early in `main`.
  public static func installSignalHandler() {
    signal(SIGINT) { _ in
      if cancelRequested.exchange(true, ordering: .relaxed) { _exit(ExitStatus.cancelled.rawValue) }
    }
  }

  /// Whether a stop was asked for.
  public static var isRequested: Bool { cancelRequested.load(ordering: .relaxed) }

  /// Throws `MaestroError(.cancelled)` if a stop was asked for.
  public static func check() throws {
    if isRequested { throw MaestroError(.cancelled, "cancelled by SIGINT") }
  }

  /// Asks for a stop, as SIGINT does (for tests).
  public static func request() { cancelRequested.store(true, ordering: .relaxed) }
}
