extension Storage {
  /// Creates a task in project `data["projectId"]`, which must exist. Fields
  /// come in the order servers write them; others in `data` go last.
  @discardableResult
  public func createTask(_ data: JSONObject) throws -> MaestroTask {
    guard let projectId = data["projectId"]?.stringValue, projects[projectId] != nil else {
      throw MaestroError(.projectNotFound, "Project not found", id: data["projectId"]?.stringValue)
    }
    if let parentId = data["parentId"]?.stringValue, tasks[parentId] == nil {
      throw MaestroError(.taskNotFound, "Parent task not found", id: parentId)
    }
    let time = now()
    let id = ids.makeId("task")
    var json: JSONObject = [
      "id": .string(id),
      "projectId": .string(projectId),
      "parentId": data["parentId"] ?? .null,
      "title": data["title"] ?? .string(""),
      "description": data["description"] ?? .string(""),
      "status": data["status"] ?? .string(TaskStatus.pending.rawValue),
      "priority": data["priority"] ?? .string(TaskPriority.medium.rawValue),
      "createdAt": .number(time),
      "updatedAt": .number(time),
      "startedAt": .null,
      "completedAt": .null,
    ]
    if let prompt = data["initialPrompt"] { json["initialPrompt"] = prompt }
    for key in ["sessionIds", "skillIds", "agentIds", "dependencies"] {
      json[key] = data[key] ?? .array([])
    }
    json["timeline"] = .array([
      .object(["id": .string(ids.makeId("evt")), "type": "created", "timestamp": .number(time), "message": "Task created"])
    ])
    for (key, value) in data where !json.contains(key) { json[key] = value }
    let task = try MaestroTask(object: json, file: nil)
    let file = try taskFile(for: task)
    var batch = StoreWriteBatch()
    batch.write(task.json, style: defaultStyle, to: file)
    try commit(batch)
    tasks[id] = .init(entity: task, style: defaultStyle, file: file)
    emit(.taskCreated, .object(task.json))
    if let parentId = task.parentId {
      emit(.subtaskCreated, ["taskId": .string(parentId), "subtask": .object(task.json)])
    }
    return task
  }

  /// The task `id`, if loaded.
  public func getTask(_ id: String) -> MaestroTask? { tasks[id]?.entity }

  /// Tasks, optionally only those of a project and/or with a status. As in
  /// the seed (`if (filter.projectId)`), nil and `""` both mean no filter.
  public func listTasks(projectId: String? = nil, status: String? = nil) -> [MaestroTask] {
    let projectId = projectId.flatMap { $0.isEmpty ? nil : $0 }
    let status = status.flatMap { $0.isEmpty ? nil : $0 }
    return tasks.values.filter { task in
      (projectId == nil || task.projectId == projectId) && (status == nil || task.json["status"]?.stringValue == status)
    }
  }

  /// Merges `updates` into task `id` and stamps `updatedAt`. A move to
  /// `in_progress` sets a missing `startedAt`, a move to `completed` a
  /// missing `completedAt`, as servers do; neither is ever cleared.
  @discardableResult
  public func updateTask(_ id: String, _ updates: JSONObject) throws -> MaestroTask {
    guard var entry = tasks[id] else { throw MaestroError(.taskNotFound, "Task not found", id: id) }
    if let projectId = updates["projectId"]?.stringValue, projects[projectId] == nil {
      throw MaestroError(.projectNotFound, "Project not found", id: projectId)
    }
    let oldStatus = entry.entity.json["status"]?.stringValue
    merge(updates, into: &entry.entity.json)
    let time = now()
    entry.entity.json["updatedAt"] = .number(time)
    if let status = entry.entity.json["status"]?.stringValue, status != oldStatus {
      if status == TaskStatus.inProgress.rawValue, !(entry.entity.json["startedAt"]?.isTruthy ?? false) {
        entry.entity.json["startedAt"] = .number(time)
      }
      if status == TaskStatus.completed.rawValue, !(entry.entity.json["completedAt"]?.isTruthy ?? false) {
        entry.entity.json["completedAt"] = .number(time)
      }
    }
    var batch = StoreWriteBatch()
    stage(&entry, canonicalFile: try taskFile(for: entry.entity), in: &batch)
    try commit(batch)
    tasks[id] = entry
    emitTaskUpdated(entry.entity)
    return entry.entity
  }

  /// Deletes task `id` and its file. Sessions keep their references (the
  /// seed's policy: sessions are independent; `check` reports them).
  public func deleteTask(_ id: String) throws {
    guard let entry = tasks[id] else { throw MaestroError(.taskNotFound, "Task not found", id: id) }
    var batch = StoreWriteBatch()
    batch.remove(entry.file)
    try commit(batch)
    tasks[id] = nil
    emit(.taskDeleted, ["id": .string(id)])
    if let parentId = entry.entity.parentId {
      emit(.subtaskDeleted, ["taskId": .string(parentId), "subtaskId": .string(id)])
    }
  }

  func taskFile(for task: MaestroTask) throws -> String {
    guard let projectId = task.projectId else {
      throw MaestroError(.badEntity, "task has no projectId", id: task.id)
    }
    try EntityId.validate(projectId, file: nil)
    try EntityId.validate(task.id, file: nil)
    return "tasks/\(projectId)/\(task.id).json"
  }

  func emitTaskUpdated(_ task: MaestroTask) {
    emit(.taskUpdated, .object(task.json))
    if let parentId = task.parentId {
      emit(.subtaskUpdated, ["taskId": .string(parentId), "subtask": .object(task.json)])
    }
  }
}
