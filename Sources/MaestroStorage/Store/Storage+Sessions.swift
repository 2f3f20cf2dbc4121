extension Storage {
  /// Creates a session in project `data["projectId"]` and links it to each
  /// task in `data["taskIds"]` on both sides, then asks for a spawn
  /// (`session:spawn_request`), as the seed does.
  @discardableResult
  public func createSession(_ data: JSONObject) throws -> Session {
    guard let projectId = data["projectId"]?.stringValue, projects[projectId] != nil else {
      throw MaestroError(.projectNotFound, "Project not found", id: data["projectId"]?.stringValue)
    }
    let taskIds = try validatedTaskIds(data["taskIds"] ?? .array([]))
    let time = now()
    let id = ids.makeId("sess")
    var json: JSONObject = [
      "id": .string(id),
      "projectId": .string(projectId),
      "taskIds": .array(taskIds.map { .string($0) }),
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
    // Every file is computed (and every task's path checked) before any is
    // written: a task that cannot be linked leaves nothing behind.
    var batch = StoreWriteBatch()
    batch.write(session.json, style: defaultStyle, to: file)
    var linked: [EntityTable<MaestroTask>.Entry] = []
    for taskId in taskIds {
      if let task = try stageLink(taskId, toSession: id, at: time, in: &batch) { linked.append(task) }
    }
    try commit(batch)
    sessions[id] = .init(entity: session, style: defaultStyle, file: file)
    for task in linked { tasks[task.entity.id] = task }
    emit(.sessionCreated, .object(session.json))
    for taskId in taskIds {
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
  /// with a status. As in the seed (`if (filter.taskId)`), nil and `""` both
  /// mean no filter.
  public func listSessions(projectId: String? = nil, taskId: String? = nil, status: String? = nil) -> [Session] {
    let projectId = projectId.flatMap { $0.isEmpty ? nil : $0 }
    let taskId = taskId.flatMap { $0.isEmpty ? nil : $0 }
    let status = status.flatMap { $0.isEmpty ? nil : $0 }
    return sessions.values.filter { session in
      (projectId == nil || session.projectId == projectId)
        && (taskId == nil || (session.taskIds ?? []).contains(taskId!))
        && (status == nil || session.json["status"]?.stringValue == status)
    }
  }

  /// Merges `updates` into session `id` and stamps `lastActivity`; a move to
  /// a terminal status stamps `completedAt` (servers overwrite it each time).
  ///
  /// A new `projectId` must name a project, and a new `taskIds` must list
  /// existing tasks, as for `createSession` (the list is kept without
  /// repeats). Both sides of each link are kept: a task added to `taskIds`
  /// gets the session in its `sessionIds` with `session_started`, a task
  /// dropped loses it with `session_ended`, and the link events are sent
  /// as `addTaskToSession` / `removeTaskFromSession` send them.
  @discardableResult
  public func updateSession(_ id: String, _ updates: JSONObject) throws -> Session {
    guard var entry = sessions[id] else { throw MaestroError(.sessionNotFound, "Session not found", id: id) }
    var updates = updates
    if let projectValue = updates["projectId"] {
      guard let projectId = projectValue.stringValue, projects[projectId] != nil else {
        throw MaestroError(.projectNotFound, "Project not found", id: projectValue.stringValue)
      }
    }
    let oldTaskIds = entry.entity.taskIds ?? []
    var newTaskIds = oldTaskIds
    if let listed = updates["taskIds"] {
      newTaskIds = try validatedTaskIds(listed)
      updates["taskIds"] = .array(newTaskIds.map { .string($0) })
    }
    merge(updates, into: &entry.entity.json)
    let time = now()
    entry.entity.json["lastActivity"] = .number(time)
    if updates["status"] != nil, let status = entry.entity.status, status.isTerminal {
      entry.entity.json["completedAt"] = .number(time)
    }
    var batch = StoreWriteBatch()
    stage(&entry, canonicalFile: "sessions/\(id).json", in: &batch)
    let added = newTaskIds.filter { !oldTaskIds.contains($0) }
    let removed = uniqued(oldTaskIds.filter { !newTaskIds.contains($0) })
    var changedTasks: [EntityTable<MaestroTask>.Entry] = []
    for taskId in added {
      if let task = try stageLink(taskId, toSession: id, at: time, in: &batch) { changedTasks.append(task) }
    }
    for taskId in removed {
      if let task = try stageUnlink(taskId, fromSession: id, at: time, in: &batch) { changedTasks.append(task) }
    }
    try commit(batch)
    sessions[id] = entry
    for task in changedTasks { tasks[task.entity.id] = task }
    emit(.sessionUpdated, .object(entry.entity.json))
    for taskId in added {
      emit(.sessionTaskAdded, ["sessionId": .string(id), "taskId": .string(taskId)])
      emit(.taskSessionAdded, ["taskId": .string(taskId), "sessionId": .string(id)])
    }
    for taskId in removed {
      emit(.sessionTaskRemoved, ["sessionId": .string(id), "taskId": .string(taskId)])
      emit(.taskSessionRemoved, ["taskId": .string(taskId), "sessionId": .string(id)])
    }
    return entry.entity
  }

  /// Deletes session `id` and its file, first removing it from every task
  /// it lists (`sessionIds`, `taskSessionStatuses`) with a `session_ended`
  /// timeline entry (the seed's policy).
  public func deleteSession(_ id: String) throws {
    guard let entry = sessions[id] else { throw MaestroError(.sessionNotFound, "Session not found", id: id) }
    let time = now()
    var batch = StoreWriteBatch()
    var changedTasks: [EntityTable<MaestroTask>.Entry] = []
    for taskId in uniqued(entry.entity.taskIds ?? []) {
      guard var task = tasks[taskId] else { continue }
      removeSession(id, from: &task.entity.json)
      appendTimeline(&task.entity.json, type: "session_ended", sessionId: id, at: time)
      stage(&task, canonicalFile: try taskFile(for: task.entity), in: &batch)
      changedTasks.append(task)
    }
    batch.remove(entry.file)
    try commit(batch)
    for task in changedTasks {
      tasks[task.entity.id] = task
      emitTaskUpdated(task.entity)
    }
    sessions[id] = nil
    emit(.sessionDeleted, ["id": .string(id)])
  }

  /// The task ids a `taskIds` value lists, without repeats: an array whose
  /// strings each name a task (other elements are ignored, as
  /// `createSession` always did), or a falsy value (`null`, `""`...), which
  /// servers read as no tasks.
  func validatedTaskIds(_ value: JSONValue) throws -> [String] {
    if !value.isTruthy { return [] }
    guard let list = value.arrayValue else {
      throw MaestroError(.validation, "taskIds must be an array of task ids, not a \(value.kindName)")
    }
    let taskIds = uniqued(list.compactMap(\.stringValue))
    for taskId in taskIds where tasks[taskId] == nil {
      throw MaestroError(.taskNotFound, "Task not found", id: taskId)
    }
    return taskIds
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
