/// The `type` of a timeline event (in a task's or a newer session's `timeline`).
///
/// The seed's values (`created session_started session_ended update milestone
/// blocker`) and those real servers add.
/// A value outside that set is kept verbatim as `unknown` and reported, never
/// rejected or rewritten. Equality and hashing go by `rawValue`, so
/// `.unknown("todo")` built by hand still equals `.todo`.
public enum TimelineEventType: Hashable, Sendable, CustomStringConvertible {
  /// `created`
  case created
  /// `session_started`
  case sessionStarted
  /// `session_ended`
  case sessionEnded
  /// `update`
  case update
  /// `milestone`
  case milestone
  /// `blocker`
  case blocker
  /// `session_stopped`
  case sessionStopped
  /// `task_started`
  case taskStarted
  /// `task_completed`
  case taskCompleted
  /// `task_failed`
  case taskFailed
  /// `task_skipped`
  case taskSkipped
  /// `task_blocked`
  case taskBlocked
  /// `needs_input`
  case needsInput
  /// `progress`
  case progress
  /// `error`
  case error
  /// `doc_added`
  case docAdded
  /// `prompt_received`
  case promptReceived
  /// A value this toolkit does not know, exactly as found.
  case unknown(String)

  /// Every known value, in the order FORMAT.md lists them.
  public static let knownValues: [TimelineEventType] = [
    .created, .sessionStarted, .sessionEnded, .update, .milestone, .blocker, .sessionStopped,
    .taskStarted, .taskCompleted, .taskFailed, .taskSkipped, .taskBlocked, .needsInput, .progress,
    .error, .docAdded, .promptReceived,
  ]

  /// The value for a raw string; never fails.
  public init(rawValue: String) {
    switch rawValue {
    case "created": self = .created
    case "session_started": self = .sessionStarted
    case "session_ended": self = .sessionEnded
    case "update": self = .update
    case "milestone": self = .milestone
    case "blocker": self = .blocker
    case "session_stopped": self = .sessionStopped
    case "task_started": self = .taskStarted
    case "task_completed": self = .taskCompleted
    case "task_failed": self = .taskFailed
    case "task_skipped": self = .taskSkipped
    case "task_blocked": self = .taskBlocked
    case "needs_input": self = .needsInput
    case "progress": self = .progress
    case "error": self = .error
    case "doc_added": self = .docAdded
    case "prompt_received": self = .promptReceived
    default: self = .unknown(rawValue)
    }
  }

  /// The string as written in the file.
  public var rawValue: String {
    switch self {
    case .created: return "created"
    case .sessionStarted: return "session_started"
    case .sessionEnded: return "session_ended"
    case .update: return "update"
    case .milestone: return "milestone"
    case .blocker: return "blocker"
    case .sessionStopped: return "session_stopped"
    case .taskStarted: return "task_started"
    case .taskCompleted: return "task_completed"
    case .taskFailed: return "task_failed"
    case .taskSkipped: return "task_skipped"
    case .taskBlocked: return "task_blocked"
    case .needsInput: return "needs_input"
    case .progress: return "progress"
    case .error: return "error"
    case .docAdded: return "doc_added"
    case .promptReceived: return "prompt_received"
    case .unknown(let raw): return raw
    }
  }

  /// Whether the value is one servers are known to write.
  public var isKnown: Bool {
    if case .unknown(let raw) = self, case .unknown = TimelineEventType(rawValue: raw) {
      return false
    }
    return true
  }

  /// The raw value.
  public var description: String { rawValue }

  /// Compares raw values.
  public static func == (lhs: TimelineEventType, rhs: TimelineEventType) -> Bool {
    lhs.rawValue == rhs.rawValue
  }

  /// Hashes the raw value.
  public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
