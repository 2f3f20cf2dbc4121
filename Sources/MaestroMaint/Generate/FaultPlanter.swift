import MaestroStorage

/// Plants the faults `--inject` asks for, each on entities of its own.
///
/// Every fault gets fresh tasks and sessions (random stream kind `.fault`,
/// ids that nothing in the clean data names), built by the same document
/// builders as the clean data so they look just as real. Clean entities are
/// never modified: a fault entity only points at an existing project by its
/// `projectId`, and project files hold no links. Each class's comment says
/// why its fault produces exactly the findings it records and no others.
/// The planted files are few (a handful per fault), so they are kept in
/// memory and written with the rest.
struct FaultPlanter {
  let factory: EntityFactory
  private(set) var files: [(path: String, bytes: [UInt8])] = []
  private(set) var faults: [PlantedFault] = []
  /// Fault entities planted: ids that name a task or session file.
  private(set) var entityCount = 0
  private var nextIndex = 0

  private var graph: LinkGraph { factory.graph }
  private var format: GenerateFormat { factory.format }
  private var seed: UInt64 { factory.seed }

  private enum Purpose: UInt64 {
    case project = 51, time, tmp, cut, variant
  }

  init(factory: EntityFactory) {
    self.factory = factory
  }

  /// Plants `count` faults of each listed class, in order.
  mutating func plant(_ plan: [(FaultClass, Int)]) {
    for (c, count) in plan {
      for k in 0..<count { plant(c, instance: k) }
    }
  }

  // MARK: Fresh entities

  /// A fresh index into the `.fault` random streams, and a creation time
  /// for it, 220–260 days after the base time (after all clean tasks).
  private mutating func fresh() -> (index: Int, time: Int64) {
    let n = nextIndex
    nextIndex += 1
    var r = GeneratorRandom(seed: seed, .fault, n, Purpose.time.rawValue)
    return (n, graph.baseTime + 220 * LinkGraph.day + Int64(n) * 60_000 + r.int64(in: 0...59_999))
  }

  /// A fresh id that no file holds.
  private mutating func freshId(_ prefix: String) -> String {
    let (n, time) = fresh()
    return factory.makeId(prefix, time, .fault, n)
  }

  /// An existing project, chosen by the fault's stream; `other` gives a
  /// second, different one.
  private func project(_ n: Int, other: Bool = false) -> String {
    var r = GeneratorRandom(seed: seed, .fault, n, Purpose.project.rawValue)
    let P = graph.projectCount
    let first = r.int(P)
    return factory.projectId(other ? (first + 1 + r.int(P - 1)) % P : first)
  }

  private mutating func newTask(in projectId: String? = nil) -> TaskSpec {
    let (n, time) = fresh()
    entityCount += 1
    return TaskSpec(
      id: factory.makeId("task", time, .fault, n), projectId: projectId ?? project(n), parentId: nil,
      created: time, kind: .fault, index: n)
  }

  /// A session started an hour after `after` (its tasks' creation).
  private mutating func newSession(in projectId: String, tasks: [String], worked: [String], after: Int64) -> SessionSpec {
    let (n, _) = fresh()
    entityCount += 1
    let started = after + 3_600_000
    let facts = SessionFacts(seed: seed, .fault, n, started: started, format: format)
    let id = factory.makeId("sess", started, .fault, n)
    return SessionSpec(
      id: id, projectId: projectId, taskIds: tasks, workedTaskIds: worked, facts: facts, kind: .fault, index: n,
      parentSessionId: nil, rootSessionId: id, allowDocs: false)
  }

  private func taskPath(_ t: TaskSpec) -> String { "tasks/\(t.projectId)/\(t.id).json" }
  private func sessionPath(_ s: SessionSpec) -> String { "sessions/\(s.id).json" }

  private func taskBytes(_ t: TaskSpec) -> [UInt8] {
    factory.bytes(TaskDocument.build(t, format: format, seed: seed))
  }

  @discardableResult
  private mutating func write(_ t: TaskSpec, at path: String? = nil) -> String {
    let p = path ?? taskPath(t)
    files.append((p, taskBytes(t)))
    return p
  }

  @discardableResult
  private mutating func write(_ s: SessionSpec, at path: String? = nil) -> String {
    let p = path ?? sessionPath(s)
    let built = SessionDocument.build(s, format: format, seed: seed, docRoot: factory.docRoot)
    files.append((p, factory.bytes(built.json)))
    files.append(contentsOf: built.docFiles)
    return p
  }

  private static func linked(_ s: SessionSpec) -> LinkedSession { LinkedSession(id: s.id, facts: s.facts) }

  private mutating func record(_ c: FaultClass, ids: [String], files: [String], expected: [(String, String)]) {
    faults.append(
      PlantedFault(
        faultClass: c, ids: ids, files: files,
        expected: expected.map { .init(code: c.rawValue, id: $0.0, file: $0.1) }))
  }

  // MARK: The classes

  private mutating func plant(_ c: FaultClass, instance k: Int) {
    switch c {
    case .sessionTaskDangling:
      // The session lists only a task id no file holds; its timeline and
      // docs name no task, so the dangling id appears exactly once.
      let ghost = freshId("task")
      let s = newSession(in: project(nextIndex), tasks: [ghost], worked: [], after: graph.baseTime + 220 * LinkGraph.day)
      let f = write(s)
      record(c, ids: [s.id, ghost], files: [f], expected: [(s.id, f)])

    case .taskSessionDangling:
      // The task lists a session id no file holds; with no facts for it the
      // task has no timeline entry or taskSessionStatuses key for it, and
      // its status is drawn as for a task without sessions.
      let ghost = freshId("sess")
      var t = newTask()
      t.sessions = [LinkedSession(id: ghost, facts: nil)]
      let f = write(t)
      record(c, ids: [t.id, ghost], files: [f], expected: [(t.id, f)])

    case .linkSessionOnly:
      // Session lists the task, the task lists nothing. Both exist in the
      // same project; the session's timeline does not name the task.
      let t = newTask()
      let s = newSession(in: t.projectId, tasks: [t.id], worked: [], after: t.created)
      let ft = write(t)
      let fs = write(s)
      record(c, ids: [s.id, t.id], files: [fs, ft], expected: [(s.id, fs)])

    case .linkTaskOnly:
      // The task lists the session; the session lists only a second task
      // that lists it back (a clean link), not the first.
      var t = newTask()
      var partner = newTask(in: t.projectId)
      let s = newSession(in: t.projectId, tasks: [partner.id], worked: [partner.id], after: partner.created)
      t.sessions = [Self.linked(s)]
      partner.sessions = [Self.linked(s)]
      let ft = write(t)
      let fp = write(partner)
      let fs = write(s)
      record(c, ids: [t.id, s.id, partner.id], files: [ft, fp, fs], expected: [(t.id, ft)])

    case .sessionTaskIdsDuplicate:
      // A clean two-sided link, except that the session lists the task twice.
      var t = newTask()
      let s = newSession(in: t.projectId, tasks: [t.id, t.id], worked: [t.id], after: t.created)
      t.sessions = [Self.linked(s)]
      let ft = write(t)
      let fs = write(s)
      record(c, ids: [s.id, t.id], files: [fs, ft], expected: [(s.id, fs)])

    case .taskSessionIdsDuplicate:
      // A clean two-sided link, except that the task lists the session
      // twice (its timeline and statuses name the session once).
      var t = newTask()
      let s = newSession(in: t.projectId, tasks: [t.id], worked: [t.id], after: t.created)
      t.sessions = [Self.linked(s), Self.linked(s)]
      let ft = write(t)
      let fs = write(s)
      record(c, ids: [t.id, s.id], files: [ft, fs], expected: [(t.id, ft)])

    case .linkCrossProject:
      // Both sides list each other, but the task belongs to (and sits in)
      // another existing project than the session.
      let n = nextIndex
      var t = newTask(in: project(n, other: true))
      let s = newSession(in: project(n), tasks: [t.id], worked: [t.id], after: t.created)
      t.sessions = [Self.linked(s)]
      let ft = write(t)
      let fs = write(s)
      record(c, ids: [s.id, t.id], files: [fs, ft], expected: [(s.id, fs)])

    case .taskOrphan:
      // The task names a project no file holds and sits in that project's
      // folder, so it is not also misplaced; it has no links.
      let ghost = freshId("proj")
      let t = newTask(in: ghost)
      let f = write(t)
      record(c, ids: [t.id, ghost], files: [f], expected: [(t.id, f)])

    case .sessionOrphan:
      // The session names a project no file holds and lists no task (a task
      // of another project would make a cross-project link).
      let ghost = freshId("proj")
      let s = newSession(in: ghost, tasks: [], worked: [], after: graph.baseTime + 220 * LinkGraph.day)
      let f = write(s)
      record(c, ids: [s.id, ghost], files: [f], expected: [(s.id, f)])

    case .taskMisplaced:
      // The task names one existing project and sits in another's folder;
      // it has no links.
      let n = nextIndex
      let t = newTask(in: project(n))
      let f = write(t, at: "tasks/\(project(n, other: true))/\(t.id).json")
      record(c, ids: [t.id], files: [f], expected: [(t.id, f)])

    case .entityIdMismatch:
      // A clean, unlinked task (even instances) or session (odd) in a file
      // named by a fresh id that nothing references.
      let stemId: String
      if k % 2 == 0 {
        let t = newTask()
        stemId = t.id
        let f = write(t, at: "tasks/\(t.projectId)/\(freshId("task")).json")
        record(c, ids: [stemId], files: [f], expected: [(stemId, f)])
      } else {
        let s = newSession(in: project(nextIndex), tasks: [], worked: [], after: graph.baseTime + 220 * LinkGraph.day)
        stemId = s.id
        let f = write(s, at: "sessions/\(freshId("sess")).json")
        record(c, ids: [stemId], files: [f], expected: [(stemId, f)])
      }

    case .entityIdDuplicate:
      // The same task id in two project folders, each copy naming the
      // project it sits in (so neither is misplaced); no links.
      let n = nextIndex
      let t = newTask(in: project(n))
      var copy = t
      copy.projectId = project(n, other: true)
      let f1 = write(t)
      let f2 = write(copy)
      record(c, ids: [t.id], files: [f1, f2], expected: [(t.id, f1), (t.id, f2)].sorted { $0.1 < $1.1 })

    case .taskLegacyConflict:
      // The current-layout copy and a flat copy with another title; both
      // name the same existing project; no links.
      let t = newTask()
      var old = t
      old.titleSuffix = " (old copy)"
      let f1 = write(t)
      let f2 = write(old, at: "tasks/\(t.id).json")
      record(c, ids: [t.id], files: [f1, f2], expected: [(t.id, f2)])

    case .fileMalformed, .fileTruncated, .fileEmpty:
      // An extra file under a fresh id that nothing references (so no
      // reference to it dangles): a task (even instances) or a session (odd)
      // whose bytes are broken. Malformed files lose a comma between two
      // members near the start, a syntax error well before the end;
      // truncated ones are a valid prefix cut at a character boundary.
      let isTask = k % 2 == 0
      let (bytes, id, path): ([UInt8], String, String)
      if isTask {
        let t = newTask()
        (bytes, id, path) = (taskBytes(t), t.id, taskPath(t))
      } else {
        let s = newSession(in: project(nextIndex), tasks: [], worked: [], after: graph.baseTime + 220 * LinkGraph.day)
        let built = SessionDocument.build(s, format: format, seed: seed, docRoot: factory.docRoot)
        (bytes, id, path) = (factory.bytes(built.json), s.id, sessionPath(s))
      }
      let broken: [UInt8]
      switch c {
      case .fileMalformed: broken = Self.dropSecondComma(bytes)
      case .fileTruncated:
        var r = GeneratorRandom(seed: seed, .fault, nextIndex, Purpose.cut.rawValue)
        var cut = bytes.count * (30 + r.int(41)) / 100
        while cut > 1 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        broken = Array(bytes[..<cut])
      default: broken = []
      }
      files.append((path, broken))
      record(c, ids: [id], files: [path], expected: [(id, path)])

    case .fileStrayTmp:
      // A clean, unlinked task and, beside it, the temp file of a rewrite
      // that was never renamed (servers read only *.json).
      let t = newTask()
      var edited = t
      edited.titleSuffix = " (edited)"
      let f = write(t)
      var r = GeneratorRandom(seed: seed, .fault, t.index, Purpose.tmp.rawValue)
      let hex = String(r.next() & 0xFFFF_FFFF | 0x1_0000_0000, radix: 16).dropFirst()
      let tmp = f + "." + hex + ".tmp"
      files.append((tmp, taskBytes(edited)))
      record(c, ids: [t.id], files: [f, tmp], expected: [(t.id, tmp)])

    case .taskParentDangling:
      // An unlinked task whose parentId names a task no file holds.
      let ghost = freshId("task")
      var t = newTask()
      t.parentId = ghost
      let f = write(t)
      record(c, ids: [t.id, ghost], files: [f], expected: [(t.id, f)])

    case .taskDependencyDangling:
      // An unlinked task depending on a task no file holds.
      let ghost = freshId("task")
      var t = newTask()
      t.dependencies = [ghost]
      let f = write(t)
      record(c, ids: [t.id, ghost], files: [f], expected: [(t.id, f)])

    case .taskParentCycle, .taskDependencyCycle:
      // Two tasks (even instances) or three (odd) of one project, each the
      // parent of (or depending on) the next, the last on the first. They
      // have no other links; one finding per cycle.
      let first = newTask()
      var cycle = [first]
      for _ in 1..<(2 + k % 2) { cycle.append(newTask(in: first.projectId)) }
      for j in cycle.indices {
        let next = cycle[(j + 1) % cycle.count].id
        if c == .taskParentCycle { cycle[j].parentId = next } else { cycle[j].dependencies = [next] }
      }
      let paths = cycle.map { write($0) }
      let smallest = cycle.indices.min { cycle[$0].id.utf8.lexicographicallyPrecedes(cycle[$1].id.utf8) }!
      record(c, ids: cycle.map(\.id), files: paths, expected: [(cycle[smallest].id, paths[smallest])])

    case .taskSessionStatusUnlinked:
      // The session exists (linked cleanly to a second task), so the key
      // names a real session; the first task just does not list it.
      var t = newTask()
      var partner = newTask(in: t.projectId)
      let s = newSession(in: t.projectId, tasks: [partner.id], worked: [partner.id], after: partner.created)
      partner.sessions = [Self.linked(s)]
      t.extraSessionStatuses = [(s.id, s.facts.status(format))]
      let ft = write(t)
      let fp = write(partner)
      let fs = write(s)
      record(c, ids: [t.id, s.id, partner.id], files: [ft, fp, fs], expected: [(t.id, ft)])

    case .sessionDocMissing:
      // A cleanly linked session with one doc whose file is not written
      // (neither at contentFilePath nor at the same relative path here).
      var t = newTask()
      var s = newSession(in: t.projectId, tasks: [t.id], worked: [t.id], after: t.created)
      s.missingDoc = true
      t.sessions = [Self.linked(s)]
      let ft = write(t)
      let fs = write(s)
      record(c, ids: [s.id, t.id], files: [fs, ft], expected: [(s.id, fs)])

    case .enumUnknown:
      // An unlinked task (even instances) or session (odd) with a status
      // outside the union. The task gets no startedAt/completedAt and the
      // session no completedAt, so no timestamp can disagree with a status.
      if k % 2 == 0 {
        var t = newTask()
        t.statusOverride = "on_hold"
        let f = write(t)
        record(c, ids: [t.id], files: [f], expected: [(t.id, f)])
      } else {
        var s = newSession(in: project(nextIndex), tasks: [], worked: [], after: graph.baseTime + 220 * LinkGraph.day)
        s.statusOverride = "paused"
        s.facts.phase = .working
        let f = write(s)
        record(c, ids: [s.id], files: [f], expected: [(s.id, f)])
      }

    case .entityIdHostile:
      // An unlinked task whose id holds "/" and "..", a control character,
      // or a leading "../", in a file named by a fresh safe id.
      var t = newTask()
      let stem = freshId("task")
      switch k % 3 {
      case 0: t.id += "/../../escaped"
      case 1: t.id += "\u{07}\nrm -rf"
      default: t.id = "../" + t.id
      }
      let f = write(t, at: "tasks/\(t.projectId)/\(stem).json")
      record(c, ids: [t.id], files: [f], expected: [(t.id, f)])

    case .fieldType:
      // An unlinked task whose dependencies hold a number and null (even
      // instances), or an unlinked session whose name is a number (odd):
      // the wrong type is the file's only finding.
      if k % 2 == 0 {
        let t = newTask()
        var task = TaskDocument.build(t, format: format, seed: seed)
        task["dependencies"] = [42, .null]
        let f = taskPath(t)
        files.append((f, factory.bytes(task)))
        record(c, ids: [t.id], files: [f], expected: [(t.id, f)])
      } else {
        let s = newSession(in: project(nextIndex), tasks: [], worked: [], after: graph.baseTime + 220 * LinkGraph.day)
        var built = SessionDocument.build(s, format: format, seed: seed, docRoot: factory.docRoot)
        built.json["name"] = 7
        let f = sessionPath(s)
        files.append((f, factory.bytes(built.json)))
        files.append(contentsOf: built.docFiles)
        record(c, ids: [s.id], files: [f], expected: [(s.id, f)])
      }
    }
  }

  /// The bytes with the second member-separating comma of the top-level
  /// object removed (`"a": 1 "b": 2`): a syntax error early in the file.
  static func dropSecondComma(_ bytes: [UInt8]) -> [UInt8] {
    var depth = 0
    var inString = false
    var escaped = false
    var commas = 0
    for (k, b) in bytes.enumerated() {
      if inString {
        if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
        continue
      }
      switch b {
      case 0x22: inString = true
      case 0x7B, 0x5B: depth += 1
      case 0x7D, 0x5D: depth -= 1
      case 0x2C where depth == 1:
        commas += 1
        if commas == 2 {
          var out = bytes
          out.remove(at: k)
          return out
        }
      default: break
      }
    }
    return bytes
  }
}
