/// One entry of a session's `events[]`.
///
/// Fields: `id`, `timestamp`, `type` (free text, so a plain string), `data?`
/// (any JSON). Wraps its object like the entities do; requires nothing.
public struct SessionEvent: Sendable, Equatable {
  /// The entry itself.
  public var json: JSONObject

  /// Fields of every server age.
  public static let knownFields: Set<String> = ["id", "timestamp", "type", "data"]

  /// Wraps an entry as found.
  public init(_ json: JSONObject) {
    self.json = json
  }

  /// A new entry with members in the order servers write them.
  public init(id: String, timestamp: Double, type: String, data: JSONValue? = nil) {
    json = JSONObject()
    json["id"] = .string(id)
    json["timestamp"] = .number(timestamp)
    json["type"] = .string(type)
    json["data"] = data
  }

  /// `id`.
  public var id: String? {
    get { json.string("id") }
    set { json.setOptional("id", .from(newValue)) }
  }

  /// `timestamp`, epoch milliseconds.
  public var timestamp: Double? {
    get { json.number("timestamp") }
    set { json.setOptional("timestamp", .from(newValue)) }
  }

  /// `type`, e.g. `status_change`; servers attach no fixed vocabulary.
  public var type: String? {
    get { json.string("type") }
    set { json.setOptional("type", .from(newValue)) }
  }

  /// `data?`, any JSON; nil removes it.
  public var data: JSONValue? {
    get { json["data"] }
    set { json.setOptional("data", newValue) }
  }

  /// The keys `knownFields` does not list, in document order.
  public var unknownFields: [String] {
    json.keys.filter { !Self.knownFields.contains($0) }
  }
}
