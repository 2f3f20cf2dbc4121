import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Ownership and task↔session link findings.
@Suite struct CheckLinkTests {
  @Test func cleanTwoSidedLinksAreSilent() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "p", sessions: ["sess_1", "sess_2"])
    try d.task("task_2", project: "p", sessions: ["sess_1"], parent: "task_1", dependencies: ["task_1"])
    try d.session("sess_1", project: "p", tasks: ["task_1", "task_2"])
    try d.session("sess_2", project: "p", tasks: ["task_1"])
    #expect(try await d.findings() == [])
  }

  @Test func orphansWithMissingOrAbsentProject() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "gone")
    try d.task("task_2", project: "p", extra: [("projectId", nil)], at: "tasks/task_2.json")
    try d.session("sess_1", project: "gone")
    #expect(
      try await d.findings(try FindingFilter(only: "task.orphan,session.orphan", ignore: nil)) == [
        "session.orphan sessions/sess_1.json sess_1",
        "task.orphan tasks/gone/task_1.json task_1",
        "task.orphan tasks/task_2.json task_2",
      ])
  }

  @Test func danglingAndOneSidedLinksBothWays() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "p", sessions: ["sess_ghost", "sess_2"])
    try d.task("task_2", project: "p")
    try d.session("sess_1", project: "p", tasks: ["task_ghost", "task_2"])
    try d.session("sess_2", project: "p")
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.id!) \($0.ref!)" } == [
        "link.session-only sess_1 task_2",
        "link.task-only task_1 sess_2",
        "session.task.dangling sess_1 task_ghost",
        "task.session.dangling task_1 sess_ghost",
      ])
    #expect(report.findings.map(\.severity) == [.warning, .warning, .error, .error])
    #expect(report.findings.map(\.action) == ["add-backref", "add-backref", "remove-ref", "remove-ref"])
  }

  @Test func duplicatesInsideLinkLists() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "p", sessions: ["sess_1", "sess_1"])
    try d.session("sess_1", project: "p", tasks: ["task_1", "task_1", "task_1"])
    #expect(
      try await d.findings() == [
        "session.taskIds.duplicate sessions/sess_1.json sess_1",
        "task.sessionIds.duplicate tasks/p/task_1.json task_1",
      ])
  }

  @Test func crossProjectLinkIsReportedOnceOnTheSession() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.project("q")
    try d.task("task_1", project: "q", sessions: ["sess_1"])
    try d.task("task_2", project: "q", sessions: ["sess_1"])
    try d.session("sess_1", project: "p", tasks: ["task_1"])
    #expect(
      try await d.findings() == [
        "link.cross-project sessions/sess_1.json sess_1",
        "link.cross-project sessions/sess_1.json sess_1",
        "link.task-only tasks/q/task_2.json task_2",
      ])
  }

  /// Seed-era data: a task without `sessionIds` predates the field, and a
  /// session's single `taskId` is read as `taskIds`.
  @Test func legacyTasksAndSessionsAreMigratedBeforeLinkChecks() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task(
      "task_1", project: "p", extra: [("sessionIds", nil), ("skillIds", nil), ("agentIds", nil)],
      at: "tasks/task_1.json")
    try d.session("sess_1", project: "p", extra: [("taskIds", nil), ("taskId", "task_1")])
    try d.session("sess_2", project: "p", extra: [("taskIds", nil), ("taskId", "task_ghost")])
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.id!)" } == [
        "session.legacy-task-id sess_1", "session.legacy-task-id sess_2",
        "session.task.dangling sess_2", "task.legacy task_1", "task.legacy-fields task_1",
      ])
  }

  @Test func archivedReferencesAreInfo() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.write(
      "archive/catalog.jsonl", #"{"id":"task_old","archivedAt":1}"# + "\n" + #"{"id":"sess_old"}"# + "\n\n")
    try d.task("task_1", project: "p", sessions: ["sess_old"], parent: "task_old")
    try d.session("sess_1", project: "p", tasks: ["task_old"])
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.id!) \($0.ref!)" } == [
        "ref.archived sess_1 task_old", "ref.archived task_1 sess_old", "ref.archived task_1 task_old",
      ])
    #expect(report.exitStatus == .ok)
  }

  @Test func aBrokenArchiveCatalogLineIsReported() async throws {
    let d = try MiniDataDir()
    try d.write("archive/catalog.jsonl", #"{"id":"task_old"}"# + "\n{oops\n")
    #expect(try await d.findings() == ["file.malformed archive/catalog.jsonl -"])
    #expect(try await d.check().findings[0].message.contains("line 2"))
  }
}
