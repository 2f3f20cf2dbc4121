/// A task: `tasks/<projectId>/<id>.json`, or legacy flat `tasks/<id>.json`.
///
/// Named `MaestroTask` so it does not shadow Swift's concurrency `Task`.
/// Accessors cover the seed's fields and those of newer and older servers
/// (FORMAT.md §4). A getter returns nil for a member that is absent or of the
/// wrong type; the raw member stays in `json` for a checker to inspect.
///
/// Setters of optional members (`initialPrompt`, `images`, `pinned`, ...)
/// remove the key on nil; setters of members servers keep as `null`
/// (`parentId`, `startedAt`, `completedAt`, `dueDate`, `teamId`) write `null`.
public struct MaestroTask: MaestroEntity {
  /// The document; accessors below read and write it in place.
  public var json: JSONObject

  /// Wraps an object already known to carry a string `id`.
  public init(checkedObject: JSONObject) {
    json = checkedObject
  }

  /// Fields of every server age, including the legacy `sessionStatus` and
  /// the seed's embedded `subtasks`.
  public static let knownFields: Set<String> = [
    "id", "projectId", "parentId", "title", "description", "initialPrompt", "status",
    "priority", "sessionIds", "skillIds", "agentIds", "dependencies", "timeline",
    "createdAt", "updatedAt", "startedAt", "completedAt",
    "referenceTaskIds", "taskSessionStatuses", "dueDate", "teamId", "teamMemberId",
    "teamMemberIds", "images", "pinned", "clientRequestId", "dangerousMode", "memberOverrides",
    "useWorktree", "spellIds",
    "model",  // early-2026 servers
    "sessionStatus", "subtasks",
  ]

  /// "task".
  public static let entityName = "task"

  // MARK: Identity and links

  /// `projectId`: the project the task belongs to, and its folder name.
  public var projectId: String? {
    get { json.string("projectId") }
    set { json.setOptional("projectId", .from(newValue)) }
  }

  /// `parentId`: the parent task, or nil for `null` (a top-level task).
  public var parentId: String? {
    get { json.string("parentId") }
    set { json.setNullable("parentId", .from(newValue)) }
  }

  /// `sessionIds[]`: sessions working on this task; the other half of each
  /// session's `taskIds`.
  public var sessionIds: [String]? {
    get { json.strings("sessionIds") }
    set { json.setOptional("sessionIds", .from(newValue)) }
  }

  /// `skillIds[]`.
  public var skillIds: [String]? {
    get { json.strings("skillIds") }
    set { json.setOptional("skillIds", .from(newValue)) }
  }

  /// `agentIds[]`.
  public var agentIds: [String]? {
    get { json.strings("agentIds") }
    set { json.setOptional("agentIds", .from(newValue)) }
  }

  /// `dependencies[]`: task ids this task waits for.
  public var dependencies: [String]? {
    get { json.strings("dependencies") }
    set { json.setOptional("dependencies", .from(newValue)) }
  }

  /// `referenceTaskIds[]` (newer servers): related task ids.
  public var referenceTaskIds: [String]? {
    get { json.strings("referenceTaskIds") }
    set { json.setOptional("referenceTaskIds", .from(newValue)) }
  }

  // MARK: Content

  /// `title`.
  public var title: String? {
    get { json.string("title") }
    set { json.setOptional("title", .from(newValue)) }
  }

  /// `description`.
  public var description: String? {
    get { json.string("description") }
    set { json.setOptional("description", .from(newValue)) }
  }

  /// `initialPrompt?`.
  public var initialPrompt: String? {
    get { json.string("initialPrompt") }
    set { json.setOptional("initialPrompt", .from(newValue)) }
  }

  /// `status`; an unknown value is kept as `.unknown`.
  public var status: TaskStatus? {
    get { json.string("status").map(TaskStatus.init(rawValue:)) }
    set { json.setOptional("status", .from(newValue?.rawValue)) }
  }

  /// `priority`; an unknown value is kept as `.unknown`.
  public var priority: TaskPriority? {
    get { json.string("priority").map(TaskPriority.init(rawValue:)) }
    set { json.setOptional("priority", .from(newValue?.rawValue)) }
  }

  /// `timeline[]`; nil if absent or if any entry is not an object.
  public var timeline: [TimelineEvent]? {
    get { json.objects("timeline")?.map(TimelineEvent.init) }
    set { json.setOptional("timeline", .from(newValue?.map(\.json))) }
  }

  /// Appends to `timeline[]`, creating it if absent, as the seed's
  /// `task.timeline.push` would.
  ///
  /// Leaves a `timeline` that is not an array alone and returns false, so
  /// damaged data is not overwritten.
  @discardableResult
  public mutating func appendTimelineEvent(_ event: TimelineEvent) -> Bool {
    switch json["timeline"] {
    case nil:
      json["timeline"] = .array([.object(event.json)])
    case .array(var entries)?:
      entries.append(.object(event.json))
      json["timeline"] = .array(entries)
    default:
      return false
    }
    return true
  }

  // MARK: Times

  /// `createdAt`, epoch milliseconds.
  public var createdAt: Double? {
    get { json.number("createdAt") }
    set { json.setOptional("createdAt", .from(newValue)) }
  }

  /// `updatedAt`, epoch milliseconds.
  public var updatedAt: Double? {
    get { json.number("updatedAt") }
    set { json.setOptional("updatedAt", .from(newValue)) }
  }

  /// `startedAt`, epoch milliseconds; nil for `null`. Servers never clear it
  /// when a task is reopened.
  public var startedAt: Double? {
    get { json.number("startedAt") }
    set { json.setNullable("startedAt", .from(newValue)) }
  }

  /// `completedAt`, epoch milliseconds; nil for `null`.
  public var completedAt: Double? {
    get { json.number("completedAt") }
    set { json.setNullable("completedAt", .from(newValue)) }
  }

  /// `dueDate` (newer servers): `YYYY-MM-DD`, nil for `null`. Not validated.
  public var dueDate: String? {
    get { json.string("dueDate") }
    set { json.setNullable("dueDate", .from(newValue)) }
  }

  // MARK: Session state

  /// `taskSessionStatuses` (newer servers): session id → raw session status,
  /// in document order. Nil if absent, not an object, or any value is not a
  /// string; `taskSessionStatusSessionIds` still lists the keys then.
  public var taskSessionStatuses: [(sessionId: String, status: String)]? {
    get { json.stringPairs("taskSessionStatuses")?.map { (sessionId: $0.key, status: $0.value) } }
    set {
      json.setOptional(
        "taskSessionStatuses", .from(newValue?.map { (key: $0.sessionId, value: $0.status) }))
    }
  }

  /// The keys of `taskSessionStatuses`, whatever their values; nil if the
  /// member is absent or not an object.
  public var taskSessionStatusSessionIds: [String]? {
    json["taskSessionStatuses"]?.objectValue?.keys
  }

  /// The status `taskSessionStatuses` records for one session.
  public func taskSessionStatus(for sessionId: String) -> String? {
    json["taskSessionStatuses"]?.objectValue?[sessionId]?.stringValue
  }

  /// Sets or (with nil) removes one session's entry in `taskSessionStatuses`,
  /// keeping the other entries and their order; creates the map if absent.
  ///
  /// Returns false, changing nothing, if the member exists but is not an
  /// object.
  @discardableResult
  public mutating func setTaskSessionStatus(_ status: String?, for sessionId: String) -> Bool {
    var map: JSONObject
    switch json["taskSessionStatuses"] {
    case nil:
      guard status != nil else { return true }
      map = JSONObject()
    case .object(let existing)?:
      map = existing
    default:
      return false
    }
    map[sessionId] = .from(status)
    json["taskSessionStatuses"] = .object(map)
    return true
  }

  /// `sessionStatus`: the single status older servers kept instead of
  /// `taskSessionStatuses`.
  public var sessionStatus: String? {
    get { json.string("sessionStatus") }
    set { json.setOptional("sessionStatus", .from(newValue)) }
  }

  // MARK: Newer servers

  /// `teamId` (newer servers); nil for `null`.
  public var teamId: String? {
    get { json.string("teamId") }
    set { json.setNullable("teamId", .from(newValue)) }
  }

  /// `teamMemberId?` (newer servers).
  public var teamMemberId: String? {
    get { json.string("teamMemberId") }
    set { json.setOptional("teamMemberId", .from(newValue)) }
  }

  /// `teamMemberIds[]?` (newer servers).
  public var teamMemberIds: [String]? {
    get { json.strings("teamMemberIds") }
    set { json.setOptional("teamMemberIds", .from(newValue)) }
  }

  /// `images[]?` (newer servers): entries describing files under
  /// `images/<projectId>/<taskId>/`, kept as raw JSON because their shape
  /// varies between servers.
  public var images: [JSONValue]? {
    get { json["images"]?.arrayValue }
    set { json.setOptional("images", newValue.map(JSONValue.array)) }
  }

  /// `pinned?` (newer servers).
  public var pinned: Bool? {
    get { json.bool("pinned") }
    set { json.setOptional("pinned", .from(newValue)) }
  }

  /// `subtasks`: embedded subtasks the seed's documentation mentions; real
  /// servers model subtasks as tasks with a `parentId`. Raw JSON.
  public var subtasks: JSONValue? {
    get { json["subtasks"] }
    set { json.setOptional("subtasks", newValue) }
  }
}
