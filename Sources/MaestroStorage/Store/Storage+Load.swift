extension Storage {
  /// A file read and parsed, or why not.
  struct ParsedFile: Sendable {
    var file: EntityFileScan.File
    var result: Result<JSONDocument, MaestroError>
  }

  /// What one load read from disk, before it goes into the store.
  struct LoadedTables {
    var projects = EntityTable<Project>()
    var tasks = EntityTable<MaestroTask>()
    var sessions = EntityTable<Session>()
    var issues: [LoadIssue] = []
  }

  /// Reads every entity file with both cores (each parsed once), then applies
  /// the seed's load-time migrations in memory. Files that cannot be loaded
  /// are skipped and listed in `loadIssues`; nothing is written.
  ///
  /// Other calls may run while the files are read (the actor is free while
  /// it waits). Their effects are kept: an entity a call created, changed or
  /// deleted meanwhile stays as that call left it, whatever the files held
  /// when they were read. When loads overlap, the one that started last
  /// decides; an older one that finishes after it changes nothing.
  public func load() async throws {
    let scan = try EntityFileScan.scan(root: root)
    loadsStarted += 1
    let ticket = loadsStarted
    let marks = startChangeLogs()
    defer { stopChangeLogs() }
    let root = self.root
    let parsed = await ParallelMap.map(scan.files) { file in
      ParsedFile(file: file, result: Self.readDocument(root: root, file: file))
    }
    guard ticket > newestAppliedLoad else { return }
    var loaded = LoadedTables()
    var styleVotes = (pretty: 0, compact: 0)
    for p in parsed {
      let document: JSONDocument
      switch p.result {
      case .failure(let error):
        loaded.issues.append(LoadIssue(file: p.file.relativePath, message: error.message))
        continue
      case .success(let d): document = d
      }
      if document.style == .pretty { styleVotes.pretty += 1 } else { styleVotes.compact += 1 }
      do {
        try Self.apply(document, from: p.file, to: &loaded)
      } catch let error as MaestroError {
        loaded.issues.append(LoadIssue(file: p.file.relativePath, message: error.message))
      }
    }
    loaded.projects.adoptChanges(of: projects, since: marks.projects)
    loaded.tasks.adoptChanges(of: tasks, since: marks.tasks)
    loaded.sessions.adoptChanges(of: sessions, since: marks.sessions)
    projects = loaded.projects
    tasks = loaded.tasks
    sessions = loaded.sessions
    loadIssues = loaded.issues
    defaultStyle = styleVotes.compact > styleVotes.pretty ? .compact : .pretty
    newestAppliedLoad = ticket
  }

  /// Starts logging changes (if no load already is) and returns where each
  /// table's log stands.
  private func startChangeLogs() -> (projects: Int, tasks: Int, sessions: Int) {
    if loadsRunning == 0 {
      projects.changeLog = []
      tasks.changeLog = []
      sessions.changeLog = []
    }
    loadsRunning += 1
    return (projects.changeLog!.count, tasks.changeLog!.count, sessions.changeLog!.count)
  }

  private func stopChangeLogs() {
    loadsRunning -= 1
    if loadsRunning == 0 {
      projects.changeLog = nil
      tasks.changeLog = nil
      sessions.changeLog = nil
    }
  }

  static func readDocument(root: String, file: EntityFileScan.File) -> Result<JSONDocument, MaestroError> {
    let path = root + "/" + file.relativePath
    do {
      let bytes = try FileSystem.readFile(path)
      do {
        return .success(try JSONDocument(parsing: bytes))
      } catch {
        return .failure(MaestroError(.malformedJSON, "malformed JSON: \(error)", path: path))
      }
    } catch let error as MaestroError {
      return .failure(error)
    } catch {
      return .failure(MaestroError(.io, "\(error)", path: path))
    }
  }

  private static func apply(_ document: JSONDocument, from file: EntityFileScan.File, to loaded: inout LoadedTables) throws {
    let path = file.relativePath
    switch file.kind {
    case .project:
      let project = try Project(json: document.value, file: path)
      try checkId(project.id, file: file, issues: &loaded.issues)
      guard loaded.projects[project.id] == nil else {
        throw MaestroError(.badEntity, "duplicate project id \(project.id); the first copy was kept", path: path)
      }
      loaded.projects[project.id] = .init(entity: project, style: document.style, file: path)
    case .task, .legacyTask:
      var task = try MaestroTask(json: document.value, file: path)
      try checkId(task.id, file: file, issues: &loaded.issues)
      if let existing = loaded.tasks[task.id] {
        throw MaestroError(
          .badEntity, "duplicate task id \(task.id); the copy in \(existing.file) was kept", path: path)
      }
      // The seed's Phase IV-A defaults (`if (!task.sessionIds) ...`), in memory only.
      for key in ["sessionIds", "skillIds", "agentIds"] where !(task.json[key]?.isTruthy ?? false) {
        task.json[key] = .array([])
      }
      loaded.tasks[task.id] = .init(entity: task, style: document.style, file: path)
    case .session:
      var session = try Session(json: document.value, file: path)
      try checkId(session.id, file: file, issues: &loaded.issues)
      guard loaded.sessions[session.id] == nil else {
        throw MaestroError(.badEntity, "duplicate session id \(session.id); the first copy was kept", path: path)
      }
      // The seed's session migration, with JavaScript truthiness.
      if let taskId = session.json["taskId"], taskId.isTruthy, !(session.json["taskIds"]?.isTruthy ?? false) {
        session.json["taskIds"] = .array([taskId])
        session.json["taskId"] = nil
      }
      if !(session.json["taskIds"]?.isTruthy ?? false) { session.json["taskIds"] = .array([]) }
      if !(session.json["name"]?.isTruthy ?? false) { session.json["name"] = .string("Session \(session.id)") }
      if !(session.json["env"]?.isTruthy ?? false) { session.json["env"] = .object(JSONObject()) }
      loaded.sessions[session.id] = .init(entity: session, style: document.style, file: path)
    }
  }

  private static func checkId(_ id: String, file: EntityFileScan.File, issues: inout [LoadIssue]) throws {
    try EntityId.validate(id, file: file.relativePath)
    if id != file.stem {
      // Servers key entities by the id inside; the file name is only where
      // it was found. Load it, but say so: a rewrite goes to the id's path.
      issues.append(LoadIssue(file: file.relativePath, message: "file name does not match id \(id)"))
    }
  }
}
