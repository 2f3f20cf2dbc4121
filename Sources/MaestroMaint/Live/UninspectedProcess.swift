import MaestroStorage

/// A process that looks like a server but whose environment this user may
/// not read (another user's, or a hardened one): it could be a server on
/// this data dir, and nothing tells.
public struct UninspectedProcess: Sendable, Equatable {
  /// The process id.
  public var pid: Int32
  /// Its command line (cut at 160 characters).
  public var command: String
  /// Why it could not be inspected (`permission denied`).
  public var reason: String

  /// A process the scan could not inspect.
  public init(pid: Int32, command: String, reason: String) {
    self.pid = pid
    self.command = command
    self.reason = reason
  }

  /// For the `--json` summary.
  public var jsonObject: JSONObject {
    ["pid": .number(Double(pid)), "command": .string(command), "reason": .string(reason)]
  }
}
