import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Layout findings: duplicate ids, legacy flat copies, misplaced tasks,
/// stray and unknown files.
@Suite struct CheckLayoutTests {
  @Test func duplicateIdIsReportedOnEveryCopy() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.project("q")
    try d.task("task_1", project: "p")
    try d.task("task_1", project: "q")
    try d.session("sess_1", project: "p")
    try d.session("sess_1", project: "p", at: "sessions/sess_copy.json")
    #expect(
      try await d.findings() == [
        "entity.id.duplicate sessions/sess_1.json sess_1",
        "entity.id.duplicate sessions/sess_copy.json sess_1",
        "entity.id.duplicate tasks/p/task_1.json task_1",
        "entity.id.duplicate tasks/q/task_1.json task_1",
        "entity.id.mismatch sessions/sess_copy.json sess_1",
      ])
    let report = try await d.check()
    #expect(report.findings[2].message.contains("tasks/q/task_1.json"))
  }

  @Test func legacyFlatCopiesAreDuplicatesOrConflicts() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    // Same content in another style: a harmless duplicate.
    try d.task("task_same", project: "p")
    try d.write(
      "tasks/task_same.json",
      JSONWriter.string(.object(MiniDataDir.taskObject("task_same", project: "p")), style: .pretty))
    // Different content: a conflict.
    try d.task("task_diff", project: "p")
    try d.task("task_diff", project: "p", extra: [("title", "old")], at: "tasks/task_diff.json")
    // Flat only: migrate.
    try d.task("task_flat", project: "p", at: "tasks/task_flat.json")
    #expect(
      try await d.findings() == [
        "task.legacy tasks/task_flat.json task_flat",
        "task.legacy.conflict tasks/task_diff.json task_diff",
        "task.legacy.duplicate tasks/task_same.json task_same",
      ])
    let conflict = try #require(try await d.check().findings.first { $0.code == .legacyConflict })
    #expect(conflict.severity == .error)
    #expect(conflict.message.contains("tasks/p/task_diff.json"))
    #expect(conflict.message.contains("whichever copy the listing of tasks/ returns first"))
  }

  @Test func misplacedTaskNamesItsProject() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.project("q")
    try d.task("task_1", project: "p", at: "tasks/q/task_1.json")
    #expect(try await d.findings() == ["task.misplaced tasks/q/task_1.json task_1"])
  }

  @Test func strayTemporaryAndOtherFiles() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "p")
    try d.write("tasks/p/task_1.json.0a1b2c3d.tmp", "{}")
    try d.write("sessions/.sess_9.json.maestro-admin-0badf00d.tmp", "{}")
    try d.write("projects/notes.tmp", "x")
    try d.write("projects/README", "x")
    try d.write("tasks/p/sub/task_x.json", "{}")
    #expect(
      try await d.findings() == [
        "file.stray projects/README -",
        "file.stray tasks/p/sub -",
        "file.stray-tmp projects/notes.tmp -",
        "file.stray-tmp sessions/.sess_9.json.maestro-admin-0badf00d.tmp sess_9",
        "file.stray-tmp tasks/p/task_1.json.0a1b2c3d.tmp task_1",
      ])
  }

  @Test func unknownTopLevelEntriesButNotKnownOrToolkitOnes() async throws {
    let d = try MiniDataDir()
    for folder in ["ordering", "session-docs", "queues", ".maestro-admin", "archive", "backups"] {
      try d.write(folder + "/x", "x")
    }
    try d.write("server-url", "http://x")
    try d.write("notes.txt", "x")
    try d.write("teams", "a file where servers keep a folder")
    #expect(
      try await d.findings() == [
        "layout.unknown backups/ -", "layout.unknown notes.txt -", "layout.unknown teams -",
      ])
    let report = try await d.check()
    #expect(report.exitStatus == .ok)
    #expect(report.findings.allSatisfy { $0.severity == .info })
  }
}
