import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The scan keeps hashes only; `MigrationContent` produces the bytes again
/// for the journal and refuses any that differ from what the scan saw.
@Suite struct MigrationContentTests {
  static let session = #"{"id":"s1","projectId":"p1","taskId":"t1"}"#
  static let task = #"{"id":"t1","projectId":"p1","title":"a"}"#

  static func scanned(_ dir: String) async throws -> MigrationContent {
    try MigrationJobTests.write(dir, ["sessions/s1.json": session, "tasks/t1.json": task])
    return try await MigrationScanner(dataDir: dir, migrations: Migrations.all).scan()
  }

  @Test func producesTheBytesTheScanHashed() async throws {
    let dir = try TemporaryDirectory()
    let content = try await Self.scanned(dir.path)
    for (k, file) in content.files.enumerated() {
      #expect(SHA256.hex(of: try content.bytes(.original(k))) == file.originalSha)
      #expect(SHA256.hex(of: try content.bytes(.result(k))) == file.resultSha)
      #expect(file.migratedSha != nil, "\(file.path) changes")
    }
  }

  @Test func aFileChangedSinceTheScanIsRefusedNamingIt() async throws {
    let dir = try TemporaryDirectory()
    let content = try await Self.scanned(dir.path)
    let k = try #require(content.files.firstIndex { $0.kind == .flatTask })
    try AtomicFile.write(Array(#"{"id":"t1","projectId":"p1","title":"b"}"#.utf8), to: dir.path + "/tasks/t1.json")
    for source in [MigrationContent.Source.original(k), .result(k)] {
      do {
        _ = try content.bytes(source)
        Issue.record("journaled bytes the scan did not see")
      } catch let error as MaestroError {
        #expect(error.path == dir.path + "/tasks/t1.json")
      }
    }
  }
}
