import MaestroStorage

/// The checks across files (FORMAT.md §6): ownership, task↔session links
/// both ways, the task graph, newer fields that name sessions, and the ids
/// in ordering and list files. Works on `EntityIndex` alone: ids and link
/// lists, never documents.
///
/// Which entity a finding names: the one holding the reference (the
/// session for `session.task.dangling` and `link.session-only`, the task
/// for `link.task-only`, the session for `link.cross-project`), with the
/// referenced id in `ref`. A cycle is one finding, on the member with the
/// bytewise-smallest id; its message lists the members.
struct LinkAnalysis {
  let index: EntityIndex
  private(set) var findings: [Finding] = []

  init(index: EntityIndex) {
    self.index = index
  }

  /// Runs every cross-file check.
  mutating func run(lists: [ListReferences], taskListIds: Set<String>) {
    checkOwnership()
    checkSessions()
    var graph = ResolvedGraph(count: records.count)
    checkTasks(into: &graph)
    checkCycles(graph)
    for list in lists { check(list, taskListIds: taskListIds) }
  }

  private var records: RecordList { index.records }

  private mutating func add(
    _ code: FindingCode, _ entity: Finding.Entity, record: Int, ref: EntityKey? = nil, _ message: String
  ) {
    findings.append(
      Finding(
        code, entity, id: records[record].id.string, file: index.file(of: record), ref: ref?.string,
        message))
  }

  private static let empty = EntityKey("")

  /// Calls `body` once for each distinct id, in list order, and returns the
  /// ids listed more than once. Link lists hold a handful of ids, so a
  /// linear scan beats building a set for each.
  private static func forEachDistinct(
    _ ids: ArraySlice<EntityKey>, _ body: (EntityKey) -> Void
  ) -> [EntityKey] {
    var repeated: [EntityKey] = []
    if ids.count <= 16 {
      for k in ids.indices {
        let id = ids[k]
        if ids[..<k].contains(id) {
          if !repeated.contains(id) { repeated.append(id) }
        } else {
          body(id)
        }
      }
      return repeated
    }
    var seen: Set<EntityKey> = []
    for id in ids {
      if seen.insert(id).inserted {
        body(id)
      } else if !repeated.contains(id) {
        repeated.append(id)
      }
    }
    return repeated
  }

  // MARK: Ownership

  /// Every task and session file, canonical or not, needs its project.
  private mutating func checkOwnership() {
    // Files of one folder come in runs with the same projectId.
    var lastProject: EntityKey?
    var lastExists = false
    for i in records.indices where records[i].kind != .project && !records[i].projectIdUnreadable {
      let isSession = records[i].kind == .session
      let entity: Finding.Entity = isSession ? .session : .task
      let code: FindingCode = isSession ? .sessionOrphan : .taskOrphan
      guard let projectId = records[i].projectId, projectId != Self.empty else {
        add(code, entity, record: i, "the \(entity) has no projectId, so no project owns it")
        continue
      }
      if projectId != lastProject {
        lastProject = projectId
        lastExists = index.project(projectId) != .dangling
      }
      if !lastExists {
        add(
          code, entity, record: i, ref: projectId,
          "the \(entity)'s project \(Finding.quoted(projectId.string)) does not exist")
      }
    }
  }

  // MARK: Sessions

  private mutating func checkSessions() {
    for s in index.canonicalSessions {
      let sessionId = records[s].id
      let repeated = Self.forEachDistinct(records[s].taskIds) { t in
        switch index.task(t) {
        case .dangling:
          add(
            .sessionTaskDangling, .session, record: s, ref: t,
            "taskIds lists task \(Finding.quoted(t.string)), which exists nowhere")
        case .archived:
          add(.refArchived, .session, record: s, ref: t, "taskIds lists task \(Finding.quoted(t.string)), which was archived")
        case .unloadable:
          break
        case .live(let ti):
          if let back = records[ti].sessionIds, !back.contains(sessionId) {
            add(
              .linkSessionOnly, .session, record: s, ref: t,
              "taskIds lists task \(Finding.quoted(t.string)), but the task's sessionIds does not list this session")
          }
          checkProjects(session: s, task: ti)
        }
      }
      if !repeated.isEmpty {
        add(
          .sessionTaskIdsDuplicate, .session, record: s, ref: repeated[0],
          "taskIds lists \(Self.list(repeated.map(\.string))) more than once")
      }
      for (code, field) in [
        (FindingCode.sessionParentDangling, "parentSessionId"), (FindingCode.sessionRootDangling, "rootSessionId"),
      ] {
        let value = field == "parentSessionId" ? records[s].parentSessionId : records[s].rootSessionId
        guard let other = value, other != Self.empty, other != sessionId else { continue }
        switch index.session(other) {
        case .dangling:
          add(code, .session, record: s, ref: other, "\(field) names session \(Finding.quoted(other.string)), which exists nowhere")
        case .archived:
          add(.refArchived, .session, record: s, ref: other, "\(field) names session \(Finding.quoted(other.string)), which was archived")
        case .live, .unloadable:
          break
        }
      }
    }
  }

  // MARK: Tasks

  /// Parent and dependency edges between existing tasks, by record index,
  /// kept for the cycle search so no id is looked up twice.
  struct ResolvedGraph {
    /// The parent's record index, or -1.
    var parent: [Int32]
    /// Dependency edges (from, to).
    var dependencies: [(Int32, Int32)] = []

    init(count: Int) {
      parent = [Int32](repeating: -1, count: count)
    }
  }

  private mutating func checkTasks(into graph: inout ResolvedGraph) {
    for t in index.canonicalTasks {
      let taskId = records[t].id
      if let sessionIds = records[t].sessionIds {
        let repeated = Self.forEachDistinct(sessionIds) { s in
          switch index.session(s) {
          case .dangling:
            add(
              .taskSessionDangling, .task, record: t, ref: s,
              "sessionIds lists session \(Finding.quoted(s.string)), which exists nowhere")
          case .archived:
            add(.refArchived, .task, record: t, ref: s, "sessionIds lists session \(Finding.quoted(s.string)), which was archived")
          case .unloadable:
            break
          case .live(let si):
            if !records[si].taskIdsUnreadable && !records[si].taskIds.contains(taskId) {
              add(
                .linkTaskOnly, .task, record: t, ref: s,
                "sessionIds lists session \(Finding.quoted(s.string)), but the session's taskIds does not list this task")
              checkProjects(session: si, task: t)
            }
          }
        }
        if !repeated.isEmpty {
          add(
            .taskSessionIdsDuplicate, .task, record: t, ref: repeated[0],
            "sessionIds lists \(Self.list(repeated.map(\.string))) more than once")
        }
      }
      for key in records[t].unlinkedStatusSessionIds {
        add(
          .sessionStatusUnlinked, .task, record: t, ref: key,
          "taskSessionStatuses has an entry for session \(Finding.quoted(key.string)), which sessionIds does not list")
      }
      if let parent = records[t].parentId, parent != Self.empty,
        let p = checkTaskRef(parent, from: t, field: "parentId", code: .parentDangling)
      {
        graph.parent[t] = Int32(p)
      }
      _ = Self.forEachDistinct(records[t].dependencies) { id in
        if let d = checkTaskRef(id, from: t, field: "dependencies", code: .dependencyDangling) {
          graph.dependencies.append((Int32(t), Int32(d)))
        }
      }
      _ = Self.forEachDistinct(records[t].referenceTaskIds) { id in
        _ = checkTaskRef(id, from: t, field: "referenceTaskIds", code: .referenceDangling)
      }
    }
  }

  /// Reports a task reference that leads nowhere (or to the archive) and
  /// returns the canonical record index of the task it names, if loaded.
  private mutating func checkTaskRef(_ id: EntityKey, from t: Int, field: String, code: FindingCode) -> Int? {
    switch index.task(id) {
    case .dangling:
      add(code, .task, record: t, ref: id, "\(field) names task \(Finding.quoted(id.string)), which exists nowhere")
    case .archived:
      add(.refArchived, .task, record: t, ref: id, "\(field) names task \(Finding.quoted(id.string)), which was archived")
    case .unloadable:
      break
    case .live(let i):
      return i
    }
    return nil
  }

  /// A link between a session and a task of two different (existing)
  /// projects. Called once per linked pair: from the session side for
  /// links the session holds, from the task side for task-only links.
  private mutating func checkProjects(session s: Int, task t: Int) {
    guard let sp = records[s].projectId, let tp = records[t].projectId, sp != tp,
      case .live = index.project(sp), case .live = index.project(tp)
    else { return }
    add(
      .linkCrossProject, .session, record: s, ref: records[t].id,
      "the session (project \(Finding.quoted(sp.string))) is linked with task \(Finding.quoted(records[t].id.string)) of project \(Finding.quoted(tp.string))"
    )
  }

  // MARK: Cycles

  private mutating func checkCycles(_ graph: ResolvedGraph) {
    let records = self.records
    let precedes = { (a: Int, b: Int) in records[a].id.precedes(records[b].id) }
    let parent = graph.parent
    let loops = TaskGraphCycles.parentLoops(
      count: records.count, parent: { v in parent[v] >= 0 ? Int(parent[v]) : nil }, precedes: precedes)
    for loop in loops {
      // Rotated by parentLoops to start at the bytewise-smallest id.
      let chain = (loop + [loop[0]]).map { Finding.quoted(records[$0].id.string) }
      let shown = chain.count > 12 ? chain.prefix(11) + ["…", chain.last!] : chain[...]
      add(
        .parentCycle, .task, record: loop[0],
        "the parentId chain loops through \(loop.count) task\(loop.count == 1 ? "" : "s"): \(shown.joined(separator: " → "))"
      )
    }

    let groups = TaskGraphCycles.stronglyConnectedCycles(count: records.count, edges: graph.dependencies)
    for group in groups {
      let members = group.sorted(by: precedes)
      add(
        .dependencyCycle, .task, record: members[0],
        "dependencies loop through \(members.count) task\(members.count == 1 ? "" : "s"): \(Self.list(members.map { records[$0].id.string }))"
      )
    }
  }

  // MARK: Lists

  private mutating func check(_ list: ListReferences, taskListIds: Set<String>) {
    var seen: Set<String> = []
    for id in list.ids where seen.insert(id).inserted {
      let key = EntityKey(id)
      let resolution: EntityIndex.Resolution
      let noun: String
      switch list.target {
      case .task:
        resolution = index.task(key)
        noun = "task"
      case .session:
        resolution = index.session(key)
        noun = "session"
      case .taskList:
        resolution = taskListIds.contains(id) ? .live(0) : .dangling
        noun = "task list"
      }
      switch resolution {
      case .dangling:
        findings.append(
          Finding(
            .listDangling, .list, id: list.listId, file: list.file, ref: id,
            "\(list.field) names \(noun) \(Finding.quoted(id)), which exists nowhere"))
      case .archived:
        findings.append(
          Finding(
            .refArchived, .list, id: list.listId, file: list.file, ref: id,
            "\(list.field) names \(noun) \(Finding.quoted(id)), which was archived"))
      case .live, .unloadable:
        break
      }
    }
  }

  /// Up to ten quoted ids, comma-separated.
  static func list(_ ids: [String]) -> String {
    let shown = ids.prefix(10).map { Finding.quoted($0) }.joined(separator: ", ")
    return ids.count > 10 ? shown + " and \(ids.count - 10) more" : shown
  }
}
