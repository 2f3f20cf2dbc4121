import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Journals a crash or damage left in a bad state never block later runs:
/// a torn last record is cut back (kept aside) before anything is appended,
/// and a journal that cannot be finished or read says what to do and can be
/// undone or abandoned.
@Suite struct JournalRecoveryTests {
  /// A journal whose run made its first change, marked it, then crashed in
  /// the middle of appending the second change's "done" record.
  /// - Returns: the journal, and the tree before the run.
  private func tornJournal(_ dir: String, fragment: String) throws -> (Journal, [TreeHash.Entry]) {
    let plan = try makeDirAndPlan(dir)
    let before = try userTree(dir)
    let journal = try Journal.create(dataDir: dir, command: "repair", actions: plan.actions, beforeBytes: plan.beforeBytes)
    try AtomicFile.write(plan.actions[0].newBytes!, to: dir + "/tasks/p1/t1.json")
    try journal.markDone(1)
    try AtomicFile.write(plan.actions[1].newBytes!, to: dir + "/sessions/s1.json")
    try FileSystem.writeAppending(Array(fragment.utf8), to: journal.path)
    return (journal, before)
  }

  @Test func aTornLastRecordIsCutBackKeptAsideAndTheRunStaysUndoable() throws {
    let dir = try TemporaryDirectory()
    let (journal, before) = try tornJournal(dir.path, fragment: #"{"type":"done","se"#)
    let torn = try Journal.open(path: journal.path)
    #expect(torn.isTorn && !torn.isFinished && torn.done == [1])

    // The next changing run finishes it: the fragment is cut first.
    let finished = try JournalRunner(dataDir: dir.path).recoverInterrupted()
    #expect(finished.map(\.id) == [journal.id])
    let lines = try text(journal.path).split(separator: "\n")
    #expect(lines.allSatisfy { (try? JSONParser.parse(String($0)))?.objectValue != nil })
    let reread = try Journal.open(path: journal.path)
    #expect(reread.committed && !reread.isTorn && reread.done.count == reread.actions.count)
    let asides = try FileSystem.listDirectory(Journal.folder(dir.path)).map(\.name).filter {
      $0.hasPrefix(journal.id + ".jsonl.torn-")
    }
    #expect(asides.count == 1)
    #expect(try text(Journal.folder(dir.path) + "/" + asides[0]) == #"{"type":"done","se"#)

    // And the run can still be undone, exactly.
    let undo = try UndoJob(journal: journal.id, dataDir: dir.path).run(dryRun: false, force: false)
    #expect(undo.conflicts.isEmpty && undo.journal != nil)
    #expect(try userTree(dir.path) == before)
  }

  /// What older versions left: records appended after a torn fragment, so
  /// the fragment and the next record share a line mid-file.
  @Test func aFragmentLeftMidFileByAnOlderVersionIsSkippedAndCut() throws {
    let dir = try TemporaryDirectory()
    let (journal, _) = try tornJournal(dir.path, fragment: #"{"type":"do{"type":"done","seq":3}"# + "\n")
    let opened = try Journal.open(path: journal.path)
    #expect(opened.isTorn && opened.done == [1])
    #expect(try Journal.list(dataDir: dir.path).count == 1)
    let finished = try JournalRunner(dataDir: dir.path).recoverInterrupted()
    #expect(finished.count == 1)
    let reread = try Journal.open(path: journal.path)
    #expect(reread.committed && !reread.isTorn)
    #expect(!(try text(journal.path)).contains(#"{"type":"do{"#))
  }

  @Test func aJournalThatCannotBeFinishedNamesItselfAndTheWayOut() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    let journal = try Journal.create(
      dataDir: dir.path, command: "repair", actions: plan.actions, beforeBytes: plan.beforeBytes)
    // Its pack is gone: the new content of its first change is lost.
    try FileSystem.removeFile(Journal.folder(dir.path) + "/" + journal.id + ".pack")
    do {
      _ = try JournalRunner(dataDir: dir.path).recoverInterrupted()
      Issue.record("finished a journal whose pack is gone")
    } catch let error as MaestroError {
      #expect(error.message.contains("journal \(journal.id) (repair) was left unfinished"))
      #expect(error.message.contains("maestro-admin undo \(journal.id) --data-dir \(dir.path)"))
      #expect(error.message.contains("maestro-admin journal abandon \(journal.id)"))
    }
    // Undo ends it where it stands (nothing was made, so nothing to put
    // back), after which recovery no longer stops on it.
    let undo = try UndoJob(journal: journal.id, dataDir: dir.path).run(dryRun: false, force: false)
    #expect(undo.actions.isEmpty)
    let ended = try Journal.open(path: journal.path)
    #expect(ended.isFinished && ended.stopReason?.contains("abandoned for undo") == true)
    #expect(try JournalRunner(dataDir: dir.path).recoverInterrupted().isEmpty)
  }

  @Test func abandonMarksWhatWasMadeAndSetsAnUnreadableJournalAside() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    let journal = try Journal.create(
      dataDir: dir.path, command: "repair", actions: plan.actions, beforeBytes: plan.beforeBytes)
    try AtomicFile.write(plan.actions[0].newBytes!, to: dir.path + "/tasks/p1/t1.json")
    let runner = JournalRunner(dataDir: dir.path)
    #expect(try runner.abandon(id: journal.id) == .stopped(made: 1, notMade: plan.actions.count - 1))
    #expect(try runner.abandon(id: journal.id) == .alreadyFinished)
    #expect(try Journal.open(path: journal.path).done == [1])

    // A journal file that is not a journal blocks every listing: the
    // message says how to set it aside, and abandon does.
    let broken = Journal.folder(dir.path) + "/20260101T000000Z-repair-0badf00d.jsonl"
    try AtomicFile.write(Array("not a journal\n".utf8), to: broken)
    do {
      _ = try Journal.list(dataDir: dir.path)
      Issue.record("listed an unreadable journal")
    } catch let error as MaestroError {
      #expect(error.path == broken && error.message.contains("journal abandon 20260101T000000Z-repair-0badf00d"))
    }
    guard case .setAside(let aside) = try runner.abandon(id: "20260101T000000Z-repair-0badf00d") else {
      Issue.record("not set aside")
      return
    }
    #expect(FileSystem.fileExists(aside) && !FileSystem.fileExists(broken))
    #expect(try Journal.list(dataDir: dir.path).count == 1)
  }
}

extension FileSystem {
  /// Appends `bytes` to the file at `path` (a crash mid-append, simulated).
  static func writeAppending(_ bytes: [UInt8], to path: String) throws {
    try AtomicFile.write(try readFile(path) + bytes, to: path, mode: 0o600)
  }
}
