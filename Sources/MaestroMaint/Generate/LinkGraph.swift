/// The shape of a generated data dir, decided before any document is
/// written: which project each task and session belongs to, task parents,
/// which tasks each session works on (and the inverse), and creation times.
///
/// Everything is kept in flat integer arrays (about 40 bytes per task at
/// the largest scale), so that documents can then be built and written one
/// at a time, in parallel, from nothing but their index: a task's file needs
/// its own row plus the rows of the sessions that list it. Choices that
/// concern one entity only (a task's dependencies, its status) are drawn
/// later from that entity's own random stream and not stored.
///
/// Invariants the generator's tests check on the output:
/// - a task's parent and dependencies are earlier tasks of its own project,
///   so parent chains and dependencies are acyclic; parent chains hold at
///   most `maxDepth` tasks;
/// - a session links 1–5 distinct tasks of its own project (exactly one in
///   the legacy format), and each of those tasks lists the session back;
/// - every project has a task when there are at least as many tasks as
///   projects.
struct LinkGraph: Sendable {
  /// The deepest parent chain, counting the root: a root task, its
  /// subtask, and two more levels.
  static let maxDepth: UInt8 = 4

  let seed: UInt64
  let format: GenerateFormat
  /// The synthetic "now" all times derive from: a moment in 2025 chosen by
  /// the seed. Data spans at most about 260 days after it.
  let baseTime: Int64

  let projectCount: Int
  let taskCount: Int
  let sessionCount: Int

  /// Project creation times (ms).
  private(set) var projectCreated: [Int64]
  /// Tasks of project p: `projectTasks[projectTaskStart[p] ..< projectTaskStart[p + 1]]`,
  /// in creation order.
  private(set) var projectTaskStart: [Int32]
  private(set) var projectTasks: [Int32]

  private(set) var taskProject: [Int32]
  /// Position of the task within its project's list.
  private(set) var taskLocal: [Int32]
  private(set) var taskCreated: [Int64]
  /// Parent task index, or -1.
  private(set) var taskParent: [Int32]
  /// Sessions of task t, by start time: `taskSessions[taskSessionStart[t] ..< taskSessionStart[t + 1]]`.
  private(set) var taskSessionStart: [Int32]
  private(set) var taskSessions: [Int32]

  private(set) var sessionProject: [Int32]
  /// Tasks of session s: `sessionTasks[sessionTaskStart[s] ..< sessionTaskStart[s + 1]]`.
  private(set) var sessionTaskStart: [Int32]
  private(set) var sessionTasks: [Int32]
  private(set) var sessionStarted: [Int64]
  /// The session that spawned session s (same project, lower index), or -1.
  private(set) var sessionParent: [Int32]

  // Random-stream purposes used while building the graph.
  private enum Purpose: UInt64 {
    case base = 1, created, owner, parent, links, started, spawnedBy
  }

  static let day: Int64 = 86_400_000
  /// 2025-01-01T00:00:00Z.
  static let epoch2025: Int64 = 1_735_689_600_000
  /// How long after its project's creation a project's tasks are created.
  static let taskSpan: Int64 = 200 * day

  /// Builds the graph for `counts` (sequential; linear in the counts).
  init(seed: UInt64, format: GenerateFormat, counts: GeneratorOptions.Counts) {
    self.seed = seed
    self.format = format
    projectCount = counts.projects
    taskCount = counts.tasks
    sessionCount = counts.sessions
    var r0 = GeneratorRandom(seed: seed, .global, 0, Purpose.base.rawValue)
    let baseTime = Self.epoch2025 + r0.int64(in: 0...(300 * Self.day))
    self.baseTime = baseTime

    // Projects: created over the first 30 days, in index order.
    let P = projectCount
    projectCreated = (0..<P).map { p in
      var r = GeneratorRandom(seed: seed, .project, p, Purpose.created.rawValue)
      return baseTime + Int64((Double(p) + r.unit()) * Double(30 * Self.day) / Double(max(P, 1)))
    }

    // Task owners: one task per project first, the rest Zipf(1) over the
    // projects, so a few projects are large and most are small.
    let T = taskCount
    var cumulative = [Double](repeating: 0, count: P)
    var total = 0.0
    for p in 0..<P {
      total += 1.0 / Double(p + 1)
      cumulative[p] = total
    }
    taskProject = [Int32](repeating: 0, count: T)
    for t in 0..<T {
      if t < P {
        taskProject[t] = Int32(t)
        continue
      }
      var r = GeneratorRandom(seed: seed, .task, t, Purpose.owner.rawValue)
      let u = r.unit() * total
      var lo = 0
      var hi = P - 1
      while lo < hi {
        let mid = (lo + hi) / 2
        if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
      }
      taskProject[t] = Int32(lo)
    }

    // Per-project lists (CSR) and local positions.
    projectTaskStart = [Int32](repeating: 0, count: P + 1)
    for t in 0..<T { projectTaskStart[Int(taskProject[t]) + 1] += 1 }
    for p in 0..<P { projectTaskStart[p + 1] += projectTaskStart[p] }
    var fill = Array(projectTaskStart.dropLast())
    projectTasks = [Int32](repeating: 0, count: T)
    taskLocal = [Int32](repeating: 0, count: T)
    for t in 0..<T {
      let p = Int(taskProject[t])
      taskLocal[t] = fill[p] - projectTaskStart[p]
      projectTasks[Int(fill[p])] = Int32(t)
      fill[p] += 1
    }

    // Creation times: spread over the project's task span in local order,
    // so every earlier task of a project was created before a later one.
    taskCreated = [Int64](repeating: 0, count: T)
    taskParent = [Int32](repeating: -1, count: T)
    var depth = [UInt8](repeating: 1, count: T)
    for t in 0..<T {
      let p = Int(taskProject[t])
      let n = Double(projectTaskStart[p + 1] - projectTaskStart[p])
      var r = GeneratorRandom(seed: seed, .task, t, Purpose.created.rawValue)
      taskCreated[t] =
        projectCreated[p] + 60_000 + Int64((Double(taskLocal[t]) + r.unit()) * Double(Self.taskSpan) / n)
    }
    // Parents: an earlier task of the same project whose chain is short
    // enough. Tasks are visited in local order within each project, so a
    // parent's depth is known before its children's.
    for t in 0..<T {
      let k = Int(taskLocal[t])
      guard k > 0 else { continue }
      var r = GeneratorRandom(seed: seed, .task, t, Purpose.parent.rawValue)
      guard r.chance(0.35) else { continue }
      let base = Int(projectTaskStart[Int(taskProject[t])])
      for _ in 0..<3 {
        let candidate = Int(projectTasks[base + r.int(k)])
        if depth[candidate] < Self.maxDepth {
          taskParent[t] = Int32(candidate)
          depth[t] = depth[candidate] + 1
          break
        }
      }
    }

    // Sessions: a uniformly chosen task decides the project (so sessions
    // follow the task distribution), plus up to four more distinct tasks of
    // that project.
    // Sessions need tasks to link to; `DataGenerator` refuses otherwise.
    precondition(T > 0 || sessionCount == 0, "sessions need tasks")
    let S = sessionCount
    sessionProject = [Int32](repeating: 0, count: S)
    sessionTaskStart = [Int32](repeating: 0, count: S + 1)
    sessionTasks = []
    sessionTasks.reserveCapacity(S * 2)
    sessionStarted = [Int64](repeating: 0, count: S)
    sessionParent = [Int32](repeating: -1, count: S)
    var lastRoot = [Int32](repeating: -1, count: P)
    let linkWeights: [(Int, Int)] = [(1, 50), (2, 25), (3, 12), (4, 8), (5, 5)]
    for s in 0..<S {
      var r = GeneratorRandom(seed: seed, .session, s, Purpose.links.rawValue)
      let first = r.int(T)
      let p = Int(taskProject[first])
      sessionProject[s] = Int32(p)
      let base = Int(projectTaskStart[p])
      let n = Int(projectTaskStart[p + 1]) - base
      let want = format == .legacy ? 1 : min(n, r.weighted(linkWeights))
      var chosen = [Int32(first)]
      var attempts = 0
      while chosen.count < want && attempts < 20 {
        attempts += 1
        let candidate = projectTasks[base + r.int(n)]
        if !chosen.contains(candidate) { chosen.append(candidate) }
      }
      sessionTasks.append(contentsOf: chosen)
      sessionTaskStart[s + 1] = Int32(sessionTasks.count)
      var latest = Int64.min
      for t in chosen { latest = max(latest, taskCreated[Int(t)]) }
      var rs = GeneratorRandom(seed: seed, .session, s, Purpose.started.rawValue)
      sessionStarted[s] = latest + rs.int64(in: 1_000...(2 * Self.day))
      var rp = GeneratorRandom(seed: seed, .session, s, Purpose.spawnedBy.rawValue)
      if lastRoot[p] >= 0, rp.chance(0.15) {
        sessionParent[s] = lastRoot[p]
      } else {
        lastRoot[p] = Int32(s)
      }
    }

    // The inverse: each task's sessions, in the order they started.
    taskSessionStart = [Int32](repeating: 0, count: T + 1)
    for t in sessionTasks { taskSessionStart[Int(t) + 1] += 1 }
    for t in 0..<T { taskSessionStart[t + 1] += taskSessionStart[t] }
    var cursor = Array(taskSessionStart.dropLast())
    taskSessions = [Int32](repeating: 0, count: sessionTasks.count)
    for s in 0..<S {
      for k in Int(sessionTaskStart[s])..<Int(sessionTaskStart[s + 1]) {
        let t = Int(sessionTasks[k])
        taskSessions[Int(cursor[t])] = Int32(s)
        cursor[t] += 1
      }
    }
    for t in 0..<T where taskSessionStart[t + 1] - taskSessionStart[t] > 1 {
      let range = Int(taskSessionStart[t])..<Int(taskSessionStart[t + 1])
      let started = sessionStarted
      taskSessions[range].sort { (started[Int($0)], $0) < (started[Int($1)], $1) }
    }
  }

  /// The tasks of project p.
  func tasks(ofProject p: Int) -> ArraySlice<Int32> {
    projectTasks[Int(projectTaskStart[p])..<Int(projectTaskStart[p + 1])]
  }

  /// The sessions of task t, by start time.
  func sessions(ofTask t: Int) -> ArraySlice<Int32> {
    taskSessions[Int(taskSessionStart[t])..<Int(taskSessionStart[t + 1])]
  }

  /// The tasks of session s, in the order the session lists them.
  func tasks(ofSession s: Int) -> ArraySlice<Int32> {
    sessionTasks[Int(sessionTaskStart[s])..<Int(sessionTaskStart[s + 1])]
  }

  /// The root of session s's spawn chain (itself when it has no parent).
  func rootSession(of s: Int) -> Int {
    var k = s
    while sessionParent[k] >= 0 { k = Int(sessionParent[k]) }
    return k
  }
}
