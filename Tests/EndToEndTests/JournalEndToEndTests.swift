import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Journals as operators meet them: a torn journal does not wedge later
/// commands, and `journal list|show|prune` report and reclaim their disk.
@Suite struct JournalEndToEndTests {
  @Test func pruneOnADataDirWithoutJournalsRemovesNothing() throws {
    try withTemporaryDirectory { dir in
      let data = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--no-sync"]).status == 0)
      let before = try userTree(data)
      // No .maestro-admin/journal/ yet: nothing to remove, not an error.
      let r = try runMaestroAdmin(["journal", "prune", "--keep", "0", "--data-dir", data])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(try userTree(data) == before)
    }
  }

  @Test func aJournalCutMidLineDoesNotStopTheNextCommandAndStaysUndoable() throws {
    try withTemporaryDirectory { dir in
      let data = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--inject", "all=1"]).status == 0)
      let before = try userTree(data)
      #expect(try runMaestroAdmin(["repair", "--data-dir", data]).status == 4)
      let journal = try #require(try Journal.list(dataDir: data).first)
      // A crash mid-append: the commit record lost, the last "done" torn.
      var lines = try text(journal.path).split(separator: "\n").map(String.init)
      lines.removeLast()
      let last = lines.removeLast()
      try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n" + last.prefix(9)).utf8), to: journal.path)

      let listed = try runMaestroAdmin(["journal", "list", "--data-dir", data])
      #expect(listed.status == 0 && listed.stdout.contains("unfinished") && listed.stdout.contains("torn last record"))
      let next = try runMaestroAdmin(["repair", "--data-dir", data])
      #expect(next.status == 4, "\(next.stderr)")
      #expect(next.stdout.contains("finished journal \(journal.id)"))
      let asides = try FileSystem.listDirectory(Journal.folder(data)).map(\.name).filter { $0.contains(".torn-") }
      #expect(asides.count == 1)
      let undo = try runMaestroAdmin(["undo", journal.id, "--data-dir", data])
      #expect(undo.status == 1, "\(undo.stderr)")
      #expect(try userTree(data) == before)
    }
  }

  @Test func listShowAndPruneWithTheFoldersAMigrationKeeps() throws {
    try withTemporaryDirectory { dir in
      let data = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--format", "legacy"]).status == 0)
      let up = try runMaestroAdmin(["migrate", "up", "--data-dir", data, "--no-snapshot"])
      #expect(up.status == 0 || up.status == 1, "\(up.stderr)")
      let list = try runMaestroAdmin(["journal", "list", "--data-dir", data, "--json"])
      #expect(list.status == 0)
      let records = list.lines.compactMap { (try? JSONParser.parse($0))?.objectValue }
      let entry = try #require(records.first { $0["type"] == "journal" })
      #expect(entry["command"]?.stringValue?.hasPrefix("migrate") == true && entry["state"] == "committed")
      let folders = (entry["folders"]?.arrayValue ?? []).compactMap { $0.stringValue }
      #expect(!folders.isEmpty && folders.allSatisfy { FileSystem.isDirectory(data + "/" + $0) })
      #expect((entry["undoCopyBytes"]?.numberValue ?? 0) > 0)
      let id = try #require(entry["id"]?.stringValue)

      let show = try runMaestroAdmin(["journal", "show", id, "--data-dir", data])
      #expect(show.status == 0 && show.stdout.contains("done") && show.stdout.contains("keeps " + folders[0]))
      #expect(try runMaestroAdmin(["journal", "show", "nosuch", "--data-dir", data]).status == 8)

      #expect(try runMaestroAdmin(["journal", "prune", "--data-dir", data]).status == 16)
      let dry = try runMaestroAdmin(["journal", "prune", "--data-dir", data, "--older-than", "0s", "--dry-run"])
      #expect(dry.status == 0 && dry.stdout.contains("would remove \(id)"))
      #expect(FileSystem.isDirectory(data + "/" + folders[0]))
      let kept = try runMaestroAdmin(["journal", "prune", "--data-dir", data, "--keep", "1"])
      #expect(kept.status == 0 && FileSystem.isDirectory(data + "/" + folders[0]))
      let pruned = try runMaestroAdmin(["journal", "prune", "--data-dir", data, "--older-than", "0s"])
      #expect(pruned.status == 1, "\(pruned.stderr)")
      #expect(!FileSystem.fileExists(data + "/" + folders[0]))
      #expect(try FileSystem.listDirectory(Journal.folder(data)).isEmpty)
      #expect(try runMaestroAdmin(["check", "--data-dir", data]).status != 8)
    }
  }

  @Test func pruneLeavesAnUnfinishedJournal() throws {
    let dir = try TemporaryDirectory()
    let plan = try makeDirAndPlan(dir.path)
    let journal = try Journal.create(
      dataDir: dir.path, command: "repair", actions: plan.actions, beforeBytes: plan.beforeBytes)
    let r = try runMaestroAdmin(["journal", "prune", "--data-dir", dir.path, "--older-than", "0s", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains(#""pruned":false,"reason":"unfinished"#))
    #expect(FileSystem.fileExists(journal.path))
  }
}
