import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Runs the built binary and checks stdout, stderr and exit codes.
@Suite struct StatsEndToEndTests {
  @Test func statsCountsTheSeedEraSample() throws {
    let r = try runMaestroAdmin(["stats", "--data-dir", ProjectPaths.samples + "/upstream-2026-02-08", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let summary = try #require(try JSONParser.parse(r.lines.last ?? "").objectValue)
    #expect(summary["type"] == "summary")
    #expect(summary["projects"] == 3)
    #expect(summary["tasks"] == 12)
    #expect(summary["sessions"] == 6)
    #expect(summary["legacyTaskFiles"] == 0)
    #expect(summary["unparseableFiles"] == 0)
    #expect(summary["prettyFiles"] == 21)
    #expect(summary["compactFiles"] == 0)
    for line in r.lines { #expect((try? JSONParser.parse(line)) != nil, "not a JSON line: \(line)") }
  }

  @Test func statsTextNamesCountsAndStatuses() throws {
    let r = try runMaestroAdmin(["stats", "--data-dir", ProjectPaths.samples + "/upstream-head"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("projects      3"))
    #expect(r.stdout.contains("sessions      6"))
    #expect(r.stdout.contains("21 compact JSON"))
    #expect(r.stderr.isEmpty)
  }

  @Test func statsReportsLegacyAndUnparseableFiles() throws {
    try withTemporaryDirectory { dir in
      try copyTree(ProjectPaths.samples + "/upstream-2026-02-08", to: dir)
      try AtomicFile.write(Array(#"{"id":"task_flat","projectId":"p","status":"todo"}"#.utf8), to: dir + "/tasks/task_flat.json")
      try AtomicFile.write(Array(#"{"id":"sess_bad","#.utf8), to: dir + "/sessions/sess_bad.json")
      let r = try runMaestroAdmin(["stats", "--data-dir", dir, "--json"])
      #expect(r.status == 0)
      let summary = try #require(try JSONParser.parse(r.lines.last!).objectValue)
      #expect(summary["legacyTaskFiles"] == 1)
      #expect(summary["tasks"] == 13)
      #expect(summary["unparseableFiles"] == 1)
      #expect(r.stdout.contains(#""file":"sessions/sess_bad.json""#))
    }
  }

  @Test func missingDataDirIsAnOperationalErrorNamingIt() throws {
    let r = try runMaestroAdmin(["stats", "--data-dir", "/nonexistent/maestro-data"])
    #expect(r.status == 8)
    #expect(r.stderr.contains("/nonexistent/maestro-data"))
  }

  @Test func dataDirComesFromTheEnvironment() throws {
    let r = try runMaestroAdmin(["stats", "--json"], environment: ["DATA_DIR": ProjectPaths.samples + "/upstream-head"])
    #expect(r.status == 0)
    #expect(r.lines.last?.contains(#""projects":3"#) == true)
  }

  @Test func usageErrorsExit16() throws {
    let r = try runMaestroAdmin(["stats", "--no-such-flag"])
    #expect(r.status == 16)
    let r2 = try runMaestroAdmin(["fmt", "--style", "weird", "x"])
    #expect(r2.status == 16)
  }

  @Test func helpAndVersion() throws {
    let help = try runMaestroAdmin(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("75  busy: another maintenance run holds the lock, or a server is"))
    #expect(help.stdout.contains("stats"))
    let version = try runMaestroAdmin(["--version"])
    #expect(version.status == 0)
    #expect(version.stdout.hasPrefix("maestro-admin 0."))
  }
}

@Suite struct FmtEndToEndTests {
  @Test func samplesAreCanonicalAsWritten() throws {
    let r = try runMaestroAdmin(["fmt", "--check", ProjectPaths.samples])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.isEmpty)
  }

  @Test func checkListsDifferencesAndExits4ThenRewriteFixesThem() throws {
    try withTemporaryDirectory { dir in
      try copyTree(ProjectPaths.samples + "/upstream-head", to: dir)
      let projects = try FileSystem.listDirectory(dir + "/projects").map { dir + "/projects/" + $0.name }
      let edited = projects[0]
      // A hand edit: pretty-printed with a trailing newline and escaped slash.
      try AtomicFile.write(Array("{ \"id\" : \"x\\/y\", \"n\": 1.50 }\n".utf8), to: edited)
      let untouched = projects[1]
      let untouchedBefore = try FileSystem.stat(untouched)

      let check = try runMaestroAdmin(["fmt", "--check", dir])
      #expect(check.status == 4)
      #expect(check.lines == [edited])

      let dry = try runMaestroAdmin(["fmt", "--dry-run", dir])
      #expect(dry.status == 0)
      #expect(dry.lines == [edited])
      #expect(try FileSystem.readFile(edited) == Array("{ \"id\" : \"x\\/y\", \"n\": 1.50 }\n".utf8))

      let fix = try runMaestroAdmin(["fmt", dir])
      #expect(fix.status == 1)
      // No newline after the brace: compact, as detected.
      #expect(String(decoding: try FileSystem.readFile(edited), as: UTF8.self) == #"{"id":"x/y","n":1.5}"#)
      #expect(try FileSystem.stat(untouched).mtime == untouchedBefore.mtime)

      let again = try runMaestroAdmin(["fmt", "--check", dir])
      #expect(again.status == 0)
    }
  }

  /// Keys with lone surrogates (which servers accept in `env`, `metadata` and
  /// event `data`) come through fmt as Node writes them: a canonical file is
  /// left alone, and a rewrite gives Node's bytes, keys kept apart.
  @Test func loneSurrogateKeysSurviveFmt() throws {
    let corpus = ProjectPaths.fixtures + "/json/node-awkward"
    let name = try #require(
      try FileSystem.listDirectory(corpus + "/in").map(\.name).first { $0.hasSuffix("-session-with-awkward-env.json") })
    try withTemporaryDirectory { dir in
      try copyTree(ProjectPaths.samples + "/upstream-head", to: dir)
      let canonical = dir + "/sessions/sess_1700000000000_abcdefghi.json"
      let nodePretty = try FileSystem.readFile(corpus + "/pretty/" + name)
      try AtomicFile.write(nodePretty, to: canonical)
      let loose = dir + "/sessions/sess_1700000000001_abcdefghi.json"
      try AtomicFile.write(try FileSystem.readFile(corpus + "/in/" + name), to: loose)

      let check = try runMaestroAdmin(["fmt", "--check", dir])
      #expect(check.status == 4)
      #expect(check.lines == [loose])

      let fix = try runMaestroAdmin(["fmt", dir])
      #expect(fix.status == 1, "\(fix.stderr)")
      #expect(try FileSystem.readFile(canonical) == nodePretty)
      #expect(try FileSystem.readFile(loose) == (try FileSystem.readFile(corpus + "/compact/" + name)))
      #expect(String(decoding: try FileSystem.readFile(loose), as: UTF8.self).contains(#""\ud800":"lone high","\udc00":"lone low""#))
      #expect(try runMaestroAdmin(["fmt", "--check", dir]).status == 0)
    }
  }

  @Test func styleCanBeForced() throws {
    try withTemporaryDirectory { dir in
      let file = dir + "/a.json"
      try AtomicFile.write(Array(#"{"a":[1,2],"b":{}}"#.utf8), to: file)
      let r = try runMaestroAdmin(["fmt", "--style", "pretty", file, "--json"])
      #expect(r.status == 1)
      #expect(String(decoding: try FileSystem.readFile(file), as: UTF8.self) == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}")
      #expect(r.lines.last?.contains(#""rewritten":1"#) == true)
    }
  }

  @Test func malformedFilesAreNamedWithPositionAndLeftAlone() throws {
    try withTemporaryDirectory { dir in
      let file = dir + "/bad.json"
      let bytes = Array("{\n  \"a\": tru\n}".utf8)
      try AtomicFile.write(bytes, to: file)
      let r = try runMaestroAdmin(["fmt", dir])
      #expect(r.status == 8)
      #expect(r.stderr.contains("\(file): malformed JSON"))
      #expect(r.stderr.contains("unexpected newline, expecting 'true' at line 2, column 11"))
      #expect(try FileSystem.readFile(file) == bytes)
    }
  }

  @Test func missingPathIsNamed() throws {
    let r = try runMaestroAdmin(["fmt", "--check", "/nonexistent/x.json"])
    #expect(r.status == 8)
    #expect(r.stderr.contains("/nonexistent/x.json"))
  }
}

@Suite struct MaintenanceLockEndToEndTests {
  @Test func fmtRefusesADataDirAnotherRunHoldsWithExit75() throws {
    try withTemporaryDirectory { dir in
      try copyTree(ProjectPaths.samples + "/upstream-head", to: dir)
      let lock = try MaintenanceLock(dataDir: dir, command: "test holder")
      let r = try runMaestroAdmin(["fmt", dir])
      #expect(r.status == 75)
      #expect(r.stderr.contains("test holder"))
      #expect(r.stderr.contains(dir + "/.maestro-admin/lock"))
      // Read-only modes need no lock.
      #expect(try runMaestroAdmin(["fmt", "--check", dir]).status == 0)
      lock.release()
      #expect(try runMaestroAdmin(["fmt", dir]).status == 0)
    }
  }
}
