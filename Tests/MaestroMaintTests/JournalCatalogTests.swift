import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `journal list` and `journal prune` as a library: states, undo links,
/// sizes, and what prune never removes.
@Suite struct JournalCatalogTests {
  /// A repair run, its undo, a later repair, and an unfinished run.
  private func history(_ dir: String) throws -> (repair: Journal, undo: String, later: Journal, unfinished: Journal) {
    // A few ms apart: the catalog orders by creation time.
    let repair = try JournalRunner(dataDir: dir).run(try makeDirAndPlan(dir), command: "repair")
    usleep(5_000)
    let undo = try #require(try UndoJob(journal: repair.id, dataDir: dir).run(dryRun: false, force: false).journal)
    usleep(5_000)
    var plan = ChangePlan(dataDir: dir)
    try plan.write("projects/p9.json", Array(#"{"id":"p9"}"#.utf8), reason: "test", summary: "add p9")
    let later = try JournalRunner(dataDir: dir).run(plan, command: "repair")
    usleep(5_000)
    var pending = ChangePlan(dataDir: dir)
    try pending.write("projects/p8.json", Array(#"{"id":"p8"}"#.utf8), reason: "test", summary: "add p8")
    let unfinished = try Journal.create(
      dataDir: dir, command: "archive create", actions: pending.actions, beforeBytes: pending.beforeBytes)
    return (repair, undo, later, unfinished)
  }

  @Test func listGivesStatesUndoLinksAndSizes() throws {
    let dir = try TemporaryDirectory()
    let h = try history(dir.path)
    let catalog = try JournalCatalog(dataDir: dir.path)
    #expect(catalog.entries.count == 4)
    let repair = try #require(catalog.entry(h.repair.id))
    #expect(repair.state == .committed && repair.undoneBy == [h.undo] && repair.command == "repair")
    #expect(repair.journalBytes > 0 && repair.packBytes > 0 && repair.done == repair.actions)
    #expect(catalog.entry(h.undo)?.undoes == h.repair.id)
    #expect(catalog.entry(h.unfinished.id)?.state == .unfinished)
    #expect(catalog.group(of: h.repair.id).sorted() == [h.repair.id, h.undo].sorted())
  }

  @Test func pruneNeverRemovesUnfinishedOrUndoLinkedJournals() throws {
    let dir = try TemporaryDirectory()
    let h = try history(dir.path)
    let folder = Journal.folder(dir.path)

    // Keep the newest finished one (the later repair) and the unfinished.
    let keepOne = try JournalPruner(dataDir: dir.path, olderThan: nil, keep: 2, dryRun: false).run()
    let pruned = Set(keepOne.decisions.filter(\.prune).map(\.entry.id))
    #expect(pruned == [h.repair.id, h.undo])
    #expect(!FileSystem.fileExists(folder + "/" + h.repair.id + ".jsonl"))
    #expect(!FileSystem.fileExists(folder + "/" + h.repair.id + ".pack"))
    #expect(!FileSystem.fileExists(folder + "/" + h.undo + ".pack"))
    #expect(keepOne.freedBytes > 0)

    // Everything old: the unfinished journal stays, with its pack.
    let all = try JournalPruner(dataDir: dir.path, olderThan: 0, keep: nil, dryRun: false).run()
    let unfinished = try #require(all.decisions.first { $0.entry.id == h.unfinished.id })
    #expect(!unfinished.prune && unfinished.reason.contains("unfinished"))
    #expect(FileSystem.fileExists(folder + "/" + h.unfinished.id + ".pack"))
    #expect(!FileSystem.fileExists(h.later.path))
  }

  @Test func anUndoRunKeepsTheRunItUndoesAndADryRunRemovesNothing() throws {
    let dir = try TemporaryDirectory()
    let repair = try JournalRunner(dataDir: dir.path).run(try makeDirAndPlan(dir.path), command: "repair")
    usleep(5_000)
    let undo = try #require(try UndoJob(journal: repair.id, dataDir: dir.path).run(dryRun: false, force: false).journal)
    // keep 1 keeps the undo; the repair goes with it.
    let report = try JournalPruner(dataDir: dir.path, olderThan: nil, keep: 1, dryRun: false).run()
    #expect(report.decisions.allSatisfy { !$0.prune })
    let kept = try #require(report.decisions.first { $0.entry.id == repair.id })
    #expect(kept.reason.contains(undo))
    let files = try FileSystem.listDirectory(Journal.folder(dir.path)).map(\.name).sorted()
    let dry = try JournalPruner(dataDir: dir.path, olderThan: 0, keep: nil, dryRun: true).run()
    #expect(dry.decisions.allSatisfy(\.prune) && dry.removedPaths.count == 4)
    #expect(try FileSystem.listDirectory(Journal.folder(dir.path)).map(\.name).sorted() == files)
  }

  @Test func aPackNoJournalNamesIsListedAndPruned() throws {
    let dir = try TemporaryDirectory()
    let repair = try JournalRunner(dataDir: dir.path).run(try makeDirAndPlan(dir.path), command: "repair")
    // A crash after the pack was renamed into place, before the plan was.
    let orphan = Journal.folder(dir.path) + "/20260101T000000Z-repair-0badf00d.pack"
    try AtomicFile.write(Array(repeating: 7, count: 100), to: orphan)
    let catalog = try JournalCatalog(dataDir: dir.path)
    #expect(catalog.orphanPacks == [orphan] && catalog.orphanPackBytes == 100)
    #expect(catalog.entries.map(\.id) == [repair.id])
    // Pruned even when every journal is kept.
    let report = try JournalPruner(dataDir: dir.path, olderThan: nil, keep: 5, dryRun: false).run()
    #expect(report.removedPaths == [orphan] && report.freedBytes == 100)
    #expect(!FileSystem.fileExists(orphan) && FileSystem.fileExists(repair.path))
  }

  @Test func agesParseAndNoRuleIsAUsageError() throws {
    #expect(try JournalPruner.parseAge("30d") == 30 * 86_400_000)
    #expect(try JournalPruner.parseAge("12h") == 12 * 3_600_000)
    #expect(try JournalPruner.parseAge("2w") == 14 * 86_400_000)
    for bad in ["30", "d", "-1d", "3y", ""] {
      #expect(throws: MaestroError.self) { try JournalPruner.parseAge(bad) }
    }
    let dir = try TemporaryDirectory()
    #expect(throws: MaestroError.self) {
      try JournalPruner(dataDir: dir.path, olderThan: nil, keep: nil, dryRun: true).run()
    }
  }
}
