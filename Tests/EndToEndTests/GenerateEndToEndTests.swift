import MaestroStorage
import MaestroTestSupport
import Testing

/// `maestro-admin generate` as operators run it.
@Suite struct GenerateEndToEndTests {
  @Test func jsonSummaryMatchesTheTreeOnDisk() throws {
    try withTemporaryDirectory { dir in
      let r = try runMaestroAdmin(["generate", "--out", dir + "/d", "--scale", "xs", "--inject", "all=1", "--json"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr.isEmpty)
      let summary = try #require(try JSONParser.parse(r.lines.last ?? "").objectValue)
      #expect(summary["type"] == "summary")
      #expect(summary["projects"] == 3 && summary["tasks"] == 30 && summary["sessions"] == 10)
      let hash = try #require(summary["treeHash"]?.stringValue)
      #expect(UInt64(hash, radix: 16) == (try TreeHash.hash(of: dir + "/d")))
      #expect(summary["seconds"]?["total"]?.numberValue != nil)
      #expect(FileSystem.fileExists(dir + "/d.faults.json"))
      // fmt --check: planted broken files fail to parse (exit 8); a clean
      // dir is canonical (exit 0).
      let clean = try runMaestroAdmin(["generate", "--out", dir + "/clean", "--format", "current"])
      #expect(clean.status == 0 && clean.stdout.contains("tree hash"))
      #expect(try runMaestroAdmin(["fmt", "--check", dir + "/clean"]).status == 0)
    }
  }

  @Test func nonEmptyOutExits16NamingItAndForceReplaces() throws {
    try withTemporaryDirectory { dir in
      let out = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", out]).status == 0)
      let again = try runMaestroAdmin(["generate", "--out", out, "--seed", "2"])
      #expect(again.status == 16)
      #expect(again.stderr.contains(out) && again.stderr.contains("--force"))
      let before = try TreeHash.hash(of: out)
      let forced = try runMaestroAdmin(["generate", "--out", out, "--seed", "2", "--force", "--json"])
      #expect(forced.status == 0, "\(forced.stderr)")
      #expect(try TreeHash.hash(of: out) != before)
      #expect(try FileSystem.listDirectory(dir).map(\.name) == ["data", "data.faults.json"])
    }
  }

  @Test func usageErrorsExit16() throws {
    try withTemporaryDirectory { dir in
      let unknown = try runMaestroAdmin(["generate", "--out", dir + "/x", "--inject", "nope=1"])
      #expect(unknown.status == 16)
      #expect(unknown.stderr.contains("nope") && unknown.stderr.contains("task.parent.cycle"))
      #expect(try runMaestroAdmin(["generate", "--out", dir + "/x", "--scale", "huge"]).status == 16)
      #expect(try runMaestroAdmin(["generate", "--out", dir + "/x", "--inject", "session.doc.missing=1"]).status == 16)
      #expect(try runMaestroAdmin(["generate", "--out", dir + "/x", "--tasks", "0", "--sessions", "3"]).status == 16)
      #expect(!FileSystem.fileExists(dir + "/x"))
    }
  }

  @Test func helpListsEveryFaultClass() throws {
    let r = try runMaestroAdmin(["generate", "--help"])
    #expect(r.status == 0)
    for name in [
      "session.task.dangling", "link.session-only", "task.legacy.conflict", "file.stray-tmp",
      "task.dependency.cycle", "task.session-status.unlinked", "entity.id.hostile",
    ] {
      #expect(r.stdout.contains(name), "\(name) missing from --help")
    }
    #expect(r.stdout.contains("--no-sync"))
    #expect(!r.stdout.contains("--workers") && !r.stdout.contains("--doc-root"))
  }
}
