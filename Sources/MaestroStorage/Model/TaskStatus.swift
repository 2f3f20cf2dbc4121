/// A task's `status`.
///
/// The union of the seed's documented values (`pending in_progress completed blocked`)
/// and what real servers write (`todo in_progress in_review completed cancelled
/// blocked archived`).
/// A value outside that set is kept verbatim as `unknown` and reported, never
/// rejected or rewritten. Equality and hashing go by `rawValue`, so
/// `.unknown("todo")` built by hand still equals `.todo`.
public enum TaskStatus: Hashable, Sendable, CustomStringConvertible {
  /// `todo`
  case todo
  /// `pending`
  case pending
  /// `in_progress`
  case inProgress
  /// `in_review`
  case inReview
  /// `completed`
  case completed
  /// `cancelled`
  case cancelled
  /// `blocked`
  case blocked
  /// `archived`
  case archived
  /// A value this toolkit does not know, exactly as found.
  case unknown(String)

  /// Every known value, in the order FORMAT.md lists them.
  public static let knownValues: [TaskStatus] = [
    .todo, .pending, .inProgress, .inReview, .completed, .cancelled, .blocked, .archived,
  ]

  /// The value for a raw string; never fails.
  public init(rawValue: String) {
    switch rawValue {
    case "todo": self = .todo
    case "pending": self = .pending
    case "in_progress": self = .inProgress
    case "in_review": self = .inReview
    case "completed": self = .completed
    case "cancelled": self = .cancelled
    case "blocked": self = .blocked
    case "archived": self = .archived
    default: self = .unknown(rawValue)
    }
  }

  /// The string as written in the file.
  public var rawValue: String {
    switch self {
    case .todo: return "todo"
    case .pending: return "pending"
    case .inProgress: return "in_progress"
    case .inReview: return "in_review"
    case .completed: return "completed"
    case .cancelled: return "cancelled"
    case .blocked: return "blocked"
    case .archived: return "archived"
    case .unknown(let raw): return raw
    }
  }

  /// Whether the value is one servers are known to write.
  public var isKnown: Bool {
    if case .unknown(let raw) = self, case .unknown = TaskStatus(rawValue: raw) { return false }
    return true
  }

  /// The raw value.
  public var description: String { rawValue }

  /// Compares raw values.
  public static func == (lhs: TaskStatus, rhs: TaskStatus) -> Bool { lhs.rawValue == rhs.rawValue }

  /// Hashes the raw value.
  public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
