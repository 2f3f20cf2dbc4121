/// One entry of a newer session's `docs[]`: a document an agent attached.
///
/// Fields seen: `id`, `title`, `filePath` (as the agent named it),
/// `addedAt`, `addedBy` (a session id), `taskId`, and `contentFilePath`, the
/// ABSOLUTE path of the stored copy under the data dir's `session-docs/`.
/// Requires nothing, like the other nested views.
public struct SessionDoc: Sendable, Equatable {
  /// The entry itself.
  public var json: JSONObject

  /// Fields of every server age.
  public static let knownFields: Set<String> = [
    "id", "title", "filePath", "addedAt", "addedBy", "taskId", "contentFilePath",
  ]

  /// Wraps an entry as found.
  public init(_ json: JSONObject) {
    self.json = json
  }

  /// `id` (a `doc_` id).
  public var id: String? {
    get { json.string("id") }
    set { json.setOptional("id", .from(newValue)) }
  }

  /// `title`.
  public var title: String? {
    get { json.string("title") }
    set { json.setOptional("title", .from(newValue)) }
  }

  /// `filePath`: the name the agent gave, not a path into the data dir.
  public var filePath: String? {
    get { json.string("filePath") }
    set { json.setOptional("filePath", .from(newValue)) }
  }

  /// `contentFilePath`: absolute, and after a restore elsewhere it still names
  /// the old location (FORMAT.md §6), which is why a repair may rebase it.
  public var contentFilePath: String? {
    get { json.string("contentFilePath") }
    set { json.setOptional("contentFilePath", .from(newValue)) }
  }

  /// `addedAt`, epoch milliseconds.
  public var addedAt: Double? {
    get { json.number("addedAt") }
    set { json.setOptional("addedAt", .from(newValue)) }
  }

  /// `addedBy`: the session that attached it.
  public var addedBy: String? {
    get { json.string("addedBy") }
    set { json.setOptional("addedBy", .from(newValue)) }
  }

  /// `taskId`: the task it belongs to.
  public var taskId: String? {
    get { json.string("taskId") }
    set { json.setOptional("taskId", .from(newValue)) }
  }

  /// The keys `knownFields` does not list, in document order.
  public var unknownFields: [String] {
    json.keys.filter { !Self.knownFields.contains($0) }
  }
}
