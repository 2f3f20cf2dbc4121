import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// A folder that is not a data dir: `check` says so (and reads nothing in
/// it), every changing job refuses it before writing; a fresh server's data
/// dir (the entity folders present, empty) is a data dir.
@Suite struct CheckDataDirTests {
  @Test func emptyFolderAndUnrelatedFilesAreNotADataDir() async throws {
    let empty = try TemporaryDirectory()
    let report = try await DataDirCheck(root: empty.path).run()
    #expect(report.findings.map(\.code) == [.notADataDir])
    #expect(report.findings[0].severity == .error && report.findings[0].message.contains("it is empty"))
    #expect(report.exitStatus == .problemsLeft)
    // No filter hides it: a check of the wrong folder never passes.
    let filtered = try await DataDirCheck(root: empty.path, filter: FindingFilter(only: "link.", ignore: "datadir.")).run()
    #expect(filtered.findings.map(\.code) == [.notADataDir] && filtered.exitStatus == .problemsLeft)

    let unrelated = try TemporaryDirectory()
    try AtomicFile.write(Array("{\"id\":1}".utf8), to: unrelated.path + "/notes.json")
    try FileSystem.makeDirectories(unrelated.path + "/photos")
    try FileSystem.makeDirectories(unrelated.path + "/archive")
    try AtomicFile.write(Array("not json".utf8), to: unrelated.path + "/archive/catalog.jsonl")
    let other = try await DataDirCheck(root: unrelated.path).run()
    // One finding: no layout.unknown per entry, and nothing read (the
    // catalog is not JSON lines, yet no file.malformed).
    #expect(other.findings.map(\.code) == [.notADataDir])
    #expect(other.findings[0].message.contains("it holds 3 other entries"))
    #expect(other.filesRead == 0)
  }

  @Test func freshServerDataDirIsADataDir() async throws {
    let fresh = try TemporaryDirectory()
    for folder in ["projects", "tasks", "sessions"] { try FileSystem.makeDirectories(fresh.path + "/" + folder) }
    #expect(DataDirectory.isDataDirectory(fresh.path))
    let report = try await DataDirCheck(root: fresh.path).run()
    #expect(report.findings.isEmpty && report.exitStatus == .ok)
    // One entity folder is enough (a server that has written only sessions).
    let partial = try TemporaryDirectory()
    try FileSystem.makeDirectories(partial.path + "/sessions")
    #expect(try await DataDirCheck(root: partial.path).run().findings.isEmpty)
    for dir in CheckFixtureTests.cleanDirs + [ProjectPaths.fixtures + "/generated/xs-current"] {
      #expect(DataDirectory.isDataDirectory(dir), "\(dir)")
    }
  }

  /// The lock, which every changing command takes, refuses first: no
  /// `.maestro-admin/` appears; the jobs refuse even a dry run.
  @Test func changingJobsRefuseBeforeWriting() async throws {
    let dir = try TemporaryDirectory()
    try AtomicFile.write(Array("hello".utf8), to: dir.path + "/readme.txt")
    let before = try TreeHash.hash(of: dir.path, includeModes: true)
    func isUsage(_ error: any Error) -> Bool { (error as? MaestroError)?.code == .usage }
    #expect(throws: MaestroError.self) { try MaintenanceLock(dataDir: dir.path, command: "test") }
    do {
      _ = try MaintenanceLock(dataDir: dir.path, command: "test")
    } catch {
      #expect(isUsage(error) && "\(error)".contains("not a Maestro data dir"))
    }
    for dryRun in [false, true] {
      await #expect(performing: { _ = try await RepairJob(dataDir: dir.path, dryRun: dryRun).run() }, throws: isUsage)
      await #expect(
        performing: { _ = try await MigrateJob(dataDir: dir.path).up(.init(dryRun: dryRun, snapshot: false)) },
        throws: isUsage)
    }
    await #expect(performing: { _ = try await MigrateJob(dataDir: dir.path).status() }, throws: isUsage)
    #expect(try TreeHash.hash(of: dir.path, includeModes: true) == before)
    #expect(!FileSystem.fileExists(dir.path + "/.maestro-admin"))
    // A lock taken on a fresh (empty) data dir is fine.
    try FileSystem.makeDirectories(dir.path + "/tasks")
    let lock = try MaintenanceLock(dataDir: dir.path, command: "test")
    lock.release()
  }
}
