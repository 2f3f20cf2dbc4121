import MaestroStorage
import Testing

@testable import MaestroMaint

/// Repair judges a quarantine again on the file's bytes at planning time,
/// and the move expects exactly those bytes: a server write that lands
/// after check read the file is never quarantined unjudged.
@Suite struct RepairQuarantineRejudgeTests {
  static func planner(_ d: MiniDataDir) -> RepairPlanner {
    RepairPlanner(dataDir: d.root, quarantineFolder: "lost+found/x", now: 1)
  }

  @Test func anEmptyFileTheServerHasSinceWrittenIsNotQuarantined() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.write("tasks/p/task_1.json", "")
    let found = try await d.check().findings
    #expect(found.map(\.code.rawValue) == ["file.empty"])
    // The in-place write that check caught at its start has finished.
    try d.task("task_1", project: "p")
    let plan = try Self.planner(d).plan(found)
    #expect(plan.changes.actions.isEmpty)
    #expect(plan.deferred.map(\.code.rawValue) == ["file.empty"])
    #expect(plan.needsRecheck)
  }

  @Test func anOrphanRewrittenSinceCheckIsQuarantinedAsItIsNow() async throws {
    let d = try MiniDataDir()
    try d.session("sess_1", project: "gone")
    let found = try await d.check().findings
    #expect(found.map(\.code.rawValue) == ["session.orphan"])
    // The server saves the session again: still an orphan, newer bytes.
    try d.session("sess_1", project: "gone", extra: [("lastActivity", 99)])
    let now = try FileSystem.readFile(d.root + "/sessions/sess_1.json")
    let plan = try Self.planner(d).plan(found)
    let moves = plan.changes.actions.filter { $0.operation == .move }
    #expect(moves.map(\.path) == ["sessions/sess_1.json"])
    #expect(moves.first?.before.sha256 == SHA256.hex(of: now))
  }

  @Test func anOrphanWhoseProjectAppearedIsLeftForTheRecheck() async throws {
    let d = try MiniDataDir()
    try d.task("task_1", project: "p")
    let found = try await d.check().findings
    #expect(found.map(\.code.rawValue) == ["task.orphan"])
    try d.project("p")
    let plan = try Self.planner(d).plan(found)
    #expect(plan.changes.actions.isEmpty)
    #expect(plan.deferred.map(\.code.rawValue) == ["task.orphan"])
  }

  @Test func aMalformedFileStillMalformedIsQuarantinedWithItsBytes() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.write("tasks/p/task_1.json", "{\"id\": ")
    let found = try await d.check().findings
    #expect(found.map(\.code.rawValue) == ["file.truncated"])
    try d.write("tasks/p/task_1.json", "{\"id\": \"task_1\", ")
    let plan = try Self.planner(d).plan(found)
    let moves = plan.changes.actions.filter { $0.operation == .move }
    #expect(moves.map(\.path) == ["tasks/p/task_1.json"])
    #expect(moves.first?.before.sha256 == SHA256.hex(of: Array("{\"id\": \"task_1\", ".utf8)))
  }
}
