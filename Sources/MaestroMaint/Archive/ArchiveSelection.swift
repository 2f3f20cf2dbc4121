import MaestroStorage

/// Which live tasks one `archive create` run moves out, and which it holds
/// back and why.
///
/// A task qualifies when it meets the criteria and sits at its canonical
/// path `tasks/<projectId>/<id>.json` under a safe, unique id. Then, until
/// nothing changes: a live task that stays (it does not qualify, or was
/// held) and points at a selected task by `parentId`, `dependencies` (or
/// `blockedBy`) or `referenceTaskIds` holds that task back. A subtask that
/// stays therefore holds its parent, so a task goes only with its whole
/// subtree; a held task in turn holds what it points at. Sessions never hold
/// a task back: they keep its id and `check` reports it as archived.
public struct ArchiveSelection: Sendable {
  /// A task that met the criteria but stays live.
  public struct Hold: Sendable, Equatable {
    /// The held task's id.
    public var id: String
    /// The task's file, relative to the data dir.
    public var path: String
    /// The live task that holds it, when another task does.
    public var by: String?
    /// The field of `by` that names it (`parentId`, `dependencies`,
    /// `referenceTaskIds`), or the kind of problem (`layout`, `id`).
    public var field: String
    /// The reason in words.
    public var reason: String
  }

  /// Indices into the records given, of the tasks to archive, in order.
  public var selected: [Int]
  /// Tasks that met the criteria but stay, in record order.
  public var holds: [Hold]

  /// Selects from `records` (every live task file of the data dir).
  ///
  /// - Parameters:
  ///   - records: all live task records, in a deterministic order.
  ///   - criteria: what qualifies.
  ///   - exclude: ids not to select at all (already in the catalog).
  public init(records: [ArchiveTaskRecord], criteria: ArchiveCriteria, exclude: Set<String> = []) {
    var copies: [String: Int] = [:]
    for r in records { copies[r.id, default: 0] += 1 }
    var holdAt: [Int: Hold] = [:]
    var inSelection = [Bool](repeating: false, count: records.count)
    var index: [String: Int] = [:]
    for (k, r) in records.enumerated() {
      guard criteria.matches(status: r.status, projectId: r.projectId, time: r.time), !exclude.contains(r.id) else {
        continue
      }
      if let problem = Self.layoutProblem(r, copies: copies[r.id] ?? 0) {
        holdAt[k] = Hold(id: r.id, path: r.path, by: nil, field: problem.field, reason: problem.reason)
        continue
      }
      inSelection[k] = true
      index[r.id] = k
    }
    // Worklist of tasks that stay live; each may hold tasks it points at.
    var work = records.indices.filter { !inSelection[$0] }
    while let k = work.popLast() {
      let stayer = records[k]
      for (ref, field) in stayer.references {
        guard let target = index[ref], inSelection[target] else { continue }
        inSelection[target] = false
        let why: String
        switch field {
        case "parentId":
          why = "its subtask \(EntityId.quoted(stayer.id)) stays live"
            + (holdAt[k] != nil ? " (held back itself)" : " (status \(stayer.status ?? "none"))")
        default:
          why = "live task \(EntityId.quoted(stayer.id)) lists it in \(field)"
        }
        holdAt[target] = Hold(id: records[target].id, path: records[target].path, by: stayer.id, field: field, reason: why)
        work.append(target)
      }
    }
    selected = records.indices.filter { inSelection[$0] }
    holds = holdAt.keys.sorted().map { holdAt[$0]! }
  }

  private static func layoutProblem(_ r: ArchiveTaskRecord, copies: Int) -> (field: String, reason: String)? {
    if let problem = EntityId.problem(with: r.id) { return ("id", "unsafe id: \(problem)") }
    if r.isLegacy { return ("layout", "legacy flat file tasks/<id>.json; run migrate first") }
    guard let project = r.projectId, EntityId.isSafe(project), r.path == "tasks/\(project)/\(r.id).json" else {
      return ("layout", "not at tasks/<projectId>/<id>.json; run check and repair first")
    }
    if copies > 1 { return ("id", "the id is in \(copies) files; run check and repair first") }
    return nil
  }
}
