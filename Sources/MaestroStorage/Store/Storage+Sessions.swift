extension Storage {
  /// Creates a session in project `data["projectId"]` and links it to each
  /// task in `data["taskIds"]` on both sides, then asks for a spawn
  /// (`session:spawn_request`), as the seed does.
  @discardableResult
  public func createSession(_ data: JSONObject) throws -> Session {
    guard let projectId = data["projectId"]?.stringValue, projects[projectId] != nil else {
      throw MaestroError(.projectNotFound, "Project not found", id: data["projectId"]?.stringValue)
    }
    let taskIds = (data["taskIds"]?.arrayValue ?? []).compactMap(\.stringValue)
    for taskId in taskIds where tasks[taskId] == nil {
      throw MaestroError(.taskNotFound, "Task not found", id: taskId)
    }
    let time = now()
    let id = ids.makeId("sess")
    var json: JSONObject = [
      "id": .string(id),
      "projectId": .string(projectId),
      "taskIds": .array(uniqued(taskIds).map { .string($0) }),
      "name": data["name"] ?? .string("Session \(id)"),
    ]
    if let agentId = data["agentId"] { json["agentId"] = agentId }
    json["env"] = data["env"] ?? .object(JSONObject())
    json["status"] = data["status"] ?? .string(SessionStatus.spawning.rawValue)
    json["startedAt"] = .number(time)
    json["lastActivity"] = .number(time)
    json["completedAt"] = .null
    json["hostname"] = data["hostname"] ?? .string(Self.hostname)
    json["platform"] = data["platform"] ?? .string("linux")
    json["events"] = data["events"] ?? .array([])
    if let metadata = data["metadata"] { json["metadata"] = metadata }
    for (key, value) in data where !json.contains(key) && key != "skillIds" { json[key] = value }
    let session = try Session(object: json, file: nil)
    let file = "sessions/\(id).json"
    try EntityId.validate(id, file: nil)
    try write(session.json, style: defaultStyle, to: file)
    sessions[id] = .init(entity: session, style: defaultStyle, file: file)
    emit(.sessionCreated, .object(session.json))
    for taskId in uniqued(taskIds) {
      try linkTask(taskId, toSession: id, at: time)
      emit(.taskSessionAdded, ["taskId": .string(taskId), "sessionId": .string(id)])
    }
    emit(
      .sessionSpawnRequest,
      [
        "session": .object(session.json), "projectId": .string(projectId),
        "taskIds": session.json["taskIds"]!, "skillIds": data["skillIds"] ?? .array([]),
      ])
    return session
  }

  /// The session `id`, if loaded.
  public func getSession(_ id: String) -> Session? { sessions[id]?.entity }

  /// Sessions, optionally only those of a project, listing a task, and/or
  /// with a status.
  public func listSessions(projectId: String? = nil, taskId: String? = nil, status: String? = nil) -> [Session] {
    sessions.values.filter { session in
      (projectId == nil || session.projectId == projectId)
        && (taskId == nil || (session.taskIds ?? []).contains(taskId!))
        && (status == nil || session.json["status"]?.stringValue == status)
    }
  }

  /// Merges `updates` into session `id` and stamps `lastActivity`; a move to
  /// a terminal status stamps `completedAt` (servers overwrite it each time).
  @discardableResult
  public func updateSession(_ id: String, _ updates: JSONObject) throws -> Session {
    guard var entry = sessions[id] else { throw MaestroError(.sessionNotFound, "Session not found", id: id) }
    merge(updates, into: &entry.entity.json)
    let time = now()
    entry.entity.json["lastActivity"] = .number(time)
    if updates["status"] != nil, let status = entry.entity.status, status.isTerminal {
      entry.entity.json["completedAt"] = .number(time)
    }
    try persist(&entry, canonicalFile: "sessions/\(id).json")
    sessions[id] = entry
    emit(.sessionUpdated, .object(entry.entity.json))
    return entry.entity
  }

  /// Deletes session `id` and its file, first removing it from every task
  /// it lists (`sessionIds`, `taskSessionStatuses`) with a `session_ended`
  /// timeline entry (the seed's policy).
  public func deleteSession(_ id: String) throws {
    guard let entry = sessions[id] else { throw MaestroError(.sessionNotFound, "Session not found", id: id) }
    let time = now()
    for taskId in uniqued(entry.entity.taskIds ?? []) {
      guard var task = tasks[taskId] else { continue }
      removeSession(id, from: &task.entity.json)
      appendTimeline(&task.entity.json, type: "session_ended", sessionId: id, at: time)
      try persist(&task, canonicalFile: try taskFile(for: task.entity))
      tasks[taskId] = task
      emitTaskUpdated(task.entity)
    }
    try remove(entry.file)
    sessions[id] = nil
    emit(.sessionDeleted, ["id": .string(id)])
  }

  private static let hostname: String = {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }()
}

func uniqued(_ ids: [String]) -> [String] {
  var seen = Set<String>()
  return ids.filter { seen.insert($0).inserted }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
