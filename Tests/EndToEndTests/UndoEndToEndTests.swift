import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

@Suite struct UndoEndToEndTests {
  @Test func undoByPathAndByIdWithExitCodes() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    let original = try userTree(dir.path)
    let journal = try JournalRunner(dataDir: dir.path).run(plan, command: "repair")

    let dry = try runMaestroAdmin(["undo", journal.path, "--dry-run"])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains("would move lost+found/20261127T000000Z/sessions/s2.json back to sessions/s2.json"))

    let r = try runMaestroAdmin(["undo", journal.id, "--data-dir", dir.path, "--json"])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.lines.last?.contains(#""type":"summary""#) == true)
    #expect(try userTree(dir.path) == original)

    let again = try runMaestroAdmin(["undo", journal.path])
    #expect(again.status == 0)
    #expect(again.stdout.contains("already undone"))
  }

  @Test func changedFilesAreRefusedWithExit4NamingThem() throws {
    let dir = try TemporaryDirectory()
    let journal = try JournalRunner(dataDir: dir.path).run(try makeDirAndPlan(dir.path), command: "repair")
    try AtomicFile.write(Array("{}".utf8), to: dir.path + "/tasks/p1/t1.json")
    let r = try runMaestroAdmin(["undo", journal.path])
    #expect(r.status == 4)
    #expect(r.stderr.contains(dir.path + "/tasks/p1/t1.json: changed since journal"))
    #expect(try runMaestroAdmin(["undo", journal.path, "--force"]).status == 1)
  }

  @Test func missingJournalIsAnOperationalError() throws {
    let r = try runMaestroAdmin(["undo", "/nonexistent/j.jsonl"])
    #expect(r.status == 8)
    #expect(r.stderr.contains("/nonexistent/j.jsonl"))
  }

  /// SIGKILL at every crash point of an undo run (before and after each
  /// change, inside each atomic write), then undo again: the tree always
  /// ends exactly as before the repair, never half undone.
  @Test(.timeLimit(.minutes(5))) func undoSurvivesSIGKILLAtEveryPoint() throws {
    let reference = try TemporaryDirectory()
    _ = try makeDirAndPlan(reference.path)
    let original = try userTree(reference.path)
    var killPoints = 0
    var n = 1
    while n < 500 {
      let dir = try TemporaryDirectory()
      let journal = try JournalRunner(dataDir: dir.path).run(try makeDirAndPlan(dir.path), command: "repair")
      let crashed = try runMaestroAdmin(["undo", journal.path], environment: ["MAESTRO_ADMIN_CRASH_AT": "any:\(n)"])
      if crashed.status != 137 {
        #expect(crashed.status == 1, "run \(n): \(crashed.stderr)")
        #expect(try userTree(dir.path) == original)
        break
      }
      killPoints += 1
      let resumed = try runMaestroAdmin(["undo", journal.path])
      #expect(resumed.status == 0 || resumed.status == 1, "after kill \(n): \(resumed.stderr)")
      #expect(try userTree(dir.path) == original, "after kill \(n)")
      n += 1
    }
    // 48 today: 12 while journaling the plan, then 2 per change plus 6 in
    // each atomic write.
    #expect(killPoints >= 40, "only \(killPoints) kill points")
  }
}
