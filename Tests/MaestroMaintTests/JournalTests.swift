import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

@Suite struct JournalTests {
  @Test func runMakesEveryChangeAndCommits() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    // mkdir actions come first for lost+found/… (3 levels) and projects/.
    #expect(plan.actions.map(\.operation.rawValue) == [
      "write", "write", "mkdir", "mkdir", "mkdir", "move", "remove", "mkdir", "write",
    ])
    let journal = try JournalRunner(dataDir: dir.path).run(plan, command: "repair")
    #expect(journal.committed)
    #expect(journal.done.count == 9)
    #expect(try text(dir.path + "/tasks/p1/t1.json") == #"{"id":"t1","sessionIds":["s1"]}"#)
    #expect(try text(dir.path + "/lost+found/20261127T000000Z/sessions/s2.json") == "{\"id\":")
    #expect(!FileSystem.fileExists(dir.path + "/sessions/s2.json"))
    #expect(!FileSystem.fileExists(dir.path + "/tasks/p1/t1.json.1a2b3c4d.tmp"))
    let reread = try Journal.open(path: journal.path)
    #expect(reread.committed && reread.actions == journal.actions.map { var a = $0; a.newBytes = nil; return a })
    #expect(try reread.afterBytes(1) == Array(#"{"id":"t1","sessionIds":["s1"]}"#.utf8))
  }

  @Test func undoPutsTheTreeBackExactly() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    let before = try userTree(dir.path)
    let journal = try JournalRunner(dataDir: dir.path).run(plan, command: "repair")
    #expect(try userTree(dir.path) != before)
    let outcome = try UndoJob(journal: journal.path, dataDir: nil).run(dryRun: false, force: false)
    #expect(outcome.conflicts.isEmpty)
    #expect(try userTree(dir.path) == before)
    // A second undo has nothing to do.
    let again = try UndoJob(journal: journal.id, dataDir: dir.path).run(dryRun: false, force: false)
    #expect(again.alreadyUndone)
    // The undo is itself undoable: back to the repaired tree.
    let repaired = try UndoJob(journal: try #require(outcome.journal), dataDir: dir.path).run(dryRun: false, force: false)
    #expect(repaired.conflicts.isEmpty)
    #expect(try text(dir.path + "/sessions/s1.json") == #"{"id":"s1","taskIds":["t1"]}"#)
  }

  @Test func undoRefusesChangedFilesUnlessForced() throws {
    let dir = try TemporaryDirectory()
    let journal = try JournalRunner(dataDir: dir.path).run(try makeDirAndPlan(dir.path), command: "repair")
    try AtomicFile.write(Array(#"{"id":"s1","edited":true}"#.utf8), to: dir.path + "/sessions/s1.json")
    let job = try UndoJob(journal: journal.path, dataDir: nil)
    let refused = try job.run(dryRun: false, force: false)
    #expect(refused.conflicts == ["sessions/s1.json"])
    #expect(refused.journal == nil)
    #expect(try text(dir.path + "/sessions/s1.json") == #"{"id":"s1","edited":true}"#)
    let forced = try job.run(dryRun: false, force: true)
    #expect(try text(dir.path + "/sessions/s1.json") == #"{"id":"s1","taskIds":[]}"#)
    // The edit is not lost: it is in the forced undo's journal.
    let undoJournal = try Journal.open(path: Journal.folder(dir.path) + "/\(try #require(forced.journal)).jsonl")
    let seq = try #require(undoJournal.actions.first { $0.path == "sessions/s1.json" }?.seq)
    #expect(try undoJournal.beforeBytes(seq) == Array(#"{"id":"s1","edited":true}"#.utf8))
  }

  @Test func dryRunChangesNothing() throws {
    let dir = try TemporaryDirectory()
    let journal = try JournalRunner(dataDir: dir.path).run(try makeDirAndPlan(dir.path), command: "repair")
    let after = try TreeHash.entries(of: dir.path)
    let outcome = try UndoJob(journal: journal.path, dataDir: nil).run(dryRun: true, force: false)
    #expect(outcome.actions.count == 9)
    #expect(try TreeHash.entries(of: dir.path) == after)
  }

  @Test func anInterruptedRunIsFinishedByRecovery() throws {
    // Reference: the same plan run without interruption.
    let reference = try TemporaryDirectory()
    try JournalRunner(dataDir: reference.path).run(try makeDirAndPlan(reference.path), command: "repair")
    let expected = try userTree(reference.path)

    for madeButNotMarked in [false, true] {
      let dir = try TemporaryDirectory()
      let plan = try makeDirAndPlan(dir.path)
      let journal = try Journal.create(
        dataDir: dir.path, command: "repair", actions: plan.actions, beforeBytes: plan.beforeBytes)
      // A crash after the first change: made, and marked done or not.
      try AtomicFile.write(plan.actions[0].newBytes!, to: dir.path + "/tasks/p1/t1.json")
      if !madeButNotMarked { try journal.markDone(1) }
      let finished = try JournalRunner(dataDir: dir.path).recoverInterrupted()
      #expect(finished.map(\.id) == [journal.id])
      #expect(try userTree(dir.path) == expected)
      #expect(try Journal.open(path: journal.path).committed)
    }
  }

  @Test func aFileChangedAfterPlanningStopsTheRunNamingIt() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    try AtomicFile.write(Array(#"{"id":"s1","taskIds":["x"]}"#.utf8), to: dir.path + "/sessions/s1.json")
    do {
      try JournalRunner(dataDir: dir.path).run(plan, command: "repair")
      Issue.record("overwrote a file that changed after planning")
    } catch let stop as JournalStop {
      #expect(stop.conflicts.map(\.path) == ["sessions/s1.json"])
      #expect(stop.applied == 1)
      #expect(stop.undoCommands == ["maestro-admin undo --data-dir \(JournalStop.shellQuoted(dir.path)) \(stop.journal)"])
    }
    #expect(try text(dir.path + "/sessions/s1.json") == #"{"id":"s1","taskIds":["x"]}"#)
    let journal = try #require(try Journal.list(dataDir: dir.path).first)
    #expect(journal.stopReason != nil && journal.done == [1])
  }

  @Test func aTornLastLineIsIgnoredAndHostilePathsRejected() throws {
    let dir = try TemporaryDirectory()
    let journal = try JournalRunner(dataDir: dir.path).run(try makeDirAndPlan(dir.path), command: "repair")
    var bytes = try FileSystem.readFile(journal.path)
    bytes += Array(#"{"type":"do"#.utf8)
    try AtomicFile.write(bytes, to: journal.path)
    #expect(try Journal.open(path: journal.path).committed)

    let evil = try text(journal.path).replacingFirst(#""path":"sessions/s1.json""#, with: #""path":"../../etc/passwd""#)
    try AtomicFile.write(Array(evil.utf8), to: journal.path)
    #expect(throws: MaestroError.self) { try Journal.open(path: journal.path) }
  }
}

extension String {
  func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let r = range(of: target) else { return self }
    return replacingCharacters(in: r, with: replacement)
  }
}
