import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `maestro-admin repair` as operators run it: exit codes, text and JSON
/// output, the lock, and SIGKILL at every crash point.
@Suite struct RepairEndToEndTests {
  /// A small damaged data dir: an orphan task others name (a cascade: two
  /// rounds), a truncated session, a stray temp file, a misplaced task,
  /// one-sided, repeated and dangling links.
  static func makeDamagedDir(_ dir: String) throws {
    let files: [String: String] = [
      "projects/p1.json": #"{"id":"p1","name":"P","workingDir":"/w","createdAt":1,"updatedAt":2}"#,
      "projects/p2.json": "{\n  \"id\": \"p2\",\n  \"name\": \"Q\",\n  \"workingDir\": \"/q\"\n}",
      "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":["s1","s1","s_gone"],"dependencies":["t9"]}"#,
      "tasks/p1/t2.json": #"{"id":"t2","projectId":"p2","sessionIds":[],"parentId":"t_gone"}"#,
      "tasks/p1/t3.json.1a2b3c4d.tmp": #"{"id":"t3","#,
      "tasks/p9/t9.json": #"{"id":"t9","projectId":"p9","sessionIds":["s1"]}"#,
      "sessions/s1.json": "{\n  \"id\": \"s1\",\n  \"projectId\": \"p1\",\n  \"taskIds\": [\n    \"t9\"\n  ]\n}",
      "sessions/s2.json": #"{"id":"s2","projectId":"p1","taskIds":["#,
    ]
    for (path, content) in files {
      try FileSystem.makeDirectories(FileSystem.parentDirectory(of: dir + "/" + path))
      try AtomicFile.write(Array(content.utf8), to: dir + "/" + path)
    }
  }

  /// The user tree with `lost+found/<stamp>` written as `lost+found/TS`, so
  /// runs in different seconds compare equal.
  static func normalizedTree(_ dir: String) throws -> [String] {
    let entries = try userTree(dir).map { entry -> String in
      var e = entry
      let parts = e.path.split(separator: "/", omittingEmptySubsequences: false)
      if parts.count >= 2 && parts[0] == "lost+found" {
        e.path = (["lost+found", "TS"] + parts.dropFirst(2)).joined(separator: "/")
      }
      return e.description
    }
    return Array(Set(entries)).sorted()
  }

  @Test func exitCodesTextAndSecondRun() throws {
    let dir = try TemporaryDirectory()
    try Self.makeDamagedDir(dir.path)
    let dry = try runMaestroAdmin(["repair", "--data-dir", dir.path, "--dry-run"])
    #expect(dry.status == 4, "\(dry.stderr)")
    #expect(dry.stdout.contains("would quarantine tasks/p9/t9.json -> lost+found/"))
    #expect(dry.stdout.contains("would move tasks/p1/t2.json -> tasks/p2/t2.json  [task.misplaced]"))
    #expect(!FileSystem.fileExists(dir.path + "/.maestro-admin"))

    let r = try runMaestroAdmin(["repair", "--data-dir", dir.path])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stdout.contains("round 2:"))
    #expect(r.stdout.contains("remove t9 from sessions/s1.json taskIds  [session.task.dangling]"))
    #expect(r.stdout.contains("to undo: maestro-admin undo "))
    #expect(try runMaestroAdmin(["check", "--data-dir", dir.path]).status == 0)
    let again = try runMaestroAdmin(["repair", "--data-dir", dir.path])
    #expect(again.status == 0, "\(again.stdout)")
    #expect(again.stdout.contains("nothing to repair"))
  }

  @Test func jsonLinesNameFileCodeChangeAndJournals() throws {
    let dir = try TemporaryDirectory()
    try Self.makeDamagedDir(dir.path)
    let r = try runMaestroAdmin(["repair", "--data-dir", dir.path, "--json"])
    #expect(r.status == 1, "\(r.stderr)")
    let objects = try r.lines.map { try JSONParser.parse(Array($0.utf8)) }
    let actions = objects.filter { $0["type"]?.stringValue == "action" }
    #expect(actions.count >= 8)
    #expect(actions.allSatisfy { $0["file"]?.stringValue != nil && $0["code"]?.stringValue != nil && $0["change"]?.stringValue != nil })
    let summary = objects.last
    #expect(summary?["type"]?.stringValue == "summary")
    #expect(summary?["journals"]?.arrayValue?.count == 2)
    #expect(summary?["exitCode"]?.numberValue == 1)
  }

  @Test func manualFindingsLeaveExit4() throws {
    let dir = try TemporaryDirectory()
    try Self.makeDamagedDir(dir.path)
    // A link across projects: a person decides which side is wrong.
    try FileSystem.makeDirectories(dir.path + "/tasks/p2")
    try AtomicFile.write(Array(#"{"id":"t5","projectId":"p2","sessionIds":["s5"]}"#.utf8), to: dir.path + "/tasks/p2/t5.json")
    try AtomicFile.write(Array(#"{"id":"s5","projectId":"p1","taskIds":["t5"]}"#.utf8), to: dir.path + "/sessions/s5.json")
    let r = try runMaestroAdmin(["repair", "--data-dir", dir.path])
    #expect(r.status == 4, "\(r.stdout)")
    #expect(r.stdout.contains("left (manual): link.cross-project sessions/s5.json"))
    let again = try runMaestroAdmin(["repair", "--data-dir", dir.path])
    #expect(again.status == 4)
    #expect(again.stdout.contains("nothing to repair"))
  }

  /// The placeholder keeps the orphan in place; the link it had with a
  /// session of another project then shows as cross-project, for a person.
  @Test func recreateMissingProjectsKeepsOrphansInPlace() throws {
    let dir = try TemporaryDirectory()
    try Self.makeDamagedDir(dir.path)
    let r = try runMaestroAdmin(["repair", "--data-dir", dir.path, "--recreate-missing-projects"])
    #expect(r.status == 4, "\(r.stderr)")
    #expect(r.stdout.contains(#"create projects/p9.json named "Recovered p9" for orphan t9 (tasks/p9/t9.json)"#))
    #expect(r.stdout.contains("left (manual): link.cross-project sessions/s1.json"))
    #expect(FileSystem.fileExists(dir.path + "/tasks/p9/t9.json"))
    // One compact and one pretty project file: a tie goes to pretty, the
    // seed server's style.
    #expect(try text(dir.path + "/projects/p9.json").hasPrefix("{\n  \"id\": \"p9\",\n  \"name\": \"Recovered p9\","))
    let check = try runMaestroAdmin(["check", "--data-dir", dir.path, "--json"])
    #expect(check.status == 4)
    #expect(check.lines.filter { $0.contains(#""severity":"error""#) || $0.contains(#""severity":"warning""#) }.count == 1)
  }

  @Test func lockedMissingAndUsageErrors() throws {
    let dir = try TemporaryDirectory()
    try Self.makeDamagedDir(dir.path)
    let lock = try MaintenanceLock(dataDir: dir.path, command: "maestro-admin archive")
    let locked = try runMaestroAdmin(["repair", "--data-dir", dir.path])
    #expect(locked.status == 75)
    #expect(locked.stderr.contains("maestro-admin archive"))
    // A dry run takes no lock.
    #expect(try runMaestroAdmin(["repair", "--data-dir", dir.path, "--dry-run"]).status == 4)
    lock.release()
    let missing = try runMaestroAdmin(["repair", "--data-dir", dir.path + "/nope"])
    #expect(missing.status == 8)
    #expect(missing.stderr.contains(dir.path + "/nope"))
    #expect(try runMaestroAdmin(["repair", "--data-dir", dir.path, "--only", "no.such.code"]).status == 16)
  }

  /// SIGKILL at every crash point of a two-round repair (journaling, before
  /// and after each change, inside each atomic write), then repair again —
  /// or, at every third point, undo every journal newest first. The tree
  /// always ends as an uninterrupted run leaves it (or as it was before),
  /// with no file lost or torn.
  @Test(.timeLimit(.minutes(5))) func repairSurvivesSIGKILLAtEveryPoint() throws {
    let reference = try TemporaryDirectory()
    try Self.makeDamagedDir(reference.path)
    let original = try Self.normalizedTree(reference.path)
    let clean = try runMaestroAdmin(["repair", "--data-dir", reference.path])
    #expect(clean.status == 1, "\(clean.stderr)")
    let repaired = try Self.normalizedTree(reference.path)

    var killPoints = 0
    var undone = 0
    var n = 1
    while n < 1000 {
      let dir = try TemporaryDirectory()
      try Self.makeDamagedDir(dir.path)
      let crashed = try runMaestroAdmin(
        ["repair", "--data-dir", dir.path], environment: ["MAESTRO_ADMIN_CRASH_AT": "any:\(n)"])
      if crashed.status != 137 {
        #expect(crashed.status == 1, "run \(n): \(crashed.stderr)")
        #expect(try Self.normalizedTree(dir.path) == repaired)
        break
      }
      killPoints += 1
      if n % 3 == 0 {
        // Undo finishes the interrupted journal first, then puts it back.
        for (_, u) in try undoEveryRun(dataDir: dir.path) {
          #expect(u.status == 0 || u.status == 1, "undo after kill \(n): \(u.stderr)")
        }
        #expect(try Self.normalizedTree(dir.path) == original, "undo after kill \(n)")
        undone += 1
      } else {
        let resumed = try runMaestroAdmin(["repair", "--data-dir", dir.path])
        #expect(resumed.status == 0 || resumed.status == 1, "after kill \(n): \(resumed.stderr)")
        #expect(try Self.normalizedTree(dir.path) == repaired, "after kill \(n)")
        #expect(try runMaestroAdmin(["check", "--data-dir", dir.path]).status == 0)
      }
      n += 1
    }
    #expect(killPoints >= 50, "only \(killPoints) kill points")
    print("repair crash test: \(killPoints) kill points, \(undone) followed by undo")
  }
}
