extension Storage {
  /// Links task `taskId` and session `sessionId` on both sides (Phase IV-A).
  /// Idempotent: an existing link is left alone, and `session_started` is
  /// recorded on the task only when its side was missing.
  public func addTaskToSession(sessionId: String, taskId: String) throws {
    guard var session = sessions[sessionId] else {
      throw MaestroError(.sessionNotFound, "Session not found", id: sessionId)
    }
    guard tasks[taskId] != nil else { throw MaestroError(.taskNotFound, "Task not found", id: taskId) }
    if !(session.entity.taskIds ?? []).contains(taskId) {
      appendString(taskId, to: "taskIds", in: &session.entity.json)
      try persist(&session, canonicalFile: "sessions/\(sessionId).json")
      sessions[sessionId] = session
    }
    try linkTask(taskId, toSession: sessionId, at: now())
    emit(.sessionTaskAdded, ["sessionId": .string(sessionId), "taskId": .string(taskId)])
    emit(.taskSessionAdded, ["taskId": .string(taskId), "sessionId": .string(sessionId)])
  }

  /// Unlinks task `taskId` and session `sessionId` on both sides, recording
  /// `session_ended` on the task when it listed the session. Idempotent.
  public func removeTaskFromSession(sessionId: String, taskId: String) throws {
    guard var session = sessions[sessionId] else {
      throw MaestroError(.sessionNotFound, "Session not found", id: sessionId)
    }
    guard var task = tasks[taskId] else { throw MaestroError(.taskNotFound, "Task not found", id: taskId) }
    if (session.entity.taskIds ?? []).contains(taskId) {
      session.entity.json["taskIds"] = .array((session.entity.taskIds ?? []).filter { $0 != taskId }.map { .string($0) })
      try persist(&session, canonicalFile: "sessions/\(sessionId).json")
      sessions[sessionId] = session
    }
    if (task.entity.sessionIds ?? []).contains(sessionId) {
      removeSession(sessionId, from: &task.entity.json)
      appendTimeline(&task.entity.json, type: "session_ended", sessionId: sessionId, at: now())
      try persist(&task, canonicalFile: try taskFile(for: task.entity))
      tasks[taskId] = task
    }
    emit(.sessionTaskRemoved, ["sessionId": .string(sessionId), "taskId": .string(taskId)])
    emit(.taskSessionRemoved, ["taskId": .string(taskId), "sessionId": .string(sessionId)])
  }

  /// Adds `sessionId` to the task's `sessionIds` with a `session_started`
  /// entry, unless already there; writes the task when it changed.
  func linkTask(_ taskId: String, toSession sessionId: String, at time: Double) throws {
    guard var task = tasks[taskId] else { throw MaestroError(.taskNotFound, "Task not found", id: taskId) }
    guard !(task.entity.sessionIds ?? []).contains(sessionId) else { return }
    appendString(sessionId, to: "sessionIds", in: &task.entity.json)
    appendTimeline(&task.entity.json, type: "session_started", sessionId: sessionId, at: time)
    try persist(&task, canonicalFile: try taskFile(for: task.entity))
    tasks[taskId] = task
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
