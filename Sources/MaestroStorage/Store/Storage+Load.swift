extension Storage {
  /// A file read and parsed, or why not.
  struct ParsedFile: Sendable {
    var file: EntityFileScan.File
    var result: Result<JSONDocument, MaestroError>
  }

  /// Reads every entity file with both cores (each parsed once), then applies
  /// the seed's load-time migrations in memory. Files that cannot be loaded
  /// are skipped and listed in `loadIssues`; nothing is written.
  public func load() async throws {
    let scan = try EntityFileScan.scan(root: root)
    let root = self.root
    let parsed = await ParallelMap.map(scan.files) { file in
      ParsedFile(file: file, result: Self.readDocument(root: root, file: file))
    }
    projects = EntityTable()
    tasks = EntityTable()
    sessions = EntityTable()
    loadIssues = []
    var styleVotes = (pretty: 0, compact: 0)
    for p in parsed {
      let document: JSONDocument
      switch p.result {
      case .failure(let error):
        loadIssues.append(LoadIssue(file: p.file.relativePath, message: error.message))
        continue
      case .success(let d): document = d
      }
      if document.style == .pretty { styleVotes.pretty += 1 } else { styleVotes.compact += 1 }
      do {
        try apply(document, from: p.file)
      } catch let error as MaestroError {
        loadIssues.append(LoadIssue(file: p.file.relativePath, message: error.message))
      }
    }
    defaultStyle = styleVotes.compact > styleVotes.pretty ? .compact : .pretty
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

  private func apply(_ document: JSONDocument, from file: EntityFileScan.File) throws {
    let path = file.relativePath
    switch file.kind {
    case .project:
      let project = try Project(json: document.value, file: path)
      try checkId(project.id, file: file)
      guard projects[project.id] == nil else {
        throw MaestroError(.badEntity, "duplicate project id \(project.id); the first copy was kept", path: path)
      }
      projects[project.id] = .init(entity: project, style: document.style, file: path)
    case .task, .legacyTask:
      var task = try MaestroTask(json: document.value, file: path)
      try checkId(task.id, file: file)
      if let existing = tasks[task.id] {
        throw MaestroError(
          .badEntity, "duplicate task id \(task.id); the copy in \(existing.file) was kept", path: path)
      }
      // The seed's Phase IV-A defaults (`if (!task.sessionIds) ...`), in memory only.
      for key in ["sessionIds", "skillIds", "agentIds"] where !(task.json[key]?.isTruthy ?? false) {
        task.json[key] = .array([])
      }
      tasks[task.id] = .init(entity: task, style: document.style, file: path)
    case .session:
      var session = try Session(json: document.value, file: path)
      try checkId(session.id, file: file)
      guard sessions[session.id] == nil else {
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
      sessions[session.id] = .init(entity: session, style: document.style, file: path)
    }
  }

  private func checkId(_ id: String, file: EntityFileScan.File) throws {
    try EntityId.validate(id, file: file.relativePath)
    if id != file.stem {
      // Servers key entities by the id inside; the file name is only where
      // it was found. Load it, but say so: a rewrite goes to the id's path.
      loadIssues.append(LoadIssue(file: file.relativePath, message: "file name does not match id \(id)"))
    }
  }
}
