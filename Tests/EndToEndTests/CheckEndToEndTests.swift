import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `maestro-admin check` run as a binary: stdout, stderr and exit codes.
@Suite struct CheckEndToEndTests {
  /// A copy of the seed-era sample with one dangling session → task link
  /// (error) and one unknown top-level folder (info).
  static func damagedCopy(_ dir: String) throws {
    try copyTree(ProjectPaths.samples + "/upstream-2026-02-08", to: dir)
    let sessions = try FileSystem.listDirectory(dir + "/sessions").map(\.name)
    let path = dir + "/sessions/" + sessions[0]
    var session = try #require(try JSONParser.parse(try FileSystem.readFile(path)).objectValue)
    var taskIds = session["taskIds"]?.arrayValue ?? []
    taskIds.append("task_1700000000000_ghost0000")
    session["taskIds"] = .array(taskIds)
    try AtomicFile.write(JSONWriter.serialize(.object(session), style: .pretty), to: path)
    try FileSystem.makeDirectories(dir + "/backups")
  }

  @Test func cleanSampleExitsZeroWithAVerdict() throws {
    let r = try runMaestroAdmin(["check", "--data-dir", ProjectPaths.samples + "/upstream-2026-02-08"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout == "0 errors, 0 warnings, 0 info in 21 files — exit 0\n")
    #expect(r.stderr.isEmpty)
  }

  @Test func relocatedDocsAreInfoAndExitZero() throws {
    let r = try runMaestroAdmin(["check", "--data-dir", ProjectPaths.samples + "/upstream-head", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = try r.lines.map { try #require(try JSONParser.parse($0).objectValue) }
    #expect(lines.dropLast().allSatisfy { $0["code"] == "session.doc.relocated" && $0["severity"] == "info" })
    #expect(lines.count == 7)
    #expect(lines.last?["counts"] == ["error": 0, "warning": 0, "info": 6])
    #expect(lines.last?["exitCode"] == 0)
  }

  @Test func findingsExitFourInTextAndJSON() throws {
    try withTemporaryDirectory { dir in
      try Self.damagedCopy(dir)
      let text = try runMaestroAdmin(["check", "--data-dir", dir])
      #expect(text.status == 4)
      #expect(text.stdout.contains("session.task.dangling  error  1 finding  (repair: remove-ref)"))
      #expect(text.stdout.contains("layout.unknown  info  1 finding"))
      #expect(text.lines.last == "1 error, 0 warnings, 1 info in 21 files — exit 4")

      let json = try runMaestroAdmin(["check", "--data-dir", dir, "--json"])
      #expect(json.status == 4)
      let objects = try json.lines.map { try #require(try JSONParser.parse($0).objectValue) }
      #expect(objects.map { $0["code"]?.stringValue ?? "summary" } == [
        "layout.unknown", "session.task.dangling", "summary",
      ])
      #expect(objects[1]["ref"] == "task_1700000000000_ghost0000")
      #expect(objects[2]["exitMeaning"] == "error or warning findings remain")

      // Ignoring the error leaves only info: exit 0.
      let ignored = try runMaestroAdmin(["check", "--data-dir", dir, "--ignore", "session."])
      #expect(ignored.status == 0)
      let only = try runMaestroAdmin(["check", "--data-dir", dir, "--only", "layout.*", "--json"])
      #expect(only.status == 0)
      #expect(only.lines.count == 2)
    }
  }

  @Test func theSameInputGivesTheSameOutput() throws {
    try withTemporaryDirectory { dir in
      try Self.damagedCopy(dir)
      let a = try runMaestroAdmin(["check", "--data-dir", dir, "--json"])
      let b = try runMaestroAdmin(["check", "--data-dir", dir, "--json"])
      #expect(a.lines.dropLast() == b.lines.dropLast())
    }
  }

  @Test func dataDirFromTheEnvironment() throws {
    let r = try runMaestroAdmin(
      ["check"], environment: ["DATA_DIR": ProjectPaths.samples + "/upstream-2026-02-08"])
    #expect(r.status == 0, "\(r.stderr)")
  }

  @Test func missingDataDirIsOperationalErrorNamingIt() throws {
    let r = try runMaestroAdmin(["check", "--data-dir", "/nonexistent/maestro-check-data"])
    #expect(r.status == 8)
    #expect(r.stderr.contains("/nonexistent/maestro-check-data"))
    #expect(r.stdout.isEmpty)
  }

  @Test func usageErrorsExitSixteen() throws {
    let unknown = try runMaestroAdmin(["check", "--data-dir", "/tmp", "--only", "link.sesion-only"])
    #expect(unknown.status == 16)
    #expect(unknown.stderr.contains("link.sesion-only"))
    let negative = try runMaestroAdmin(["check", "--max-examples", "-1"])
    #expect(negative.status == 16)
    let help = try runMaestroAdmin(["check", "--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("session.task.dangling (error)"))
  }

  /// Wrong JSON types in a real server's files: `check` names the field,
  /// the type found and the type expected; `repair` leaves them to a person.
  @Test func wrongFieldTypesAreFoundAndLeftToAPerson() throws {
    try withTemporaryDirectory { dir in
      try copyTree(ProjectPaths.samples + "/upstream-head", to: dir)
      let sessions = try FileSystem.listDirectory(dir + "/sessions").map(\.name).sorted()
      let path = dir + "/sessions/" + sessions[0]
      let bytes = try FileSystem.readFile(path)
      var session = try #require(try JSONParser.parse(bytes).objectValue)
      session["taskIds"] = "task_x"
      session["name"] = 5
      try AtomicFile.write(JSONWriter.serialize(.object(session), style: JSONStyle.detect(bytes)), to: path)
      let r = try runMaestroAdmin(["check", "--data-dir", dir, "--json", "--only", "field."])
      #expect(r.status == 4, "\(r.stderr)")
      #expect(r.lines.count == 3)
      #expect(r.lines[0].contains(#""code":"field.type","severity":"error""#))
      #expect(r.stdout.contains(#"\"taskIds\" is a string, expected an array of task ids"#))
      #expect(r.stdout.contains(#"\"name\" is a number, expected a string"#))
      #expect(r.stdout.contains(#""action":"manual""#))
      let before = try userTree(dir)
      let repair = try runMaestroAdmin(["repair", "--data-dir", dir, "--only", "field."])
      #expect(repair.status == 4, "\(repair.stdout)\(repair.stderr)")
      #expect(try userTree(dir) == before, "repair never guesses a value")
    }
  }
}
