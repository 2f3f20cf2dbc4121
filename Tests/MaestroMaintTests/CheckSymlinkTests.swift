import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Symlinks in the entity folders: reported for what they are (file or
/// folder, target inside or outside the data dir), never followed, and
/// references to what hides behind them are not judged dangling.
@Suite struct CheckSymlinkTests {
  static func link(_ target: String, at path: String) throws {
    guard symlink(target, path) == 0 else { throw MaestroError.system("cannot symlink", path: path) }
  }

  /// A data dir with every kind of symlink, and an outside folder whose
  /// files would give findings if they were read.
  static func scene() throws -> (d: MiniDataDir, outside: TemporaryDirectory) {
    let outside = try TemporaryDirectory(prefix: "maestro-outside")
    try AtomicFile.write(Array(#"{"id":"t_out","projectId":"p","sessionIds":"#.utf8), to: outside.path + "/t_out.json")
    try FileSystem.makeDirectories(outside.path + "/sessions")
    try AtomicFile.write(Array("not json".utf8), to: outside.path + "/sessions/s_hidden.json")
    try FileSystem.makeDirectories(outside.path + "/p2")
    try AtomicFile.write(Array("{".utf8), to: outside.path + "/p2/t_far.json")
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("t1", project: "p")
    // A session lists the task behind the outside link: not dangling.
    try d.session("s1", project: "p", tasks: ["t_out"], extra: [("rootSessionId", "s1")])
    try link(outside.path + "/t_out.json", at: d.root + "/tasks/p/t_out.json")
    try link("t1.json", at: d.root + "/tasks/p/t_alias.json")
    try link(outside.path + "/p2", at: d.root + "/tasks/p2")
    try link("/nonexistent/x.json", at: d.root + "/projects/gone.json")
    try link(outside.path + "/t_out.json", at: d.root + "/sessions/notes.txt")
    return (d, outside)
  }

  @Test func symlinksAreReportedForWhatTheyAre() async throws {
    let (d, outside) = try Self.scene()
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.file ?? "-") \($0.id ?? "-")" } == [
        "file.stray sessions/notes.txt -",
        "file.symlink tasks/p/t_alias.json t_alias",
        "file.symlink.outside projects/gone.json gone",
        "file.symlink.outside tasks/p/t_out.json t_out",
        "folder.symlink.outside tasks/p2/ -",
      ], "\(report.findings)")
    let byFile = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.file ?? "", $0) })
    #expect(byFile["tasks/p/t_alias.json"]?.message.contains(#""tasks/p/t1.json" inside the data dir"#) == true)
    #expect(byFile["projects/gone.json"]?.message.contains("which does not exist") == true)
    #expect(byFile["tasks/p/t_out.json"]?.severity == .error)
    #expect(byFile["tasks/p/t_alias.json"]?.severity == .warning)
    #expect(report.findings.allSatisfy { $0.action == "manual" || $0.code == .strayFile })
    // Nothing behind the links was read: their broken JSON gives no finding.
    #expect(report.filesRead == 3)
    withExtendedLifetime(outside) {}
  }

  @Test func anEntityFolderThatIsASymlinkIsNotListedThrough() async throws {
    let (d, outside) = try Self.scene()
    try FileSystem.removeFile(d.root + "/sessions/s1.json")
    try FileSystem.removeFile(d.root + "/sessions/notes.txt")
    _ = rmdir(d.root + "/sessions")
    try Self.link(outside.path + "/sessions", at: d.root + "/sessions")
    // A task lists a session that only the outside folder could hold.
    try d.task("t2", project: "p", sessions: ["s_hidden"])
    let report = try await d.check()
    let codes = report.findings.map(\.code.rawValue)
    #expect(codes.contains("folder.symlink.outside"))
    #expect(!codes.contains("task.session.dangling") && !codes.contains("file.malformed") && !codes.contains("layout.unknown"))
    let folder = try #require(report.findings.first { $0.file == "sessions/" })
    #expect(folder.message.contains("outside the data dir") && folder.message.contains("session files"))
    // The stats count every symlink; the folder still counts as a data dir.
    let stats = try await DataDirStats.compute(root: d.root)
    #expect(stats.symlinks == ["projects/gone.json", "sessions", "tasks/p/t_alias.json", "tasks/p/t_out.json", "tasks/p2"])
    #expect(stats.sessions == 0 && stats.tasks == 2)
    #expect(DataDirectory.isDataDirectory(d.root))
  }

  /// Jobs that read or rewrite entity files never go through a link.
  @Test func changingJobsNeverFollowALink() async throws {
    let (d, outside) = try Self.scene()
    // A misplaced task whose project folder is the outside link: moving it
    // there would write outside the data dir, so it is left to a person.
    try d.project("p2")
    try d.task("t_mis", project: "p2", at: "tasks/p/t_mis.json")
    let before = try TreeHash.hash(of: outside.path, includeModes: true)
    let repair = try await RepairJob(dataDir: d.root).run()
    #expect(repair.remaining.contains { $0.code == .taskMisplaced })
    #expect(FileSystem.fileExists(d.root + "/tasks/p/t_mis.json"))
    _ = try await MigrateJob(dataDir: d.root).up(.init(snapshot: false))
    _ = try await JSONFormatter(style: .compact, rewrite: true).run(try JSONFormatter.collectFiles([d.root]))
    #expect(try TreeHash.hash(of: outside.path, includeModes: true) == before)
    // The links themselves are still there, as they were.
    #expect(SymlinkTarget.resolve(d.root + "/tasks/p/t_out.json", dataDir: d.root)?.text == outside.path + "/t_out.json")
    #expect(SymlinkTarget.resolve(d.root + "/tasks/p2", dataDir: d.root)?.isInside == false)
    // A plain read refuses a link as its last component.
    #expect(throws: MaestroError.self) { try FileSystem.readFile(d.root + "/tasks/p/t_alias.json") }
  }
}
