import MaestroStorage
import Synchronization

/// The rule e2fsck follows for a mounted file system, for data dirs: read
/// only work may run while a server is live, changing work refuses.
///
/// A running server holds every entity in memory and rewrites an entity's
/// whole file from that copy at its next change, so a file changed
/// underneath it is overwritten and a removed one comes back. Every
/// changing job calls `refuseIfLive` before it changes anything (the
/// maintenance lock does, before it creates `.maestro-admin/`); read-only
/// jobs and dry runs only report `status(of:)`.
///
/// One guard serves one run: each data dir is detected once and the result
/// kept, so the refusal and the report of a run agree.
public final class LiveServerGuard: Sendable {
  /// What detection runs.
  public let detector: LiveServerDetector
  /// The operator's override (`--ignore-live-server`): go ahead on a data
  /// dir detected live. Dangerous; meant for a detection that is wrong.
  public let ignoreLiveServer: Bool
  private let onRefusal: (@Sendable (LiveServerStatus) -> Void)?
  private let found = Mutex<[Entry]>([])

  private struct Entry: Sendable {
    var key: String
    var status: LiveServerStatus
  }

  /// A guard.
  /// - Parameters:
  ///   - detector: What detection runs (default: `server-url` and `/proc`).
  ///   - ignoreLiveServer: Go ahead even when a server is detected.
  ///   - onRefusal: Called with the status just before a refusal is thrown
  ///     (a command line uses it to print its `--json` summary).
  public init(
    detector: LiveServerDetector = LiveServerDetector(), ignoreLiveServer: Bool = false,
    onRefusal: (@Sendable (LiveServerStatus) -> Void)? = nil
  ) {
    self.detector = detector
    self.ignoreLiveServer = ignoreLiveServer
    self.onRefusal = onRefusal
  }

  /// What runs on `dataDir`, detected on first use and then remembered.
  public func status(of dataDir: String) -> LiveServerStatus {
    let key = CanonicalPath.of(dataDir)
    if let known = found.withLock({ $0.first { $0.key == key }?.status }) { return known }
    let status = detector.detect(dataDir: dataDir)
    return found.withLock { entries in
      if let known = entries.first(where: { $0.key == key }) { return known.status }
      entries.append(Entry(key: key, status: status))
      return status
    }
  }

  /// Every data dir detected so far, in order.
  public var statuses: [LiveServerStatus] { found.withLock { $0.map(\.status) } }

  /// Whether a live `status` was let through by the override.
  public func wasIgnored(_ status: LiveServerStatus) -> Bool { ignoreLiveServer && status.isLive }

  /// Refuses a data dir a server is running on, unless `ignoreLiveServer`.
  /// Call it before changing anything in `dataDir`.
  /// - Parameter command: The command, named in the message
  ///   (`maestro-admin repair`).
  /// - Returns: The status it judged.
  /// - Throws: `MaestroError(.serverLive)` (exit 75) naming the server, why
  ///   changing its data dir is unsafe, and what to do.
  @discardableResult
  public func refuseIfLive(_ dataDir: String, command: String) throws -> LiveServerStatus {
    let status = status(of: dataDir)
    guard status.isLive, !ignoreLiveServer else { return status }
    onRefusal?(status)
    throw MaestroError(.serverLive, Self.refusalMessage(status, command: command), path: dataDir)
  }

  /// The refusal's words: who is running, why that matters, what to do.
  public static func refusalMessage(_ status: LiveServerStatus, command: String) -> String {
    """
    refused: a Maestro server is running on this data dir (\(status.evidence)). \
    A running server holds every entity in memory and rewrites whole files from that copy, \
    so changes made underneath it are overwritten or lost. \
    Stop the server, run \(command) again, then start the server (README: "Running with a live server", \
    and the upgrade recipe). --ignore-live-server runs anyway: dangerous, only for a detection that is wrong.
    """
  }
}
