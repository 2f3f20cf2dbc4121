extension Storage {
  /// Creates a project from `data` (`name`, `workingDir`, `description`, and
  /// any other fields, kept after the seed's own).
  @discardableResult
  public func createProject(_ data: JSONObject) throws -> Project {
    let time = now()
    var json: JSONObject = [
      "id": .string(ids.makeId("proj")),
      "name": data["name"] ?? .string(""),
      "workingDir": data["workingDir"] ?? .string(""),
    ]
    if let description = data["description"] { json["description"] = description }
    json["createdAt"] = .number(time)
    json["updatedAt"] = .number(time)
    for (key, value) in data where !json.contains(key) && key != "id" { json[key] = value }
    let project = try Project(object: json, file: nil)
    let file = "projects/\(project.id).json"
    var batch = StoreWriteBatch()
    batch.write(project.json, style: defaultStyle, to: file)
    try commit(batch)
    projects[project.id] = .init(entity: project, style: defaultStyle, file: file)
    emit(.projectCreated, .object(project.json))
    return project
  }

  /// The project `id`, if loaded.
  public func getProject(_ id: String) -> Project? { projects[id]?.entity }

  /// Every project, in load-then-creation order.
  public func listProjects() -> [Project] { projects.values }

  /// Merges `updates` into project `id` (its `id` cannot change) and stamps
  /// `updatedAt`.
  @discardableResult
  public func updateProject(_ id: String, _ updates: JSONObject) throws -> Project {
    guard var entry = projects[id] else {
      throw MaestroError(.projectNotFound, "Project not found", id: id)
    }
    merge(updates, into: &entry.entity.json)
    entry.entity.json["updatedAt"] = .number(now())
    var batch = StoreWriteBatch()
    stage(&entry, canonicalFile: "projects/\(id).json", in: &batch)
    try commit(batch)
    projects[id] = entry
    emit(.projectUpdated, .object(entry.entity.json))
    return entry.entity
  }

  /// Deletes project `id` and its file. Refused while any task or session
  /// belongs to it, with the counts in the message (the seed's policy).
  public func deleteProject(_ id: String) throws {
    guard let entry = projects[id] else {
      throw MaestroError(.projectNotFound, "Project not found", id: id)
    }
    let taskCount = listTasks(projectId: id).count
    if taskCount > 0 {
      throw MaestroError(.projectHasDependents, "Cannot delete project with \(taskCount) existing task(s)", id: id)
    }
    let sessionCount = listSessions(projectId: id).count
    if sessionCount > 0 {
      throw MaestroError(
        .projectHasDependents, "Cannot delete project with \(sessionCount) existing session(s)", id: id)
    }
    var batch = StoreWriteBatch()
    batch.remove(entry.file)
    try commit(batch)
    projects[id] = nil
    emit(.projectDeleted, ["id": .string(id)])
  }

  /// Shallow merge as `Object.assign` / spread does: existing keys keep
  /// their place, new keys go last; `id` is never replaced.
  func merge(_ updates: JSONObject, into json: inout JSONObject) {
    for (key, value) in updates where key != "id" { json[key] = value }
  }

  /// Stages writing an entry to the file its id and kind call for. If it
  /// was found elsewhere (a misnamed file, a legacy flat task, a task whose
  /// project changed), removing the old file is staged after the write, so
  /// a stale copy cannot come back at the next load.
  func stage<E>(_ entry: inout EntityTable<E>.Entry, canonicalFile: String, in batch: inout StoreWriteBatch) {
    batch.write(entry.entity.json, style: entry.style, to: canonicalFile)
    if entry.file != canonicalFile {
      batch.remove(entry.file)
      entry.file = canonicalFile
    }
  }
}
