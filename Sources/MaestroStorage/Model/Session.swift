/// A session: `sessions/<id>.json`, with its events (and, in newer servers,
/// its timeline and docs) inline.
///
/// Accessors cover the seed's fields, newer servers' and the legacy ones
/// (`taskId`, `strategy`); see FORMAT.md §4. A getter returns nil for a
/// member that is absent or of the wrong type. Setters of optional members
/// remove the key on nil; setters of members servers keep as `null`
/// (`completedAt`, `parentSessionId`, `rootSessionId`, `teamSessionId`,
/// `teamId`) write `null`.
public struct Session: MaestroEntity {
  /// The document; accessors below read and write it in place.
  public var json: JSONObject

  /// Wraps an object already known to carry a string `id`.
  public init(checkedObject: JSONObject) {
    json = checkedObject
  }

  /// Fields of every server age, including the legacy `taskId` and
  /// `strategy`.
  public static let knownFields: Set<String> = [
    "id", "projectId", "taskIds", "name", "agentId", "status", "env", "events", "metadata",
    "startedAt", "lastActivity", "completedAt", "hostname", "platform",
    "timeline", "docs", "parentSessionId", "rootSessionId", "teamSessionId", "teamId",
    "claudeSessionId", "needsInput", "archivedAt", "isMasterSession", "humanCompletedAt",
    "teamMemberId", "teamMemberIds", "teamMemberSnapshot", "teamMemberSnapshots", "activeSpells",
    "taskId", "strategy",
  ]

  /// "session".
  public static let entityName = "session"

  // MARK: Identity and links

  /// `projectId`.
  public var projectId: String? {
    get { json.string("projectId") }
    set { json.setOptional("projectId", .from(newValue)) }
  }

  /// `taskIds[]`: the other half of each task's `sessionIds`.
  public var taskIds: [String]? {
    get { json.strings("taskIds") }
    set { json.setOptional("taskIds", .from(newValue)) }
  }

  /// `taskId`: the single task legacy sessions had instead of `taskIds`.
  public var taskId: String? {
    get { json.string("taskId") }
    set { json.setOptional("taskId", .from(newValue)) }
  }

  /// `taskIds` if present, else the legacy `taskId` as a one-element list,
  /// which is how servers read an old session at load.
  public var effectiveTaskIds: [String]? {
    if json["taskIds"] != nil { return taskIds }
    return taskId.map { [$0] }
  }

  /// `parentSessionId` (newer servers); nil for `null`.
  public var parentSessionId: String? {
    get { json.string("parentSessionId") }
    set { json.setNullable("parentSessionId", .from(newValue)) }
  }

  /// `rootSessionId` (newer servers); nil for `null`.
  public var rootSessionId: String? {
    get { json.string("rootSessionId") }
    set { json.setNullable("rootSessionId", .from(newValue)) }
  }

  /// `teamSessionId` (newer servers); nil for `null`.
  public var teamSessionId: String? {
    get { json.string("teamSessionId") }
    set { json.setNullable("teamSessionId", .from(newValue)) }
  }

  /// `teamId` (newer servers); nil for `null`.
  public var teamId: String? {
    get { json.string("teamId") }
    set { json.setNullable("teamId", .from(newValue)) }
  }

  /// `agentId?`.
  public var agentId: String? {
    get { json.string("agentId") }
    set { json.setOptional("agentId", .from(newValue)) }
  }

  /// `claudeSessionId?` (newer servers).
  public var claudeSessionId: String? {
    get { json.string("claudeSessionId") }
    set { json.setOptional("claudeSessionId", .from(newValue)) }
  }

  // MARK: State

  /// `name`.
  public var name: String? {
    get { json.string("name") }
    set { json.setOptional("name", .from(newValue)) }
  }

  /// `status`; an unknown value is kept as `.unknown`.
  public var status: SessionStatus? {
    get { json.string("status").map(SessionStatus.init(rawValue:)) }
    set { json.setOptional("status", .from(newValue?.rawValue)) }
  }

  /// `env`: variable name → value, in document order. Nil if absent, not an
  /// object, or any value is not a string.
  public var env: [(key: String, value: String)]? {
    get { json.stringPairs("env") }
    set { json.setOptional("env", .from(newValue)) }
  }

  /// `strategy`: a legacy field (`simple`, ...), kept as found.
  public var strategy: String? {
    get { json.string("strategy") }
    set { json.setOptional("strategy", .from(newValue)) }
  }

  /// `needsInput?` (newer servers), kept raw: servers have written both a
  /// Boolean and an object here.
  public var needsInput: JSONValue? {
    get { json["needsInput"] }
    set { json.setOptional("needsInput", newValue) }
  }

  /// `isMasterSession?` (newer servers).
  public var isMasterSession: Bool? {
    get { json.bool("isMasterSession") }
    set { json.setOptional("isMasterSession", .from(newValue)) }
  }

  /// `metadata?`, any JSON.
  public var metadata: JSONValue? {
    get { json["metadata"] }
    set { json.setOptional("metadata", newValue) }
  }

  /// `hostname`.
  public var hostname: String? {
    get { json.string("hostname") }
    set { json.setOptional("hostname", .from(newValue)) }
  }

  /// `platform`.
  public var platform: String? {
    get { json.string("platform") }
    set { json.setOptional("platform", .from(newValue)) }
  }

  // MARK: Times

  /// `startedAt`, epoch milliseconds.
  public var startedAt: Double? {
    get { json.number("startedAt") }
    set { json.setOptional("startedAt", .from(newValue)) }
  }

  /// `lastActivity`, epoch milliseconds.
  public var lastActivity: Double? {
    get { json.number("lastActivity") }
    set { json.setOptional("lastActivity", .from(newValue)) }
  }

  /// `completedAt`, epoch milliseconds; nil for `null`. Servers overwrite it
  /// on every terminal update.
  public var completedAt: Double? {
    get { json.number("completedAt") }
    set { json.setNullable("completedAt", .from(newValue)) }
  }

  /// `archivedAt?` (newer servers), epoch milliseconds.
  public var archivedAt: Double? {
    get { json.number("archivedAt") }
    set { json.setOptional("archivedAt", .from(newValue)) }
  }

  // MARK: Inline collections

  /// `events[]`; nil if absent or if any entry is not an object.
  public var events: [SessionEvent]? {
    get { json.objects("events")?.map(SessionEvent.init) }
    set { json.setOptional("events", .from(newValue?.map(\.json))) }
  }

  /// `timeline[]` (newer servers); nil if absent or if any entry is not an
  /// object.
  public var timeline: [TimelineEvent]? {
    get { json.objects("timeline")?.map(TimelineEvent.init) }
    set { json.setOptional("timeline", .from(newValue?.map(\.json))) }
  }

  /// `docs[]` (newer servers); nil if absent or if any entry is not an
  /// object.
  public var docs: [SessionDoc]? {
    get { json.objects("docs")?.map(SessionDoc.init) }
    set { json.setOptional("docs", .from(newValue?.map(\.json))) }
  }
}
