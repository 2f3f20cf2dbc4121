import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Version detection, migrations.json validation, conflicts, style and key
/// order through whole runs of `MigrateJob` on small data dirs.
@Suite struct MigrationJobTests {
  static func write(_ dir: String, _ files: [String: String]) throws {
    for (path, content) in files {
      try FileSystem.makeDirectories(FileSystem.parentDirectory(of: dir + "/" + path))
      try AtomicFile.write(Array(content.utf8), to: dir + "/" + path)
    }
  }

  static func up(_ dir: String) async throws -> MigrateJob.Outcome {
    try await MigrateJob(dataDir: dir).up(.init(snapshot: false))
  }

  @Test func detectsVersionsFromContent() async throws {
    let cases: [(String, Int)] = [
      (ProjectPaths.fixtures + "/seed-legacy", 0), (ProjectPaths.fixtures + "/generated/xs-legacy", 0),
      (ProjectPaths.fixtures + "/seed-basic", 1), (ProjectPaths.fixtures + "/generated/xs-seed", 1),
      (ProjectPaths.samples + "/upstream-2026-02-08", 1), (ProjectPaths.fixtures + "/generated/xs-current", 3),
      (ProjectPaths.samples + "/upstream-head", 3),
    ]
    for (dir, version) in cases {
      let status = try await MigrateJob(dataDir: dir).status()
      #expect(status.contentVersion == version, "\(dir)")
      #expect(status.currentVersion == version && status.history == nil)
      #expect(status.pending.map(\.version) == [1, 2, 3].filter { $0 > version }, "\(dir)")
    }
    let legacy = try await MigrateJob(dataDir: ProjectPaths.fixtures + "/seed-legacy").status()
    #expect(legacy.flatTasks == 2 && legacy.filesNeeding[1] == 3)
  }

  @Test func keepsStyleKeyOrderAndUnknownFields() async throws {
    let dir = try TemporaryDirectory()
    let pretty = "{\n  \"id\": \"s1\",\n  \"projectId\": \"p1\",\n  \"taskId\": \"t1\",\n  \"zz\": \"é/\\u0001\"\n}"
    try Self.write(dir.path, [
      "projects/p1.json": #"{"id":"p1","name":"P","workingDir":"/w","createdAt":1,"updatedAt":1}"#,
      "sessions/s1.json": pretty,
      "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","custom":[1.5,1e+21],"dependencies":[]}"#,
    ])
    let outcome = try await Self.up(dir.path)
    #expect(outcome.exitStatus == .changed)
    #expect(
      try text(dir.path + "/tasks/p1/t1.json")
        == #"{"id":"t1","projectId":"p1","custom":[1.5,1e+21],"dependencies":[],"sessionIds":["s1"],"skillIds":[],"agentIds":[],"referenceTaskIds":[],"dueDate":null}"#
    )
    let session = try text(dir.path + "/sessions/s1.json")
    #expect(session.hasPrefix("{\n  \"id\": \"s1\",\n  \"projectId\": \"p1\",\n  \"zz\": \"é/\\u0001\",\n  \"taskIds\": [\n    \"t1\"\n  ],"))
    #expect(session.hasSuffix("\"events\": [],\n  \"timeline\": [],\n  \"docs\": [],\n  \"rootSessionId\": \"s1\"\n}"))
    // Idempotent: a second run changes nothing.
    let tree = try userTree(dir.path)
    let again = try await Self.up(dir.path)
    #expect(again.exitStatus == .ok && again.applied.isEmpty)
    #expect(try userTree(dir.path) == tree)
    #expect(try MigrationHistory.load(dataDir: dir.path)?.applied.map(\.version) == [1, 2, 3])
  }

  @Test func conflictsAreSettledByUpdatedAtAndReported() async throws {
    let dir = try TemporaryDirectory()
    let project = #"{"id":"p1","name":"P","workingDir":"/w","createdAt":1,"updatedAt":1}"#
    try Self.write(dir.path, [
      "projects/p1.json": project,
      // Flat newer than the folder copy: the flat one stays live.
      "tasks/tA.json": #"{"id":"tA","projectId":"p1","title":"flat","updatedAt":20}"#,
      "tasks/p1/tA.json": #"{"id":"tA","projectId":"p1","title":"folder","updatedAt":10}"#,
      // Folder copy newer: it stays; the flat goes to lost+found.
      "tasks/tB.json": #"{"id":"tB","projectId":"p1","title":"flat","updatedAt":5}"#,
      "tasks/p1/tB.json": #"{"id":"tB","projectId":"p1","title":"folder","updatedAt":6}"#,
      // Tie: the project-folder copy wins.
      "tasks/tC.json": #"{"id":"tC","projectId":"p1","title":"flat","updatedAt":7}"#,
      "tasks/p1/tC.json": #"{"id":"tC","projectId":"p1","title":"folder","updatedAt":7}"#,
      // Identical content in another style: the flat copy is just removed.
      "tasks/tD.json": "{\n  \"id\": \"tD\",\n  \"projectId\": \"p1\",\n  \"updatedAt\": 3\n}",
      "tasks/p1/tD.json": #"{"id":"tD","projectId":"p1","updatedAt":3}"#,
      // Cannot be placed.
      "tasks/broken.json": #"{"id":"#,
      "tasks/tE.json": #"{"id":"tE","projectId":"p2"}"#,
      "tasks/p2": "a file where the project folder would go",
    ])
    let outcome = try await Self.up(dir.path)
    let stamp = try #require(try FileSystem.listDirectory(dir.path + "/lost+found").first?.name)
    let lf = dir.path + "/lost+found/" + stamp
    #expect(try text(dir.path + "/tasks/p1/tA.json").contains(#""title":"flat""#))
    #expect(try text(lf + "/tasks/p1/tA.json") == #"{"id":"tA","projectId":"p1","title":"folder","updatedAt":10}"#)
    #expect(try text(dir.path + "/tasks/p1/tB.json").contains(#""title":"folder""#))
    #expect(try text(lf + "/tasks/tB.json") == #"{"id":"tB","projectId":"p1","title":"flat","updatedAt":5}"#)
    #expect(try text(dir.path + "/tasks/p1/tC.json").contains(#""title":"folder""#))
    #expect(FileSystem.fileExists(lf + "/tasks/tC.json"))
    #expect(!FileSystem.fileExists(lf + "/tasks/tD.json") && !FileSystem.fileExists(lf + "/tasks/p1/tD.json"))
    #expect(try text(lf + "/tasks/broken.json") == #"{"id":"#)
    let flat = try FileSystem.listDirectory(dir.path + "/tasks").filter { $0.kind == .file && $0.name.hasSuffix(".json") }
    #expect(flat.isEmpty, "no flat task files left: \(flat)")
    #expect(try text(lf + "/tasks/tE.json") == #"{"id":"tE","projectId":"p2"}"#)
    #expect(outcome.conflicts.map(\.id).sorted() == ["broken", "tA", "tB", "tC", "tE"])
    #expect(outcome.conflicts.first { $0.id == "tE" }?.message.contains("tasks/p2 is not a folder") == true)
    #expect(outcome.conflicts.first { $0.id == "tA" }?.kept == "tasks/tA.json")
    #expect(outcome.conflicts.first { $0.id == "tC" }?.message.contains("wins ties") == true)
    #expect(outcome.steps.contains { $0.kind == .dedupe && $0.path == "tasks/tD.json" })
    try FileSystem.removeFile(dir.path + "/tasks/p2")  // a stray file check would report
    #expect(try await DataDirCheck(root: dir.path).run().exitStatus == .ok)
  }

  @Test func historyIsValidatedAgainstTheRegistry() async throws {
    let dir = try TemporaryDirectory()
    try Self.write(dir.path, ["projects/p1.json": #"{"id":"p1","name":"P","workingDir":"/w"}"#, "tasks/t1.json": #"{"id":"t1","projectId":"p1"}"#])
    _ = try await Self.up(dir.path)
    let path = dir.path + "/" + MigrationHistory.relativePath
    let good = try FileSystem.readFile(path)
    let history = try MigrationHistory.parse(good, path: path)
    #expect(history.serialized() == good)
    #expect(history.applied.map(\.name) == ["phase-iv-a", "newer-server-fields", "session-root-ids"])

    var tampered = history
    tampered.applied[1].checksum = String(repeating: "0", count: 64)
    try AtomicFile.write(tampered.serialized(), to: path)
    await #expect {
      try await MigrateJob(dataDir: dir.path).status()
    } throws: { error in
      guard let r = error as? MigrationRefusal else { return false }
      return r.reason == .checksumMismatch && r.version == 2 && r.description.contains("\"newer-server-fields\"")
    }

    var newer = history
    newer.applied.append(.init(version: 4, name: "future-thing", checksum: "ab", appliedAtMs: 0, journal: nil, baseline: false))
    try AtomicFile.write(newer.serialized(), to: path)
    await #expect {
      try await MigrateJob(dataDir: dir.path).up(.init(snapshot: false))
    } throws: { error in
      guard let r = error as? MigrationRefusal else { return false }
      return r.reason == .unknownMigration && r.version == 4 && r.description.contains("future-thing")
    }
    try AtomicFile.write(Array("{\"format\":1,".utf8), to: path)
    #expect(throws: MaestroError.self) { try MigrationHistory.load(dataDir: dir.path) }
  }

  @Test func baselineIsRecordedForWhatTheContentAlreadyShowed() async throws {
    let dir = try TemporaryDirectory()
    try copyTree(ProjectPaths.samples + "/upstream-2026-02-08", to: dir.path)
    let outcome = try await Self.up(dir.path)
    #expect(outcome.applied.map(\.version) == [2, 3])
    let history = try #require(try MigrationHistory.load(dataDir: dir.path))
    #expect(history.applied.map(\.version) == [1, 2, 3] && history.applied.map(\.baseline) == [true, false, false])
    // The sample's single sessionStatus became the newest server's map.
    let task = try text(dir.path + "/tasks/proj_1795806202721_jusxou226/task_1795806202722_dz5vs9xkx.json")
    #expect(task.hasSuffix("\"referenceTaskIds\": [],\n  \"dueDate\": null,\n  \"taskSessionStatuses\": {\n    \"sess_1795806202724_5nslknpe5\": \"working\"\n  }\n}"))
    #expect(!task.contains("\"sessionStatus\""))
  }

  @Test func toStopsAtTheGivenVersionAndDryRunChangesNothing() async throws {
    let dir = try TemporaryDirectory()
    try copyTree(ProjectPaths.fixtures + "/seed-legacy", to: dir.path)
    let tree = try TreeHash.hash(of: dir.path)
    let dry = try await MigrateJob(dataDir: dir.path).up(.init(dryRun: true))
    #expect(dry.exitStatus == .problemsLeft && dry.steps.count == 3)
    #expect(try TreeHash.hash(of: dir.path) == tree)
    let first = try await MigrateJob(dataDir: dir.path).up(.init(target: 1, snapshot: false))
    #expect(first.applied.map(\.version) == [1])
    let status = try await MigrateJob(dataDir: dir.path).status()
    #expect(status.currentVersion == 1 && status.contentVersion == 1 && status.pending.map(\.version) == [2, 3])
    let session = try text(dir.path + "/sessions/sess_1706700003000_sess01.json")
    #expect(session.contains("\"events\": []") && !session.contains("\"timeline\""))
    let second = try await MigrateJob(dataDir: dir.path).up(.init(snapshot: false))
    #expect(second.applied.map(\.version) == [2, 3] && second.exitStatus == .changed)
  }
}
