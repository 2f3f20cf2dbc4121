import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The repair policy on small hand-made data dirs: exact bytes of touched
/// files, untouched files left alone, cascades settled in one run, and
/// every decision the README's policy table names.
@Suite struct RepairPolicyTests {
  /// Writes `files` (relative path → content) under `dir`.
  static func write(_ files: [String: String], in dir: String) throws {
    for (path, content) in files {
      try FileSystem.makeDirectories(FileSystem.parentDirectory(of: dir + "/" + path))
      try AtomicFile.write(Array(content.utf8), to: dir + "/" + path)
    }
  }

  static let project = #"{"id":"p1","name":"P","workingDir":"/w","createdAt":1,"updatedAt":2}"#

  static func findings(_ dir: String) async throws -> [Finding] {
    try await DataDirCheck(root: dir).run().findings.filter { $0.severity.affectsExitCode }
  }

  @Test func touchedFileKeepsOrderAndStyleUntouchedKeepBytesAndMtime() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      let session = """
        {
          "status": "working",
          "taskIds": [
            "t1",
            "t_gone",
            "t1"
          ],
          "id": "s1",
          "projectId": "p1"
        }
        """
      let untouched = #"{"id":"t1","projectId":"p1","status":"todo","sessionIds":["s1"],"title":"x"}"#
      try Self.write(
        ["projects/p1.json": Self.project, "sessions/s1.json": session, "tasks/p1/t1.json": untouched], in: dir)
      let before = try FileSystem.stat(dir + "/tasks/p1/t1.json").mtime
      let projectBefore = try FileSystem.stat(dir + "/projects/p1.json").mtime

      let outcome = try await RepairJob(dataDir: dir).run()
      #expect(outcome.exitStatus == .changed)
      #expect(
        outcome.steps.map(\.change) == [
          "remove t_gone from sessions/s1.json taskIds",
          "remove repeated t1 from sessions/s1.json taskIds (first kept)",
        ])
      let expected = """
        {
          "status": "working",
          "taskIds": [
            "t1"
          ],
          "id": "s1",
          "projectId": "p1"
        }
        """
      #expect(try text(dir + "/sessions/s1.json") == expected)
      #expect(try text(dir + "/tasks/p1/t1.json") == untouched)
      #expect(try FileSystem.stat(dir + "/tasks/p1/t1.json").mtime == before)
      #expect(try FileSystem.stat(dir + "/projects/p1.json").mtime == projectBefore)
      #expect(outcome.journals.count == 1)
    }
  }

  @Test func oneSidedLinksGetTheirMissingSideWithoutHistory() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": Self.project,
          "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":[],"timeline":[]}"#,
          "tasks/p1/t2.json": #"{"id":"t2","projectId":"p1","sessionIds":["s2"]}"#,
          "sessions/s1.json": #"{"id":"s1","projectId":"p1","taskIds":["t1"]}"#,
          "sessions/s2.json": #"{"id":"s2","projectId":"p1","taskIds":[],"events":[]}"#,
        ], in: dir)
      let outcome = try await RepairJob(dataDir: dir).run()
      #expect(outcome.exitStatus == .changed)
      #expect(try text(dir + "/tasks/p1/t1.json") == #"{"id":"t1","projectId":"p1","sessionIds":["s1"],"timeline":[]}"#)
      #expect(try text(dir + "/sessions/s2.json") == #"{"id":"s2","projectId":"p1","taskIds":["t2"],"events":[]}"#)
      #expect(try await Self.findings(dir).isEmpty)
    }
  }

  @Test func aLegacySessionKeepsItsTaskIdWhenABackLinkIsAdded() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": Self.project,
          "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":["s1"]}"#,
          "tasks/p1/t2.json": #"{"id":"t2","projectId":"p1","sessionIds":["s1"]}"#,
          "sessions/s1.json": #"{"id":"s1","projectId":"p1","taskId":"t1"}"#,
        ], in: dir)
      let outcome = try await RepairJob(dataDir: dir).run()
      #expect(outcome.steps.map(\.change) == ["add t2 to sessions/s1.json taskIds"])
      #expect(try text(dir + "/sessions/s1.json") == #"{"id":"s1","projectId":"p1","taskId":"t1","taskIds":["t1","t2"]}"#)
      #expect(try await Self.findings(dir).isEmpty)
    }
  }

  /// Quarantining an orphan task leaves the session and the task that name
  /// it dangling; the second round removes those references, in a journal
  /// of its own. Undoing both, newest first, restores the tree.
  @Test func cascadeOfAQuarantineIsSettledInTheSameRun() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": Self.project,
          "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":["s1"],"dependencies":["t9"]}"#,
          "tasks/p9/t9.json": #"{"id":"t9","projectId":"p9","sessionIds":["s1"]}"#,
          "sessions/s1.json": #"{"id":"s1","projectId":"p1","taskIds":["t1","t9"]}"#,
        ], in: dir)
      let original = try userTree(dir)
      let outcome = try await RepairJob(dataDir: dir).run()
      #expect(outcome.exitStatus == .changed)
      #expect(outcome.journals.count == 2)
      #expect(outcome.rounds[0].steps.map(\.code) == ["task.orphan"])
      #expect(outcome.rounds[0].steps[0].change.hasPrefix("quarantine tasks/p9/t9.json -> lost+found/"))
      #expect(Set(outcome.rounds[1].steps.map(\.code)) == ["session.task.dangling", "task.dependency.dangling"])
      #expect(try await Self.findings(dir).isEmpty)
      let quarantined = dir + "/" + outcome.quarantineFolder + "/tasks/p9/t9.json"
      #expect(try text(quarantined) == #"{"id":"t9","projectId":"p9","sessionIds":["s1"]}"#)
      #expect(outcome.quarantineFolder.count == "lost+found/20261127T000000Z".count)

      for id in outcome.journals.reversed() {
        _ = try UndoJob(journal: id, dataDir: dir).run(dryRun: false, force: false)
      }
      #expect(try userTree(dir) == original)
    }
  }

  @Test func recreateMissingProjectsWritesAPlaceholderInTheMajorityStyle() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": "{\n  \"id\": \"p1\",\n  \"name\": \"P\"\n}",
          "tasks/p9/t9.json": #"{"id":"t9","projectId":"p9","sessionIds":[]}"#,
          "sessions/s9.json": #"{"id":"s9","projectId":"p9","taskIds":[]}"#,
        ], in: dir)
      let outcome = try await RepairJob(dataDir: dir, recreateMissingProjects: true).run()
      #expect(outcome.exitStatus == .changed)
      #expect(outcome.steps.count == 1)
      let placeholder = try FileSystem.readFile(dir + "/projects/p9.json")
      #expect(JSONStyle.detect(placeholder) == .pretty)
      let object = try JSONDocument(parsing: placeholder).value
      #expect(object["name"]?.stringValue == "Recovered p9")
      #expect(object["id"]?.stringValue == "p9")
      #expect(FileSystem.fileExists(dir + "/tasks/p9/t9.json"))
      #expect(try await Self.findings(dir).isEmpty)
    }
  }

  @Test func duplicateIdsKeepTheNewestThenTheProjectFolderCopy() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": Self.project,
          "projects/p2.json": #"{"id":"p2","name":"Q","workingDir":"/q"}"#,
          "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":[],"updatedAt":5}"#,
          "tasks/p2/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":[],"updatedAt":9}"#,
          "tasks/p1/t2.json": #"{"id":"t2","projectId":"p1","sessionIds":[],"updatedAt":5}"#,
          "tasks/p2/t2.json": #"{"id":"t2","projectId":"p1","sessionIds":[],"updatedAt":5}"#,
        ], in: dir)
      let outcome = try await RepairJob(dataDir: dir).run()
      // t1: the newer copy sits in p2's folder, so it is kept and then
      // moved home; t2: a tie, the project-folder copy wins.
      let lost = dir + "/" + outcome.quarantineFolder
      #expect(try text(lost + "/tasks/p1/t1.json").contains("\"updatedAt\":5"))
      #expect(try text(dir + "/tasks/p1/t1.json").contains("\"updatedAt\":9"))
      #expect(FileSystem.fileExists(lost + "/tasks/p2/t2.json"))
      #expect(FileSystem.fileExists(dir + "/tasks/p1/t2.json"))
      #expect(try await Self.findings(dir).isEmpty)
      #expect(outcome.exitStatus == .changed)
    }
  }

  /// A newer copy under the wrong name wins; the older copy is quarantined
  /// and frees the name, and the next round renames the keeper into it.
  @Test func duplicateUnderAnotherNameIsKeptThenRenamed() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": Self.project,
          "sessions/a.json": #"{"id":"a","projectId":"p1","taskIds":[],"updatedAt":1}"#,
          "sessions/b.json": #"{"id":"a","projectId":"p1","taskIds":[],"updatedAt":5}"#,
        ], in: dir)
      let outcome = try await RepairJob(dataDir: dir).run()
      #expect(outcome.journals.count == 2)
      #expect(try text(dir + "/sessions/a.json").contains("\"updatedAt\":5"))
      #expect(!FileSystem.fileExists(dir + "/sessions/b.json"))
      #expect(try text(dir + "/" + outcome.quarantineFolder + "/sessions/a.json").contains("\"updatedAt\":1"))
      #expect(outcome.exitStatus == .changed)
      #expect(try await Self.findings(dir).isEmpty)
    }
  }

  @Test func cyclesBreakAtTheMostRecentlyUpdatedTask() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": Self.project,
          "tasks/p1/a.json": #"{"id":"a","projectId":"p1","sessionIds":[],"parentId":"b","dependencies":["c"],"updatedAt":1}"#,
          "tasks/p1/b.json": #"{"id":"b","projectId":"p1","sessionIds":[],"parentId":"a","dependencies":[],"updatedAt":7}"#,
          "tasks/p1/c.json": #"{"id":"c","projectId":"p1","sessionIds":[],"dependencies":["d"],"updatedAt":3}"#,
          "tasks/p1/d.json": #"{"id":"d","projectId":"p1","sessionIds":[],"dependencies":["a"],"updatedAt":8}"#,
        ], in: dir)
      let outcome = try await RepairJob(dataDir: dir).run()
      #expect(try text(dir + "/tasks/p1/b.json") == #"{"id":"b","projectId":"p1","sessionIds":[],"parentId":null,"dependencies":[],"updatedAt":7}"#)
      #expect(try text(dir + "/tasks/p1/d.json") == #"{"id":"d","projectId":"p1","sessionIds":[],"dependencies":[],"updatedAt":8}"#)
      #expect(try text(dir + "/tasks/p1/a.json").contains(#""parentId":"b""#))
      #expect(try await Self.findings(dir).isEmpty)
      #expect(outcome.exitStatus == .changed)
    }
  }

  @Test func listsRelocatedDocsAndDanglingScalarsAreRepaired() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": Self.project,
          "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":["s1"],"taskSessionStatuses":{"s1":"working","s7":"done"},"referenceTaskIds":["t8"]}"#,
          "sessions/s1.json": #"{"id":"s1","projectId":"p1","taskIds":["t1"],"parentSessionId":"s8","rootSessionId":"s8","docs":[{"id":"d1","contentFilePath":"/old/data/session-docs/s1/d1.md"}]}"#,
          "session-docs/s1/d1.md": "# doc",
          "ordering/task/p1.json": #"["t1","t8"]"#,
          "task-lists/p1/l1.json": #"{"id":"l1","orderedTaskIds":["t8","t1"]}"#,
        ], in: dir)
      let before = try await DataDirCheck(root: dir).run().findings.map(\.code.rawValue)
      #expect(before.contains("session.doc.relocated"))
      let outcome = try await RepairJob(dataDir: dir).run()
      #expect(outcome.exitStatus == .changed)
      let real = try text(dir + "/sessions/s1.json")
      #expect(real.contains(#""parentSessionId":null,"rootSessionId":null"#))
      #expect(real.contains(#"/session-docs/s1/d1.md"}]"#) && !real.contains("/old/data"))
      #expect(try text(dir + "/tasks/p1/t1.json") == #"{"id":"t1","projectId":"p1","sessionIds":["s1"],"taskSessionStatuses":{"s1":"working"},"referenceTaskIds":[]}"#)
      #expect(try text(dir + "/ordering/task/p1.json") == #"["t1"]"#)
      #expect(try text(dir + "/task-lists/p1/l1.json") == #"{"id":"l1","orderedTaskIds":["t1"]}"#)
      let after = try await DataDirCheck(root: dir).run().findings
      #expect(after.filter { $0.severity.affectsExitCode }.isEmpty, "\(after)")
      #expect(!after.contains { $0.code == .docRelocated })
    }
  }

  @Test func dryRunAndOnlyAreHonoured() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      try Self.write(
        [
          "projects/p1.json": Self.project,
          "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":["s_gone"],"parentId":"t_gone"}"#,
          "tasks/p1/t2.json.1a2b3c4d.tmp": "half",
        ], in: dir)
      let original = try userTree(dir)
      let dry = try await RepairJob(dataDir: dir, dryRun: true).run()
      #expect(dry.steps.count == 3)
      #expect(dry.exitStatus == .problemsLeft)
      #expect(dry.journals.isEmpty)
      #expect(try userTree(dir) == original)
      #expect(!FileSystem.fileExists(dir + "/.maestro-admin"))

      // The lock (exit 75) is tested end to end: a lock held in this
      // process can linger for a moment in a child another test spawns.

      let only = try await RepairJob(dataDir: dir, filter: try FindingFilter(only: "task.parent.", ignore: nil)).run()
      #expect(only.steps.map(\.code) == ["task.parent.dangling"])
      #expect(only.exitStatus == .changed)
      #expect(try text(dir + "/tasks/p1/t1.json") == #"{"id":"t1","projectId":"p1","sessionIds":["s_gone"],"parentId":null}"#)
      let rest = try await RepairJob(dataDir: dir).run()
      #expect(Set(rest.steps.map(\.code)) == ["task.session.dangling", "file.stray-tmp"])
    }
  }
}
