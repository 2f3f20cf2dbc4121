import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// A data dir for the end-to-end backup tests: the upstream-head sample plus
/// a secret, the maintenance lock and a stray temp file.
enum BackupScene {
  static let leftOut: Set<String> = [".maestro-admin/lock", "sessions/s.json.0badf00d.tmp"]

  static func dataDir(_ dir: String) throws {
    try copyTree(ProjectPaths.samples + "/upstream-head", to: dir)
    try AtomicFile.write(Array("token".utf8), to: dir + "/.auth-secret", mode: 0o600)
    try FileSystem.makeDirectories(dir + "/.maestro-admin")
    try AtomicFile.write(Array("pid 1\n".utf8), to: dir + "/.maestro-admin/lock", mode: 0o600)
    try AtomicFile.write(Array("{\"id\":".utf8), to: dir + "/sessions/s.json.0badf00d.tmp")
  }

  static func expected(_ dir: String) throws -> [TreeHash.Entry] {
    try TreeHash.entries(of: dir, includeModes: true).filter { !leftOut.contains($0.path) }
  }

  /// The JSON object on the last stdout line.
  static func summary(_ r: CommandResult) throws -> JSONObject {
    let line = try #require(r.lines.last)
    return try #require(try JSONParser.parse(line).objectValue)
  }

  static func snapshots(_ dest: String) throws -> [String] {
    try BackupDestination(path: dest).snapshots().map(\.path)
  }
}

@Suite struct BackupEndToEndTests {
  @Test func createListVerifyRestorePruneWithJSONAndExitCodes() throws {
    let work = try TemporaryDirectory(prefix: "backup-e2e")
    let source = work.appending("src")
    let dest = work.appending("backups")
    try BackupScene.dataDir(source)

    let create = try runMaestroAdmin(["backup", "create", "--data-dir", source, "--dest", dest, "--label", "nightly", "--json"])
    #expect(create.status == 0, "\(create.stderr)")
    let summary = try BackupScene.summary(create)
    #expect(summary["type"]?.stringValue == "summary")
    #expect(summary["verified"]?.boolValue == true)
    let snapshot = try #require(summary["snapshot"]?.stringValue)
    #expect(FileSystem.lastComponent(of: snapshot).hasPrefix("maestro-") && snapshot.hasSuffix(".tar.zst"))
    #expect(try FileSystem.stat(snapshot).mode == 0o600)
    #expect(create.lines.filter { $0.contains(#""type":"excluded""#) }.count == 2)

    let text = try runMaestroAdmin(
      ["backup", "create", "--data-dir", source, "--dest", dest, "--compression", "gzip", "--full"])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("verified"))
    #expect(text.stdout.contains("left out: 1 lock, 1 tmp"))

    let list = try runMaestroAdmin(["backup", "list", "--dest", dest, "--json"])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(list.lines.filter { $0.contains(#""type":"snapshot""#) }.count == 2)
    #expect(list.stdout.contains(#""label":"nightly""#))
    #expect(try BackupScene.summary(list)["snapshots"]?.numberValue == 2)

    let verify = try runMaestroAdmin(["backup", "verify", snapshot, "--json"])
    #expect(verify.status == 0, "\(verify.stderr)")
    #expect(try BackupScene.summary(verify)["verified"]?.boolValue == true)

    let deep = try runMaestroAdmin(["backup", "verify", snapshot, "--deep"])
    #expect(deep.status == 0 || deep.status == 4, "\(deep.stderr)")
    #expect(deep.stdout.contains("check of the snapshot's content"))

    let target = work.appending("restored")
    let restore = try runMaestroAdmin(["backup", "restore", snapshot, "--to", target, "--json"])
    #expect(restore.status == 1, "\(restore.stderr)")
    #expect(try BackupScene.summary(restore)["verified"]?.boolValue == true)
    #expect(try TreeHash.entries(of: target, includeModes: true) == BackupScene.expected(source))

    let again = try runMaestroAdmin(["backup", "restore", snapshot, "--to", target])
    #expect(again.status == 8)
    #expect(again.stderr.contains(target) && again.stderr.contains("--force"))
    let ifMissing = try runMaestroAdmin(["backup", "restore", snapshot, "--to", target, "--if-missing", "--json"])
    #expect(ifMissing.status == 0)
    #expect(try BackupScene.summary(ifMissing)["restored"]?.boolValue == false)

    let dry = try runMaestroAdmin(["backup", "prune", "--dest", dest, "--keep-last", "1", "--dry-run", "--json"])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains(#""action":"keep","reasons":["last snapshot (1 of 1)"]"#))
    #expect(dry.stdout.contains(#""action":"remove","reasons":["no rule keeps it"]"#))
    #expect(try BackupScene.snapshots(dest).count == 2)
    let prune = try runMaestroAdmin(["backup", "prune", "--dest", dest, "--keep-last", "1"])
    #expect(prune.status == 1, "\(prune.stderr)")
    #expect(try BackupScene.snapshots(dest).count == 1)
    #expect(try runMaestroAdmin(["backup", "prune", "--dest", dest, "--keep-last", "1"]).status == 0)
    let noPolicy = try runMaestroAdmin(["backup", "prune", "--dest", dest])
    #expect(noPolicy.status == 16)
  }

  @Test func verifyAndRestoreNameTheBadMemberWithExit4() throws {
    let work = try TemporaryDirectory(prefix: "backup-e2e-bad")
    try BackupScene.dataDir(work.appending("src"))
    let create = try runMaestroAdmin(["backup", "create", "--data-dir", work.appending("src"), "--dest", work.appending("b"), "--compression", "none", "--json"])
    let snapshot = try #require(try BackupScene.summary(create)["snapshot"]?.stringValue)
    var bytes = try FileSystem.readFile(snapshot)
    let needle = Array("token".utf8)
    let at = try #require((0..<(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
    bytes[at] = UInt8(ascii: "T")
    let bad = work.appending("bad.tar")
    try AtomicFile.write(bytes, to: bad)
    let verify = try runMaestroAdmin(["backup", "verify", bad])
    #expect(verify.status == 4)
    #expect(verify.stderr.contains("data/.auth-secret: SHA-256"))
    let restore = try runMaestroAdmin(["backup", "restore", bad, "--to", work.appending("r")])
    #expect(restore.status == 4)
    #expect(restore.stderr.contains("data/.auth-secret"))
    #expect(!FileSystem.fileExists(work.appending("r")))
    let missing = try runMaestroAdmin(["backup", "verify", work.appending("nope.tar.zst")])
    #expect(missing.status == 8)
  }

  @Test func plainTarRestoresWithAWarning() throws {
    let work = try TemporaryDirectory(prefix: "backup-e2e-plain")
    let source = work.appending("src")
    try copyTree(ProjectPaths.samples + "/upstream-head", to: source)
    let tgz = work.appending("plain.tgz")
    #expect(try runProcess("/usr/bin/env", ["tar", "czf", tgz, "-C", source, "."]).status == 0)
    let r = try runMaestroAdmin(["backup", "restore", tgz, "--to", work.appending("r")])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("nothing could be verified"))
    #expect(try TreeHash.hash(of: work.appending("r"), includeModes: true) == TreeHash.hash(of: source, includeModes: true))
  }

  /// GNU tar and bsdtar read a snapshot as an ordinary tar: MANIFEST.json
  /// first, then data/ with every file.
  @Test(arguments: [["tar", "--zstd"], ["bsdtar"]])
  func otherTarsListAndExtractASnapshot(_ tool: [String]) throws {
    let work = try TemporaryDirectory(prefix: "backup-interop")
    let source = work.appending("src")
    try BackupScene.dataDir(source)
    for path in BackupScene.leftOut { try FileSystem.removeFile(source + "/" + path) }
    let create = try runMaestroAdmin(["backup", "create", "--data-dir", source, "--dest", work.appending("b"), "--json"])
    let snapshot = try #require(try BackupScene.summary(create)["snapshot"]?.stringValue)
    let list = try runProcess("/usr/bin/env", tool + ["-tf", snapshot])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(list.lines.first == "MANIFEST.json")
    #expect(list.lines.contains("data/.auth-secret"))
    let out = work.appending("x")
    try FileSystem.makeDirectories(out)
    let extract = try runProcess("/usr/bin/env", tool + ["-xf", snapshot, "-C", out])
    #expect(extract.status == 0, "\(extract.stderr)")
    #expect(try TreeHash.hash(of: out + "/data") == TreeHash.hash(of: source))
    #expect(try FileSystem.stat(out + "/data/.auth-secret").mode == 0o600)
    let manifest = try SnapshotManifest(parsing: try FileSystem.readFile(out + "/MANIFEST.json"), origin: snapshot)
    #expect(manifest.files.count == (try TreeHash.entries(of: source).filter { $0.kind == .file }.count))
  }
}
