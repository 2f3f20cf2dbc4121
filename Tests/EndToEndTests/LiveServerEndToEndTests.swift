import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// A server running on the data dir, as operators meet it: every changing
/// command refuses it (exit 75, tree unchanged, nothing created), the
/// override lets it run, read-only commands and dry runs run and report it,
/// a stale `server-url` is only reported.
@Suite struct LiveServerEndToEndTests {
  /// The last line of `--json` output, the summary.
  static func summary(_ r: CommandResult) throws -> JSONObject {
    let objects = r.lines.compactMap { try? JSONParser.parse($0).objectValue }
    return try #require(objects.last { $0["type"] == "summary" }, "\(r.stdout)\n\(r.stderr)")
  }

  /// The summary's `server` field.
  static func server(_ r: CommandResult) throws -> JSONObject {
    try #require(try summary(r)["server"]?.objectValue, "\(r.stdout)")
  }

  /// A generated data dir with faults, repaired once (a journal to undo),
  /// archived once (a task to restore) and backed up once (a snapshot to
  /// restore), all while no server ran.
  struct Prepared {
    var dir: String
    var repairJournal: String
    var archivedTask: String
    var snapshot: String
  }

  static func prepare(_ tmp: TemporaryDirectory) throws -> Prepared {
    let dir = tmp.path + "/data"
    let generated = try runMaestroAdmin([
      "generate", "--out", dir, "--projects", "2", "--tasks", "12", "--sessions", "4", "--inject", "all=1", "--json",
    ])
    #expect(generated.status == 0, "\(generated.stderr)")
    let repair = try runMaestroAdmin(["repair", "--data-dir", dir, "--json"])
    let journal = try #require(try summary(repair)["journals"]?.arrayValue?.first?.stringValue, "\(repair.stdout)")
    let archive = try runMaestroAdmin(["archive", "create", "--data-dir", dir, "--older-than", "0d"])
    #expect(archive.status == 1, "\(archive.stderr)")
    let search = try runMaestroAdmin(["archive", "search", "--data-dir", dir, "--json"])
    let task = try #require(try JSONParser.parse(search.lines.first ?? "").objectValue?["id"]?.stringValue, "\(search.stdout)")
    let backup = try runMaestroAdmin(["backup", "create", "--data-dir", dir, "--dest", tmp.path + "/backups", "--json"])
    let snapshot = try #require(try summary(backup)["snapshot"]?.stringValue, "\(backup.stderr)")
    return Prepared(dir: dir, repairJournal: journal, archivedTask: task, snapshot: snapshot)
  }

  @Test func everyChangingCommandRefusesALiveDataDir() throws {
    let tmp = try TemporaryDirectory()
    let p = try Self.prepare(tmp)
    let listener = try HealthListener()
    defer { listener.stop() }
    try AtomicFile.write(Array(listener.url.utf8), to: p.dir + "/server-url")
    let before = try TreeHash.entries(of: p.dir, includeModes: true)
    let commands: [[String]] = [
      ["repair", "--data-dir", p.dir],
      ["undo", p.repairJournal, "--data-dir", p.dir],
      ["fmt", p.dir],
      ["fmt", "--style", "compact", p.dir + "/tasks"],
      ["migrate", "up", "--data-dir", p.dir, "--no-snapshot"],
      ["archive", "create", "--data-dir", p.dir, "--older-than", "0d"],
      ["archive", "restore", p.archivedTask, "--data-dir", p.dir],
      ["backup", "restore", p.snapshot, "--to", p.dir, "--force"],
      ["generate", "--out", p.dir, "--force"],
    ]
    for command in commands {
      let r = try runMaestroAdmin(command)
      #expect(r.status == 75, "\(command): \(r.status) \(r.stderr)")
      #expect(r.stderr.contains("refused: a Maestro server is running on this data dir"), "\(command)")
      #expect(r.stderr.contains(listener.url), "\(command)")
      #expect(r.stderr.contains("--ignore-live-server"), "\(command)")
      #expect(try TreeHash.entries(of: p.dir, includeModes: true) == before, "\(command) changed the data dir")
    }
    // --json: the summary says why.
    let json = try runMaestroAdmin(["repair", "--data-dir", p.dir, "--json"])
    #expect(json.status == 75)
    let s = try Self.summary(json)
    #expect(s["refused"] == "server-live")
    #expect(s["exitCode"] == .number(75))
    // ... and the run ends with the error object.
    let error = try #require(try JSONParser.parse(json.lines.last ?? "").objectValue)
    #expect(error["type"] == "error" && error["exitCode"] == .number(75) && error["code"] == "SERVER_LIVE")
    #expect(try Self.server(json)["url"] == .string(listener.url))
    #expect(try TreeHash.entries(of: p.dir, includeModes: true) == before)
  }

  @Test func nothingIsCreatedInALiveDataDirAndTheOverrideRuns() throws {
    let tmp = try TemporaryDirectory()
    try RepairEndToEndTests.makeDamagedDir(tmp.path)
    let listener = try HealthListener()
    defer { listener.stop() }
    try AtomicFile.write(Array(listener.url.utf8), to: tmp.path + "/server-url")
    let before = try TreeHash.hash(of: tmp.path)
    let refused = try runMaestroAdmin(["repair", "--data-dir", tmp.path])
    #expect(refused.status == 75)
    #expect(!FileSystem.fileExists(tmp.path + "/.maestro-admin"))
    #expect(try TreeHash.hash(of: tmp.path) == before)
    // A dry run reports the server and runs.
    let dry = try runMaestroAdmin(["repair", "--data-dir", tmp.path, "--dry-run", "--json"])
    #expect(dry.status == 4, "\(dry.stderr)")
    #expect(try Self.server(dry)["live"] == true)
    #expect(try TreeHash.hash(of: tmp.path) == before)
    // The override: dangerous, and it says it went ahead.
    let forced = try runMaestroAdmin(["repair", "--data-dir", tmp.path, "--ignore-live-server", "--json"])
    #expect(forced.status == 1, "\(forced.stderr)")
    #expect(try Self.server(forced)["live"] == true)
    #expect(try Self.server(forced)["ignored"] == true)
    #expect(try TreeHash.hash(of: tmp.path) != before)
    let text = try runMaestroAdmin(["repair", "--data-dir", tmp.path, "--ignore-live-server"])
    #expect(text.stdout.contains("server: LIVE: server-url \(listener.url) answers /health (HTTP 200) (--ignore-live-server: went ahead anyway)"))
  }

  @Test func readOnlyCommandsRunLiveAndReportIt() throws {
    let tmp = try TemporaryDirectory()
    let p = try Self.prepare(tmp)
    let listener = try HealthListener()
    defer { listener.stop() }
    try AtomicFile.write(Array(listener.url.utf8), to: p.dir + "/server-url")
    let commands: [[String]] = [
      ["check", "--data-dir", p.dir],
      ["stats", "--data-dir", p.dir],
      ["migrate", "status", "--data-dir", p.dir],
      ["migrate", "plan", "--data-dir", p.dir],
      ["migrate", "up", "--dry-run", "--data-dir", p.dir],
      ["archive", "list", "--data-dir", p.dir],
      ["archive", "search", "--data-dir", p.dir],
      ["archive", "show", p.archivedTask, "--data-dir", p.dir],
      ["backup", "create", "--data-dir", p.dir, "--dest", tmp.path + "/backups"],
      ["undo", p.repairJournal, "--data-dir", p.dir, "--dry-run"],
      ["fmt", "--check", p.dir],
    ]
    for command in commands {
      let r = try runMaestroAdmin(command + ["--json"])
      #expect(r.status != 75 && r.status != 8 && r.status != 16, "\(command): \(r.status) \(r.stderr)")
      let s = try Self.summary(r)
      let server = command[0] == "fmt" ? s["servers"]?.arrayValue?.first?.objectValue : s["server"]?.objectValue
      #expect(server?["live"] == true, "\(command): \(r.lines.last ?? "")")
      #expect(server?["url"] == .string(listener.url), "\(command)")
    }
    let text = try runMaestroAdmin(["check", "--data-dir", p.dir])
    #expect(text.stdout.contains("server: LIVE: server-url \(listener.url) answers /health (HTTP 200)"))
  }

  @Test func aStaleServerURLIsReportedAndTheCommandProceeds() throws {
    let tmp = try TemporaryDirectory()
    try RepairEndToEndTests.makeDamagedDir(tmp.path)
    let url = "http://127.0.0.1:\(try HealthListener.unusedPort())"
    try AtomicFile.write(Array(url.utf8), to: tmp.path + "/server-url")
    let r = try runMaestroAdmin(["repair", "--data-dir", tmp.path, "--json"])
    #expect(r.status == 1, "\(r.stderr)")
    let server = try Self.server(r)
    #expect(server["live"] == false)
    #expect(server["stale"] == .array([["url": .string(url), "source": "server-url", "reason": "connection refused"]]))
    let text = try runMaestroAdmin(["check", "--data-dir", tmp.path])
    #expect(text.stdout.contains("server: none found (server-url \(url) is stale: connection refused"))
  }

  @Test func anExplicitServerURLAndAServerProcessAreFound() throws {
    let tmp = try TemporaryDirectory()
    try RepairEndToEndTests.makeDamagedDir(tmp.path)
    let before = try TreeHash.hash(of: tmp.path)
    let listener = try HealthListener()
    defer { listener.stop() }
    let byURL = try runMaestroAdmin(["repair", "--data-dir", tmp.path, "--server-url", listener.url])
    #expect(byURL.status == 75, "\(byURL.stderr)")
    #expect(byURL.stderr.contains("--server-url \(listener.url) answers /health"))
    let bad = try runMaestroAdmin(["check", "--data-dir", tmp.path, "--server-url", "localhost:3000"])
    #expect(bad.status == 16)
    // An older server: no server-url, DATA_DIR in its environment.
    let server = try FakeServerProcess(environment: ["DATA_DIR": tmp.path])
    defer { server.stop() }
    let byProcess = try runMaestroAdmin(["repair", "--data-dir", tmp.path])
    #expect(byProcess.status == 75, "\(byProcess.stderr)")
    #expect(byProcess.stderr.contains("pid \(server.pid) ("))
    let stats = try runMaestroAdmin(["stats", "--data-dir", tmp.path, "--json"])
    #expect(try Self.server(stats)["pids"] == .array([.number(Double(server.pid))]))
    #expect(try TreeHash.hash(of: tmp.path) == before)
  }
}
