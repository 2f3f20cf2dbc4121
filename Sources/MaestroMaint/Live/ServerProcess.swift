import MaestroStorage

/// A running process that a data dir's live-server detection names: one
/// that plausibly is a Maestro server and whose data dir is this one.
public struct ServerProcess: Sendable, Equatable {
  /// How the process's data dir was worked out.
  public enum Evidence: String, Sendable {
    /// Its environment's `DATA_DIR` names the data dir.
    case dataDirVariable = "DATA_DIR"
    /// It has no `DATA_DIR`, and its `$HOME/.maestro/data` is the data dir.
    case home = "HOME"
  }

  /// The process id.
  public var pid: Int32
  /// Its command line, arguments joined by spaces (cut at 160 characters).
  public var command: String
  /// How its data dir was worked out.
  public var evidence: Evidence

  /// A process as the scan found it.
  public init(pid: Int32, command: String, evidence: Evidence) {
    self.pid = pid
    self.command = command
    self.evidence = evidence
  }

  /// `pid 4242 (node server.js; DATA_DIR names it)`.
  public var summary: String {
    "pid \(pid) (\(command); \(evidence == .dataDirVariable ? "its DATA_DIR names this data dir" : "its HOME/.maestro/data is this data dir"))"
  }

  /// For the `--json` summary.
  public var jsonObject: JSONObject {
    ["pid": .number(Double(pid)), "command": .string(command), "via": .string(evidence.rawValue)]
  }
}
