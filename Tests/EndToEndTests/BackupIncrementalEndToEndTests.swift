import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Incremental snapshots through the built binary: other tars read them,
/// the CLI forms the nightly job and the benchmarks use, exit codes of a
/// broken chain, and SIGKILL during an incremental create and during prune.
@Suite struct BackupIncrementalEndToEndTests {
  func create(_ source: String, _ dest: String, _ extra: [String] = [], environment: [String: String] = [:]) throws
    -> CommandResult
  {
    try runMaestroAdmin(["backup", "create", "--data-dir", source, "--dest", dest, "--json"] + extra, environment: environment)
  }

  func snapshot(_ r: CommandResult) throws -> String {
    try #require(try BackupScene.summary(r)["snapshot"]?.stringValue, "\(r.stderr)")
  }

  /// A change of one session file (a space appended).
  func touchOneFile(_ source: String, _ n: Int) throws {
    let sessions = try FileSystem.listDirectory(source + "/sessions").filter { $0.name.hasSuffix(".json") }
    let path = source + "/sessions/" + sessions[n % sessions.count].name
    try AtomicFile.write(try FileSystem.readFile(path) + Array(" ".utf8), to: path)
  }

  /// GNU tar and bsdtar list and extract an incremental: the manifest, then
  /// exactly the files that changed.
  @Test(arguments: [["tar", "--zstd"], ["bsdtar"]])
  func otherTarsListAndExtractAnIncremental(_ tool: [String]) throws {
    let work = try TemporaryDirectory(prefix: "backup-incr-interop")
    let source = work.appending("src")
    try BackupScene.dataDir(source)
    let dest = work.appending("b")
    #expect(try create(source, dest).status == 0)
    try touchOneFile(source, 0)
    try AtomicFile.write(Array("new\n".utf8), to: source + "/notes.txt")
    let second = try create(source, dest)
    #expect(try BackupScene.summary(second)["kind"]?.stringValue == "incremental")
    let snapshot = try snapshot(second)
    let list = try runProcess("/usr/bin/env", tool + ["-tf", snapshot])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(list.lines.first == "MANIFEST.json")
    let files = list.lines.filter { $0.hasPrefix("data/") && !$0.hasSuffix("/") }
    #expect(files.count == 2 && files.contains("data/notes.txt"))
    let out = work.appending("x")
    try FileSystem.makeDirectories(out)
    let extract = try runProcess("/usr/bin/env", tool + ["-xf", snapshot, "-C", out])
    #expect(extract.status == 0, "\(extract.stderr)")
    for file in files {
      #expect(try FileSystem.readFile(out + "/" + file) == FileSystem.readFile(source + "/" + file.dropFirst(5)))
    }
  }

  @Test func theNightlyFormsWorkOnAChainAndABrokenChainExits4() throws {
    let work = try TemporaryDirectory(prefix: "backup-incr-cli")
    let source = work.appending("src")
    try BackupScene.dataDir(source)
    let dest = work.appending("b")
    var made: [String] = []
    for night in 0..<4 {
      if night > 0 { try touchOneFile(source, night) }
      let r = try create(source, dest, night == 2 ? ["--full"] : [])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(try BackupScene.summary(r)["kind"]?.stringValue == (night % 2 == 0 ? "full" : "incremental"))
      made.append(try snapshot(r))
    }
    let list = try runMaestroAdmin(["backup", "list", "--dest", dest, "--json"])
    #expect(list.status == 0)
    let rows = list.lines.dropLast().compactMap { try? JSONParser.parse($0).objectValue }
    #expect(rows.map { $0["chain"]?.numberValue } == [1, 2, 1, 2])
    #expect(rows[1]["parent"]?.stringValue == FileSystem.lastComponent(of: made[0]))
    #expect(rows[1]["restoredBytes"]?.numberValue ?? 0 > rows[1]["size"]?.numberValue ?? .infinity)

    let verify = try runMaestroAdmin(["backup", "verify", made[3], "--deep", "--json"])
    #expect(verify.status == 0, "\(verify.stderr)")
    #expect(try BackupScene.summary(verify)["chain"]?.numberValue == 2)
    let target = work.appending("restored")
    let restore = try runMaestroAdmin(["backup", "restore", made[3], "--to", target, "--json"])
    #expect(restore.status == 1, "\(restore.stderr)")
    #expect(try TreeHash.entries(of: target, includeModes: true) == BackupScene.expected(source))

    // keep-daily 1 keeps the newest and, for it, its full parent.
    let prune = try runMaestroAdmin(["backup", "prune", "--dest", dest, "--keep-daily", "1", "--json"])
    #expect(prune.status == 1, "\(prune.stderr)")
    #expect(prune.stdout.contains("kept as parent of \(FileSystem.lastComponent(of: made[3]))"))
    #expect(try BackupScene.snapshots(dest) == [made[2], made[3]])

    // The parent gone: restore and verify name it, exit 4; the target stays.
    try FileSystem.removeFile(made[2])
    let broken = try runMaestroAdmin(["backup", "restore", made[3], "--to", work.appending("t2")])
    #expect(broken.status == 4)
    #expect(broken.stderr.contains(FileSystem.lastComponent(of: made[2])) && broken.stderr.contains("missing"))
    #expect(!FileSystem.fileExists(work.appending("t2")))
    let unverified = try runMaestroAdmin(["backup", "verify", made[3]])
    #expect(unverified.status == 4)
    #expect(unverified.stderr.contains(FileSystem.lastComponent(of: made[2])))
  }

  /// SIGKILL at each step of an incremental create, and after each removal
  /// of a prune: every snapshot the policy keeps restores to its tree.
  @Test func sigkillDuringIncrementalCreateOrPruneKeepsRetainedSnapshotsRestorable() throws {
    let work = try TemporaryDirectory(prefix: "backup-incr-crash")
    let source = work.appending("src")
    try BackupScene.dataDir(source)
    let dest = work.appending("b")
    var trees: [String: [TreeHash.Entry]] = [:]
    for night in 0..<5 {
      if night > 0 { try touchOneFile(source, night) }
      let r = try create(source, dest, night == 3 ? ["--full"] : [])
      trees[try snapshot(r)] = try BackupScene.expected(source)
    }
    try touchOneFile(source, 9)
    for site in ["backup:file:1", "backup:spooled", "backup:before-verify", "backup:before-rename"] {
      let r = try create(source, dest, environment: ["MAESTRO_ADMIN_CRASH_AT": site])
      #expect(r.status == 137, "\(site): \(r.stderr)")
      #expect(try BackupScene.snapshots(dest).count == 5, "\(site)")
    }
    // Chains 0 <- 1 <- 2 and 3 <- 4; keep-last 2 keeps 3 and 4 and
    // removes 2, 1, 0 in that order. Each run killed after its first removal:
    let all = try BackupScene.snapshots(dest)
    for n in 1...2 {
      let r = try runMaestroAdmin(
        ["backup", "prune", "--dest", dest, "--keep-last", "2"], environment: ["MAESTRO_ADMIN_CRASH_AT": "backup:pruned:1"])
      #expect(r.status == 137, "\(r.stderr)")
      let left = try BackupScene.snapshots(dest)
      #expect(left == Array(all.prefix(3 - n)) + all.suffix(2), "after \(n) removal(s)")
      // Every snapshot still listed restores (none lost its parent).
      for s in left {
        let target = work.appending("r-\(n)-\(FileSystem.lastComponent(of: s))")
        let restore = try runMaestroAdmin(["backup", "restore", s, "--to", target])
        #expect(restore.status == 1, "\(s): \(restore.stderr)")
        #expect(try TreeHash.entries(of: target, includeModes: true) == trees[s], "\(s)")
      }
    }
    #expect(try runMaestroAdmin(["backup", "prune", "--dest", dest, "--keep-last", "2"]).status == 1)
    #expect(try BackupScene.snapshots(dest) == Array(all.suffix(2)))
  }
}
