import MaestroStorage

/// Collects one round's decisions for `RepairPlanner`, then turns them into
/// a `RepairPlan`: whole-file operations first (quarantine, move, create),
/// then one rewrite per edited file.
struct RepairPlanBuilder {
  let planner: RepairPlanner
  /// Built on first use: a round of removals alone never needs it, and
  /// listing every entity folder costs a second at l scale.
  private var index: RepairIndex?
  var plan: RepairPlan
  /// Files leaving their place this round (quarantined or moved).
  private var leaving: Set<String> = []
  private var quarantines: [(file: String, finding: Finding, why: String)] = []
  /// With the bytes the destination was decided from.
  private var moves: [(file: String, to: String, code: FindingCode, bytes: [UInt8])] = []
  private var creations: [(file: String, bytes: [UInt8], code: FindingCode, change: String)] = []
  private var edits: [String: RepairEdit] = [:]
  private var editOrder: [String] = []
  private var graph: RepairTaskGraph?
  private var placeholderStyle: JSONStyle?

  init(planner: RepairPlanner) throws {
    self.planner = planner
    plan = RepairPlan(dataDir: planner.dataDir)
  }

  private var dataDir: String { planner.dataDir }

  private mutating func lookup() throws -> RepairIndex {
    if let index { return index }
    let built = try RepairIndex(dataDir: dataDir)
    index = built
    return built
  }

  private func object(_ file: String) -> JSONObject? { RepairIndex.object(dataDir: dataDir, file) }

  private func exists(_ relative: String) -> Bool {
    FileSystem.fileExists(dataDir + "/" + relative, followSymlinks: false)
  }

  // MARK: Whole files

  /// Quarantines the finding's file.
  mutating func quarantine(_ finding: Finding, why: String? = nil) {
    guard let file = finding.file, exists(file) else { return }
    guard !leaving.contains(file) else { return }
    leaving.insert(file)
    quarantines.append((file, finding, why ?? finding.code.rawValue))
  }

  /// An orphan: a placeholder project, or quarantine.
  mutating func orphan(_ finding: Finding) throws {
    guard planner.recreateMissingProjects, let projectId = finding.ref, EntityId.isSafe(projectId) else {
      quarantine(finding)
      return
    }
    let file = "projects/\(projectId).json"
    if creations.contains(where: { $0.file == file }) { return }
    if exists(file) {
      // An unloadable project file: it is quarantined first, the
      // placeholder follows in the next round.
      postpone(finding)
      return
    }
    var o = JSONObject()
    o["id"] = .string(projectId)
    o["name"] = .string("Recovered \(projectId)")
    o["workingDir"] = ""
    o["description"] = .string(
      "Placeholder created by maestro-admin repair: tasks or sessions named this project, which was missing.")
    o["createdAt"] = .number(planner.now.rounded(.down))
    o["updatedAt"] = .number(planner.now.rounded(.down))
    let style = try placeholderStyle ?? lookup().majorityStyle()
    placeholderStyle = style
    creations.append(
      (file, JSONWriter.serialize(.object(o), style: style), finding.code,
       "create \(file) named \"Recovered \(projectId)\" for orphan \(finding.id ?? "?") (\(finding.file ?? "?"))"))
  }

  /// The files of one duplicated id: keep the newest `updatedAt` (tie: the
  /// project-folder copy, then the first path), quarantine the others.
  mutating func duplicate(_ findings: [Finding]) {
    let files = findings.compactMap(\.file).filter { exists($0) && !leaving.contains($0) }
    guard files.count > 1 else { return }
    let keeper = newest(files)
    for finding in findings where finding.file != keeper {
      quarantine(finding, why: "\(finding.code.rawValue) (kept \(keeper))")
    }
  }

  /// A flat legacy task that differs from its project-folder copy: keep the
  /// newer, quarantine the other.
  mutating func legacyConflict(_ finding: Finding) throws {
    guard let flat = finding.file, let id = finding.id, let current = try lookup().taskFile(id), current != flat else {
      manual(finding)
      return
    }
    let keeper = newest([current, flat])
    let loser = keeper == current ? flat : current
    quarantine(
      Finding(finding.code, .task, id: id, file: loser, finding.message),
      why: "\(finding.code.rawValue) (kept \(keeper))")
  }

  private func newest(_ files: [String]) -> String {
    var best: (file: String, time: Double, home: Bool)?
    for file in files.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
      let object = object(file)
      let time = RepairIndex.updatedAt(object)
      let home = object?["projectId"]?.stringValue.map { file.hasPrefix("tasks/\($0)/") } ?? false
      if let b = best, b.time > time || (b.time == time && (b.home || !home)) { continue }
      best = (file, time, home)
    }
    return best?.file ?? files[0]
  }

  /// A misplaced task (to its project's folder) or a file named after
  /// another id (to `<id>.json` beside it).
  mutating func relocate(_ finding: Finding) {
    guard let file = finding.file, !leaving.contains(file), let bytes = try? FileSystem.readFile(dataDir + "/" + file),
      let object = (try? JSONDocument(parsing: bytes))?.value.objectValue
    else { return }
    let name = FileSystem.lastComponent(of: file)
    let destination: String
    if finding.code == .taskMisplaced {
      guard let projectId = object["projectId"]?.stringValue, EntityId.isSafe(projectId) else {
        return manual(finding)
      }
      destination = "tasks/\(projectId)/\(name)"
    } else {
      guard let id = object["id"]?.stringValue, EntityId.isSafe(id) else { return manual(finding) }
      destination = FileSystem.parentDirectory(of: file) + "/\(id).json"
    }
    // The name is freed by a quarantine this round: move in the next.
    if leaving.contains(destination) { return postpone(finding) }
    guard !exists(destination), !moves.contains(where: { $0.to == destination }) else {
      // Another file holds the name: a duplicate for a person to settle.
      return manual(finding)
    }
    // A project folder that is a symlink (folder.symlink*): a move would
    // write through it, perhaps outside the data dir.
    if (try? FileSystem.stat(dataDir + "/" + FileSystem.parentDirectory(of: destination), followSymlinks: false))?.kind
      == .symlink
    {
      return manual(finding)
    }
    leaving.insert(file)
    moves.append((file, destination, finding.code, bytes))
  }

  private mutating func manual(_ finding: Finding) { plan.manual.append(finding) }

  private mutating func postpone(_ finding: Finding) {
    plan.deferred.append(finding)
    plan.needsRecheck = true
  }

  // MARK: Edits

  /// The edit a finding calls for, in its own file or (for a one-sided
  /// link) in the file of the other side.
  mutating func edit(for finding: Finding) throws {
    guard let file = finding.file else { return manual(finding) }
    let ref = finding.ref ?? ""
    switch finding.code {
    case .sessionTaskDangling:
      try change(file, finding) { e in
        if e.object["taskIds"]?.arrayValue != nil {
          e.remove(ref, from: "taskIds", code: finding.code)
        } else {
          e.clear("taskId", ifItIs: ref, code: finding.code)
        }
      }
    case .taskSessionDangling:
      try change(file, finding) { e in
        e.remove(ref, from: "sessionIds", code: finding.code)
        e.removeKey(ref, from: "taskSessionStatuses", code: finding.code)
      }
    case .linkSessionOnly:
      guard let session = finding.id, let target = try taskFile(ref, linkedFrom: finding.file) else { return postpone(finding) }
      try change(target, finding) { $0.add(session, to: "sessionIds", code: finding.code) }
    case .linkTaskOnly:
      guard let task = finding.id, let target = try sessionFile(ref) else { return postpone(finding) }
      try change(target, finding) { e in
        let legacy = e.object["taskIds"]?.arrayValue == nil ? e.object["taskId"]?.stringValue : nil
        e.add(task, to: "taskIds", seed: legacy.map { [$0] } ?? [], code: finding.code)
      }
    case .sessionTaskIdsDuplicate:
      try change(file, finding) { $0.dedupe("taskIds", code: finding.code) }
    case .taskSessionIdsDuplicate:
      try change(file, finding) { $0.dedupe("sessionIds", code: finding.code) }
    case .parentDangling:
      try change(file, finding) { $0.clear("parentId", ifItIs: ref, code: finding.code) }
    case .dependencyDangling:
      try change(file, finding) { $0.remove(ref, from: "dependencies", code: finding.code) }
    case .referenceDangling:
      try change(file, finding) { $0.remove(ref, from: "referenceTaskIds", code: finding.code) }
    case .sessionStatusUnlinked:
      try change(file, finding) { $0.removeKey(ref, from: "taskSessionStatuses", code: finding.code) }
    case .sessionParentDangling:
      try change(file, finding) { $0.clear("parentSessionId", ifItIs: ref, code: finding.code) }
    case .sessionRootDangling:
      try change(file, finding) { $0.clear("rootSessionId", ifItIs: ref, code: finding.code) }
    case .listDangling:
      try change(file, finding) { $0.removeFromListFile(ref, code: finding.code) }
    case .docRelocated:
      let given = dataDir
      let real = DataDirCheck.realPath(given)
      let root = real ?? given
      try change(file, finding) { $0.rebaseDocPaths(root: root, aliases: real == nil ? [] : [given], code: finding.code) }
    case .parentCycle, .dependencyCycle:
      try breakCycle(finding)
    default:
      break
    }
  }

  /// The file of task `id`, which the entity in `file` links to: first
  /// where it should be, in the folder of that entity's project (one read,
  /// no listing of every folder), else wherever the index finds it.
  private mutating func taskFile(_ id: String, linkedFrom file: String?) throws -> String? {
    if EntityId.isSafe(id), let file, let project = object(file)?["projectId"]?.stringValue, EntityId.isSafe(project) {
      let guess = "tasks/\(project)/\(id).json"
      if object(guess)?["id"]?.stringValue == id { return guess }
    }
    return try lookup().taskFile(id)
  }

  /// The file of session `id`: `sessions/<id>.json` when it holds that id,
  /// else wherever the index finds it.
  private mutating func sessionFile(_ id: String) throws -> String? {
    if EntityId.isSafe(id), object("sessions/\(id).json")?["id"]?.stringValue == id { return "sessions/\(id).json" }
    return try lookup().sessionFile(id)
  }

  /// Applies `body` to the in-memory edit of `file`, unless the file leaves
  /// this round (then the finding waits for the next one).
  private mutating func change(_ file: String, _ finding: Finding, _ body: (inout RepairEdit) -> Void) throws {
    guard !leaving.contains(file) else { return postpone(finding) }
    if edits[file] == nil {
      guard exists(file) else { return postpone(finding) }
      edits[file] = try RepairEdit(dataDir: dataDir, file: file)
      editOrder.append(file)
    }
    body(&edits[file]!)
  }

  /// Breaks a cycle at the edge of its most recently updated task: a parent
  /// cycle by setting that task's `parentId` to null, a dependency cycle by
  /// removing its dependency on the next member. A group with more than one
  /// loop may need another round; the plan asks for a re-check.
  private mutating func breakCycle(_ finding: Finding) throws {
    plan.needsRecheck = true
    if graph == nil { graph = RepairTaskGraph(index: try lookup()) }
    guard let graph, let start = finding.id,
      let edge = finding.code == .parentCycle ? graph.parentEdgeToBreak(from: start) : graph.dependencyEdgeToBreak(from: start)
    else { return postpone(finding) }
    try change(edge.file, finding) { e in
      if finding.code == .parentCycle {
        e.clear("parentId", ifItIs: edge.to, code: finding.code)
      } else {
        e.remove(edge.to, from: "dependencies", code: finding.code)
      }
    }
  }

  // MARK: Result

  /// The plan: quarantines and moves, creations, then one rewrite per file.
  mutating func finish() throws -> RepairPlan {
    let rejudge = QuarantineRejudge(dataDir: dataDir)
    for q in quarantines {
      // Judged again on what the file holds now: a server may have
      // rewritten it since check read it. The move expects these bytes.
      guard case .holds(let bytes) = rejudge.judge(file: q.file, code: q.finding.code, id: q.finding.id, ref: q.finding.ref)
      else {
        postpone(q.finding)
        continue
      }
      let destination = quarantineDestination(q.file)
      try plan.changes.move(
        q.file, to: destination, computedFrom: bytes, reason: q.why, summary: "quarantine \(q.file) -> \(destination)")
      plan.steps.append(
        RepairStep(code: q.finding.code.rawValue, file: q.file, change: "quarantine \(q.file) -> \(destination)"))
      plan.needsRecheck = true
    }
    for m in moves {
      try plan.changes.move(
        m.file, to: m.to, computedFrom: m.bytes, reason: m.code.rawValue, summary: "move \(m.file) -> \(m.to)")
      plan.steps.append(RepairStep(code: m.code.rawValue, file: m.file, change: "move \(m.file) -> \(m.to)"))
      plan.needsRecheck = true
    }
    for c in creations {
      try plan.changes.write(c.file, c.bytes, reason: c.code.rawValue, summary: c.change)
      plan.steps.append(RepairStep(code: c.code.rawValue, file: c.file, change: c.change))
      plan.needsRecheck = true
    }
    for file in editOrder {
      guard let edit = edits[file], edit.isChanged else { continue }
      let bytes = edit.newBytes
      guard bytes != edit.original else { continue }
      let codes = Array(Set(edit.steps.map(\.code))).sorted().joined(separator: ",")
      // Expected: the bytes the edit was computed from, not a later read.
      try plan.changes.write(
        file, bytes, computedFrom: edit.original, reason: codes,
        summary: edit.steps.map(\.change).joined(separator: "; "))
      plan.steps += edit.steps
    }
    return plan
  }

  /// `lost+found/<stamp>/<file>`, or `<stamp>-2`, `-3`, … when an earlier
  /// run of the same second already put a file there.
  private func quarantineDestination(_ file: String) -> String {
    var folder = planner.quarantineFolder
    var k = 2
    while exists(folder + "/" + file) {
      folder = planner.quarantineFolder + "-\(k)"
      k += 1
    }
    return folder + "/" + file
  }
}
