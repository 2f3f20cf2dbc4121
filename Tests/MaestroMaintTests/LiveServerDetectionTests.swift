import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Live-server detection: `server-url` + `GET /health` against a real
/// listener, stale URLs, `--server-url`, and processes whose environment
/// names the data dir; the guard's refusal and the maintenance lock.
@Suite struct LiveServerDetectionTests {
  /// A data dir with the three entity folders.
  static func makeDataDir(_ root: String) throws -> String {
    let dir = root + "/data"
    for folder in ["projects", "tasks", "sessions"] { try FileSystem.makeDirectories(dir + "/" + folder) }
    return dir
  }

  static func writeServerURL(_ url: String, into dir: String) throws {
    try AtomicFile.write(Array((url + "\n").utf8), to: dir + "/server-url")
  }

  /// Detection without the `/proc` scan, for the URL tests.
  static let urlsOnly = LiveServerDetector(processScan: nil)

  @Test func serverURLParsing() throws {
    let plain = try #require(ServerURL("  http://localhost:3000\n"))
    #expect(plain.host == "localhost" && plain.port == 3000 && plain.basePath == "" && plain.healthPath == "/health")
    let based = try #require(ServerURL("http://127.0.0.1:8080/maestro/"))
    #expect(based.healthPath == "/maestro/health")
    let v6 = try #require(ServerURL("http://[::1]:3000"))
    #expect(v6.host == "::1" && v6.port == 3000)
    #expect(ServerURL("https://example.org")?.port == 443)
    #expect(ServerURL("http://example.org")?.port == 80)
    for bad in ["localhost:3000", "ftp://x", "http://", "http://host:99999", "http://host:x", ""] {
      #expect(ServerURL(bad) == nil, "\(bad)")
    }
  }

  @Test func aListenerAnsweringHealthMakesTheDataDirLive() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    let listener = try HealthListener()
    defer { listener.stop() }
    try Self.writeServerURL(listener.url, into: dir)
    let status = Self.urlsOnly.detect(dataDir: dir)
    #expect(status.isLive)
    #expect(status.liveProbe?.url == listener.url)
    #expect(status.liveProbe?.source == .serverURLFile)
    #expect(status.liveProbe?.answer == .server(status: 200))
    #expect(listener.requests == ["GET /health HTTP/1.1"])
    #expect(status.jsonObject["live"] == .bool(true))
    #expect(status.jsonObject["url"] == .string(listener.url))
    #expect(status.summary.hasPrefix("LIVE: server-url \(listener.url) answers /health (HTTP 200)"))
  }

  @Test func theBasePathOfTheURLIsKept() throws {
    let listener = try HealthListener()
    defer { listener.stop() }
    let answer = HealthProbe().probe(try #require(ServerURL(listener.url + "/maestro")))
    #expect(answer == .server(status: 200))
    #expect(listener.requests == ["GET /maestro/health HTTP/1.1"])
  }

  @Test func whatCountsAsAServerAnswer() throws {
    for (status, live) in [(401, true), (503, true), (404, false), (301, false)] {
      let listener = try HealthListener(healthStatus: status)
      defer { listener.stop() }
      let answer = HealthProbe().probe(try #require(ServerURL(listener.url)))
      #expect(answer.isLive == live, "HTTP \(status): \(answer)")
    }
  }

  @Test func aStaleServerURLIsReportedAndNotLive() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    let url = "http://127.0.0.1:\(try HealthListener.unusedPort())"
    try Self.writeServerURL(url, into: dir)
    let status = Self.urlsOnly.detect(dataDir: dir)
    #expect(!status.isLive)
    #expect(status.staleProbes.map(\.url) == [url])
    #expect(status.staleProbes.first?.answer.summary == "connection refused")
    #expect(status.summary == "none found (server-url \(url) is stale: connection refused; no server process names this data dir)")
    let stale = status.jsonObject["stale"]
    #expect(stale == .array([["url": .string(url), "source": "server-url", "reason": "connection refused"]]))
  }

  @Test func aHungServerCountsAsLiveAfterTheTimeout() throws {
    let listener = try HealthListener(answers: false)
    defer { listener.stop() }
    var clock = timespec()
    clock_gettime(CLOCK_MONOTONIC, &clock)
    let start = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
    let answer = HealthProbe(timeoutMilliseconds: 200).probe(try #require(ServerURL(listener.url)))
    clock_gettime(CLOCK_MONOTONIC, &clock)
    let elapsed = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9 - start
    #expect(answer == .silent(milliseconds: 200))
    #expect(answer.isLive)
    #expect(elapsed >= 0.19 && elapsed < 1.5, "\(elapsed)")
  }

  @Test func anExplicitServerURLIsProbedToo() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    let listener = try HealthListener()
    defer { listener.stop() }
    let none = Self.urlsOnly.detect(dataDir: dir)
    #expect(!none.isLive && none.probes.isEmpty)
    let status = LiveServerDetector(explicitURL: listener.url, processScan: nil).detect(dataDir: dir)
    #expect(status.isLive)
    #expect(status.liveProbe?.source == .option)
  }

  @Test func aProcessWhoseDataDirVariableNamesTheDataDir() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    let server = try FakeServerProcess(environment: ["DATA_DIR": dir, "HOME": tmp.path + "/elsewhere"])
    defer { server.stop() }
    let status = LiveServerDetector().detect(dataDir: dir)
    #expect(status.isLive)
    #expect(status.pids == [server.pid])
    #expect(status.processes.first?.evidence == .dataDirVariable)
    #expect(status.summary.contains("pid \(server.pid) ("))
    // Another data dir is not live because of it.
    let other = try TemporaryDirectory()
    #expect(!LiveServerDetector().detect(dataDir: try Self.makeDataDir(other.path)).isLive)
  }

  @Test func aTildeInDataDirIsExpandedAgainstTheProcessHome() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    let server = try FakeServerProcess(environment: ["DATA_DIR": "~/data", "HOME": tmp.path])
    defer { server.stop() }
    #expect(LiveServerDetector().detect(dataDir: dir).pids == [server.pid])
  }

  @Test func aProcessWithOnlyHomeServesItsDefaultDataDir() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    // HOME/.maestro/data is a symlink to the data dir: realpath makes them one.
    try FileSystem.makeDirectories(tmp.path + "/home/.maestro")
    #expect(symlink(dir, tmp.path + "/home/.maestro/data") == 0)
    let server = try FakeServerProcess(environment: ["HOME": tmp.path + "/home"])
    defer { server.stop() }
    let status = LiveServerDetector().detect(dataDir: dir)
    #expect(status.pids == [server.pid])
    #expect(status.processes.first?.evidence == .home)
    #expect(status.jsonObject["pids"] == .array([.number(Double(server.pid))]))
  }

  @Test func processesThatAreNotServerLikeDoNotCount() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    let worker = try FakeServerProcess(name: "sleep", environment: ["DATA_DIR": dir])
    defer { worker.stop() }
    #expect(!LiveServerDetector().detect(dataDir: dir).isLive)
    #expect(ServerProcessScan.isServerLike(argv0: "/usr/bin/node"))
    #expect(ServerProcessScan.isServerLike(argv0: "maestro-server"))
    #expect(!ServerProcessScan.isServerLike(argv0: "/usr/local/bin/maestro-admin"))
    #expect(!ServerProcessScan.isServerLike(argv0: "-bash"))
  }

  @Test func anAncestorCountsOnlyThroughDataDir() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    try FileSystem.makeDirectories(tmp.path + "/home/.maestro")
    #expect(symlink(dir, tmp.path + "/home/.maestro/data") == 0)
    // A `node` (a shell) with a child: the scan is seen from the child.
    let byHome = try FakeServerProcess(environment: ["HOME": tmp.path + "/home"], shellWithChild: true)
    defer { byHome.stop() }
    let child = try #require(byHome.childPid)
    #expect(ServerProcessScan(ownPid: child).scan(for: dir).matches.isEmpty)
    #expect(ServerProcessScan().scan(for: dir).matches.map(\.pid) == [byHome.pid])
    let byVariable = try FakeServerProcess(environment: ["DATA_DIR": dir], shellWithChild: true)
    defer { byVariable.stop() }
    let child2 = try #require(byVariable.childPid)
    // byVariable is child2's parent but names the data dir in DATA_DIR; byHome is no ancestor of child2.
    #expect(ServerProcessScan(ownPid: child2).scan(for: dir).matches.map(\.pid) == [byHome.pid, byVariable.pid].sorted())
  }

  /// A `/proc` made of files, so each rule of the scan is tested alone.
  @Test func theScanRulesOnAMadeUpProc() throws {
    let tmp = try TemporaryDirectory()
    let dir = try Self.makeDataDir(tmp.path)
    try FileSystem.makeDirectories(tmp.path + "/home/.maestro")
    #expect(symlink(dir, tmp.path + "/home/.maestro/data") == 0)
    let proc = tmp.path + "/proc"
    func process(_ pid: Int, _ argv: [String], environ: [String]?, cwd: String? = nil) throws {
      let folder = "\(proc)/\(pid)"
      try FileSystem.makeDirectories(folder)
      try AtomicFile.write(Array(argv.map { $0 + "\0" }.joined().utf8), to: folder + "/cmdline")
      if let environ {
        try AtomicFile.write(Array(environ.map { $0 + "\0" }.joined().utf8), to: folder + "/environ")
      } else {
        try FileSystem.makeDirectories(folder + "/environ")  // unreadable as a file
      }
      if let cwd { #expect(symlink(cwd, folder + "/cwd") == 0) }
    }
    try process(100, ["/usr/bin/node", "server.js"], environ: ["HOME=/nowhere", "DATA_DIR=\(dir)"])
    try process(101, ["bash"], environ: ["DATA_DIR=\(dir)"])
    try process(102, ["node", "other.js"], environ: nil)
    try process(103, ["maestro-server"], environ: ["HOME=\(tmp.path)/home"])
    try process(104, ["bun", "run", "start"], environ: ["HOME=/nowhere", "DATA_DIR=data"], cwd: tmp.path)
    try process(105, ["deno", "run", "x.ts"], environ: ["HOME=\(tmp.path)", "DATA_DIR=~/data/"])
    try process(106, ["node", "unrelated.js"], environ: ["HOME=/nowhere", "DATA_DIR=/elsewhere"])
    try process(107, ["node", "relative.js"], environ: ["HOME=/nowhere", "DATA_DIR=data"])
    try process(108, ["/usr/local/bin/maestro-admin", "repair"], environ: ["DATA_DIR=\(dir)"])
    let found = ServerProcessScan(procRoot: proc, ownPid: 999).scan(for: dir)
    #expect(found.matches.map(\.pid) == [100, 103, 104, 105])
    #expect(found.matches.map(\.evidence) == [.dataDirVariable, .home, .dataDirVariable, .dataDirVariable])
    #expect(found.matches.first?.command == "/usr/bin/node server.js")
    #expect(found.uninspected.map(\.pid) == [102, 107])
    #expect(found.uninspected.first?.reason.hasPrefix("environment not readable") == true)
    // Seen from a process whose parent is 103, the HOME match does not count.
    try AtomicFile.write(Array("999 (x) S 103 1 1".utf8), to: proc + "/999stat")
    try FileSystem.makeDirectories(proc + "/999")
    try FileSystem.rename(proc + "/999stat", to: proc + "/999/stat")
    try AtomicFile.write(Array("103 (maestro-server) S 1 1 1".utf8), to: proc + "/103/stat")
    #expect(ServerProcessScan(procRoot: proc, ownPid: 999).scan(for: dir).matches.map(\.pid) == [100, 104, 105])
  }
}
