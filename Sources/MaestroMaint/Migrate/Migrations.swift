import MaestroStorage

/// The migrations this tool knows, in order.
public enum Migrations {
  /// Every registered migration, by version (1 first).
  public static let all: [Migration] = [phaseIVA, newerServerFields, sessionRootIds]

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

  /// 2 → 3: what the newest server writes into every session file at its
  /// first start (FORMAT.md §7), so that start has nothing to rewrite.
  ///
  /// The newest server's start-up rule is `if (!session.rootSessionId)
  /// session.rootSessionId = session.id`: the session's own id, for every
  /// session lacking a truthy one (a session that names a parent but no
  /// root too; sessions made by servers that know parents record the root
  /// when they are created). Assigning to an absent key appends it, so the
  /// key goes last; a falsy one (`null`, `""`) keeps its place. `strategy`
  /// is kept: early-2026 servers still read it.
  public static let sessionRootIds = Migration(
    version: 3, name: "session-root-ids",
    summary: "session rootSessionId (the session's own id, as the newest server sets it at start); strategy kept",
    definition: """
      revision 1
      session: rootSessionId falsy: the session's own id (the newest server's start-up rule, whether or not parentSessionId is set); strategy is kept as found (early-2026 servers read it)
      task: unchanged
      keys: an absent rootSessionId is appended last, a falsy one keeps its place; every other key keeps its order and bytes; each file keeps its JSON style
      """,
    movesFlatTasks: false,
    migrateTask: { _, _ in },
    migrateSession: { session in
      if !session.isTruthy("rootSessionId"), let id = session["id"], id.isTruthy {
        session["rootSessionId"] = id
      }
    })
}

extension JSONObject {
  /// Whether `key` is present with a JavaScript-truthy value (the seed's
  /// `if (!x.key)` test, negated).
  func isTruthy(_ key: String) -> Bool {
    self[key]?.isTruthy ?? false
  }
}
