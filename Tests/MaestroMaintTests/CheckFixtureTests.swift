import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `check` on the checked-in data dirs: real server samples of two ages and
/// the seed fixtures report no error or warning, and the check never
/// writes.
@Suite struct CheckFixtureTests {
  static let cleanDirs = [
    ProjectPaths.samples + "/upstream-2026-02-08", ProjectPaths.samples + "/upstream-head",
    ProjectPaths.fixtures + "/seed-basic", ProjectPaths.fixtures + "/seed-legacy",
  ]

  @Test(arguments: cleanDirs)
  func fixturesHaveNoErrorOrWarning(_ root: String) async throws {
    let report = try await DataDirCheck(root: root).run()
    let problems = report.findings.filter { $0.severity != .info }
    #expect(problems.isEmpty, "\(problems)")
    #expect(report.exitStatus == .ok)
    #expect(report.filesRead > 0)
  }

  @Test func upstreamHeadDocPathsAreRelocatedInfo() async throws {
    let report = try await DataDirCheck(root: ProjectPaths.samples + "/upstream-head").run()
    #expect(Set(report.findings.map(\.code.rawValue)) == ["session.doc.relocated"])
    #expect(report.findings.count == 6)
    for f in report.findings {
      #expect(f.entity == .session)
      #expect(f.file == "sessions/\(f.id ?? "").json")
      #expect(f.message.contains("/home/maestro/.maestro/data/session-docs/"))
    }
  }

  @Test func seedLegacyReportsOnlyLegacyFacts() async throws {
    let report = try await DataDirCheck(root: ProjectPaths.fixtures + "/seed-legacy").run()
    let codes = report.countsByCode.map { "\($0.code.rawValue)=\($0.count)" }
    #expect(codes == ["session.legacy-task-id=1", "task.legacy=2", "task.legacy-fields=2"])
  }

  @Test func upstreamSeedEraSampleIsSilent() async throws {
    let report = try await DataDirCheck(root: ProjectPaths.samples + "/upstream-2026-02-08").run()
    #expect(report.findings.isEmpty, "\(report.findings)")
  }

  /// Read-only: the tree (content and modes) and every mtime are the same
  /// after a check, also of a damaged copy and with a read-only tree.
  @Test func checkNeverWrites() async throws {
    try await withTemporaryDirectory { dir in
      try copyTree(ProjectPaths.samples + "/upstream-head", to: dir)
      try AtomicFile.write(Array(#"{"id":"#.utf8), to: dir + "/sessions/sess_cut.json")
      try AtomicFile.write(Array("x".utf8), to: dir + "/tasks/stray.txt.0badf00d.tmp")
      let before = try TreeHash.hash(of: dir, includeModes: true)
      let mtimesBefore = try Self.mtimes(dir)
      Self.chmodTree(dir, writable: false)
      defer { Self.chmodTree(dir, writable: true) }
      let report = try await DataDirCheck(root: dir).run()
      #expect(report.exitStatus == .problemsLeft)
      Self.chmodTree(dir, writable: true)
      #expect(try TreeHash.hash(of: dir, includeModes: true) == before)
      #expect(try Self.mtimes(dir) == mtimesBefore)
    }
  }

  static func mtimes(_ root: String) throws -> [String: Int64] {
    var result: [String: Int64] = [root: try FileSystem.stat(root).mtime]
    for entry in try TreeHash.entries(of: root) {
      result[entry.path] = try FileSystem.stat(root + "/" + entry.path, followSymlinks: false).mtime
    }
    return result
  }

  /// Removes (or restores) write permission on every directory and file.
  static func chmodTree(_ root: String, writable: Bool) {
    let entries = (try? TreeHash.entries(of: root)) ?? []
    for entry in entries {
      let path = root + "/" + entry.path
      _ = chmod(path, entry.kind == .directory ? (writable ? 0o755 : 0o555) : (writable ? 0o644 : 0o444))
    }
    _ = chmod(root, writable ? 0o755 : 0o555)
  }
}

// MARK: - A small hand-made data dir for the Check*Tests

/// A throwaway data dir built entity by entity, with documents shaped like a
/// current server's (every link array present, timestamps agreeing with
/// the status), so each test adds exactly the damage it is about.
final class MiniDataDir: Sendable {
  let directory: TemporaryDirectory
  var root: String { directory.path }

  init() throws {
    directory = try TemporaryDirectory(prefix: "maestro-check")
    for folder in ["projects", "tasks", "sessions"] {
      try FileSystem.makeDirectories(root + "/" + folder)
    }
  }

  /// Writes raw bytes at `relative`, creating folders (no fsync: these
  /// trees are throwaway, and thousands of fsyncs would slow the tests).
  func write(_ relative: String, _ text: String) throws {
    let path = root + "/" + relative
    try FileSystem.makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
    guard let file = fopen(path, "wb") else {
      throw MaestroError.system("cannot create", path: path)
    }
    let bytes = Array(text.utf8)
    let written = fwrite(bytes, 1, bytes.count, file)
    fclose(file)
    guard written == bytes.count else { throw MaestroError(.io, "short write", path: path) }
  }

  /// Writes a JSON object at `relative` (compact style).
  func write(_ relative: String, object: JSONObject) throws {
    try write(relative, JSONWriter.string(.object(object), style: .compact))
  }

  func project(_ id: String) throws {
    try write(
      "projects/\(id).json",
      object: [
        "id": .string(id), "name": "P", "workingDir": "/w", "createdAt": 1, "updatedAt": 1,
      ])
  }

  /// A task document; `extra` members are set last (nil values remove).
  static func taskObject(
    _ id: String, project: String, sessions: [String] = [], parent: String? = nil,
    dependencies: [String] = [], extra: [(String, JSONValue?)] = []
  ) -> JSONObject {
    var o: JSONObject = [
      "id": .string(id), "projectId": .string(project), "parentId": parent.map(JSONValue.string) ?? .null,
      "title": "T", "description": "", "status": "todo", "priority": "medium",
      "sessionIds": .array(sessions.map(JSONValue.string)), "skillIds": [], "agentIds": [],
      "dependencies": .array(dependencies.map(JSONValue.string)), "timeline": [], "createdAt": 10,
      "updatedAt": 10, "startedAt": nil, "completedAt": nil,
    ]
    for (k, v) in extra { o[k] = v }
    return o
  }

  func task(
    _ id: String, project: String, sessions: [String] = [], parent: String? = nil,
    dependencies: [String] = [], extra: [(String, JSONValue?)] = [], at path: String? = nil
  ) throws {
    try write(
      path ?? "tasks/\(project)/\(id).json",
      object: Self.taskObject(
        id, project: project, sessions: sessions, parent: parent, dependencies: dependencies, extra: extra))
  }

  func session(
    _ id: String, project: String, tasks: [String] = [], extra: [(String, JSONValue?)] = [],
    at path: String? = nil
  ) throws {
    var o: JSONObject = [
      "id": .string(id), "projectId": .string(project), "taskIds": .array(tasks.map(JSONValue.string)),
      "name": "S", "status": "working", "env": [:], "events": [], "startedAt": 20, "lastActivity": 30,
      "completedAt": nil, "hostname": "h", "platform": "linux",
    ]
    for (k, v) in extra { o[k] = v }
    try write(path ?? "sessions/\(id).json", object: o)
  }

  /// Runs the check with every code reported.
  func check(_ filter: FindingFilter = FindingFilter()) async throws -> CheckReport {
    try await DataDirCheck(root: root, filter: filter).run()
  }

  /// The findings as `code file id` strings, sorted, for exact comparison.
  func findings(_ filter: FindingFilter = FindingFilter()) async throws -> [String] {
    try await check(filter).findings.map { "\($0.code) \($0.file ?? "-") \($0.id ?? "-")" }
  }
}
