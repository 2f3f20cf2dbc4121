import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// File-level findings: what makes a file yield no entity, and id problems.
@Suite struct CheckFileTests {
  @Test func emptyWhitespaceMalformedTruncatedAndNotObject() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.write("tasks/p/task_empty.json", "")
    try d.write("tasks/p/task_ws.json", " \n ")
    try d.write("sessions/sess_bad.json", "{\"id\": \"sess_bad\",\n  \"x\" 1}")
    try d.write("sessions/sess_cut.json", "{\"id\": \"sess_cut\", \"taskIds\": [\"ta")
    try d.write("projects/q.json", "[1, 2]")
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.file!) \($0.id!)" } == [
        "file.empty tasks/p/task_empty.json task_empty",
        "file.empty tasks/p/task_ws.json task_ws",
        "file.malformed sessions/sess_bad.json sess_bad",
        "file.not-object projects/q.json q",
        "file.truncated sessions/sess_cut.json sess_cut",
      ])
    let malformed = try #require(report.findings.first { $0.code == .fileMalformed })
    #expect(malformed.message.contains("line 2, column 7"))
    #expect(malformed.severity == .error && malformed.action == "quarantine")
    #expect(report.findings.first { $0.code == .fileTruncated }!.message.contains("line 1"))
    #expect(report.exitStatus == .problemsLeft)
  }

  @Test func idMissingNotAStringHostileAndMismatch() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.write("tasks/p/task_noid.json", #"{"projectId":"p"}"#)
    try d.write("tasks/p/task_numid.json", #"{"id":7,"projectId":"p"}"#)
    try d.task("task_a/../../x", project: "p", at: "tasks/p/task_h.json")
    try d.task("task_real", project: "p", at: "tasks/p/task_other.json")
    try d.session("sess_\u{7}bell", project: "p", at: "sessions/sess_b.json")
    #expect(
      try await d.findings() == [
        "entity.id.hostile sessions/sess_b.json sess_\u{7}bell",
        "entity.id.hostile tasks/p/task_h.json task_a/../../x",
        "entity.id.mismatch tasks/p/task_other.json task_real",
        "entity.id.missing tasks/p/task_noid.json task_noid",
        "entity.id.missing tasks/p/task_numid.json task_numid",
      ])
    let report = try await d.check()
    let hostile = try #require(report.findings.first { $0.file == "sessions/sess_b.json" })
    #expect(hostile.message.contains("\\u{7}"))
    #expect(!hostile.message.contains("\u{7}"))
    let mismatch = try #require(report.findings.first { $0.code == .idMismatch })
    #expect(mismatch.severity == .warning)
    #expect(mismatch.message.contains("task_other.json"))
  }

  /// A file that yields no entity is the cause: references to the id its
  /// name claims are not reported again as dangling.
  @Test func referencesToAnUnloadableFileAreNotDangling() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.write("tasks/p/task_broken.json", #"{"id":"task_broken","#)
    try d.session("sess_1", project: "p", tasks: ["task_broken"])
    try d.task("task_child", project: "p", parent: "task_broken", dependencies: ["task_broken"])
    #expect(try await d.findings() == ["file.truncated tasks/p/task_broken.json task_broken"])
  }

  @Test func unreadableFileIsAnErrorNamingIt() async throws {
    guard getuid() != 0 else { return }  // root reads anything
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "p")
    chmod(d.root + "/tasks/p/task_1.json", 0)
    defer { chmod(d.root + "/tasks/p/task_1.json", 0o644) }
    #expect(try await d.findings() == ["file.unreadable tasks/p/task_1.json task_1"])
  }

  @Test func missingOrUnlistableDataDirThrows() async throws {
    await #expect(throws: MaestroError.self) {
      _ = try await DataDirCheck(root: "/nonexistent/maestro-check").run()
    }
    let d = try MiniDataDir()
    try d.write("afile", "x")
    await #expect(throws: MaestroError.self) {
      _ = try await DataDirCheck(root: d.root + "/afile").run()
    }
  }

  @Test func anEmptyDataDirIsClean() async throws {
    try await withTemporaryDirectory { dir in
      // A fresh server's data dir: the entity folders, empty.
      for folder in DataDirectory.entityFolderNames { try FileSystem.makeDirectories(dir + "/" + folder) }
      let report = try await DataDirCheck(root: dir).run()
      #expect(report.findings.isEmpty)
      #expect(report.exitStatus == .ok)
      #expect(report.filesRead == 0)
    }
  }
}
