import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The read-only commands on a data dir a server is writing
/// (`maestro-server-imitator` at 300 writes/s, in both write styles): no
/// write in flight is reported as an error or warning, nothing is written,
/// and a snapshot taken meanwhile says so.
@Suite(.serialized) struct LiveDataDirTests {
  /// The JSON objects `--json` printed, one per line.
  static func objects(_ r: CommandResult) throws -> [JSONObject] {
    try r.lines.map { try #require(try JSONParser.parse(Array($0.utf8)).objectValue) }
  }

  /// A generated data dir (scale s, clean) in a fresh work folder.
  static func scene() throws -> (work: TemporaryDirectory, data: String) {
    let work = try TemporaryDirectory(prefix: "live-e2e")
    let data = work.appending("data")
    let generated = try runMaestroAdmin(["generate", "--scale", "s", "--out", data, "--no-sync"])
    #expect(generated.status == 0, "\(generated.stderr)")
    return (work, data)
  }

  /// Removes the work folder with `rm -rf` (thousands of files: much
  /// faster than the helper's file-by-file removal in a debug build).
  static func remove(_ work: TemporaryDirectory) {
    _ = try? runProcess("/bin/rm", ["-rf", work.path])
  }

  @Test(arguments: ImitatorWrite.Style.allCases)
  func checkWhileAServerWritesReportsNoTransientAsErrorOrWarning(_ style: ImitatorWrite.Style) throws {
    let (work, data) = try Self.scene()
    let server = try ImitatorProcess(dataDir: data, style: style, rate: 300, seconds: 10, workDir: work.path)
    var transient = 0
    for _ in 0..<2 {
      let run = try runMaestroAdmin(["check", "--data-dir", data, "--json"])
      let lines = try Self.objects(run)
      let summary = try #require(lines.last)
      let loud = lines.dropLast().filter { $0["severity"] == "error" || $0["severity"] == "warning" }
      #expect(run.status == 0, "\(loud.map { JSONWriter.string(.object($0), style: .compact) })")
      #expect(loud.isEmpty)
      #expect(summary["counts"]?["error"] == 0 && summary["counts"]?["warning"] == 0)
      let marked = lines.dropLast().filter { $0["severity"] == "transient" }
      #expect(marked.allSatisfy { $0["transient"] != nil && $0["action"] == "none" })
      #expect(summary["transient"]?.numberValue == Double(marked.count))
      if !marked.isEmpty { #expect(summary["changing"] == true) }
      transient += marked.count
    }
    let stopped = server.stop()
    #expect(stopped.status == 0, "\(stopped.summary)")
    let writes = try server.writes()
    #expect(writes.count > 100, "the imitator wrote only \(writes.count) files")
    #expect(Set(writes.map(\.style)) == [style])

    // Once the writer stopped: no finding at all of error or warning
    // severity, so everything reported transient was indeed a write in flight.
    let after = try runMaestroAdmin(["check", "--data-dir", data, "--json"])
    let summary = try #require(try Self.objects(after).last)
    #expect(after.status == 0)
    #expect(summary["transient"] == 0 && summary["changing"] == false)
    // check wrote nothing: every server write is still on disk as written.
    let verdict = LostWriteVerifier(policy: .untouched).verify(log: writes, root: data)
    #expect(verdict.losses.isEmpty, "\(verdict.losses)")
    #expect(verdict.intact == verdict.files)
    Self.remove(work)
    print("live check (\(style.rawValue)): \(writes.count) server writes, \(transient) transient findings in 2 runs")
  }

  @Test func backupWhileAServerWritesIsWholeAndSaysItWasTakenLive() throws {
    let (work, data) = try Self.scene()
    let dest = work.appending("backups")
    let server = try ImitatorProcess(dataDir: data, style: .inPlace, rate: 300, seconds: 10, workDir: work.path)
    usleep(300_000)
    let create = try runMaestroAdmin(["backup", "create", "--data-dir", data, "--dest", dest, "--json"])
    let stopped = server.stop()
    #expect(create.status == 0, "\(create.stderr)")
    #expect(stopped.status == 0)
    let summary = try #require(try Self.objects(create).last)
    let snapshot = try #require(summary["snapshot"]?.stringValue)
    #expect(summary["live"]?["changedFiles"]?.numberValue ?? 0 > 0, "\(summary)")

    let verify = try runMaestroAdmin(["backup", "verify", snapshot, "--deep", "--json"])
    let lines = try Self.objects(verify)
    #expect(verify.status == 0, "\(verify.stdout)")
    #expect(lines.last?["verified"] == true && lines.last?["live"] != .null)
    func key(_ o: JSONObject) -> String {
      ["code", "file", "id", "ref"].map { o[$0].map { JSONWriter.string($0, style: .compact) } ?? "-" }.joined(separator: " ")
    }
    let transient = Set(lines.filter { $0["severity"] == "transient" }.map(key))
    #expect(lines.allSatisfy { $0["severity"] != "error" && $0["severity"] != "warning" })

    // Restored, the snapshot is a data dir at rest: what check finds in it
    // is exactly what verify --deep called transient, nothing more.
    let target = work.appending("restored")
    let restore = try runMaestroAdmin(["backup", "restore", snapshot, "--to", target])
    #expect(restore.status == 1, "\(restore.stderr)")  // 1: restored (changes made)
    let check = try runMaestroAdmin(["check", "--data-dir", target, "--json"])
    let loud = try Self.objects(check).dropLast().filter { $0["severity"] == "error" || $0["severity"] == "warning" }
    #expect(Set(loud.map(key)) == transient)
    Self.remove(work)
    print("live backup: \(summary["live"].map { JSONWriter.string($0, style: .compact) } ?? "-"), \(transient.count) transient link findings")
  }
}
