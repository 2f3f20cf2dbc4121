import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Facts: info findings that never change the exit code.
@Suite struct CheckFactsTests {
  @Test func timestampsThatDisagreeWithStatus() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_reopened", project: "p", extra: [("status", "todo"), ("startedAt", 20)])
    try d.task("task_nodate", project: "p", extra: [("status", "completed")])
    try d.task("task_back", project: "p", extra: [("startedAt", 5), ("status", "in_progress")])
    try d.task("task_fine", project: "p", extra: [("status", "completed"), ("startedAt", 11), ("completedAt", 12)])
    try d.session("sess_ended", project: "p", extra: [("status", "completed")])
    try d.session("sess_resumed", project: "p", extra: [("completedAt", 25)])
    try d.session("sess_fine", project: "p", extra: [("status", "stopped"), ("completedAt", 30)])
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.id!)" } == [
        "session.timestamps.inconsistent sess_ended", "session.timestamps.inconsistent sess_resumed",
        "task.timestamps.inconsistent task_back", "task.timestamps.inconsistent task_nodate",
        "task.timestamps.inconsistent task_reopened",
      ])
    #expect(report.exitStatus == .ok)
    #expect(report.findings.first { $0.id == "task_back" }!.message.contains("startedAt is before createdAt"))
  }

  @Test func unknownEnumValues() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task(
      "task_1", project: "p",
      extra: [("status", "on_hold"), ("priority", "urgent"), ("timeline", [["type": "teleported"], ["type": "created"]])])
    try d.session("sess_1", project: "p", extra: [("status", "paused")])
    let report = try await d.check()
    #expect(report.findings.map { "\($0.code) \($0.id!)" } == ["enum.unknown sess_1", "enum.unknown task_1"])
    #expect(
      report.findings[1].message
        == #"status "on_hold", priority "urgent", timeline type "teleported" are not values known servers write"#)
    #expect(report.exitStatus == .ok)
  }

  /// One finding per entity kind and field, counting the entities, naming
  /// the first file.
  @Test func unknownFieldsAreAggregated() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    for k in 0..<5 { try d.task("task_\(k)", project: "p", extra: [("color", "red")]) }
    try d.session("sess_1", project: "p", extra: [("color", "red"), ("mood", 1)])
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.entity) \($0.ref!) \($0.count!) \($0.file!)" } == [
        "field.unknown session color 1 sessions/sess_1.json",
        "field.unknown session mood 1 sessions/sess_1.json",
        "field.unknown task color 5 tasks/p/task_0.json",
      ])
    #expect(report.findings.allSatisfy { $0.id == nil })
  }
}
