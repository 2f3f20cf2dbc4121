import MaestroStorage

/// The checks that need one entity's document and nothing else: misplaced
/// task files, legacy forms, doc paths, timestamps against status, unknown
/// enum values and fields. Also fills the entity's `EntityRecord` with the
/// links the cross-file analysis needs.
struct EntityFacts {
  let id: String
  let file: String
  let entity: Finding.Entity
  /// What was found, in document order.
  var findings: [Finding] = []
  /// Top-level fields no known server writes.
  var unknown: [String] = []
  /// Fields servers read whose JSON type is wrong (reported by `fields`):
  /// their links are not followed.
  var wrongTypes: [String] = []

  init(id: String, file: String, entity: Finding.Entity) {
    self.id = id
    self.file = file
    self.entity = entity
  }

  private mutating func add(_ code: FindingCode, ref: String? = nil, _ message: String) {
    findings.append(Finding(code, entity, id: id, file: file, ref: ref, message))
  }

  // MARK: Tasks

  /// Checks a task document and records its links.
  mutating func task(_ o: JSONObject, file scanned: EntityFileScan.File, record: inout EntityRecord) {
    if scanned.kind == .task, let folder = scanned.folder, let projectId = o["projectId"]?.stringValue,
      folder != projectId
    {
      add(
        .taskMisplaced, ref: projectId,
        "the task sits in tasks/\(folder)/ but its projectId is \(Finding.quoted(projectId)); servers write it to tasks/\(projectId)/"
      )
    }
    // The seed's Phase IV-A load migration: `if (!task.sessionIds) task.sessionIds = []`.
    let missing = ["sessionIds", "skillIds", "agentIds"].filter { !(o[$0]?.isTruthy ?? false) }
    if !missing.isEmpty {
      add(
        .taskLegacyFields,
        "the task predates Phase IV-A: no \(missing.joined(separator: ", ")); servers default them to [] in memory"
      )
    }
    // A sessionIds of the wrong type lists nothing a link check can use:
    // like a missing one, no back-link is expected (field.type covers it).
    let sessionIds =
      missing.contains("sessionIds") || wrongTypes.contains("sessionIds") ? nil : Self.strings(o["sessionIds"])
    var unlinked: [String] = []
    if let keys = o["taskSessionStatuses"]?.objectValue?.keys, !wrongTypes.contains("sessionIds") {
      let linked = sessionIds ?? []
      for key in keys where !linked.contains(key) && !unlinked.contains(key) { unlinked.append(key) }
    }
    record.setTaskLinks(
      parentId: o["parentId"]?.stringValue, dependencies: Self.strings(o["dependencies"]),
      referenceTaskIds: Self.strings(o["referenceTaskIds"]), sessionIds: sessionIds,
      unlinkedStatusSessionIds: unlinked)

    var unknownValues: [String] = []
    let status = o["status"]?.stringValue.map(TaskStatus.init(rawValue:))
    if let status, !status.isKnown { unknownValues.append("status \(Finding.quoted(status.rawValue))") }
    if let raw = o["priority"]?.stringValue, !TaskPriority(rawValue: raw).isKnown {
      unknownValues.append("priority \(Finding.quoted(raw))")
    }
    unknownValues += Self.unknownTimelineTypes(o["timeline"])
    reportUnknown(unknownValues)

    var problems: [String] = []
    let created = o["createdAt"]?.numberValue
    let updated = o["updatedAt"]?.numberValue
    let started = o["startedAt"]?.numberValue
    let completed = o["completedAt"]?.numberValue
    if let status, status.isKnown {
      switch status {
      case .todo, .pending:
        if started != nil { problems.append("status is \(status) but startedAt is set (reopened?)") }
        if completed != nil { problems.append("status is \(status) but completedAt is set") }
      case .inProgress, .inReview, .blocked:
        if completed != nil { problems.append("status is \(status) but completedAt is set") }
      case .completed:
        if completed == nil { problems.append("status is completed but completedAt is not set") }
      default:
        break
      }
    }
    if let c = created, let s = started, s < c { problems.append("startedAt is before createdAt") }
    if let s = started, let d = completed, d < s { problems.append("completedAt is before startedAt") }
    if let c = created, let u = updated, u < c { problems.append("updatedAt is before createdAt") }
    if !problems.isEmpty {
      add(.taskTimestamps, problems.joined(separator: "; "))
    }
  }

  // MARK: Sessions

  /// Checks a session document and records its links.
  mutating func session(
    _ o: JSONObject, record: inout EntityRecord, locateDoc: (String) -> SessionDocLocation
  ) {
    // The seed's load migration: `if (session.taskId && !session.taskIds) session.taskIds = [session.taskId]`.
    var taskIds: [String] = []
    if !(o["taskIds"]?.isTruthy ?? false), let legacy = o["taskId"], legacy.isTruthy {
      if let taskId = legacy.stringValue { taskIds = [taskId] }
      add(
        .sessionLegacyTaskId,
        "the session has the legacy \"taskId\" and no \"taskIds\"; servers read it as taskIds [\(legacy.stringValue.map { Finding.quoted($0) } ?? legacy.kindName)]"
      )
    } else {
      taskIds = Self.strings(o["taskIds"])
    }
    // What servers read as taskIds is not a list of ids: tasks listing this
    // session are not one-sided links (field.type covers it).
    record.taskIdsUnreadable =
      wrongTypes.contains("taskIds") || (taskIds.isEmpty && wrongTypes.contains("taskId"))
    record.setSessionLinks(
      taskIds: taskIds, parentSessionId: o["parentSessionId"]?.stringValue,
      rootSessionId: o["rootSessionId"]?.stringValue)

    for doc in o["docs"]?.arrayValue ?? [] {
      guard let path = doc["contentFilePath"]?.stringValue else { continue }
      let docId = doc["id"]?.stringValue
      let name = docId.map { "doc \(Finding.quoted($0))" } ?? "a doc"
      switch locateDoc(path) {
      case .present:
        break
      case .missing:
        add(
          .docMissing, ref: docId,
          "\(name): \(Finding.quoted(path, limit: 4096)) does not exist, nor does a copy under this data dir's session-docs/"
        )
      case .outside:
        add(
          .docOutside, ref: docId,
          "\(name): \(Finding.quoted(path, limit: 4096)) is a file outside this data dir, with no copy here")
      case .relocated(let relative):
        add(
          .docRelocated, ref: docId,
          "\(name): \(Finding.quoted(path, limit: 4096)) names another data dir; the file is here as \(relative)")
      }
    }

    var unknownValues: [String] = []
    let status = o["status"]?.stringValue.map(SessionStatus.init(rawValue:))
    if let status, !status.isKnown { unknownValues.append("status \(Finding.quoted(status.rawValue))") }
    unknownValues += Self.unknownTimelineTypes(o["timeline"])
    reportUnknown(unknownValues)

    var problems: [String] = []
    let started = o["startedAt"]?.numberValue
    let last = o["lastActivity"]?.numberValue
    let completed = o["completedAt"]?.numberValue
    if let status, status.isKnown {
      if status.isTerminal && completed == nil {
        problems.append("status is \(status) (ended) but completedAt is not set")
      } else if !status.isTerminal && completed != nil {
        problems.append("status is \(status) (not ended) but completedAt is set")
      }
    }
    if let s = started, let l = last, l < s { problems.append("lastActivity is before startedAt") }
    if let s = started, let c = completed, c < s { problems.append("completedAt is before startedAt") }
    if !problems.isEmpty {
      add(.sessionTimestamps, problems.joined(separator: "; "))
    }
  }

  // MARK: Helpers

  private mutating func reportUnknown(_ values: [String]) {
    guard !values.isEmpty else { return }
    add(
      .enumUnknown,
      "\(values.joined(separator: ", ")) \(values.count == 1 ? "is not a value" : "are not values") known servers write"
    )
  }

  /// The distinct unknown `type` values of a timeline, in order of appearance.
  private static func unknownTimelineTypes(_ timeline: JSONValue?) -> [String] {
    var seen: Set<String> = []
    var out: [String] = []
    for event in timeline?.arrayValue ?? [] {
      guard let raw = event["type"]?.stringValue, !TimelineEventType(rawValue: raw).isKnown,
        seen.insert(raw).inserted
      else { continue }
      out.append("timeline type \(Finding.quoted(raw))")
    }
    return out
  }

  /// The string elements of an array (others are skipped: a checker must
  /// still see the ids a damaged list holds).
  static func strings(_ value: JSONValue?) -> [String] {
    guard case .array(let elements)? = value else { return [] }
    var out: [String] = []
    out.reserveCapacity(elements.count)
    for case .string(let s) in elements { out.append(s) }
    return out
  }
}
