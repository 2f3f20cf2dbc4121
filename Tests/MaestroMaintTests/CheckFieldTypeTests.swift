@testable import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Fields of the wrong JSON type: reported with the field, the type found
/// and the type expected, at the severity of their consequence; the link
/// analysis skips them; the known fields are the union across server ages.
@Suite struct CheckFieldTypeTests {
  static func messages(_ report: CheckReport, _ code: FindingCode) -> [String] {
    report.findings.filter { $0.code == code }.map { "\($0.file ?? "-") \($0.ref ?? "-"): \($0.message)" }
  }

  @Test func wrongTypesServersChokeOnAreErrors() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("t_str", project: "p", extra: [("sessionIds", "s1")])
    try d.task("t_deps", project: "p", extra: [("dependencies", [5, .null, ["x": 1]])])
    try d.session("s_obj", project: "p", extra: [("taskIds", ["t_str": true])])
    try d.session("s_name", project: "p", extra: [("name", 12)])
    let report = try await d.check()
    #expect(
      Self.messages(report, .fieldType) == [
        #"sessions/s_name.json name: "name" is a number, expected a string"#,
        #"sessions/s_obj.json taskIds: "taskIds" is an object, expected an array of task ids"#,
        #"tasks/p/t_deps.json dependencies: "dependencies" holds a number at element 0 (and 2 more), expected an array of task ids"#,
        #"tasks/p/t_str.json sessionIds: "sessionIds" is a string, expected an array of session ids"#,
      ])
    #expect(report.findings.allSatisfy { $0.code == .fieldType }, "\(report.findings)")
    #expect(report.findings.allSatisfy { $0.severity == .error && $0.action == "manual" })
    #expect(report.exitStatus == .problemsLeft)
  }

  @Test func typesServersCoerceAreWarningsAndFalsyDefaultsAreFine() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("t1", project: "p", extra: [("createdAt", "2026-01-01"), ("pinned", 1)])
    // A legacy taskId beside a taskIds list is never read: its type does not matter.
    try d.session("s2", project: "p", extra: [("taskId", 5)])
    // Falsy values servers replace at load are not type problems: the
    // legacy findings already say the task or session predates the field.
    try d.task("t2", project: "p", extra: [("sessionIds", .null), ("skillIds", 0), ("agentIds", "")])
    try d.session("s1", project: "p", extra: [("env", ["PORT": 8080, "HOME": "/h"]), ("name", ""), ("rootSessionId", .null)])
    let report = try await d.check()
    #expect(
      Self.messages(report, .fieldTypeTolerated) == [
        #"sessions/s1.json env: "env" holds a number at key "PORT", expected an object of strings"#,
        #"tasks/p/t1.json createdAt: "createdAt" is a string, expected a number (epoch milliseconds)"#,
        #"tasks/p/t1.json pinned: "pinned" is a number, expected a boolean"#,
      ])
    #expect(report.findings.filter { $0.code == .fieldType }.isEmpty)
    #expect(FindingCode.fieldTypeTolerated.severity == .warning)
  }

  /// Members of timeline entries, events and docs are judged too.
  @Test func membersOfEventsTimelinesAndDocs() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("t1", project: "p", extra: [("timeline", [["id": "e1", "type": 3, "timestamp": 1]])])
    try d.session(
      "s1", project: "p",
      extra: [
        ("docs", [["id": "d1", "contentFilePath": 5], ["id": 7, "contentFilePath": .null]]),
        ("events", [["id": "e1", "type": "x", "timestamp": "yesterday"]]),
      ])
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.id ?? "-"): \($0.message)" } == [
        #"field.type s1: "docs" element 0: "contentFilePath" is a number, expected a string (an absolute path) (and 1 more)"#,
        #"field.type.tolerated s1: "docs" element 1: "id" is a number, expected a string"#,
        #"field.type.tolerated s1: "events" element 0: "timestamp" is a string, expected a number (epoch milliseconds)"#,
        #"field.type.tolerated t1: "timeline" element 0: "type" is a number, expected a type string"#,
      ], "\(report.findings)")
  }

  /// The link checks skip a field of the wrong type: no one-sided link,
  /// orphan or dangling finding that repair would then act on.
  @Test func linkAnalysisSkipsWronglyTypedFields() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    // The session's taskIds is an object; the task lists the session.
    try d.task("t1", project: "p", sessions: ["s1"])
    try d.session("s1", project: "p", extra: [("taskIds", ["t1": 1])])
    // The task's sessionIds is a string; the session lists the task.
    try d.task("t2", project: "p", extra: [("sessionIds", "s2"), ("taskSessionStatuses", ["s2": "working"])])
    try d.session("s2", project: "p", tasks: ["t2"])
    // A projectId that is a number is not an orphan to quarantine.
    try d.task("t3", project: "p", extra: [("projectId", 7)])
    // A parentId that is an object, a dependency that is a number.
    try d.task("t4", project: "p", extra: [("parentId", ["id": "t1"]), ("dependencies", ["t1", 9])])
    // A legacy taskId that is a number, and a task listing that session.
    try d.session("s3", project: "p", extra: [("taskIds", nil), ("taskId", 5)])
    try d.task("t5", project: "p", sessions: ["s3"])
    let report = try await d.check()
    let codes = Set(report.findings.map(\.code.rawValue))
    #expect(codes == ["field.type", "session.legacy-task-id"], "\(report.findings)")
    #expect(
      report.findings.filter { $0.code == .fieldType }.map { "\($0.id ?? "") \($0.ref ?? "")" }.sorted() == [
        "s1 taskIds", "s3 taskId", "t2 sessionIds", "t3 projectId", "t4 dependencies", "t4 parentId",
      ])
  }

  /// Every field with a type, set to every JSON kind it may not have, on a
  /// linked task↔session pair: exactly one type finding on that field, at
  /// the rule's severity, and no other error or warning (the link checks
  /// neither crash nor misjudge).
  @Test func everyWrongKindOfEveryFieldIsOneTypeFindingAndNothingElse() async throws {
    let samples: [JSONValue] = ["x", 5, true, .null, [1], ["k": 1]]
    var cases = 0
    for (entity, types) in [(Finding.Entity.project, FieldType.project), (.task, FieldType.task), (.session, FieldType.session)] {
      for (field, type) in types.sorted(by: { $0.key < $1.key }) {
        for value in samples where !type.allowed.contains(FieldType.Kinds(of: value)) {
          if type.defaultedWhenFalsy && !value.isTruthy { continue }
          cases += 1
          let d = try MiniDataDir()
          // A field read only without another (the legacy taskId): drop the other.
          let bad: [(String, JSONValue?)] = [(field, value)] + (type.readOnlyWithout.map { [($0, nil)] } ?? [])
          if entity == .project {
            var project: JSONObject = ["id": "p", "name": "P", "workingDir": "/w", "createdAt": 1, "updatedAt": 1]
            project[field] = value
            try d.write("projects/p.json", object: project)
          } else {
            try d.project("p")
          }
          try d.task("t1", project: "p", sessions: ["s1"], extra: entity == .task ? bad : [])
          try d.session("s1", project: "p", tasks: ["t1"], extra: entity == .session ? bad : [])
          let report = try await d.check()
          let problems = report.findings.filter { $0.severity != .info }
          let expected = FieldType.code(type.severity)
          #expect(
            problems.map { "\($0.code) \($0.ref ?? "")" } == ["\(expected) \(field)"],
            "\(entity).\(field) = \(JSONWriter.string(value, style: .compact)): \(problems)")
        }
      }
    }
    #expect(cases > 250, "\(cases)")
  }

  /// repair leaves wrong types to a person: nothing is written, exit 4.
  @Test func repairLeavesWrongTypesAlone() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("t1", project: "p", extra: [("sessionIds", "s1")])
    try d.session("s1", project: "p", tasks: ["t1"])
    let before = try userTree(d.root)
    let outcome = try await RepairJob(dataDir: d.root).run()
    #expect(outcome.exitStatus == .problemsLeft)
    #expect(outcome.steps.isEmpty && outcome.journals.isEmpty)
    #expect(outcome.remaining.map(\.code) == [.fieldType])
    #expect(try userTree(d.root) == before)
  }

  /// Fields real servers write, as FORMAT.md §4 lists them (every age).
  static let formatFields: [(Finding.Entity, [String])] = [
    (.project, ["id", "name", "workingDir", "description", "createdAt", "updatedAt", "isMaster"]),
    (
      .task,
      [
        "id", "projectId", "parentId", "title", "description", "initialPrompt", "status", "priority", "sessionIds",
        "skillIds", "agentIds", "dependencies", "timeline", "createdAt", "updatedAt", "startedAt", "completedAt",
        "referenceTaskIds", "taskSessionStatuses", "dueDate", "teamId", "teamMemberId", "teamMemberIds", "images",
        "pinned", "clientRequestId", "dangerousMode", "memberOverrides", "useWorktree", "model", "sessionStatus",
      ]
    ),
    (
      .session,
      [
        "id", "projectId", "taskIds", "name", "agentId", "status", "env", "events", "metadata", "startedAt",
        "lastActivity", "completedAt", "hostname", "platform", "timeline", "docs", "parentSessionId",
        "rootSessionId", "teamSessionId", "teamId", "claudeSessionId", "needsInput", "archivedAt",
        "humanCompletedAt", "taskId", "strategy",
      ]
    ),
  ]

  @Test func knownFieldsAreTheUnionAcrossServerAges() async throws {
    for (entity, fields) in Self.formatFields {
      let known = entity == .project ? Project.knownFields : entity == .task ? MaestroTask.knownFields : Session.knownFields
      #expect(Set(fields).subtracting(known).isEmpty, "\(entity): \(Set(fields).subtracting(known))")
    }
    // Every field with a type is a known field.
    for (types, known) in [
      (FieldType.project, Project.knownFields), (FieldType.task, MaestroTask.knownFields),
      (FieldType.session, Session.knownFields),
    ] {
      #expect(Set(types.keys).subtracting(known).isEmpty)
    }
    // A file holding every FORMAT.md field with a type servers write: silent.
    let d = try MiniDataDir()
    try d.project("p")
    try d.task(
      "t1", project: "p",
      extra: [
        ("referenceTaskIds", []), ("taskSessionStatuses", [:]), ("dueDate", "2026-03-01"), ("teamId", .null),
        ("teamMemberId", "tm_p_worker"), ("teamMemberIds", ["tm_p_worker"]), ("images", [["id": "img_1"]]),
        ("pinned", true), ("clientRequestId", "c1"), ("dangerousMode", false), ("memberOverrides", [:]),
        ("useWorktree", false), ("model", "opus"), ("initialPrompt", "go"),
      ])
    try d.session(
      "s1", project: "p",
      extra: [
        ("agentId", "a"), ("metadata", [:]), ("timeline", []), ("docs", []), ("parentSessionId", .null),
        ("rootSessionId", "s1"), ("teamSessionId", .null), ("teamId", .null), ("claudeSessionId", "c"),
        ("needsInput", ["active": false]), ("archivedAt", .null), ("humanCompletedAt", 40),
        ("isMasterSession", false), ("strategy", "simple"), ("teamMemberSnapshot", ["name": "W"]),
        ("activeSpells", []),
      ])
    let report = try await d.check()
    #expect(report.findings.isEmpty, "\(report.findings)")
  }

  /// No field.unknown and no type finding on any real sample or on data
  /// generated in every format and style.
  @Test func samplesAndGeneratedDataOfEveryFormatAreSilent() async throws {
    var dirs = CheckFixtureTests.cleanDirs + ["xs-seed", "xs-current", "xs-legacy", "xs-seed-faults", "xs-current-faults"].map {
      ProjectPaths.fixtures + "/generated/" + $0
    }
    var generated: [TemporaryDirectory] = []
    for format in GenerateFormat.allCases {
      for style in [JSONStyle.pretty, .compact] {
        let (_, dir) = try await generate {
          $0.scale = .xs
          $0.format = format
          $0.style = style
          $0.seed = 9
        }
        generated.append(dir)
        dirs.append(dir.path + "/data")
      }
    }
    for dir in dirs {
      let report = try await DataDirCheck(root: dir).run()
      let wrong = report.findings.filter {
        ($0.code == .fieldUnknown || $0.code == .fieldTypeTolerated || $0.code == .fieldType)
          && !(dir.hasSuffix("-faults") && $0.code == .fieldType)
      }
      #expect(wrong.isEmpty, "\(dir): \(wrong)")
    }
    withExtendedLifetime(generated) {}
  }
}
