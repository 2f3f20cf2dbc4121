@testable import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `backup verify --deep` judges a snapshot streamed from its archive
/// exactly as `check` judges the data dir it was taken from.
@Suite struct BackupDeepCheckTests {
  /// A finding as both checks must report it.
  struct Key: Hashable, Comparable, CustomStringConvertible {
    var code: String
    var id: String
    var file: String
    var ref: String
    var count: Int
    var description: String { "\(code) \(file) \(id) \(ref) ×\(count)" }
    static func < (a: Key, b: Key) -> Bool { (a.code, a.file, a.id, a.ref) < (b.code, b.file, b.id, b.ref) }
    init(_ f: Finding) {
      code = f.code.rawValue
      id = f.id ?? ""
      file = f.file ?? ""
      ref = f.ref ?? ""
      count = f.count ?? 1
    }
  }

  /// Every fault class in every format: the streamed check finds what the
  /// directory check finds, except the stray `*.tmp` files a snapshot
  /// leaves out by design.
  @Test(arguments: [GenerateFormat.seed, .current, .legacy])
  func streamedCheckEqualsDirectoryCheck(_ format: GenerateFormat) async throws {
    try await withTemporaryDirectory(prefix: "maestro-deep") { dir in
      let data = dir + "/data"
      _ = try await DataGenerator.run(
        GeneratorOptions(
          out: data, scale: .xs, seed: 5, format: format, faults: try FaultInjection(parsing: "all=2"),
          sync: false))
      try addFilesReadAfterTheEntities(data)
      let direct = try await DataDirCheck(root: data).run()
      let snapshot = try SnapshotCreator(.init(dataDir: data, destination: dir + "/backups")).run()

      var verifier = SnapshotVerifier(path: snapshot.path)
      verifier.deep = true
      let report = try verifier.run()
      #expect(report.isVerified, "\(report.problems)")
      let streamed = try #require(report.check)

      let expected = Set(direct.findings.filter { $0.code != .strayTmp }.map(Key.init))
      let got = Set(streamed.findings.map(Key.init))
      #expect(expected.count > 20)
      for (code, file) in [
        (FindingCode.legacyDuplicate, "tasks/"), (.fileMalformed, ArchiveCatalog.relativePath),
        (.refArchived, "ordering/"), (.listDangling, "ordering/"),
      ] {
        #expect(got.contains { $0.code == code.rawValue && $0.file.hasPrefix(file) }, "\(code.rawValue)")
      }
      #expect(expected.subtracting(got).sorted() == [], "missed")
      #expect(got.subtracting(expected).sorted() == [], "extra")
      #expect(streamed.root == snapshot.path)
      #expect(streamed.filesRead == direct.filesRead)
      #expect(streamed.bytesRead == direct.bytesRead)
    }
  }

  /// What check reads besides the entity files, so the streamed check must
  /// keep it: a flat copy identical to a project-folder task (a duplicate,
  /// not a conflict, only when both are compared), an ordering list naming
  /// a live, an archived and a missing task, and a catalog with a bad line.
  func addFilesReadAfterTheEntities(_ data: String) throws {
    let folder = try #require(
      try FileSystem.listDirectory(data + "/tasks").first { $0.kind == .directory }).name
    let task = try #require(
      try FileSystem.listDirectory(data + "/tasks/" + folder).first { $0.name.hasSuffix(".json") }).name
    let bytes = try FileSystem.readFile(data + "/tasks/" + folder + "/" + task)
    _ = try JSONParser.parse(bytes)
    try AtomicFile.write(bytes, to: data + "/tasks/" + task)
    let stem = String(task.dropLast(5))
    try FileSystem.makeDirectories(data + "/ordering/task")
    try AtomicFile.write(
      Array(#"{"orderedIds":["\#(stem)","task_archived_1","task_gone_1"]}"#.utf8),
      to: data + "/ordering/task/" + folder + ".json")
    try FileSystem.makeDirectories(data + "/archive")
    try AtomicFile.write(
      Array("{\"id\":\"task_archived_1\"}\n{\"id\":\n".utf8), to: data + "/" + ArchiveCatalog.relativePath)
  }

  /// A deep verify of a clean snapshot of real server data finds what check
  /// finds on the data dir, session docs judged against where the snapshot
  /// was taken (present, not relocated).
  @Test func samplesCheckTheSameStreamed() async throws {
    for sample in ["upstream-head", "upstream-2026-02-08"] {
      try await withTemporaryDirectory(prefix: "maestro-deep") { dir in
        let data = dir + "/data"
        try copyTree(ProjectPaths.samples + "/" + sample, to: data)
        let direct = try await DataDirCheck(root: data).run()
        let snapshot = try SnapshotCreator(.init(dataDir: data, destination: dir + "/backups")).run()
        var verifier = SnapshotVerifier(path: snapshot.path)
        verifier.deep = true
        let streamed = try #require(try verifier.run().check)
        #expect(Set(streamed.findings.map(Key.init)) == Set(direct.findings.map(Key.init)), "\(sample)")
        #expect(streamed.exitStatus == direct.exitStatus)
      }
    }
  }

  /// Without `deep`, no check runs; a snapshot that does not verify gets no
  /// check report (its content cannot be trusted).
  @Test func checkRunsOnlyWhenDeepAndVerified() async throws {
    try await withTemporaryDirectory(prefix: "maestro-deep") { dir in
      let data = dir + "/data"
      try copyTree(ProjectPaths.samples + "/upstream-head", to: data)
      let snapshot = try SnapshotCreator(.init(dataDir: data, destination: dir + "/backups")).run()
      #expect(try SnapshotVerifier(path: snapshot.path).run().check == nil)

      // Flip one byte near the end of the compressed stream.
      var bytes = try FileSystem.readFile(snapshot.path)
      bytes[bytes.count - 40] ^= 0xFF
      let damaged = dir + "/damaged.tar.zst"
      try AtomicFile.write(bytes, to: damaged)
      var verifier = SnapshotVerifier(path: damaged)
      verifier.deep = true
      let report = try verifier.run()
      #expect(!report.isVerified)
      #expect(report.check == nil)
    }
  }
}
