import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Synchronization
import Testing

/// The guard every changing job goes through: it refuses a live data dir
/// before anything is created in it, names the server, and lets the
/// override through; the maintenance lock and the jobs call it.
@Suite struct LiveServerGuardTests {
  /// A data dir whose `server-url` names a listener answering `/health`.
  static func liveDataDir(_ tmp: TemporaryDirectory, _ listener: HealthListener) throws -> String {
    let dir = try LiveServerDetectionTests.makeDataDir(tmp.path)
    try LiveServerDetectionTests.writeServerURL(listener.url, into: dir)
    return dir
  }

  @Test func aLiveDataDirIsRefusedNamingTheServer() throws {
    let tmp = try TemporaryDirectory()
    let listener = try HealthListener()
    defer { listener.stop() }
    let dir = try Self.liveDataDir(tmp, listener)
    let reported = Mutex<[LiveServerStatus]>([])
    let guardian = LiveServerGuard(onRefusal: { status in reported.withLock { $0.append(status) } })
    do {
      try guardian.refuseIfLive(dir, command: "maestro-admin repair")
      Issue.record("not refused")
    } catch let error as MaestroError {
      #expect(error.code == .serverLive)
      #expect(error.path == dir)
      #expect(error.message.contains(listener.url))
      #expect(error.message.contains("rewrites whole files from that copy"))
      #expect(error.message.contains("Stop the server, run maestro-admin repair again"))
      #expect(error.message.contains("--ignore-live-server"))
    }
    #expect(reported.withLock { $0.map(\.isLive) } == [true])
    // Detected once: the refusal and the report agree.
    #expect(guardian.statuses.count == 1)
    #expect(listener.requests.count == 1)
    #expect(guardian.status(of: dir + "/").isLive)
    #expect(listener.requests.count == 1)
  }

  @Test func theOverrideLetsItThroughAndSaysSo() throws {
    let tmp = try TemporaryDirectory()
    let listener = try HealthListener()
    defer { listener.stop() }
    let dir = try Self.liveDataDir(tmp, listener)
    let guardian = LiveServerGuard(ignoreLiveServer: true)
    let status = try guardian.refuseIfLive(dir, command: "maestro-admin repair")
    #expect(status.isLive)
    #expect(guardian.wasIgnored(status))
  }

  @Test func theLockRefusesBeforeCreatingItsFolder() throws {
    let tmp = try TemporaryDirectory()
    let listener = try HealthListener()
    defer { listener.stop() }
    let dir = try Self.liveDataDir(tmp, listener)
    #expect(throws: MaestroError.self) { try MaintenanceLock(dataDir: dir, command: "test") }
    #expect(!FileSystem.fileExists(dir + "/.maestro-admin"))
    let lock = try MaintenanceLock(dataDir: dir, command: "test", liveServer: LiveServerGuard(ignoreLiveServer: true))
    lock.release()
    #expect(FileSystem.fileExists(dir + "/.maestro-admin/lock"))
  }

  @Test func aStaleDataDirIsNotRefused() throws {
    let tmp = try TemporaryDirectory()
    let dir = try LiveServerDetectionTests.makeDataDir(tmp.path)
    try LiveServerDetectionTests.writeServerURL("http://127.0.0.1:\(try HealthListener.unusedPort())", into: dir)
    let status = try LiveServerGuard().refuseIfLive(dir, command: "test")
    #expect(!status.isLive && status.staleProbes.count == 1)
  }

  @Test func jobsRefuseALiveDataDirAndChangeNothing() async throws {
    let tmp = try TemporaryDirectory()
    let listener = try HealthListener()
    defer { listener.stop() }
    let dir = try Self.liveDataDir(tmp, listener)
    try AtomicFile.write(Array(#"{"id":"t1","projectId":"p9","sessionIds":["s_gone"]}"#.utf8), to: dir + "/tasks/t1.json")
    let before = try TreeHash.hash(of: dir)
    func expectRefused(_ name: String, _ body: () async throws -> Void) async {
      do {
        try await body()
        Issue.record("\(name) was not refused")
      } catch let error as MaestroError {
        #expect(error.code == .serverLive, "\(name): \(error)")
      } catch {
        Issue.record("\(name): \(error)")
      }
    }
    await expectRefused("repair") { _ = try await RepairJob(dataDir: dir).run() }
    await expectRefused("archive create") {
      _ = try await ArchiveCreateJob(dataDir: dir, criteria: ArchiveCriteria(cutoffMs: .infinity)).run()
    }
    await expectRefused("archive restore") { _ = try ArchiveRestoreJob(dataDir: dir, ids: ["t1"]).run() }
    await expectRefused("migrate up") { _ = try await MigrateJob(dataDir: dir).up(.init(snapshot: false)) }
    #expect(try TreeHash.hash(of: dir) == before)
    #expect(!FileSystem.fileExists(dir + "/.maestro-admin"))
    // A dry run runs (and its command line reports the server).
    let dry = try await RepairJob(dataDir: dir, dryRun: true).run()
    #expect(!dry.steps.isEmpty)
    #expect(try TreeHash.hash(of: dir) == before)
  }

  @Test func theDataDirAPathLiesIn() throws {
    let tmp = try TemporaryDirectory()
    let dir = try LiveServerDetectionTests.makeDataDir(tmp.path)
    try FileSystem.makeDirectories(dir + "/tasks/p1")
    try FileSystem.makeDirectories(dir + "/lost+found/20260101T000000Z/tasks/p1")
    try AtomicFile.write(Array("{}".utf8), to: dir + "/tasks/p1/t1.json")
    let real = CanonicalPathOf(dir)
    #expect(EnclosingDataDirectory.of(dir + "/tasks/p1/t1.json") == real)
    #expect(EnclosingDataDirectory.of(dir + "/tasks") == real)
    #expect(EnclosingDataDirectory.of(dir) == real)
    #expect(EnclosingDataDirectory.of(dir + "/lost+found/20260101T000000Z/tasks/p1") == real)
    try FileSystem.makeDirectories(tmp.path + "/loose")
    #expect(EnclosingDataDirectory.of(tmp.path + "/loose") == nil)
    #expect(EnclosingDataDirectory.of(paths: [dir + "/tasks", dir + "/projects", tmp.path + "/loose"]) == [real])
  }

  private func CanonicalPathOf(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
