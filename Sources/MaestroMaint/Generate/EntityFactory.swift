import MaestroStorage

/// Turns a `LinkGraph` row into the document of that entity: the one place
/// that knows how an index becomes an id, a path and a JSON object. Pure and
/// `Sendable`, so every worker calls it for any index in any order.
struct EntityFactory: Sendable {
  let graph: LinkGraph
  let seed: UInt64
  let format: GenerateFormat
  let style: JSONStyle
  /// The absolute data dir path `contentFilePath` values start with.
  let docRoot: String

  private enum Purpose: UInt64 {
    case id = 41, dependencies, layout, project
  }

  init(graph: LinkGraph, style: JSONStyle, docRoot: String) {
    self.graph = graph
    seed = graph.seed
    format = graph.format
    self.style = style
    self.docRoot = docRoot
  }

  // MARK: Ids and paths

  /// `<prefix>_<ms>_<9 of [0-9a-z]>`, the ms being the creation time, as a
  /// server's `makeId` at creation gives.
  func makeId(_ prefix: String, _ ms: Int64, _ kind: GeneratorRandom.Kind, _ index: Int) -> String {
    var r = GeneratorRandom(seed: seed, kind, index, Purpose.id.rawValue)
    return "\(prefix)_\(ms)_\(r.idSuffix())"
  }

  func projectId(_ p: Int) -> String { makeId("proj", graph.projectCreated[p], .project, p) }
  func taskId(_ t: Int) -> String { makeId("task", graph.taskCreated[t], .task, t) }
  func sessionId(_ s: Int) -> String { makeId("sess", graph.sessionStarted[s], .session, s) }

  /// Whether task t is in the legacy flat layout (a third of legacy tasks).
  func isFlat(_ t: Int) -> Bool {
    guard format == .legacy else { return false }
    var r = GeneratorRandom(seed: seed, .task, t, Purpose.layout.rawValue)
    return r.chance(1.0 / 3.0)
  }

  /// Where task t's file goes, relative to the data dir.
  func taskPath(_ t: Int) -> String {
    isFlat(t) ? "tasks/\(taskId(t)).json" : "tasks/\(projectId(Int(graph.taskProject[t])))/\(taskId(t)).json"
  }

  func sessionFacts(_ s: Int) -> SessionFacts {
    SessionFacts(seed: seed, .session, s, started: graph.sessionStarted[s], format: format)
  }

  // MARK: Documents

  /// Serialises in the chosen style.
  func bytes(_ object: JSONObject) -> [UInt8] {
    JSONWriter.serialize(.object(object), style: style)
  }

  func projectDocument(_ p: Int) -> JSONObject {
    var r = GeneratorRandom(seed: seed, .project, p, Purpose.project.rawValue)
    let created = graph.projectCreated[p]
    let name = "\(r.pick(SyntheticText.projectNames)) \(p + 1)"
    var o = JSONObject()
    o["id"] = .string(projectId(p))
    o["name"] = .string(name)
    o["workingDir"] = .string("/home/maestro/src/" + name.lowercased().replacingSpaces())
    if r.chance(0.8) { o["description"] = .string(SyntheticText.sentence(&r, 5...14)) }
    o["createdAt"] = .number(Double(created))
    o["updatedAt"] = .number(Double(created + r.int64(in: 0...(120 * LinkGraph.day))))
    if format == .current && p == 0 { o["isMaster"] = .bool(true) }
    return o
  }

  func taskSpec(_ t: Int) -> TaskSpec {
    let p = Int(graph.taskProject[t])
    let siblings = graph.tasks(ofProject: p)
    let local = Int(graph.taskLocal[t])
    let parent = Int(graph.taskParent[t])
    var spec = TaskSpec(
      id: taskId(t), projectId: projectId(p), parentId: parent >= 0 ? taskId(parent) : nil,
      created: graph.taskCreated[t], kind: .task, index: t)
    spec.sessions = graph.sessions(ofTask: t).map { s in
      LinkedSession(id: sessionId(Int(s)), facts: sessionFacts(Int(s)))
    }
    // Dependencies and references point at earlier tasks of the project,
    // which keeps the dependency graph acyclic.
    var r = GeneratorRandom(seed: seed, .task, t, Purpose.dependencies.rawValue)
    if local > 0 && r.chance(0.2) {
      var picked: [Int] = []
      for _ in 0..<r.int(in: 1...2) {
        let k = r.int(local)
        if !picked.contains(k) { picked.append(k) }
      }
      spec.dependencies = picked.map { taskId(Int(siblings[siblings.startIndex + $0])) }
    }
    if format == .current && local > 0 && r.chance(0.1) {
      spec.referenceTaskIds = [taskId(Int(siblings[siblings.startIndex + r.int(local)]))]
    }
    if format == .legacy && spec.sessions.isEmpty {
      spec.hasLinkArrays = r.chance(0.4)
    }
    return spec
  }

  func taskDocument(_ t: Int) -> JSONObject {
    TaskDocument.build(taskSpec(t), format: format, seed: seed)
  }

  func sessionSpec(_ s: Int) -> SessionSpec {
    let p = Int(graph.sessionProject[s])
    let tasks = graph.tasks(ofSession: s).map { taskId(Int($0)) }
    let parent = Int(graph.sessionParent[s])
    return SessionSpec(
      id: sessionId(s), projectId: projectId(p), taskIds: tasks, workedTaskIds: tasks,
      facts: sessionFacts(s), kind: .session, index: s,
      parentSessionId: parent >= 0 ? sessionId(parent) : nil, rootSessionId: sessionId(graph.rootSession(of: s)))
  }

  func sessionDocument(_ s: Int) -> BuiltSession {
    SessionDocument.build(sessionSpec(s), format: format, seed: seed, docRoot: docRoot)
  }
}

extension String {
  func replacingSpaces() -> String {
    String(map { $0 == " " ? "-" : $0 })
  }
}
