extension Storage {
  /// Links task `taskId` and session `sessionId` on both sides (Phase IV-A).
  /// Idempotent: an existing link is left alone, and `session_started` is
  /// recorded on the task only when its side was missing.
  public func addTaskToSession(sessionId: String, taskId: String) throws {
    guard var session = sessions[sessionId] else {
      throw MaestroError(.sessionNotFound, "Session not found", id: sessionId)
    }
    guard tasks[taskId] != nil else { throw MaestroError(.taskNotFound, "Task not found", id: taskId) }
    var batch = StoreWriteBatch()
    let sessionChanged = !(session.entity.taskIds ?? []).contains(taskId)
    if sessionChanged {
      appendString(taskId, to: "taskIds", in: &session.entity.json)
      stage(&session, canonicalFile: "sessions/\(sessionId).json", in: &batch)
    }
    let task = try stageLink(taskId, toSession: sessionId, at: now(), in: &batch)
    try commit(batch)
    if sessionChanged { sessions[sessionId] = session }
    if let task { tasks[taskId] = task }
    emit(.sessionTaskAdded, ["sessionId": .string(sessionId), "taskId": .string(taskId)])
    emit(.taskSessionAdded, ["taskId": .string(taskId), "sessionId": .string(sessionId)])
  }

  /// Unlinks task `taskId` and session `sessionId` on both sides, recording
  /// `session_ended` on the task when it listed the session. Idempotent.
  public func removeTaskFromSession(sessionId: String, taskId: String) throws {
    guard var session = sessions[sessionId] else {
      throw MaestroError(.sessionNotFound, "Session not found", id: sessionId)
    }
    guard tasks[taskId] != nil else { throw MaestroError(.taskNotFound, "Task not found", id: taskId) }
    var batch = StoreWriteBatch()
    let sessionChanged = (session.entity.taskIds ?? []).contains(taskId)
    if sessionChanged {
      session.entity.json["taskIds"] = .array((session.entity.taskIds ?? []).filter { $0 != taskId }.map { .string($0) })
      stage(&session, canonicalFile: "sessions/\(sessionId).json", in: &batch)
    }
    let task = try stageUnlink(taskId, fromSession: sessionId, at: now(), in: &batch)
    try commit(batch)
    if sessionChanged { sessions[sessionId] = session }
    if let task { tasks[taskId] = task }
    emit(.sessionTaskRemoved, ["sessionId": .string(sessionId), "taskId": .string(taskId)])
    emit(.taskSessionRemoved, ["taskId": .string(taskId), "sessionId": .string(sessionId)])
  }

  /// Stages adding `sessionId` to the task's `sessionIds` with a
  /// `session_started` entry, unless already there; returns the changed
  /// entry to store once the batch is committed, or nil if nothing changes.
  func stageLink(
    _ taskId: String, toSession sessionId: String, at time: Double, in batch: inout StoreWriteBatch
  ) throws -> EntityTable<MaestroTask>.Entry? {
    guard var task = tasks[taskId] else { throw MaestroError(.taskNotFound, "Task not found", id: taskId) }
    guard !(task.entity.sessionIds ?? []).contains(sessionId) else { return nil }
    appendString(sessionId, to: "sessionIds", in: &task.entity.json)
    appendTimeline(&task.entity.json, type: "session_started", sessionId: sessionId, at: time)
    stage(&task, canonicalFile: try taskFile(for: task.entity), in: &batch)
    return task
  }

  /// Stages removing `sessionId` from the task (`sessionIds`,
  /// `taskSessionStatuses`) with a `session_ended` entry, if the task lists
  /// it; returns the changed entry, or nil if the task is unknown or does
  /// not list the session.
  func stageUnlink(
    _ taskId: String, fromSession sessionId: String, at time: Double, in batch: inout StoreWriteBatch
  ) throws -> EntityTable<MaestroTask>.Entry? {
    guard var task = tasks[taskId], (task.entity.sessionIds ?? []).contains(sessionId) else { return nil }
    removeSession(sessionId, from: &task.entity.json)
    appendTimeline(&task.entity.json, type: "session_ended", sessionId: sessionId, at: time)
    stage(&task, canonicalFile: try taskFile(for: task.entity), in: &batch)
    return task
  }

  func removeSession(_ sessionId: String, from json: inout JSONObject) {
    if let list = json["sessionIds"]?.arrayValue {
      json["sessionIds"] = .array(list.filter { $0.stringValue != sessionId })
    }
    if var statuses = json["taskSessionStatuses"]?.objectValue, statuses.contains(sessionId) {
      statuses[sessionId] = nil
      json["taskSessionStatuses"] = .object(statuses)
    }
  }

  func appendString(_ value: String, to key: String, in json: inout JSONObject) {
    var list = json[key]?.arrayValue ?? []
    list.append(.string(value))
    json[key] = .array(list)
  }

  func appendTimeline(_ json: inout JSONObject, type: String, sessionId: String, at time: Double) {
    var timeline = json["timeline"]?.arrayValue ?? []
    timeline.append(
      .object([
        "id": .string(ids.makeId("evt")), "type": .string(type), "timestamp": .number(time),
        "sessionId": .string(sessionId),
      ]))
    json["timeline"] = .array(timeline)
  }
}
