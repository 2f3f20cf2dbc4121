/// A session's `status`.
///
/// The union of the seed's documented values (`spawning running completed failed`)
/// and what real servers write (`spawning idle working completed failed stopped`).
/// A value outside that set is kept verbatim as `unknown` and reported, never
/// rejected or rewritten. Equality and hashing go by `rawValue`, so
/// `.unknown("todo")` built by hand still equals `.todo`.
public enum SessionStatus: Hashable, Sendable, CustomStringConvertible {
  /// `spawning`
  case spawning
  /// `running`
  case running
  /// `idle`
  case idle
  /// `working`
  case working
  /// `completed`
  case completed
  /// `failed`
  case failed
  /// `stopped`
  case stopped
  /// A value this toolkit does not know, exactly as found.
  case unknown(String)

  /// Every known value, in the order FORMAT.md lists them.
  public static let knownValues: [SessionStatus] = [
    .spawning, .running, .idle, .working, .completed, .failed, .stopped,
  ]

  /// The value for a raw string; never fails.
  public init(rawValue: String) {
    switch rawValue {
    case "spawning": self = .spawning
    case "running": self = .running
    case "idle": self = .idle
    case "working": self = .working
    case "completed": self = .completed
    case "failed": self = .failed
    case "stopped": self = .stopped
    default: self = .unknown(rawValue)
    }
  }

  /// The string as written in the file.
  public var rawValue: String {
    switch self {
    case .spawning: return "spawning"
    case .running: return "running"
    case .idle: return "idle"
    case .working: return "working"
    case .completed: return "completed"
    case .failed: return "failed"
    case .stopped: return "stopped"
    case .unknown(let raw): return raw
    }
  }

  /// Whether the value is one servers are known to write.
  public var isKnown: Bool {
    if case .unknown(let raw) = self, case .unknown = SessionStatus(rawValue: raw) { return false }
    return true
  }

  /// Whether the session has ended (`completed`, `failed` or `stopped`); servers
  /// set `completedAt` when a session enters one of these.
  public var isTerminal: Bool {
    switch self {
    case .completed, .failed, .stopped: return true
    default: return false
    }
  }

  /// The raw value.
  public var description: String { rawValue }

  /// Compares raw values.
  public static func == (lhs: SessionStatus, rhs: SessionStatus) -> Bool {
    lhs.rawValue == rhs.rawValue
  }

  /// Hashes the raw value.
  public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
