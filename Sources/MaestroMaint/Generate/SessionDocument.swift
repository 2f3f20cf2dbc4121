import MaestroStorage

/// A session's lifecycle state, and the status value each server age
/// writes for it.
enum SessionPhase: Sendable {
  case spawning, idle, working, completed, failed, stopped

  var isTerminal: Bool { self == .completed || self == .failed || self == .stopped }

  func status(_ format: GenerateFormat) -> String {
    switch (self, format) {
    case (.spawning, _): return "spawning"
    case (.idle, .legacy), (.working, .legacy): return "running"
    case (.idle, _): return "idle"
    case (.working, _): return "working"
    case (.completed, _): return "completed"
    case (.failed, _): return "failed"
    case (.stopped, .legacy): return "failed"
    case (.stopped, _): return "stopped"
    }
  }
}

/// The facts about a session that its tasks' documents also show (status,
/// start and end): a pure function of the session's random stream and start
/// time, so a task's file and the session's file agree without either being
/// kept in memory.
struct SessionFacts: Sendable {
  var started: Int64
  var phase: SessionPhase
  /// Times of the session's `events[]`, ascending; the last is `lastActivity`.
  var eventTimes: [Int64]

  var lastActivity: Int64 { eventTimes.last ?? started }
  /// Set on terminal sessions only, to `lastActivity`.
  var completedAt: Int64? { phase.isTerminal ? lastActivity : nil }

  private static let purpose: UInt64 = 21

  init(seed: UInt64, _ kind: GeneratorRandom.Kind, _ index: Int, started: Int64, format: GenerateFormat) {
    var r = GeneratorRandom(seed: seed, kind, index, Self.purpose)
    self.started = started
    phase =
      format == .legacy
      ? r.weighted([(.completed, 60), (.failed, 10), (.working, 25), (.spawning, 5)])
      : r.weighted([(.completed, 55), (.stopped, 15), (.failed, 8), (.idle, 10), (.working, 10), (.spawning, 2)])
    var ts = started
    var times: [Int64] = []
    let n = phase == .spawning ? 0 : r.int(in: 1...7)
    for _ in 0..<n {
      ts += r.int64(in: 100...900_000)
      times.append(ts)
    }
    eventTimes = times
  }

  /// `status` as `format` writes it.
  func status(_ format: GenerateFormat) -> String { phase.status(format) }
}

/// What a session document is built from.
struct SessionSpec: Sendable {
  var id: String
  var projectId: String
  /// `taskIds` as listed (a planted fault may repeat or dangle).
  var taskIds: [String]
  /// Tasks named in the session's own timeline and docs: the ones that
  /// exist and are linked both ways (never a planted bad reference).
  var workedTaskIds: [String]
  var facts: SessionFacts
  var kind: GeneratorRandom.Kind
  var index: Int
  var parentSessionId: String?
  var rootSessionId: String
  /// Attach docs (format current).
  var allowDocs = true
  /// Attach one doc whose file is not written (`session.doc.missing`).
  var missingDoc = false
  /// A status value to write instead of the drawn one (`enum.unknown`).
  var statusOverride: String?
}

/// A session document and the doc files that go with it.
struct BuiltSession {
  var json: JSONObject
  /// `session-docs/<sessionId>/<docId>.md` relative paths and contents.
  var docFiles: [(path: String, bytes: [UInt8])]
}

/// Builds session documents with the keys in the order real servers write
/// them (`samples/`).
enum SessionDocument {
  private enum Purpose: UInt64 {
    case text = 31, events, timeline, docs
  }

  static func build(_ spec: SessionSpec, format: GenerateFormat, seed: UInt64, docRoot: String) -> BuiltSession {
    let f = spec.facts
    var x = GeneratorRandom(seed: seed, spec.kind, spec.index, Purpose.text.rawValue)
    var o = JSONObject()
    o["id"] = .string(spec.id)
    o["projectId"] = .string(spec.projectId)
    if format == .legacy && spec.taskIds.count == 1 {
      o["taskId"] = .string(spec.taskIds[0])
    } else {
      o["taskIds"] = .array(spec.taskIds.map(JSONValue.string))
    }
    // Legacy sessions now and then lack a name (servers default it on load).
    if format != .legacy || x.chance(0.85) {
      o["name"] = .string("\(x.pick(["Worker", "Planner", "Reviewer", "Fixer"])) session \(spec.index + 1)")
    }
    if x.chance(0.7) { o["agentId"] = .string(x.pick(SyntheticText.agents)) }
    var env = JSONObject()
    env["MAESTRO_PROJECT_ID"] = .string(spec.projectId)
    env["MAESTRO_SESSION_ID"] = .string(spec.id)
    env["MAESTRO_TASK_IDS"] = .string(spec.workedTaskIds.joined(separator: ","))
    env["MAESTRO_SERVER_URL"] = .string("http://localhost:3000")
    o["env"] = .object(env)
    if format == .legacy { o["strategy"] = .string(x.pick(["simple", "simple", "queue"])) }
    o["status"] = .string(spec.statusOverride ?? f.status(format))
    o["startedAt"] = .number(Double(f.started))
    o["lastActivity"] = .number(Double(f.lastActivity))
    o["completedAt"] = f.completedAt.map { .number(Double($0)) } ?? .null
    o["hostname"] = .string(x.pick(SyntheticText.hosts))
    o["platform"] = .string(x.weighted(SyntheticText.platforms))
    o["events"] = .array(events(spec, format: format, seed: seed))

    var docFiles: [(path: String, bytes: [UInt8])] = []
    if format == .current {
      var t = GeneratorRandom(seed: seed, spec.kind, spec.index, Purpose.timeline.rawValue)
      var d = GeneratorRandom(seed: seed, spec.kind, spec.index, Purpose.docs.rawValue)
      var timeline: [JSONValue] = []
      func entry(_ ts: Int64, _ type: String, taskId: String? = nil, message: String) {
        var e = JSONObject()
        e["id"] = .string("evt_\(ts)_\(t.idSuffix())")
        e["type"] = .string(type)
        e["timestamp"] = .number(Double(ts))
        if let taskId { e["taskId"] = .string(taskId) }
        e["message"] = .string(message)
        timeline.append(.object(e))
      }
      entry(f.started, "session_started", message: "Session created")
      for task in spec.workedTaskIds {
        entry(f.started, "task_started", taskId: task, message: "Started working on task")
      }
      var docs: [JSONValue] = []
      let docCount = spec.missingDoc ? 1 : (spec.allowDocs && !spec.workedTaskIds.isEmpty && d.chance(0.35) ? d.int(in: 1...2) : 0)
      for k in 0..<docCount {
        let addedAt = f.started + Int64(k + 1) * 1_000 + d.int64(in: 0...999)
        let docId = "doc_\(addedAt)_\(d.idSuffix())"
        let title = d.pick(["Notes", "Plan", "Design", "Findings", "Test report", "Résumé des tests"])
        let relative = "session-docs/\(spec.id)/\(docId).md"
        var doc = JSONObject()
        doc["id"] = .string(docId)
        doc["title"] = .string(title)
        doc["filePath"] = .string(title.lowercased().split(separator: " ").joined(separator: "-") + ".md")
        doc["addedAt"] = .number(Double(addedAt))
        doc["addedBy"] = .string(spec.id)
        if let task = spec.workedTaskIds.first { doc["taskId"] = .string(task) }
        doc["contentFilePath"] = .string(docRoot + "/" + relative)
        docs.append(.object(doc))
        if !spec.missingDoc {
          docFiles.append((relative, Array(SyntheticText.document(&d, title: title).utf8)))
        }
        entry(addedAt, "doc_added", taskId: spec.workedTaskIds.first, message: "Added doc: \(title)")
      }
      if f.phase == .completed {
        for task in spec.workedTaskIds {
          entry(f.lastActivity, "task_completed", taskId: task, message: "Task completed")
        }
      }
      o["timeline"] = .array(timeline)
      o["docs"] = .array(docs)
    }
    var metadata = JSONObject()
    metadata["spawnSource"] = .string(x.pick(["ui", "cli", "api"]))
    metadata["mode"] = .string(x.pick(["worker", "worker", "coordinator"]))
    metadata["skills"] = .array(TaskDocument.sample(SyntheticText.skills, x.pick([0, 1, 2]), &x))
    metadata["context"] = .object(JSONObject())
    o["metadata"] = .object(metadata)
    if format == .current {
      o["parentSessionId"] = spec.parentSessionId.map(JSONValue.string) ?? .null
      o["rootSessionId"] = .string(spec.rootSessionId)
      o["teamSessionId"] = .null
      o["teamId"] = .null
      o["isMasterSession"] = .bool(false)
    }
    return BuiltSession(json: o, docFiles: docFiles)
  }

  /// `events[]`: a status change out of spawning, then output, tool use and
  /// messages with payloads, and a final status change on terminal sessions.
  private static func events(_ spec: SessionSpec, format: GenerateFormat, seed: UInt64) -> [JSONValue] {
    let f = spec.facts
    var r = GeneratorRandom(seed: seed, spec.kind, spec.index, Purpose.events.rawValue)
    let running = SessionPhase.working.status(format)
    var out: [JSONValue] = []
    for (k, ts) in f.eventTimes.enumerated() {
      var e = JSONObject()
      e["id"] = .string("evt_\(ts)_\(r.idSuffix())")
      e["timestamp"] = .number(Double(ts))
      let last = k == f.eventTimes.count - 1
      if k == 0 || (last && f.phase.isTerminal) {
        e["type"] = .string("status_change")
        let to = k == 0 && !(last && f.phase.isTerminal) ? running : (spec.statusOverride ?? f.status(format))
        e["data"] = .object(["from": .string(k == 0 ? "spawning" : running), "to": .string(to)])
      } else {
        switch r.int(4) {
        case 0:
          e["type"] = "tool_use"
          e["data"] = .object([
            "tool": .string(r.pick(SyntheticText.tools)),
            "input": .object(["path": .string("src/\(r.pick(SyntheticText.words))/\(r.pick(SyntheticText.words)).ts")]),
            "durationMs": .number(Double(r.int(in: 5...9_000))),
          ])
        case 1:
          e["type"] = "output"
          e["data"] = .object(["text": .string(SyntheticText.paragraph(&r, 1...3)), "stream": "stdout"])
        case 2:
          e["type"] = "message"
          e["data"] = .object(["role": "assistant", "text": .string(SyntheticText.sentence(&r, 4...14))])
        default:
          e["type"] = "progress"
          e["data"] = .object(["percent": .number(Double(r.int(in: 1...99))), "note": .string(SyntheticText.sentence(&r, 3...8))])
        }
      }
      out.append(.object(e))
    }
    return out
  }
}
