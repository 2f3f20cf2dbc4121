/// One entry of a task's `timeline[]` or (newer servers) a session's.
///
/// Fields: `id`, `type`, `timestamp`, `message?`, `sessionId?`; session
/// timelines also carry `taskId?` and `metadata?`. Like the entities, it
/// wraps its object so unknown members and key order survive edits; unlike
/// them it requires nothing, because a timeline entry without an id is damage
/// a checker reports rather than a reason to refuse the whole file.
public struct TimelineEvent: Sendable, Equatable {
  /// The entry itself.
  public var json: JSONObject

  /// Fields of every server age.
  public static let knownFields: Set<String> = [
    "id", "type", "timestamp", "message", "sessionId", "taskId", "metadata",
  ]

  /// Wraps an entry as found.
  public init(_ json: JSONObject) {
    self.json = json
  }

  /// A new entry with members in the order servers write them
  /// (`id`, `type`, `timestamp`, then the optional ones).
  public init(
    id: String, type: TimelineEventType, timestamp: Double, message: String? = nil,
    sessionId: String? = nil, taskId: String? = nil
  ) {
    json = JSONObject()
    json["id"] = .string(id)
    json["type"] = .string(type.rawValue)
    json["timestamp"] = .number(timestamp)
    json["taskId"] = .from(taskId)
    json["message"] = .from(message)
    json["sessionId"] = .from(sessionId)
  }

  /// `id`.
  public var id: String? {
    get { json.string("id") }
    set { json.setOptional("id", .from(newValue)) }
  }

  /// `type`; an unknown value is kept as `.unknown`.
  public var type: TimelineEventType? {
    get { json.string("type").map(TimelineEventType.init(rawValue:)) }
    set { json.setOptional("type", .from(newValue?.rawValue)) }
  }

  /// `timestamp`, epoch milliseconds.
  public var timestamp: Double? {
    get { json.number("timestamp") }
    set { json.setOptional("timestamp", .from(newValue)) }
  }

  /// `message?`.
  public var message: String? {
    get { json.string("message") }
    set { json.setOptional("message", .from(newValue)) }
  }

  /// `sessionId?`: the session the entry is about (task timelines).
  public var sessionId: String? {
    get { json.string("sessionId") }
    set { json.setOptional("sessionId", .from(newValue)) }
  }

  /// `taskId?`: the task the entry is about (session timelines).
  public var taskId: String? {
    get { json.string("taskId") }
    set { json.setOptional("taskId", .from(newValue)) }
  }

  /// `metadata?`, any JSON.
  public var metadata: JSONValue? {
    get { json["metadata"] }
    set { json.setOptional("metadata", newValue) }
  }

  /// The keys `knownFields` does not list, in document order.
  public var unknownFields: [String] {
    json.keys.filter { !Self.knownFields.contains($0) }
  }
}
