/// A change the store made, delivered to subscribers after it is durable.
///
/// `name` is the seed server's event name (`task:created`,
/// `session:task_added`, ...); `payload` is what the seed emits with it.
public struct StorageEvent: Sendable, Equatable {
  /// The seed's event names.
  public struct Name: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let projectCreated = Name(rawValue: "project:created")
    public static let projectUpdated = Name(rawValue: "project:updated")
    public static let projectDeleted = Name(rawValue: "project:deleted")
    public static let taskCreated = Name(rawValue: "task:created")
    public static let taskUpdated = Name(rawValue: "task:updated")
    public static let taskDeleted = Name(rawValue: "task:deleted")
    public static let sessionCreated = Name(rawValue: "session:created")
    public static let sessionUpdated = Name(rawValue: "session:updated")
    public static let sessionDeleted = Name(rawValue: "session:deleted")
    public static let sessionSpawnRequest = Name(rawValue: "session:spawn_request")
    public static let sessionTaskAdded = Name(rawValue: "session:task_added")
    public static let sessionTaskRemoved = Name(rawValue: "session:task_removed")
    public static let taskSessionAdded = Name(rawValue: "task:session_added")
    public static let taskSessionRemoved = Name(rawValue: "task:session_removed")
    public static let subtaskCreated = Name(rawValue: "subtask:created")
    public static let subtaskUpdated = Name(rawValue: "subtask:updated")
    public static let subtaskDeleted = Name(rawValue: "subtask:deleted")

    /// Every name the seed lists.
    public static let all: [Name] = [
      projectCreated, projectUpdated, projectDeleted, taskCreated, taskUpdated, taskDeleted,
      sessionCreated, sessionUpdated, sessionDeleted, sessionSpawnRequest, sessionTaskAdded,
      sessionTaskRemoved, taskSessionAdded, taskSessionRemoved, subtaskCreated, subtaskUpdated,
      subtaskDeleted,
    ]
  }

  public var name: Name
  public var payload: JSONValue

  public init(_ name: Name, _ payload: JSONValue) {
    self.name = name
    self.payload = payload
  }
}
