import MaestroStorage

/// One registered, versioned change of the data dir's format.
///
/// A migration is a pure function of a file's content (plus, for task files,
/// the session links of the whole dir), so it is idempotent: applied to what
/// it already produced it changes nothing. Its `checksum` is the SHA-256 of
/// a stable description — `maestro-admin migration`, its version, its name
/// and its `definition` text, one per line — and is recorded in
/// `migrations.json` when the migration is applied, as Flyway records the
/// checksum of each applied script. Any change to what a migration does must
/// change its `definition` (and so its checksum), so that a data dir that
/// recorded the old definition is refused rather than silently treated as
/// migrated by different code.
public struct Migration: Sendable {
  /// The version the data dir is at after this migration (1, 2, ...).
  public let version: Int
  /// A stable machine name, e.g. `phase-iv-a`.
  public let name: String
  /// One line for people.
  public let summary: String
  /// The exact rules, in words; part of the checksum.
  public let definition: String
  /// Whether this migration also moves flat `tasks/<id>.json` files into
  /// `tasks/<projectId>/`.
  public let movesFlatTasks: Bool
  let migrateTask: @Sendable (inout JSONObject, MigrationContext) -> Void
  let migrateSession: @Sendable (inout JSONObject) -> Void

  /// The version the data dir is at before this migration.
  public var fromVersion: Int { version - 1 }

  /// SHA-256 (hex) of `maestro-admin migration\nversion: N\nname: NAME\n` followed by `definition`.
  public var checksum: String {
    SHA256.hex(of: Array("maestro-admin migration\nversion: \(version)\nname: \(name)\n\(definition)".utf8))
  }

  /// Applies the migration to a task document (a JSON object).
  public func apply(task: inout JSONObject, context: MigrationContext = MigrationContext()) {
    migrateTask(&task, context)
  }

  /// Applies the migration to a session document.
  public func apply(session: inout JSONObject) {
    migrateSession(&session)
  }
}

/// What a task migration may need from the rest of the data dir.
public struct MigrationContext: Sendable {
  /// For each task id, the sessions that list it (in `taskIds`, or in a
  /// legacy single `taskId`), by session id bytewise.
  public var sessionsListing: [String: [String]]

  public init(sessionsListing: [String: [String]] = [:]) {
    self.sessionsListing = sessionsListing
  }
}

/// The migrations this tool knows, in order.
public enum Migrations {
  /// Every registered migration, by version (1 first).
  public static let all: [Migration] = [phaseIVA, newerServerFields]

  /// The newest version this tool can bring a data dir to.
  public static var latestVersion: Int { all.last?.version ?? 0 }

  /// The migration that brings a data dir to `version`.
  public static func migration(to version: Int) -> Migration? {
    all.first { $0.version == version }
  }

  /// 0 → 1: the seed's Phase IV-A, written down.
  public static let phaseIVA = Migration(
    version: 1, name: "phase-iv-a",
    summary: "flat tasks/*.json into tasks/<projectId>/; task sessionIds/skillIds/agentIds; session taskIds/name/env/events",
    definition: """
      revision 1
      layout: tasks/<id>.json moves to tasks/<projectId>/<id>.json; where that file exists with other content the copy with the newer updatedAt stays (tie: the project-folder copy) and the other goes to lost+found/<stamp>/; identical content: the flat file is removed; a flat file that cannot be placed (unparseable, no or unsafe id or projectId) goes to lost+found/<stamp>/
      task: sessionIds, when falsy, becomes the ids of the sessions listing the task (bytewise, [] when none); skillIds, agentIds when falsy become []
      session: taskId truthy and taskIds falsy: taskIds = [taskId] and taskId is deleted; then taskIds falsy: []; name falsy: "Session <id>"; env falsy: {}; events falsy: []
      keys: new keys appended last in the order listed, existing keys keep their order and bytes; each file keeps its JSON style
      """,
    movesFlatTasks: true,
    migrateTask: { task, context in
      if !task.isTruthy("sessionIds") {
        let id = task["id"]?.stringValue ?? ""
        task["sessionIds"] = .array((context.sessionsListing[id] ?? []).map(JSONValue.string))
      }
      if !task.isTruthy("skillIds") { task["skillIds"] = [] }
      if !task.isTruthy("agentIds") { task["agentIds"] = [] }
    },
    migrateSession: { session in
      if session.isTruthy("taskId") && !session.isTruthy("taskIds"), let taskId = session["taskId"] {
        session["taskIds"] = [taskId]
        session.removeValue(forKey: "taskId")
      }
      if !session.isTruthy("taskIds") { session["taskIds"] = [] }
      if !session.isTruthy("name"), let id = session["id"]?.stringValue { session["name"] = .string("Session \(id)") }
      if !session.isTruthy("env") { session["env"] = .object(JSONObject()) }
      if !session.isTruthy("events") { session["events"] = [] }
    })

  /// 1 → 2: the fields newer servers default when reading (FORMAT.md §4, §7).
  public static let newerServerFields = Migration(
    version: 2, name: "newer-server-fields",
    summary: "task referenceTaskIds/dueDate, taskSessionStatuses from sessionStatus; session timeline/docs",
    definition: """
      revision 1
      task: referenceTaskIds falsy: []; dueDate absent: null; taskSessionStatuses absent or null and sessionStatus a string and sessionIds listing sessions: {sessionId: sessionStatus} for each listed session, and sessionStatus is deleted (an absent map is otherwise left absent: the newest server writes none until a session status is set, and reads absent as {})
      session: timeline falsy: []; docs falsy: []
      keys: new keys appended last in the order listed (the newest server's order), existing keys keep their order and bytes; each file keeps its JSON style
      """,
    movesFlatTasks: false,
    migrateTask: { task, _ in
      if !task.isTruthy("referenceTaskIds") { task["referenceTaskIds"] = [] }
      if !task.contains("dueDate") { task["dueDate"] = .null }
      let sessionIds = (task["sessionIds"]?.arrayValue ?? []).compactMap(\.stringValue)
      if task["taskSessionStatuses"]?.isNull ?? true, let status = task["sessionStatus"], status.stringValue != nil,
        !sessionIds.isEmpty
      {
        var map = JSONObject()
        for id in sessionIds where map[id] == nil { map[id] = status }
        task["taskSessionStatuses"] = .object(map)
        task.removeValue(forKey: "sessionStatus")
      }
    },
    migrateSession: { session in
      if !session.isTruthy("timeline") { session["timeline"] = [] }
      if !session.isTruthy("docs") { session["docs"] = [] }
    })
}

extension JSONObject {
  /// Whether `key` is present with a JavaScript-truthy value (the seed's
  /// `if (!x.key)` test, negated).
  func isTruthy(_ key: String) -> Bool {
    self[key]?.isTruthy ?? false
  }
}
