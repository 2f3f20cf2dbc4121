import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// What the binary reports when files changed under a journaled run, and
/// `fmt` inside a data dir: locked, journaled, undone.
@Suite struct ConcurrentWriteEndToEndTests {
  /// An interrupted journal whose first change is made and marked, and whose
  /// next two files were since rewritten by someone else: the next run
  /// finishes it, stops at the first, names both (text and JSON), prints the
  /// exact undo command, exits 8, and overwrites neither.
  func makeInterruptedRunWithTwoChangedFiles(_ dir: String) throws -> (journal: Journal, theirs: [String: [UInt8]]) {
    let plan = try makeDirAndPlan(dir)
    let journal = try Journal.create(dataDir: dir, command: "repair", actions: plan.actions, beforeBytes: plan.beforeBytes)
    try AtomicFile.write(plan.actions[0].newBytes!, to: dir + "/tasks/p1/t1.json")
    try journal.markDone(1)
    let theirs: [String: [UInt8]] = [
      "sessions/s1.json": Array(#"{"id":"s1","taskIds":[],"title":"server"}"#.utf8),
      "tasks/p1/t1.json.1a2b3c4d.tmp": Array("theirs".utf8),
    ]
    for (path, bytes) in theirs { try AtomicFile.write(bytes, to: dir + "/" + path) }
    return (journal, theirs)
  }

  @Test(arguments: [false, true])
  func aStoppedRunNamesEveryChangedFileAndTheUndoCommand(_ json: Bool) throws {
    let dir = try TemporaryDirectory(prefix: "stopped run's")
    let (journal, theirs) = try makeInterruptedRunWithTwoChangedFiles(dir.path)
    let r = try runMaestroAdmin(["repair", "--data-dir", dir.path] + (json ? ["--json"] : []))
    #expect(r.status == 8, "\(r.stderr)")
    for path in theirs.keys {
      #expect(r.stderr.contains("\(dir.path)/\(path): changed while maestro-admin was changing it"), "\(r.stderr)")
      #expect(try FileSystem.readFile(dir.path + "/" + path) == theirs[path])
    }
    let undo = "maestro-admin undo --data-dir \(JournalStop.shellQuoted(dir.path)) \(journal.id)"
    #expect(undo.contains("'\\''"))
    #expect(r.stderr.contains("to undo what was applied: " + undo), "\(r.stderr)")
    if json {
      let objects = try r.lines.map { try JSONParser.parse(Array($0.utf8)) }
      let conflicts = objects.filter { $0["type"]?.stringValue == "conflict" }.compactMap { $0["file"]?.stringValue }
      #expect(Set(conflicts) == Set(theirs.keys))
      let stopped = try #require(objects.first { $0["type"]?.stringValue == "stopped" })
      #expect(stopped["journal"]?.stringValue == journal.id)
      #expect(stopped["undo"]?.arrayValue?.compactMap(\.stringValue) == [undo])
    }
    // The command printed works: the one change made goes back.
    let undone = try runProcess("/bin/sh", ["-c", undo.replacingOccurrences(of: "maestro-admin", with: ProjectPaths.binary)])
    #expect(undone.status == 1, "\(undone.stderr)")
    #expect(try text(dir.path + "/tasks/p1/t1.json") == #"{"id":"t1","sessionIds":["s1","s1"]}"#)
  }

  // (d) fmt on a path inside a data dir: locked, journaled, undone to the
  // same tree.
  @Test func fmtInsideADataDirIsLockedJournaledAndUndone() throws {
    let dir = try TemporaryDirectory()
    try copyTree(ProjectPaths.samples + "/upstream-head", to: dir.path)
    let projects = try FileSystem.listDirectory(dir.path + "/projects").map { dir.path + "/projects/" + $0.name }
    try AtomicFile.write(Array("{ \"id\" : \"x\", \"n\": 1.50 }\n".utf8), to: projects[0])
    try AtomicFile.write(Array("{\"id\":\"y\",\n\"n\":2}".utf8), to: projects[1])
    let before = try userTree(dir.path)

    let lock = try MaintenanceLock(dataDir: dir.path, command: "test holder")
    let locked = try runMaestroAdmin(["fmt", projects[0]])
    #expect(locked.status == 75, "\(locked.stderr)")
    #expect(locked.stderr.contains("test holder"))
    #expect(try userTree(dir.path) == before)
    lock.release()

    let r = try runMaestroAdmin(["fmt", dir.path + "/projects", "--json"])
    #expect(r.status == 1, "\(r.stderr)")
    let summary = try JSONParser.parse(Array((r.lines.last ?? "").utf8))
    let id = try #require(summary["journals"]?.arrayValue?.first?.stringValue)
    #expect(summary["rewritten"]?.numberValue == 2)
    #expect(try text(projects[0]) == #"{"id":"x","n":1.5}"#)
    #expect(try userTree(dir.path) != before)

    let undo = try runMaestroAdmin(["undo", "--data-dir", dir.path, id])
    #expect(undo.status == 1, "\(undo.stderr)")
    #expect(try userTree(dir.path) == before)
  }

  /// Outside any data dir fmt keeps its plain atomic rewrite: no journal.
  @Test func fmtOutsideADataDirWritesNoJournal() throws {
    let dir = try TemporaryDirectory()
    try AtomicFile.write(Array("{ \"a\" : 1 }".utf8), to: dir.path + "/a.json")
    let r = try runMaestroAdmin(["fmt", dir.path + "/a.json", "--json"])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.lines.last?.contains(#""journals":[]"#) == true)
    #expect(!FileSystem.fileExists(dir.path + "/.maestro-admin"))
  }

  /// Our own temp files left anywhere in the user tree.
  static func leftovers(_ dir: String) throws -> [String] {
    try userTree(dir).map(\.path).filter { AtomicFile.targetName(forTemporaryName: FileSystem.lastComponent(of: $0)) != nil }
  }

  /// SIGKILL at each step the exchange-and-verify adds (temp written,
  /// exchanged, verified, moved), at its first three hits: the site is
  /// reached, and the next repair finishes the run to exactly the tree an
  /// uninterrupted one leaves, with no temp file left behind.
  @Test(arguments: ["journal:temp-written", "journal:exchanged", "journal:verified", "journal:moved"])
  func repairRecoversFromAKillAtEachNewStep(_ site: String) throws {
    let reference = try TemporaryDirectory()
    try RepairEndToEndTests.makeDamagedDir(reference.path)
    #expect(try runMaestroAdmin(["repair", "--data-dir", reference.path]).status == 1)
    let repaired = try RepairEndToEndTests.normalizedTree(reference.path)
    for n in 1...3 {
      let dir = try TemporaryDirectory()
      try RepairEndToEndTests.makeDamagedDir(dir.path)
      let crashed = try runMaestroAdmin(
        ["repair", "--data-dir", dir.path], environment: ["MAESTRO_ADMIN_CRASH_AT": "\(site):\(n)"])
      #expect(crashed.status == 137, "\(site):\(n) not reached: \(crashed.stderr)")
      let resumed = try runMaestroAdmin(["repair", "--data-dir", dir.path])
      #expect(resumed.status == 0 || resumed.status == 1, "\(site):\(n): \(resumed.stderr)")
      #expect(try RepairEndToEndTests.normalizedTree(dir.path) == repaired, "\(site):\(n)")
      #expect(try Self.leftovers(dir.path).isEmpty, "\(site):\(n)")
    }
  }

  /// SIGKILL while undo has set a file aside to remove it (the placeholder
  /// project a repair created): the next undo settles it and puts the
  /// tree back as it was.
  @Test func undoRecoversFromAKillWhileAFileIsSetAside() throws {
    let dir = try TemporaryDirectory()
    try RepairEndToEndTests.makeDamagedDir(dir.path)
    let original = try RepairEndToEndTests.normalizedTree(dir.path)
    // 4 (a cross-project link left for a person); what matters here is the
    // placeholder project, which undo removes by setting it aside.
    let repaired = try runMaestroAdmin(["repair", "--data-dir", dir.path, "--recreate-missing-projects"])
    #expect(repaired.status == 4 || repaired.status == 1, "\(repaired.stderr)")
    #expect(FileSystem.fileExists(dir.path + "/projects/p9.json"))
    var kills = 0
    var journals = try Journal.list(dataDir: dir.path)
    journals.sort { $0.createdAt > $1.createdAt || ($0.createdAt == $1.createdAt && $0.id > $1.id) }
    for journal in journals {
      let crashed = try runMaestroAdmin(
        ["undo", journal.id, "--data-dir", dir.path], environment: ["MAESTRO_ADMIN_CRASH_AT": "journal:set-aside:1"])
      if crashed.status == 137 {
        kills += 1
        #expect(try Self.leftovers(dir.path).count == 1)
        let again = try runMaestroAdmin(["undo", journal.id, "--data-dir", dir.path])
        // The interrupted undo is finished first; the target is then undone.
        #expect(again.status == 0 && again.stdout.contains("already undone"), "\(again.stdout) \(again.stderr)")
      } else {
        #expect(crashed.status == 1, "\(crashed.stderr)")
      }
    }
    #expect(kills >= 1)
    #expect(try RepairEndToEndTests.normalizedTree(dir.path) == original)
    #expect(try Self.leftovers(dir.path).isEmpty)
  }
}
