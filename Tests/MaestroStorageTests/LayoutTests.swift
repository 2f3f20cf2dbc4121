import Testing

@testable import MaestroStorage

@Suite("Layout")
struct LayoutTests {
  // MARK: Root resolution

  @Test func explicitValueWins() throws {
    let dir = try DataDirectory.resolve(
      explicit: "/srv/flag", environment: ["DATA_DIR": "/srv/env", "HOME": "/home/op"])
    #expect(dir.root == "/srv/flag")
  }

  @Test func environmentBeatsDefault() throws {
    let dir = try DataDirectory.resolve(
      explicit: nil, environment: ["DATA_DIR": "/srv/env/", "HOME": "/home/op"])
    #expect(dir.root == "/srv/env")
  }

  @Test func defaultIsUnderHome() throws {
    let dir = try DataDirectory.resolve(explicit: nil, environment: ["HOME": "/home/op"])
    #expect(dir.root == "/home/op/.maestro/data")
    // An empty DATA_DIR is unset, as for `process.env.DATA_DIR || ...`.
    let empty = try DataDirectory.resolve(
      explicit: nil, environment: ["DATA_DIR": "", "HOME": "/home/op"])
    #expect(empty.root == "/home/op/.maestro/data")
    // An explicit home parameter beats HOME.
    let param = try DataDirectory.resolve(
      explicit: nil, environment: ["HOME": "/home/op"], homeDirectory: "/home/other")
    #expect(param.root == "/home/other/.maestro/data")
  }

  @Test(arguments: [
    ("~", "/home/op"),
    ("~/maestro", "/home/op/maestro"),
    // Node's replace(/^~/, homedir()) expands any leading tilde.
    ("~data", "/home/opdata"),
    ("/abs/~/x", "/abs/~/x"),
  ])
  func environmentTildeIsExpandedLikeNode(value: String, expected: String) throws {
    let dir = try DataDirectory.resolve(
      explicit: nil, environment: ["DATA_DIR": value, "HOME": "/home/op"])
    #expect(dir.root == expected)
  }

  @Test func explicitTildeGetsTheShellForms() throws {
    let env = ["HOME": "/home/op"]
    #expect(try DataDirectory.resolve(explicit: "~/d", environment: env).root == "/home/op/d")
    #expect(try DataDirectory.resolve(explicit: "~", environment: env).root == "/home/op")
    #expect(
      try DataDirectory.resolve(explicit: "~d", environment: env, currentDirectory: "/work").root
        == "/work/~d")
  }

  @Test func relativeResultsAreMadeAbsolute() throws {
    let dir = try DataDirectory.resolve(
      explicit: "data", environment: [:], homeDirectory: "/h", currentDirectory: "/work/")
    #expect(dir.root == "/work/data")
    let fromEnv = try DataDirectory.resolve(
      explicit: nil, environment: ["DATA_DIR": "rel/d"], homeDirectory: "/h",
      currentDirectory: "/cwd")
    #expect(fromEnv.root == "/cwd/rel/d")
  }

  @Test func emptyExplicitValueIsAUsageError() {
    #expect(throws: MaestroError.self) {
      try DataDirectory.resolve(explicit: "", environment: ["HOME": "/h"])
    }
  }

  // MARK: Paths

  @Test func entityPaths() throws {
    let dir = DataDirectory(root: "/d/")
    #expect(dir.root == "/d")
    #expect(try dir.projectFile("proj_1") == "/d/projects/proj_1.json")
    #expect(
      try dir.taskFile(projectId: "proj_1", taskId: "task_2") == "/d/tasks/proj_1/task_2.json")
    #expect(try dir.projectTasksFolder("proj_1") == "/d/tasks/proj_1")
    #expect(try dir.legacyTaskFile("task_2") == "/d/tasks/task_2.json")
    #expect(try dir.sessionFile("sess_3") == "/d/sessions/sess_3.json")
    #expect(try dir.sessionDocsFolder("sess_3") == "/d/session-docs/sess_3")
    #expect(try dir.taskImagesFolder(projectId: "p", taskId: "t") == "/d/images/p/t")
    #expect(dir.path("ordering/task") == "/d/ordering/task")
    #expect(DataDirectory(root: "/").root == "/")
  }

  @Test func pathBuildersRejectHostileIds() {
    let dir = DataDirectory(root: "/d")
    #expect(throws: MaestroError.self) { try dir.projectFile("../../etc/passwd") }
    #expect(throws: MaestroError.self) { try dir.taskFile(projectId: "..", taskId: "task_1") }
    #expect(throws: MaestroError.self) { try dir.taskFile(projectId: "proj_1", taskId: "a/b") }
    #expect(throws: MaestroError.self) { try dir.legacyTaskFile("") }
    #expect(throws: MaestroError.self) { try dir.sessionFile("s\u{0}") }
    #expect(throws: MaestroError.self) { try dir.sessionDocsFolder(".") }
    #expect(throws: MaestroError.self) { try dir.taskImagesFolder(projectId: "p", taskId: "x\\y") }
  }

  @Test func fileNames() {
    #expect(DataDirectory.entityId(fromFileName: "task_1.json") == "task_1")
    #expect(DataDirectory.entityId(fromFileName: ".json") == nil)
    #expect(DataDirectory.entityId(fromFileName: "task_1.json.tmp") == nil)
    #expect(DataDirectory.isServerTempFile("task_1.json.0a1b2c3d.tmp"))
    #expect(!DataDirectory.isServerTempFile("task_1.json.0a1b2c3.tmp"))
    #expect(!DataDirectory.isServerTempFile("task_1.json.0a1b2c3g.tmp"))
    #expect(!DataDirectory.isServerTempFile(".0a1b2c3d.tmp"))
  }

  @Test func knownEntries() {
    #expect(DataDirectory.knownEntry(named: "session-docs")?.era == .newer)
    #expect(DataDirectory.knownEntry(named: "mail")?.era == .older)
    #expect(DataDirectory.knownEntry(named: "tasks")?.isEntityFolder == true)
    #expect(DataDirectory.knownEntry(named: ".auth-secret")?.isSecret == true)
    #expect(DataDirectory.knownEntry(named: ".auth-secret")?.kind == .file)
    #expect(DataDirectory.knownEntry(named: "backups") == nil)
    let names = DataDirectory.knownEntries.map(\.name)
    #expect(Set(names).count == names.count)
    for name in [
      "ordering", "task-lists", "task-graphs", "teams", "team-members", "images", "custom-prompts",
      "model-profiles", "session-prompts", "command-logs", "modals", "server-url",
      ".migrated-team-member-tasks", "queues", "templates",
    ] {
      #expect(names.contains(name), "\(name)")
    }
  }

  // MARK: EntityId

  @Test(arguments: [
    ("", "empty"),
    (".", "path component \".\""),
    ("..", "path component \"..\""),
    ("../etc", "\"..\" path component"),
    ("a/../b", "\"..\" path component"),
    ("a\\..\\b", "\"..\" path component"),
    ("a/b", "\"/\" path separator"),
    ("a\\b", "\"\\\" path separator"),
    // A combining mark after "/" fuses into one Swift Character; still a slash.
    ("a/\u{301}b", "\"/\" path separator"),
    ("task\u{0}x", "NUL"),
    ("task\nx", "U+000A"),
    ("task\u{1F}x", "U+001F"),
    ("task\u{7F}x", "U+007F"),
    (String(repeating: "a", count: 256), "256 UTF-8 bytes"),
    (String(repeating: "é", count: 128), "256 UTF-8 bytes"),
  ])
  func hostileIdsAreRejectedNamingTheFile(id: String, fragment: String) {
    let file = "tasks/proj_1/task_9.json"
    do {
      try EntityId.validate(id, file: file)
      Issue.record("accepted \(id.debugDescription)")
    } catch let error as MaestroError {
      #expect(error.code == .hostileId)
      #expect(error.path == file)
      #expect(error.id == id)
      #expect(error.message.contains(fragment), "\(error.message)")
      #expect(error.message.contains(file), "\(error.message)")
      // The message never carries a raw control character to the terminal.
      #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    } catch {
      Issue.record("unexpected \(error)")
    }
    #expect(!EntityId.isSafe(id))
  }

  @Test(arguments: [
    "proj_1795806202721_jusxou226", "tm_proj_1_worker", "mp_fast", "a.b", "...", "a..b", "..a",
    "日本語", String(repeating: "a", count: 255),
  ])
  func ordinaryIdsPass(id: String) throws {
    try EntityId.validate(id, file: nil)
    #expect(EntityId.isSafe(id))
  }

  @Test func messageWithoutFile() {
    #expect(
      throws: MaestroError(
        .hostileId, "unsafe id \"a/b\": it contains a \"/\" path separator", id: "a/b")
    ) {
      try EntityId.validate("a/b")
    }
  }
}
