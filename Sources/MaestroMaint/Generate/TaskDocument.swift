import MaestroStorage

/// A session as a task document sees it: for `sessionIds`, the timeline's
/// `session_started`/`session_ended` entries and `taskSessionStatuses`.
struct LinkedSession: Sendable {
  var id: String
  /// The session's facts, or nil for an id that names no session (a
  /// planted dangling reference: listed, but nothing else refers to it).
  var facts: SessionFacts?
}

/// What a task document is built from. Base tasks get theirs from the
/// `LinkGraph`; planted faults fill one in by hand, so both go through the
/// same builder and look alike.
struct TaskSpec: Sendable {
  var id: String
  var projectId: String
  var parentId: String?
  var created: Int64
  /// `sessionIds`, in order (a planted fault may repeat or dangle).
  var sessions: [LinkedSession] = []
  var dependencies: [String] = []
  var referenceTaskIds: [String] = []
  /// The random stream the task's content comes from.
  var kind: GeneratorRandom.Kind
  var index: Int
  /// Legacy tasks written before Phase IV-A have no `sessionIds`,
  /// `skillIds` or `agentIds`.
  var hasLinkArrays = true
  /// A status value to write instead of a drawn one (`enum.unknown`).
  var statusOverride: String?
  /// Extra `taskSessionStatuses` keys (`task.session-status.unlinked`).
  var extraSessionStatuses: [(String, String)] = []
  /// A different title, to make a conflicting copy of the same task.
  var titleSuffix: String?
}

/// How far along a task is, and what that means for its timestamps:
/// `startedAt` is set exactly for `started` phases and `completedAt` exactly
/// for `done`, and createdAt ≤ startedAt ≤ completedAt ≤ updatedAt always.
enum TaskPhase: Sendable {
  case notStarted, active, review, done, blocked, cancelled, archived

  var isStarted: Bool { self == .active || self == .review || self == .done }

  /// The status value servers of `format`'s age write.
  func status(_ format: GenerateFormat) -> String {
    switch (self, format) {
    case (.notStarted, .legacy): return "pending"
    case (.notStarted, _): return "todo"
    case (.active, _): return "in_progress"
    case (.review, .legacy): return "in_progress"
    case (.review, _): return "in_review"
    case (.done, _): return "completed"
    case (.blocked, _): return "blocked"
    case (.cancelled, _): return "cancelled"
    case (.archived, _): return "archived"
    }
  }

  static func draw(_ r: inout GeneratorRandom, hasSessions: Bool, format: GenerateFormat) -> TaskPhase {
    switch (hasSessions, format == .legacy) {
    case (true, true): return r.weighted([(.active, 40), (.done, 60)])
    case (true, false): return r.weighted([(.active, 30), (.review, 15), (.done, 55)])
    case (false, true): return r.weighted([(.notStarted, 40), (.active, 15), (.done, 35), (.blocked, 10)])
    case (false, false):
      return r.weighted([
        (.notStarted, 34), (.active, 14), (.review, 7), (.done, 28), (.blocked, 7), (.cancelled, 6), (.archived, 4),
      ])
    }
  }
}

/// Builds task documents with the keys in the order real servers write them
/// (`samples/`): the seed's fields, then the newer ones appended.
enum TaskDocument {
  private enum Purpose: UInt64 {
    case status = 11, text, timeline, misc
  }

  static func build(_ spec: TaskSpec, format: GenerateFormat, seed: UInt64) -> JSONObject {
    let real = spec.sessions.compactMap(\.facts)
    var r = GeneratorRandom(seed: seed, spec.kind, spec.index, Purpose.status.rawValue)
    // An unknown status says nothing about progress: no startedAt or
    // completedAt that a checker could find at odds with it.
    let drawn = TaskPhase.draw(&r, hasSessions: !real.isEmpty, format: format)
    let phase = spec.statusOverride == nil ? drawn : .notStarted

    var startedAt: Int64?
    var completedAt: Int64?
    if phase.isStarted {
      if let first = real.map(\.started).min() {
        startedAt = first + r.int64(in: 0...5_000)
      } else {
        startedAt = spec.created + r.int64(in: 60_000...(3 * LinkGraph.day))
      }
    }
    if phase == .done, let s = startedAt {
      let lastEnd = real.compactMap(\.completedAt).max() ?? s
      completedAt = max(s, lastEnd) + r.int64(in: 1_000...(2 * LinkGraph.day))
    }

    // Timeline: created, the session entries the seed's addTaskToSession /
    // deleteSession push, and a few updates; sorted by time.
    var t = GeneratorRandom(seed: seed, spec.kind, spec.index, Purpose.timeline.rawValue)
    var events: [(Int64, JSONObject)] = []
    func event(_ ts: Int64, _ type: String, message: String? = nil, sessionId: String? = nil) {
      var e = JSONObject()
      e["id"] = .string("evt_\(ts)_\(t.idSuffix())")
      e["type"] = .string(type)
      e["timestamp"] = .number(Double(ts))
      if let message { e["message"] = .string(message) }
      if let sessionId { e["sessionId"] = .string(sessionId) }
      events.append((ts, e))
    }
    event(spec.created, "created", message: "Task created")
    var seen: Set<String> = []
    for s in spec.sessions {
      guard let f = s.facts, seen.insert(s.id).inserted else { continue }
      event(f.started, "session_started", sessionId: s.id)
      if let end = f.completedAt { event(end, "session_ended", sessionId: s.id) }
    }
    var latest = max(spec.created, startedAt ?? 0, completedAt ?? 0)
    for (ts, _) in events { latest = max(latest, ts) }
    let extraTypes = format == .legacy ? ["update", "milestone", "blocker"] : ["update", "milestone", "progress", "blocker"]
    for _ in 0..<t.int(in: 0...3) {
      let ts = spec.created + t.int64(in: 0...max(0, latest - spec.created))
      event(ts, t.pick(extraTypes), message: SyntheticText.sentence(&t, 3...10))
    }
    events.sort { $0.0 < $1.0 }
    let updatedAt = max(latest, events.last?.0 ?? latest) + t.int64(in: 0...3_600_000)

    var x = GeneratorRandom(seed: seed, spec.kind, spec.index, Purpose.text.rawValue)
    var title = SyntheticText.title(&x)
    if let suffix = spec.titleSuffix { title += suffix }
    var m = GeneratorRandom(seed: seed, spec.kind, spec.index, Purpose.misc.rawValue)

    var o = JSONObject()
    o["id"] = .string(spec.id)
    o["projectId"] = .string(spec.projectId)
    o["parentId"] = spec.parentId.map(JSONValue.string) ?? .null
    o["title"] = .string(title)
    o["description"] = .string(SyntheticText.description(&x))
    o["status"] = .string(spec.statusOverride ?? phase.status(format))
    o["priority"] = .string(m.weighted([("low", 30), ("medium", 50), ("high", 20)]))
    o["createdAt"] = .number(Double(spec.created))
    o["updatedAt"] = .number(Double(updatedAt))
    o["startedAt"] = startedAt.map { .number(Double($0)) } ?? .null
    o["completedAt"] = completedAt.map { .number(Double($0)) } ?? .null
    if m.chance(0.8) { o["initialPrompt"] = .string(title + ". " + SyntheticText.sentence(&x, 8...20)) }
    if spec.hasLinkArrays {
      o["sessionIds"] = .array(spec.sessions.map { .string($0.id) })
      o["skillIds"] = .array(sample(SyntheticText.skills, m.pick([0, 0, 1, 2]), &m))
      o["agentIds"] = .array(sample(SyntheticText.agents, m.pick([0, 1, 1]), &m))
    }
    o["dependencies"] = .array(spec.dependencies.map(JSONValue.string))
    o["timeline"] = .array(events.map { .object($0.1) })
    if format == .current {
      o["referenceTaskIds"] = .array(spec.referenceTaskIds.map(JSONValue.string))
      o["teamId"] = .null
      if m.chance(0.3) {
        o["dueDate"] = .string(isoDate(spec.created + m.int64(in: LinkGraph.day...(60 * LinkGraph.day))))
      } else {
        o["dueDate"] = .null
      }
      var statuses = JSONObject()
      for s in spec.sessions {
        if let f = s.facts { statuses[s.id] = .string(f.phase.status(format)) }
      }
      for (k, v) in spec.extraSessionStatuses { statuses[k] = .string(v) }
      if !statuses.isEmpty { o["taskSessionStatuses"] = .object(statuses) }
    } else if !spec.extraSessionStatuses.isEmpty {
      // A seed-era dir that a newer server touched once.
      var statuses = JSONObject()
      for (k, v) in spec.extraSessionStatuses { statuses[k] = .string(v) }
      o["taskSessionStatuses"] = .object(statuses)
    }
    return o
  }

  /// `k` distinct elements of `items`, in `items`' order.
  static func sample(_ items: [String], _ k: Int, _ r: inout GeneratorRandom) -> [JSONValue] {
    var picked = Set<Int>()
    while picked.count < min(k, items.count) { picked.insert(r.int(items.count)) }
    return picked.sorted().map { .string(items[$0]) }
  }

  /// `YYYY-MM-DD` (UTC) of an epoch-millisecond time (Howard Hinnant's
  /// civil-from-days).
  static func isoDate(_ ms: Int64) -> String {
    let z = ms / LinkGraph.day + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(year)-\(two(month))-\(two(d))"
  }
}
