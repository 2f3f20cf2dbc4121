/// A task's `priority`.
///
/// Servers of every age write `low`, `medium` or `high`.
/// A value outside that set is kept verbatim as `unknown` and reported, never
/// rejected or rewritten. Equality and hashing go by `rawValue`, so
/// `.unknown("todo")` built by hand still equals `.todo`.
public enum TaskPriority: Hashable, Sendable, CustomStringConvertible {
  /// `low`
  case low
  /// `medium`
  case medium
  /// `high`
  case high
  /// A value this toolkit does not know, exactly as found.
  case unknown(String)

  /// Every known value, in the order FORMAT.md lists them.
  public static let knownValues: [TaskPriority] = [
    .low, .medium, .high,
  ]

  /// The value for a raw string; never fails.
  public init(rawValue: String) {
    switch rawValue {
    case "low": self = .low
    case "medium": self = .medium
    case "high": self = .high
    default: self = .unknown(rawValue)
    }
  }

  /// The string as written in the file.
  public var rawValue: String {
    switch self {
    case .low: return "low"
    case .medium: return "medium"
    case .high: return "high"
    case .unknown(let raw): return raw
    }
  }

  /// Whether the value is one servers are known to write.
  public var isKnown: Bool {
    if case .unknown(let raw) = self, case .unknown = TaskPriority(rawValue: raw) { return false }
    return true
  }

  /// The raw value.
  public var description: String { rawValue }

  /// Compares raw values.
  public static func == (lhs: TaskPriority, rhs: TaskPriority) -> Bool {
    lhs.rawValue == rhs.rawValue
  }

  /// Hashes the raw value.
  public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
