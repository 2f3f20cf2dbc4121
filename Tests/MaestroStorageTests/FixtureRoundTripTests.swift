import MaestroStorage
import MaestroTestSupport
import Testing

/// Every JSON file a real server (or the seed's examples) wrote comes back
/// byte-identical from parse + print, in its own style and through the other.
@Suite struct FixtureRoundTripTests {
  static let dataDirs = ["samples/upstream-2026-02-08", "samples/upstream-head", "seed-basic", "seed-legacy"]

  static func jsonFiles(under dir: String) throws -> [String] {
    var files: [String] = []
    var pending = [dir]
    while let d = pending.popLast() {
      for e in try FileSystem.listDirectory(d) {
        if e.kind == .directory { pending.append(d + "/" + e.name) }
        if e.kind == .file && e.name.hasSuffix(".json") { files.append(d + "/" + e.name) }
      }
    }
    return files.sorted()
  }

  @Test(arguments: dataDirs)
  func untouchedFilesReEmitByteIdenticalInBothStyles(_ name: String) throws {
    let files = try Self.jsonFiles(under: ProjectPaths.fixtures + "/" + name)
    #expect(files.count >= 4)
    for file in files {
      let bytes = try FileSystem.readFile(file)
      let document = try JSONDocument(parsing: bytes)
      #expect(document.serialized() == bytes, "\(file)")
      let other: JSONStyle = document.style == .pretty ? .compact : .pretty
      let converted = JSONWriter.serialize(document.value, style: other)
      let back = try JSONDocument(parsing: converted)
      #expect(back.style == other, "\(file)")
      #expect(JSONWriter.serialize(back.value, style: document.style) == bytes, "\(file) via \(other)")
    }
  }

  @Test func seedStylesAreWhatTheirServersWrote() throws {
    for file in try Self.jsonFiles(under: ProjectPaths.fixtures + "/samples/upstream-2026-02-08") {
      #expect(JSONStyle.detect(try FileSystem.readFile(file)) == .pretty, "\(file)")
    }
    for file in try Self.jsonFiles(under: ProjectPaths.fixtures + "/samples/upstream-head") {
      #expect(JSONStyle.detect(try FileSystem.readFile(file)) == .compact, "\(file)")
    }
  }

  @Test func seedBasicLoadsWithEveryLinkOnBothSides() async throws {
    let store = Storage(root: ProjectPaths.fixtures + "/seed-basic")
    try await store.load()
    #expect(await store.loadIssues.isEmpty)
    let sessions = await store.listSessions()
    #expect(sessions.count == 2)
    for session in sessions {
      for taskId in session.taskIds ?? [] {
        #expect(await store.getTask(taskId)?.sessionIds?.contains(session.id) == true)
      }
    }
    for task in await store.listTasks() {
      for sessionId in task.sessionIds ?? [] {
        #expect(await store.getSession(sessionId)?.taskIds?.contains(task.id) == true)
      }
    }
  }

  @Test func seedLegacyLoadsThroughTheSeedMigrations() async throws {
    let store = Storage(root: ProjectPaths.fixtures + "/seed-legacy")
    try await store.load()
    #expect(await store.loadIssues.isEmpty)
    #expect(await store.listTasks().count == 2)
    let session = try #require(await store.listSessions().first)
    #expect(session.taskIds == ["task_1706700002000_flat02"])
    #expect(session.name == "Session sess_1706700003000_sess01")
    #expect(await store.getTask("task_1706700001000_flat01")?.sessionIds == [])
  }
}
