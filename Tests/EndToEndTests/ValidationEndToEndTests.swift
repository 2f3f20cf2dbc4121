import Foundation
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Bad input gets a clear refusal with the documented exit code, errors
/// are JSON under --json, every summary names its exit code the same way,
/// and --version, --quiet and --no-progress do what they say.
@Suite struct ValidationEndToEndTests {
  /// A copy of the generated seed-era fixture (it has completed tasks).
  private func dataDir() throws -> TemporaryDirectory {
    let dir = try TemporaryDirectory()
    try copyTree(ProjectPaths.fixtures + "/generated/xs-seed", to: dir.path)
    return dir
  }

  @Test func archiveFiltersAreValidatedWithExit16() async throws {
    let dir = try dataDir()
    let before = try TreeHash.hash(of: dir.path)
    func create(_ extra: [String]) async throws -> CommandResult {
      try await runMaestroAdminDetached(["archive", "create", "--data-dir", dir.path] + extra)
    }
    // Not a date: refused, not read as 2026-03-02.
    let feb30 = try await create(["--before", "2026-02-30"])
    #expect(feb30.status == 16, "\(feb30.stderr)")
    #expect(feb30.stderr.contains("2026-02-30") && feb30.stderr.contains("2026-02 has 28 days"))
    #expect(try await create(["--before", "2027-02-29"]).status == 16)
    #expect(try await create(["--before", "2026-04-31T00:00:00Z"]).status == 16)
    // A leap day is a date.
    #expect(try await create(["--before", "2028-02-29", "--dry-run"]).status == 0)
    // Unknown status, unknown project.
    let status = try await create(["--status", "completed,nosuch", "--dry-run"])
    #expect(status.status == 16)
    #expect(status.stderr.contains("\"nosuch\" is not a task status"))
    let project = try await create(["--project", "proj_nosuch", "--dry-run"])
    #expect(project.status == 16)
    #expect(project.stderr.contains("no project \"proj_nosuch\""))
    // A real project and known statuses pass.
    let projectId = try #require(try FileSystem.listDirectory(dir.path + "/projects").first?.name.dropLast(5))
    #expect(try await create(["--project", String(projectId), "--status", "completed,cancelled", "--dry-run"]).status == 0)
    // search validates its dates the same way.
    #expect(try await runMaestroAdminDetached(["archive", "search", "--data-dir", dir.path, "--after", "2026-13-01"]).status == 16)
    #expect(try await runMaestroAdminDetached(["archive", "search", "--data-dir", dir.path, "--before", "2025-02-29"]).status == 16)
    #expect(try TreeHash.hash(of: dir.path) == before)
  }

  @Test func archiveQueriesOnAMissingOrNonDirectoryDataDirExit8() async throws {
    let dir = try TemporaryDirectory()
    let file = dir.appending("a-file")
    try AtomicFile.write(Array("x".utf8), to: file)
    for query in [["list"], ["search", "--text", "x"], ["show", "task_1"]] {
      let missing = try await runMaestroAdminDetached(["archive"] + query + ["--data-dir", dir.appending("nosuch")])
      #expect(missing.status == 8, "\(query) \(missing.stderr)")
      #expect(missing.stderr.contains("the data dir does not exist"))
      let notDir = try await runMaestroAdminDetached(["archive"] + query + ["--data-dir", file])
      #expect(notDir.status == 8, "\(query)")
      #expect(notDir.stderr.contains("\(file): this is a regular file, not a directory"))
    }
    // Every data-dir command says the same of a file.
    let check = try await runMaestroAdminDetached(["check", "--data-dir", file])
    #expect(check.status == 8 && check.stderr.contains("regular file, not a directory"))
    #expect(!check.stderr.contains("does not exist"))
  }

  @Test func undoRefusesAJournalOfAnotherDataDir() async throws {
    let a = try TemporaryDirectory()
    let b = try TemporaryDirectory()
    let journal = try JournalRunner(dataDir: a.path).run(try makeDirAndPlan(a.path), command: "repair")
    _ = try makeDirAndPlan(b.path)
    let (treeA, treeB) = (try userTree(a.path), try userTree(b.path))

    let wrong = try await runMaestroAdminDetached(["undo", journal.path, "--data-dir", b.path, "--json"])
    #expect(wrong.status == 16, "\(wrong.stderr)")
    #expect(wrong.stderr.contains("belongs to the data dir \(a.path), not to --data-dir \(b.path)"))
    let error = try #require(wrong.lines.last.flatMap { try? JSONParser.parse(Array($0.utf8)) })
    #expect(error["type"] == "error" && error["exitCode"] == 16)
    // A journal file copied out of its data dir is not a journal of any.
    let stray = a.appending("copied.jsonl")
    try AtomicFile.write(try FileSystem.readFile(journal.path), to: stray)
    let copied = try await runMaestroAdminDetached(["undo", stray, "--data-dir", a.path])
    #expect(copied.status == 16)
    #expect(copied.stderr.contains("not a journal of a data dir"))
    #expect(try userTree(a.path).filter { $0.path != "copied.jsonl" } == treeA && (try userTree(b.path)) == treeB)
    // The right data dir (given another way: a trailing slash) undoes it.
    let right = try await runMaestroAdminDetached(["undo", journal.path, "--data-dir", a.path + "/"])
    #expect(right.status == 1, "\(right.stderr)")
  }

  @Test func jsonErrorsAreJSONObjectsWithExitCode() async throws {
    let dir = try TemporaryDirectory()
    let cases: [([String], Int32)] = [
      (["check", "--data-dir", dir.appending("nosuch"), "--json"], 8),
      (["stats", "--data-dir", dir.appending("nosuch"), "--json"], 8),
      (["archive", "list", "--data-dir", dir.appending("nosuch"), "--json"], 8),
      (["generate", "--out", dir.appending("g"), "--bogus", "--json"], 16),
      (["generate", "--out", dir.appending("g"), "--seed", "-1", "--json"], 16),
      (["check", "--data-dir", dir.path, "--only", "no.such.code", "--json"], 16),
      (["undo", "nosuch", "--data-dir", dir.path, "--json"], 8),
    ]
    for (arguments, code) in cases {
      let r = try await runMaestroAdminDetached(arguments)
      #expect(r.status == code, "\(arguments): \(r.stderr)")
      #expect(r.lines.count == 1, "\(arguments): \(r.stdout)")
      let object = try #require(try? JSONParser.parse(Array((r.lines.last ?? "").utf8)), "\(arguments): \(r.stdout)")
      #expect(object["type"] == "error", "\(arguments)")
      #expect(object["exitCode"]?.numberValue == Double(code), "\(arguments)")
      #expect(object["message"]?.stringValue?.isEmpty == false, "\(arguments)")
      #expect(object["dataDirChanged"] == false)
      #expect(!r.stderr.isEmpty, "\(arguments): the error is on stderr too")
    }
    let negative = try await runMaestroAdminDetached(["generate", "--out", dir.appending("g"), "--seed", "-1"])
    #expect(negative.stderr.contains("--seed -1: a negative number is not a valid value"))
    #expect(!negative.stderr.contains("Missing value"))
  }

  @Test func everySummaryNamesItsExitCodeExitCode() async throws {
    let dir = try dataDir()
    let backups = try TemporaryDirectory()
    let fmtDir = try TemporaryDirectory()
    try copyTree(ProjectPaths.fixtures + "/seed-basic", to: fmtDir.path)
    let runs: [[String]] = [
      ["stats", "--data-dir", dir.path],
      ["check", "--data-dir", dir.path],
      ["fmt", "--check", fmtDir.path],
      ["generate", "--out", backups.appending("gen"), "--scale", "xs", "--no-sync"],
      ["repair", "--data-dir", dir.path, "--dry-run"],
      ["migrate", "status", "--data-dir", dir.path],
      ["migrate", "plan", "--data-dir", dir.path],
      ["archive", "create", "--data-dir", dir.path, "--older-than", "0d", "--dry-run"],
      ["archive", "list", "--data-dir", dir.path],
      ["archive", "search", "--data-dir", dir.path],
      ["backup", "create", "--data-dir", dir.path, "--dest", backups.appending("b")],
      ["backup", "list", "--dest", backups.appending("b")],
      ["backup", "prune", "--dest", backups.appending("b"), "--keep-last", "5", "--dry-run"],
    ]
    for arguments in runs {
      let r = try await runMaestroAdminDetached(arguments + ["--json"])
      let summary = try #require(try? JSONParser.parse(Array((r.lines.last ?? "").utf8)), "\(arguments): \(r.stdout)")
      #expect(summary["type"] == "summary", "\(arguments)")
      #expect(summary["exitCode"]?.numberValue == Double(r.status), "\(arguments): exit \(r.status)")
      #expect(summary["exit"] == nil, "\(arguments)")
    }
  }

  @Test func versionNamesCommitSwiftAndLibarchive() async throws {
    let r = try await runMaestroAdminDetached(["--version"])
    #expect(r.status == 0)
    let lines = r.lines
    #expect(lines.first == "maestro-admin \(MaestroAdminVersion.string)")
    let commit = try #require(lines.first { $0.hasPrefix("commit: ") }?.dropFirst(8))
    let hex = commit.prefix { $0.isHexDigit }
    #expect(hex.count == 40 || commit == "unknown", "commit: \(commit)")
    #expect(lines.contains { $0.hasPrefix("swift: 6.") })
    #expect(lines.contains { $0.hasPrefix("libarchive: libarchive 3.") && $0.contains("zstd") })
  }

  @Test func quietKeepsOnlyTheVerdictAndNoProgressIsAccepted() async throws {
    let dir = try TemporaryDirectory()
    try copyTree(ProjectPaths.fixtures + "/generated/xs-seed-faults", to: dir.path)
    let loud = try await runMaestroAdminDetached(["check", "--data-dir", dir.path])
    let quiet = try await runMaestroAdminDetached(["check", "--data-dir", dir.path, "--quiet", "--no-progress"])
    #expect(quiet.status == 4 && loud.status == 4)
    #expect(loud.lines.count > 1)
    #expect(quiet.lines == [try #require(loud.lines.last)])
    #expect(quiet.stdout.contains("— exit 4"))
    let quietJSON = try await runMaestroAdminDetached(["check", "--data-dir", dir.path, "-q", "--json"])
    #expect(quietJSON.lines.count == 1 && quietJSON.lines[0].contains(#""type":"summary""#))
    let repair = try await runMaestroAdminDetached(["repair", "--data-dir", dir.path, "--dry-run", "--quiet"])
    #expect(repair.lines.count == 1 && repair.stdout.hasPrefix("dry run: "), "\(repair.stdout)")
    for command in [["stats"], ["archive", "list"], ["migrate", "status"]] {
      let r = try await runMaestroAdminDetached(command + ["--data-dir", dir.path, "--quiet", "--no-progress"])
      #expect(r.lines.count == 1, "\(command): \(r.stdout)")
    }
  }

  @Test func helpReadsWellAt80Columns() async throws {
    for command in [[], ["check"], ["repair"], ["undo"], ["generate"], ["archive"], ["archive", "create"], ["migrate"],
      ["backup"], ["backup", "create"], ["fmt"], ["journal"], ["journal", "prune"]]
    {
      let r = try await runMaestroAdminDetached(command + ["--help"], environment: ["COLUMNS": "80"])
      #expect(r.status == 0)
      let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      // No line is too long (the usage line may be), and no prose line was
      // broken again into a stub of a word or two.
      for (k, line) in lines.enumerated() where !line.hasPrefix("USAGE") {
        #expect(line.count <= 80, "\(command): \(line)")
        let next = k + 1 < lines.count ? lines[k + 1] : ""
        let stub = !line.hasPrefix(" ") && line.count < 25 && !line.isEmpty && !next.isEmpty && !next.hasPrefix(" ")
          && !line.hasSuffix(":")
        #expect(!stub, "\(command): a ragged line \"\(line)\"")
      }
    }
  }
}
