import Foundation
import MaestroTestSupport
import Testing

@testable import MaestroStorage

/// A seed-age task (two-space server era), as `upstream-2026-02-08` holds.
private let seedAgeTask: JSONValue = .object(
  JSONObject([
    ("id", "task_1795806202722_dz5vs9xkx"),
    ("projectId", "proj_1795806202721_jusxou226"),
    ("parentId", nil),
    ("title", "Task 1 of Sample Project 1"),
    ("description", "Sample task 1"),
    ("status", "in_progress"),
    ("priority", "low"),
    ("createdAt", 1_795_806_202_722),
    ("updatedAt", 1_795_806_202_734),
    ("startedAt", 1_795_806_202_734),
    ("completedAt", nil),
    ("initialPrompt", "Do sample thing 1"),
    ("sessionIds", ["sess_1795806202724_5nslknpe5"]),
    ("skillIds", []),
    ("agentIds", []),
    ("dependencies", []),
    ("sessionStatus", "working"),
  ]))

/// A newer task (compact era), as `upstream-head` holds, plus a field no
/// known server writes.
private let headTask: JSONValue = .object(
  JSONObject([
    ("id", "task_1795806202574_e9pihktqd"),
    ("projectId", "proj_1795806202572_z5mb10wr1"),
    ("parentId", "task_1795806202573_parent000"),
    ("title", "Task 1 of Sample Project 1"),
    ("description", "Sample task 1"),
    ("status", "in_progress"),
    ("priority", "low"),
    ("createdAt", 1_795_806_202_574),
    ("updatedAt", 1_795_806_202_575),
    ("startedAt", 1_795_806_202_575),
    ("completedAt", nil),
    ("initialPrompt", "Do sample thing 1"),
    ("sessionIds", ["sess_1795806202575_wnwk08n02"]),
    ("skillIds", []),
    ("agentIds", []),
    ("dependencies", []),
    ("referenceTaskIds", ["task_1795806202575_m5yyrfscu"]),
    ("teamId", nil),
    ("dueDate", "2026-03-01"),
    ("futureField", ["nested": [1, 2]]),
    ("taskSessionStatuses", ["sess_1795806202575_wnwk08n02": "working"]),
  ]))

/// A newer session with timeline, docs and the tree fields.
private let headSession: JSONValue = .object(
  JSONObject([
    ("id", "sess_1795806202581_7q3uaft4d"),
    ("projectId", "proj_1795806202580_mhhklrqo6"),
    ("taskIds", ["task_1795806202580_661mp1fkv"]),
    ("name", "Sample session 1"),
    ("env", ["MAESTRO_PROJECT_ID": "proj_1795806202580_mhhklrqo6", "B": "2"]),
    ("status", "working"),
    ("startedAt", 1_795_806_202_581),
    ("lastActivity", 1_795_806_202_582),
    ("completedAt", nil),
    ("hostname", "vm"),
    ("platform", "linux"),
    (
      "events",
      [
        [
          "id": "evt_1795806202581_hn8qhpvaw", "timestamp": 1_795_806_202_581,
          "type": "status_change", "data": ["from": "spawning", "to": "working"],
        ]
      ]
    ),
    (
      "timeline",
      [
        [
          "id": "evt_1795806202581_ccrvc00mx", "type": "task_started",
          "timestamp": 1_795_806_202_581, "taskId": "task_1795806202580_661mp1fkv",
          "message": "Started working on task",
        ]
      ]
    ),
    (
      "docs",
      [
        [
          "id": "doc_1795806202581_uxzjqmsl8", "title": "Notes", "filePath": "notes.md",
          "addedAt": 1_795_806_202_581, "addedBy": "sess_1795806202581_7q3uaft4d",
          "taskId": "task_1795806202580_661mp1fkv",
          "contentFilePath":
            "/home/maestro/.maestro/data/session-docs/sess_1795806202581_7q3uaft4d/doc_1795806202581_uxzjqmsl8.md",
        ]
      ]
    ),
    ("metadata", ["spawnSource": "ui", "mode": "worker"]),
    ("parentSessionId", nil),
    ("rootSessionId", "sess_1795806202581_7q3uaft4d"),
    ("teamSessionId", nil),
    ("teamId", nil),
    ("isMasterSession", false),
  ]))

@Suite("Model")
struct ModelTests {
  // MARK: Reading

  @Test func projectAccessorsReadBothAges() throws {
    let seed: JSONValue = [
      "id": "proj_1795806202721_jusxou226", "name": "Sample Project 1",
      "workingDir": "/home/maestro/src/project-1", "description": "Sample project 1 of 3",
      "createdAt": 1_795_806_202_721, "updatedAt": 1_795_806_202_721,
    ]
    let project = try Project(json: seed, file: "projects/p.json")
    #expect(project.id == "proj_1795806202721_jusxou226")
    #expect(project.name == "Sample Project 1")
    #expect(project.workingDir == "/home/maestro/src/project-1")
    #expect(project.description == "Sample project 1 of 3")
    #expect(project.createdAt == 1_795_806_202_721)
    #expect(project.isMaster == nil)
    #expect(project.unknownFields.isEmpty)

    var newer = project
    newer.isMaster = true
    #expect(newer.json.keys.last == "isMaster")
    #expect(newer.isMaster == true)
  }

  @Test func seedAgeTaskAccessors() throws {
    let task = try MaestroTask(json: seedAgeTask, file: nil)
    #expect(task.id == "task_1795806202722_dz5vs9xkx")
    #expect(task.projectId == "proj_1795806202721_jusxou226")
    #expect(task.parentId == nil)
    #expect(task.status == .inProgress)
    #expect(task.priority == .low)
    #expect(task.sessionIds == ["sess_1795806202724_5nslknpe5"])
    #expect(task.skillIds == [])
    #expect(task.startedAt == 1_795_806_202_734)
    #expect(task.completedAt == nil)
    #expect(task.sessionStatus == "working")
    // Newer fields are simply absent.
    #expect(task.referenceTaskIds == nil)
    #expect(task.taskSessionStatuses == nil)
    #expect(task.dueDate == nil)
    #expect(task.timeline == nil)
    #expect(task.images == nil)
    #expect(task.pinned == nil)
    #expect(task.unknownFields.isEmpty)
  }

  @Test func headTaskAccessors() throws {
    let task = try MaestroTask(json: headTask, file: nil)
    #expect(task.parentId == "task_1795806202573_parent000")
    #expect(task.referenceTaskIds == ["task_1795806202575_m5yyrfscu"])
    #expect(task.dueDate == "2026-03-01")
    #expect(task.teamId == nil)
    let statuses = try #require(task.taskSessionStatuses)
    #expect(statuses.map(\.sessionId) == ["sess_1795806202575_wnwk08n02"])
    #expect(statuses.map(\.status) == ["working"])
    #expect(task.taskSessionStatus(for: "sess_1795806202575_wnwk08n02") == "working")
    #expect(task.sessionStatus == nil)
    #expect(task.unknownFields == ["futureField"])
  }

  @Test func sessionAccessors() throws {
    let session = try Session(json: headSession, file: nil)
    #expect(session.taskIds == ["task_1795806202580_661mp1fkv"])
    #expect(session.effectiveTaskIds == ["task_1795806202580_661mp1fkv"])
    #expect(session.status == .working)
    #expect(session.status?.isTerminal == false)
    let env = try #require(session.env)
    #expect(env.map(\.key) == ["MAESTRO_PROJECT_ID", "B"])
    #expect(session.lastActivity == 1_795_806_202_582)
    #expect(session.parentSessionId == nil)
    #expect(session.rootSessionId == "sess_1795806202581_7q3uaft4d")
    #expect(session.isMasterSession == false)
    #expect(session.metadata?["mode"] == "worker")

    let events = try #require(session.events)
    #expect(events.count == 1)
    #expect(events[0].type == "status_change")
    #expect(events[0].data?["to"] == "working")

    let timeline = try #require(session.timeline)
    #expect(timeline[0].type == .taskStarted)
    #expect(timeline[0].taskId == "task_1795806202580_661mp1fkv")

    let docs = try #require(session.docs)
    #expect(
      docs[0].contentFilePath?.hasSuffix(
        "/session-docs/sess_1795806202581_7q3uaft4d/doc_1795806202581_uxzjqmsl8.md") == true)
    #expect(docs[0].addedBy == "sess_1795806202581_7q3uaft4d")
    #expect(session.unknownFields.isEmpty)
  }

  @Test func legacySessionHasTaskIdAndStrategy() throws {
    let legacy: JSONValue = [
      "id": "sess_1", "projectId": "proj_1", "taskId": "task_1", "strategy": "simple",
      "status": "running",
    ]
    let session = try Session(json: legacy, file: nil)
    #expect(session.taskIds == nil)
    #expect(session.taskId == "task_1")
    #expect(session.effectiveTaskIds == ["task_1"])
    #expect(session.strategy == "simple")
    #expect(session.status == .running)
    #expect(session.events == nil)
    #expect(session.name == nil)
  }

  // MARK: Damage tolerance

  @Test func wrongTypedFieldsReadAsNil() throws {
    let damaged: JSONValue = [
      "id": "task_1", "projectId": 7, "sessionIds": ["sess_1", 3], "status": 1,
      "createdAt": "yesterday", "timeline": ["not an object"], "taskSessionStatuses": ["s": 1],
    ]
    let task = try MaestroTask(json: damaged, file: nil)
    #expect(task.projectId == nil)
    #expect(task.sessionIds == nil)
    #expect(task.status == nil)
    #expect(task.createdAt == nil)
    #expect(task.timeline == nil)
    #expect(task.taskSessionStatuses == nil)
    // The keys are still there for a checker.
    #expect(task.taskSessionStatusSessionIds == ["s"])
    #expect(task.json["sessionIds"] == ["sess_1", 3])
  }

  @Test(arguments: [
    (JSONValue.array([]), "found array"),
    (JSONValue(dictionaryLiteral: ("name", "x")), "has no \"id\""),
    (JSONValue(dictionaryLiteral: ("id", 42)), "must be a string, found number"),
    (JSONValue(dictionaryLiteral: ("id", nil)), "must be a string, found null"),
    (JSONValue.object(JSONObject([("id", .utf16String([0xD800]))])), "lone surrogate"),
  ])
  func badEntityIsRejectedWithItsFile(json: JSONValue, fragment: String) {
    do {
      _ = try Session(json: json, file: "sessions/x.json")
      Issue.record("expected an error")
    } catch let error as MaestroError {
      #expect(error.code == .badEntity)
      #expect(error.path == "sessions/x.json")
      #expect(error.message.contains(fragment), "\(error.message)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  // MARK: Writing

  @Test func settersKeepKeyOrderAndUnknownFields() throws {
    var task = try MaestroTask(json: headTask, file: nil)
    let keysBefore = task.json.keys
    task.status = .completed
    task.title = "Renamed"
    task.completedAt = 1_795_806_300_000
    task.sessionIds = (task.sessionIds ?? []) + ["sess_2"]
    task.setTaskSessionStatus("completed", for: "sess_1795806202575_wnwk08n02")
    task.setTaskSessionStatus("spawning", for: "sess_2")
    #expect(task.json.keys == keysBefore)
    #expect(task.json["futureField"] == ["nested": [1, 2]])
    #expect(task.json["status"] == "completed")
    #expect(task.taskSessionStatusSessionIds == ["sess_1795806202575_wnwk08n02", "sess_2"])

    // New keys go last, in the order they were set.
    task.pinned = true
    task.teamMemberIds = ["tm_1"]
    #expect(Array(task.json.keys.suffix(2)) == ["pinned", "teamMemberIds"])

    // Optional members vanish on nil; nullable ones become null.
    task.pinned = nil
    #expect(!task.json.contains("pinned"))
    task.parentId = nil
    #expect(task.json["parentId"] == .null)
    task.dueDate = nil
    #expect(task.json["dueDate"] == .null)
    #expect(task.json.index(of: "dueDate") == keysBefore.firstIndex(of: "dueDate"))

    task.setTaskSessionStatus(nil, for: "sess_2")
    #expect(task.taskSessionStatusSessionIds == ["sess_1795806202575_wnwk08n02"])
  }

  @Test func seedTaskMigrationStyleEditsAppend() throws {
    var task = try MaestroTask(json: seedAgeTask, file: nil)
    task.referenceTaskIds = []
    task.taskSessionStatuses = [(sessionId: "sess_1795806202724_5nslknpe5", status: "working")]
    task.dueDate = nil
    #expect(
      Array(task.json.keys.suffix(4)) == [
        "sessionStatus", "referenceTaskIds", "taskSessionStatuses", "dueDate",
      ])
    #expect(task.json["dueDate"] == .null)
  }

  @Test func nestedViewsWriteBack() throws {
    var session = try Session(json: headSession, file: nil)
    let keysBefore = session.json.keys
    var docs = try #require(session.docs)
    docs[0].contentFilePath =
      "/srv/data/session-docs/sess_1795806202581_7q3uaft4d/doc_1795806202581_uxzjqmsl8.md"
    session.docs = docs
    session.status = .completed
    session.completedAt = 1_795_806_202_999
    var events = try #require(session.events)
    events.append(SessionEvent(id: "evt_2", timestamp: 1_795_806_202_999, type: "status_change"))
    session.events = events

    #expect(session.json.keys == keysBefore)
    let doc = try #require(session.json["docs"]?.arrayValue?.first?.objectValue)
    // The doc's own keys stay in place too.
    #expect(
      doc.keys == ["id", "title", "filePath", "addedAt", "addedBy", "taskId", "contentFilePath"])
    #expect(doc["contentFilePath"]?.stringValue?.hasPrefix("/srv/data/") == true)
    #expect(session.status?.isTerminal == true)
    #expect(session.events?.count == 2)
  }

  @Test func appendTimelineEvent() throws {
    var task = try MaestroTask(json: seedAgeTask, file: nil)
    let event = TimelineEvent(
      id: "evt_1", type: .sessionStarted, timestamp: 5, message: "Session started",
      sessionId: "sess_1")
    let first = task.appendTimelineEvent(event)
    let second = task.appendTimelineEvent(event)
    #expect(first && second)
    #expect(task.timeline?.count == 2)
    #expect(event.json.keys == ["id", "type", "timestamp", "message", "sessionId"])

    var damaged = task
    damaged.json["timeline"] = "oops"
    let appended = damaged.appendTimelineEvent(event)
    #expect(!appended)
    #expect(damaged.json["timeline"] == "oops")
  }

  // MARK: Enums

  @Test func enumsRoundTripAndFlagUnknownValues() {
    for status in TaskStatus.knownValues {
      #expect(TaskStatus(rawValue: status.rawValue) == status)
      #expect(status.isKnown)
    }
    #expect(TaskStatus(rawValue: "in_review") == .inReview)
    #expect(TaskStatus(rawValue: "pending") == .pending)
    let odd = TaskStatus(rawValue: "on_hold")
    #expect(odd == .unknown("on_hold"))
    #expect(!odd.isKnown)
    #expect(odd.rawValue == "on_hold")
    // A hand-built unknown of a known string is the known value.
    #expect(TaskStatus.unknown("todo") == .todo)
    #expect(TaskStatus.unknown("todo").isKnown)
    #expect(Set([TaskStatus.unknown("todo"), .todo]).count == 1)

    #expect(
      SessionStatus.knownValues.map(\.rawValue) == [
        "spawning", "running", "idle", "working", "completed", "failed", "stopped",
      ])
    #expect(!SessionStatus(rawValue: "paused").isKnown)
    #expect(TaskPriority.knownValues.map(\.rawValue) == ["low", "medium", "high"])
    #expect(!TaskPriority(rawValue: "urgent").isKnown)
    #expect(TimelineEventType.knownValues.count == 17)
    #expect(TimelineEventType(rawValue: "prompt_received") == .promptReceived)
    #expect(TimelineEventType(rawValue: "doc_added").rawValue == "doc_added")
  }

  @Test func unknownEnumValuesSurviveASetterRoundTrip() throws {
    var json = try #require(headTask.objectValue)
    json["status"] = "on_hold"
    json["priority"] = "urgent"
    var task = MaestroTask(checkedObject: json)
    #expect(task.status == .unknown("on_hold"))
    #expect(task.status?.isKnown == false)
    task.status = task.status
    task.priority = task.priority
    #expect(task.json["status"] == "on_hold")
    #expect(task.json["priority"] == "urgent")
  }

  @Test func knownFieldsCoverEveryAge() {
    for field in [
      "referenceTaskIds", "taskSessionStatuses", "dueDate", "teamId", "images", "pinned",
      "sessionStatus", "teamMemberId", "teamMemberIds",
    ] {
      #expect(MaestroTask.knownFields.contains(field))
    }
    for field in [
      "timeline", "docs", "parentSessionId", "rootSessionId", "teamSessionId", "taskId", "strategy",
      "archivedAt",
    ] {
      #expect(Session.knownFields.contains(field))
    }
    #expect(Project.knownFields.contains("isMaster"))
    #expect(TimelineEvent.knownFields.contains("metadata"))
  }

  // MARK: Real samples

  /// Every entity file of one sample dir as (relative path, bytes).
  private static func sampleFiles(_ age: String) throws -> [(path: String, bytes: [UInt8])] {
    let root = ProjectPaths.samples + "/" + age
    let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
    return try files.filter { $0.hasSuffix(".json") }.sorted().map { relative in
      let data = try #require(FileManager.default.contents(atPath: root + "/" + relative))
      return (relative, [UInt8](data))
    }
  }

  @Test(arguments: ["upstream-2026-02-08", "upstream-head"])
  func samplesReadAndRoundTripByteForByte(age: String) throws {
    let files = try Self.sampleFiles(age)
    #expect(files.count == 21)  // 3 projects, 12 tasks, 6 sessions
    for (path, bytes) in files {
      let document = try JSONDocument(parsing: bytes)
      let parts = path.split(separator: "/").map(String.init)
      let fileId = try #require(DataDirectory.entityId(fromFileName: parts.last ?? ""))
      var rewritten = document
      switch parts[0] {
      case "projects":
        var project = try Project(json: document.value, file: path)
        #expect(project.id == fileId)
        #expect(project.name != nil && project.workingDir != nil && project.createdAt != nil)
        #expect(project.unknownFields.isEmpty, "\(path)")
        project.name = project.name
        project.updatedAt = project.updatedAt
        rewritten.value = .object(project.json)
      case "tasks":
        var task = try MaestroTask(json: document.value, file: path)
        #expect(task.id == fileId)
        #expect(task.projectId == parts[1])
        #expect(task.status?.isKnown == true && task.priority?.isKnown == true, "\(path)")
        #expect(task.sessionIds != nil && task.skillIds != nil && task.dependencies != nil)
        #expect(task.unknownFields.isEmpty, "\(path)")
        if age == "upstream-head" {
          #expect(task.referenceTaskIds == [] && task.sessionStatus == nil)
        } else {
          #expect(task.referenceTaskIds == nil)
        }
        for sessionId in task.taskSessionStatusSessionIds ?? [] {
          #expect(task.sessionIds?.contains(sessionId) == true)
        }
        task.status = task.status
        task.parentId = task.parentId
        task.completedAt = task.completedAt
        task.sessionIds = task.sessionIds
        task.taskSessionStatuses = task.taskSessionStatuses
        rewritten.value = .object(task.json)
      default:
        var session = try Session(json: document.value, file: path)
        #expect(session.id == fileId)
        #expect(session.status?.isKnown == true, "\(path)")
        #expect(session.taskIds != nil && session.env != nil && session.events != nil)
        #expect(session.timeline?.allSatisfy { $0.type?.isKnown == true } == true)
        #expect(session.unknownFields.isEmpty, "\(path)")
        if age == "upstream-head" {
          let doc = try #require(session.docs?.first)
          #expect(
            doc.contentFilePath?.hasPrefix("/home/maestro/.maestro/data/session-docs/") == true)
          #expect(session.rootSessionId != nil)
        } else {
          #expect(session.strategy != nil && session.docs == nil)
        }
        session.status = session.status
        session.completedAt = session.completedAt
        session.env = session.env
        session.events = session.events
        session.timeline = session.timeline
        session.docs = session.docs
        rewritten.value = .object(session.json)
      }
      #expect(rewritten.serialized() == bytes, "\(path) changed on a no-op rewrite")
    }
  }

  @Test func sampleEditKeepsStyleOrderAndAppendsNewKeysLast() throws {
    let files = try Self.sampleFiles("upstream-2026-02-08")
    let (path, bytes) = try #require(files.first { $0.path.hasPrefix("tasks/") })
    let document = try JSONDocument(parsing: bytes)
    var task = try MaestroTask(json: document.value, file: path)
    task.status = .completed
    task.completedAt = 1_795_806_209_999
    task.referenceTaskIds = []
    let out = JSONDocument(value: .object(task.json), style: document.style).serialized()
    let text = String(decoding: out, as: UTF8.self)
    #expect(text.hasPrefix("{\n  \"id\": "))
    #expect(text.hasSuffix("  \"referenceTaskIds\": []\n}"))
    let reparsed = try #require(try JSONParser.parse(out).objectValue)
    #expect(Array(reparsed.keys.dropLast()) == document.value.objectValue?.keys)
  }
}
