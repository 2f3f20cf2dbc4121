import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// A journaled run that fails part-way reports the journal that holds its
/// changes so far, and `undo` refuses a journal that is not of its data dir.
@Suite struct JournalPartialRunTests {
  /// What a failed run says must be undone: the journals of a
  /// `JournalStop` (a path held something else than the plan expected) or
  /// of a `MaestroError`'s `partialRun` (any other failure); nil when it
  /// did not fail.
  private func journalsToUndo(_ body: () throws -> Void) -> [String]? {
    do { try body() } catch let stop as JournalStop { return stop.undoJournals.reversed() } catch let e as MaestroError {
      return e.partialRun?.journals ?? []
    } catch { return [] }
    return nil
  }

  @Test func aRunStoppedAfterSomeChangesNamesItsJournal() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    let before = try userTree(dir.path)
    // The plan creates projects/ last; a file there now stops the run
    // after every earlier change was made.
    try AtomicFile.write(Array("in the way".utf8), to: dir.appending("projects"))
    let journals = try #require(journalsToUndo { try JournalRunner(dataDir: dir.path).run(plan, command: "repair") })
    #expect(journals.count == 1)
    let journal = try Journal.open(path: Journal.folder(dir.path) + "/\(journals[0]).jsonl")
    #expect(!journal.done.isEmpty && journal.stopReason != nil)
    // Its journal puts back what was done.
    try FileSystem.removeFile(dir.appending("projects"))
    _ = try UndoJob(journal: journals[0], dataDir: dir.path).run(dryRun: false, force: false)
    #expect(try userTree(dir.path) == before)
  }

  @Test func aRunStoppedBeforeAnyChangeSaysNothingChanged() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    // The first action's file changed since planning.
    try AtomicFile.write(Array("{}".utf8), to: dir.appending("tasks/p1/t1.json"))
    let journals = journalsToUndo { try JournalRunner(dataDir: dir.path).run(plan, command: "repair") }
    #expect(journals == [])
  }

  @Test func laterJournalsOfOneRunAreKeptInOrder() {
    let first = MaestroError.afterChanges(MaestroError(.io, "disk full"), dataDir: "/d", journals: ["j2"])
    let merged = MaestroError.afterChanges(first, dataDir: "/d", journals: ["j1"])
    #expect(merged.partialRun == PartialRun(dataDir: "/d", journals: ["j1", "j2"]))
    #expect(merged.message == "disk full")
    #expect(MaestroError.afterChanges(MaestroError(.io, "x"), dataDir: "/d", journals: []).partialRun == nil)
  }

  @Test func undoRefusesAJournalOfAnotherDataDir() throws {
    let a = try TemporaryDirectory()
    let b = try TemporaryDirectory()
    let journal = try JournalRunner(dataDir: a.path).run(try makeDirAndPlan(a.path), command: "repair")
    #expect(throws: MaestroError.self) { try UndoJob(journal: journal.path, dataDir: b.path) }
    do {
      _ = try UndoJob(journal: journal.path, dataDir: b.path)
    } catch let e as MaestroError {
      #expect(e.code == .usage && e.message.contains("belongs to the data dir"))
    }
    // The same data dir by another spelling is accepted.
    #expect(try UndoJob(journal: journal.path, dataDir: a.path + "/.").dataDir == a.path)
    #expect(try UndoJob(journal: journal.path, dataDir: nil).dataDir == a.path)
  }
}
