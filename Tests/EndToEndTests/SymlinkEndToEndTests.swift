import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A legacy data dir with entity files that are symlinks to files outside
/// it: `check` reports them, `stats` counts them, and no command reads,
/// hashes or rewrites what they point at.
@Suite struct SymlinkEndToEndTests {
  @Test func noCommandFollowsALinkOutOfTheDataDir() throws {
    let work = try TemporaryDirectory()
    let dir = work.appending("data")
    let outside = work.appending("outside")
    try copyTree(ProjectPaths.fixtures + "/seed-legacy", to: dir)
    try FileSystem.makeDirectories(outside)
    // Legacy content a migration would rewrite, and a pretty file fmt
    // would compact, if either went through the links.
    let session = try FileSystem.listDirectory(dir + "/sessions").map(\.name).sorted()[0]
    var legacy = try #require(try JSONParser.parse(FileSystem.readFile(dir + "/sessions/" + session)).objectValue)
    legacy["id"] = "sess_1706700009000_linked"
    try AtomicFile.write(JSONWriter.serialize(.object(legacy), style: .pretty), to: outside + "/s.json")
    #expect(symlink(outside + "/s.json", dir + "/sessions/sess_1706700009000_linked.json") == 0)
    #expect(symlink(outside, dir + "/tasks/proj_elsewhere") == 0)
    let before = try TreeHash.hash(of: outside, includeModes: true)

    let check = try runMaestroAdmin(["check", "--data-dir", dir, "--json"])
    #expect(check.status == 4, "\(check.stderr)")
    #expect(check.stdout.contains(#""code":"file.symlink.outside","severity":"error","entity":"session","id":"sess_1706700009000_linked""#))
    #expect(check.stdout.contains(#""code":"folder.symlink.outside","severity":"error","entity":"file","id":null,"file":"tasks/proj_elsewhere/""#))

    let stats = try runMaestroAdmin(["stats", "--data-dir", dir, "--json"])
    #expect(stats.status == 0 && stats.stdout.contains(#""symlinks":2"#), "\(stats.stdout)")

    #expect(try runMaestroAdmin(["fmt", "--style", "compact", dir]).status <= 1)
    let repair = try runMaestroAdmin(["repair", "--data-dir", dir])
    #expect(repair.status == 4, "\(repair.stdout)\(repair.stderr)")
    let up = try runMaestroAdmin(["migrate", "up", "--data-dir", dir, "--no-snapshot"])
    #expect(up.status == 1, "\(up.stdout)\(up.stderr)")
    let backup = try runMaestroAdmin(["backup", "create", "--data-dir", dir, "--dest", work.appending("backups"), "--json"])
    #expect(backup.status == 0, "\(backup.stderr)")
    #expect(backup.stdout.contains("sessions/sess_1706700009000_linked.json"), "the link is listed as left out")

    #expect(try TreeHash.hash(of: outside, includeModes: true) == before, "something went through a link")
    let link = SymlinkTarget.resolve(dir + "/sessions/sess_1706700009000_linked.json", dataDir: dir)
    #expect(link?.text == outside + "/s.json" && link?.isInside == false)
  }
}
