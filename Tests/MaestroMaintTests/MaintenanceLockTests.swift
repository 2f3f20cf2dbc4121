import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

@Suite struct MaintenanceLockTests {
  @Test func secondHolderIsRefusedNamingTheFirst() throws {
    let dir = try TemporaryDirectory()
    try FileSystem.makeDirectories(dir.path + "/tasks")
    let first = try MaintenanceLock(dataDir: dir.path, command: "maestro-admin repair")
    do {
      _ = try MaintenanceLock(dataDir: dir.path, command: "maestro-admin fmt")
      Issue.record("took a held lock")
    } catch let error as MaestroError {
      #expect(error.code == .locked)
      #expect(error.message.contains("maestro-admin repair"))
      #expect(error.path == dir.path + "/.maestro-admin/lock")
    }
    first.release()
    let second = try MaintenanceLock(dataDir: dir.path, command: "maestro-admin fmt")
    second.release()
  }

  @Test func missingDataDirIsNamed() {
    #expect(throws: MaestroError.self) { try MaintenanceLock(dataDir: "/nonexistent/dd", command: "x") }
  }
}
