import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The journal's `exchange` action: two folders swapped in one step, told
/// apart by inode, with a tree manifest of each for undo.
@Suite struct JournalExchangeTests {
  /// A data dir with a live folder `a` and a migrated copy staged under the
  /// toolkit's state folder, plus the plan that swaps them and writes one
  /// other file.
  private struct Scene {
    static let staging = ".maestro-admin/staging/x/a"
    let dir: TemporaryDirectory
    var root: String { dir.path }
    var live: String { root + "/a" }
    var staged: String { root + "/" + Self.staging }

    init() throws {
      dir = try TemporaryDirectory(prefix: "journal-exchange")
      try FileSystem.makeDirectories(dir.path + "/a/sub")
      try AtomicFile.write(Array("old one".utf8), to: dir.path + "/a/one.json")
      try AtomicFile.write(Array("old two".utf8), to: dir.path + "/a/sub/two.json")
      try FileSystem.makeDirectories(dir.path + "/" + Self.staging + "/sub")
      try FileSystem.makeDirectories(dir.path + "/" + Self.staging + "/empty")
      try AtomicFile.write(Array("new one".utf8), to: dir.path + "/" + Self.staging + "/one.json")
      try AtomicFile.write(Array("new two".utf8), to: dir.path + "/" + Self.staging + "/sub/two.json")
      try AtomicFile.write(Array("new three".utf8), to: dir.path + "/" + Self.staging + "/sub/three.json")
    }

    func plan() throws -> ChangePlan {
      var plan = ChangePlan(dataDir: root)
      try plan.exchange(
        "a", with: Self.staging, leaving: try TreeManifest.scan(live), arriving: try TreeManifest.scan(staged),
        reason: "migrate", summary: "swap in migrated a")
      try plan.write("b.json", Array("written".utf8), reason: "migrate", summary: "write b")
      return plan
    }

    /// The two folders' trees (modes included).
    func trees() throws -> (live: [TreeHash.Entry], staged: [TreeHash.Entry]) {
      (try TreeHash.entries(of: live, includeModes: true), try TreeHash.entries(of: staged, includeModes: true))
    }

    /// Everything in the data dir but the journals themselves.
    func everything() throws -> [TreeHash.Entry] {
      try TreeHash.entries(of: root, includeModes: true).filter { !$0.path.hasPrefix(".maestro-admin/journal") }
    }

    func inode(_ path: String) -> UInt64? { FileState.folder(at: path)?.inode }
  }

  // MARK: 1. TreeManifest

  @Test func manifestScansRoundTripsAndNamesDifferences() throws {
    let dir = try TemporaryDirectory(prefix: "tree-manifest")
    let root = dir.path
    try FileSystem.makeDirectories(root + "/sub/deeper")
    try FileSystem.makeDirectories(root + "/empty")
    try AtomicFile.write(Array("content one".utf8), to: root + "/f1")
    try AtomicFile.write(Array("f2".utf8), to: root + "/sub/f2")
    try AtomicFile.write(Array("f3".utf8), to: root + "/sub/deeper/f3")
    #expect(symlink("f1", root + "/link") == 0)

    let manifest = try TreeManifest.scan(root, workers: 3)
    #expect(manifest.entries == [
      .init(path: "empty", kind: .directory),
      .init(path: "f1", kind: .file, sha256: SHA256.hex(of: Array("content one".utf8))),
      // A symlink by its target, not by what it points at.
      .init(path: "link", kind: .symlink, sha256: SHA256.hex(of: Array("f1".utf8))),
      .init(path: "sub", kind: .directory),
      .init(path: "sub/deeper", kind: .directory),
      .init(path: "sub/deeper/f3", kind: .file, sha256: SHA256.hex(of: Array("f3".utf8))),
      .init(path: "sub/f2", kind: .file, sha256: SHA256.hex(of: Array("f2".utf8))),
    ])
    let bytes = manifest.serialized()
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    #expect(lines.count == 7)
    #expect(lines.first == #"["d","empty"]"#)
    #expect(try TreeManifest(bytes: bytes, source: "m") == manifest)
    // Entries given in any order come out sorted.
    #expect(TreeManifest(entries: manifest.entries.reversed()) == manifest)
    #expect(manifest.differences(from: manifest).isEmpty)
    // One thread or many: the same manifest.
    #expect(try TreeManifest.scan(root, workers: 1) == manifest)

    // A chmod is not a change of data.
    #expect(chmod(root + "/sub/deeper/f3", 0o600) == 0)
    #expect(try TreeManifest.scan(root).differences(from: manifest).isEmpty)

    // Added, removed, changed: exactly those, sorted, either way round.
    try AtomicFile.write(Array("changed".utf8), to: root + "/f1")
    try FileSystem.removeFile(root + "/sub/f2")
    try AtomicFile.write(Array("new".utf8), to: root + "/sub/new")
    let changed = try TreeManifest.scan(root)
    #expect(changed.differences(from: manifest) == ["f1", "sub/f2", "sub/new"])
    #expect(manifest.differences(from: changed) == ["f1", "sub/f2", "sub/new"])

    // A folder where a file was is a change of kind.
    try FileSystem.removeFile(root + "/sub/deeper/f3")
    try FileSystem.makeDirectories(root + "/sub/deeper/f3")
    #expect(try TreeManifest.scan(root).differences(from: changed) == ["sub/deeper/f3"])
  }

  @Test func aMalformedManifestLineThrowsNamingTheSource() throws {
    let good = Array(#"["f","a","abc"]"#.utf8) + [0x0A]
    for bad in [#"not json"#, #"["z","a"]"#, #"["f"]"#, #"{"f":"a"}"#, #"[1,"a"]"#] {
      let bytes = good + Array(bad.utf8) + [0x0A]
      let error = #expect(throws: MaestroError.self) {
        try TreeManifest(bytes: bytes, source: "/j/x.pack")
      }
      #expect(error?.path == "/j/x.pack")
      #expect(error?.code == .badEntity)
      #expect(error?.message.contains("line 2") == true)
    }
    #expect(try TreeManifest(bytes: good, source: "x").entries == [.init(path: "a", kind: .file, sha256: "abc")])
    #expect(try TreeManifest(bytes: [], source: "x").entries.isEmpty)
  }

  // MARK: 2. Run

  @Test func aRunSwapsTheFoldersAndCommits() throws {
    let scene = try Scene()
    let (oldLive, oldStaged) = try scene.trees()
    #expect(oldLive != oldStaged)
    let liveInode = scene.inode(scene.live)
    let stagedInode = scene.inode(scene.staged)
    let plan = try scene.plan()
    #expect(plan.actions.map(\.operation) == [.exchange, .write])
    #expect(plan.actions[0].before.inode == liveInode && plan.actions[0].after.inode == stagedInode)
    #expect(liveInode != nil && stagedInode != nil && liveInode != stagedInode)

    let journal = try JournalRunner(dataDir: scene.root).run(plan, command: "test")
    #expect(journal.committed && journal.done == [1, 2])
    #expect(try Journal.open(path: journal.path).committed)
    let (newLive, newStaged) = try scene.trees()
    #expect(newLive == oldStaged)
    #expect(newStaged == oldLive)
    #expect(scene.inode(scene.live) == stagedInode && scene.inode(scene.staged) == liveInode)
    #expect(try text(scene.root + "/b.json") == "written")
  }

  @Test func aFolderChangedBeforeTheRunStopsIt() throws {
    let scene = try Scene()
    let plan = try scene.plan()
    // The staged folder replaced between planning and running.
    try FileSystem.rename(scene.staged, to: scene.root + "/.maestro-admin/staging/x/a-moved")
    try FileSystem.makeDirectories(scene.staged)
    let before = try scene.everything()
    #expect(throws: JournalStop.self) { try JournalRunner(dataDir: scene.root).run(plan, command: "test") }
    #expect(try scene.everything() == before)
    let journal = try #require(try Journal.list(dataDir: scene.root).first)
    #expect(journal.stopReason != nil && journal.done.isEmpty && !journal.committed)
  }

  // MARK: 3. Recovery, exactly once

  @Test func recoveryMakesTheSwapOnce() throws {
    let scene = try Scene()
    let (oldLive, oldStaged) = try scene.trees()
    let plan = try scene.plan()
    let journal = try Journal.create(
      dataDir: scene.root, command: "test", actions: plan.actions, beforeBytes: plan.beforeBytes)
    // Nothing made yet.
    #expect(try scene.trees() == (oldLive, oldStaged))
    let runner = JournalRunner(dataDir: scene.root)
    #expect(try runner.recoverInterrupted().map(\.id) == [journal.id])
    #expect(try scene.trees() == (oldStaged, oldLive))
    #expect(try text(scene.root + "/b.json") == "written")
    #expect(try Journal.open(path: journal.path).committed)
    // A second recovery has nothing to finish and swaps nothing back.
    #expect(try runner.recoverInterrupted().isEmpty)
    #expect(try scene.trees() == (oldStaged, oldLive))
  }

  @Test func recoveryRecognisesASwapAlreadyMade() throws {
    let scene = try Scene()
    let (oldLive, oldStaged) = try scene.trees()
    let plan = try scene.plan()
    let journal = try Journal.create(
      dataDir: scene.root, command: "test", actions: plan.actions, beforeBytes: plan.beforeBytes)
    // A crash after the swap, before it was marked done (made here by hand,
    // through a third name).
    try FileSystem.rename(scene.live, to: scene.root + "/a-swap")
    try FileSystem.rename(scene.staged, to: scene.live)
    try FileSystem.rename(scene.root + "/a-swap", to: scene.staged)
    #expect(try scene.trees() == (oldStaged, oldLive))

    #expect(try JournalRunner(dataDir: scene.root).recoverInterrupted().map(\.id) == [journal.id])
    #expect(try scene.trees() == (oldStaged, oldLive))
    #expect(try text(scene.root + "/b.json") == "written")
    let reread = try Journal.open(path: journal.path)
    #expect(reread.committed && reread.done == [1, 2])
  }

  @Test func recoveryStopsWhenTheFolderIsNeitherOne() throws {
    let scene = try Scene()
    let plan = try scene.plan()
    let journal = try Journal.create(
      dataDir: scene.root, command: "test", actions: plan.actions, beforeBytes: plan.beforeBytes)
    // Someone put a different folder at `a` (the old one kept aside, so its
    // inode cannot be reused by the new one).
    try FileSystem.rename(scene.live, to: scene.root + "/a-aside")
    try FileSystem.makeDirectories(scene.live)
    try AtomicFile.write(Array("theirs".utf8), to: scene.live + "/one.json")
    let before = try scene.everything()

    let error = #expect(throws: JournalStop.self) { try JournalRunner(dataDir: scene.root).recoverInterrupted() }
    #expect(error?.conflicts.map(\.path) == ["a"])
    #expect(try scene.everything() == before)
    #expect(!FileSystem.fileExists(scene.root + "/b.json"))
    let reread = try Journal.open(path: journal.path)
    #expect(reread.stopReason != nil)
    #expect(reread.done.isEmpty && !reread.committed)
    // Stopped is finished: a later recovery leaves it alone.
    #expect(try JournalRunner(dataDir: scene.root).recoverInterrupted().isEmpty)
    #expect(try scene.everything() == before)
  }

  // MARK: 4–5. Undo

  @Test func undoSwapsBackAndIsItselfUndoable() throws {
    let scene = try Scene()
    let original = try scene.everything()
    let (oldLive, oldStaged) = try scene.trees()
    let journal = try JournalRunner(dataDir: scene.root).run(try scene.plan(), command: "test")
    let migrated = try scene.everything()
    #expect(migrated != original)

    let undo = try UndoJob(journal: journal.id, dataDir: scene.root).run(dryRun: false, force: false)
    #expect(undo.conflicts.isEmpty)
    #expect(undo.actions.map(\.operation) == [.remove, .exchange])
    let undoId = try #require(undo.journal)
    #expect(try scene.trees() == (oldLive, oldStaged))
    #expect(try scene.everything() == original)
    #expect(try UndoJob(journal: journal.id, dataDir: scene.root).run(dryRun: false, force: false).alreadyUndone)

    let redo = try UndoJob(journal: undoId, dataDir: scene.root).run(dryRun: false, force: false)
    #expect(redo.conflicts.isEmpty)
    #expect(redo.journal != nil)
    #expect(try scene.trees() == (oldStaged, oldLive))
    #expect(try scene.everything() == migrated)
  }

  @Test func aDryRunUndoChangesNothing() throws {
    let scene = try Scene()
    let journal = try JournalRunner(dataDir: scene.root).run(try scene.plan(), command: "test")
    let migrated = try scene.everything()
    let outcome = try UndoJob(journal: journal.id, dataDir: scene.root).run(dryRun: true, force: false)
    #expect(outcome.conflicts.isEmpty && outcome.journal == nil)
    #expect(outcome.actions.map(\.operation) == [.remove, .exchange])
    #expect(try scene.everything() == migrated)
  }

  @Test func undoRefusesAChangedTreeUnlessForced() throws {
    let scene = try Scene()
    let (oldLive, _) = try scene.trees()
    let journal = try JournalRunner(dataDir: scene.root).run(try scene.plan(), command: "test")
    try AtomicFile.write(Array("edited".utf8), to: scene.live + "/sub/two.json")
    try AtomicFile.write(Array("added".utf8), to: scene.live + "/added.json")
    let edited = try scene.everything()
    let editedLive = try TreeHash.entries(of: scene.live, includeModes: true)

    let job = try UndoJob(journal: journal.id, dataDir: scene.root)
    let refused = try job.run(dryRun: false, force: false)
    #expect(refused.conflicts == ["a/added.json", "a/sub/two.json"])
    #expect(refused.journal == nil)
    #expect(try scene.everything() == edited)

    let forced = try job.run(dryRun: false, force: true)
    #expect(forced.conflicts == ["a/added.json", "a/sub/two.json"])
    #expect(forced.journal != nil)
    #expect(try TreeHash.entries(of: scene.live, includeModes: true) == oldLive)
    // Nothing lost: the edited tree is kept at the staged path.
    #expect(try TreeHash.entries(of: scene.staged, includeModes: true) == editedLive)
    #expect(!FileSystem.fileExists(scene.root + "/b.json"))
  }

  @Test func undoCountsAReplacedFolderAsAConflict() throws {
    let scene = try Scene()
    let journal = try JournalRunner(dataDir: scene.root).run(try scene.plan(), command: "test")
    // The same content, but not the folder the run put there.
    try FileSystem.rename(scene.live, to: scene.root + "/a-aside")
    try FileSystem.makeDirectories(scene.live)
    for entry in try TreeHash.entries(of: scene.root + "/a-aside") {
      if entry.kind == .directory {
        try FileSystem.makeDirectories(scene.live + "/" + entry.path)
      } else {
        try AtomicFile.write(try FileSystem.readFile(scene.root + "/a-aside/" + entry.path), to: scene.live + "/" + entry.path)
      }
    }
    let before = try scene.everything()
    let refused = try UndoJob(journal: journal.id, dataDir: scene.root).run(dryRun: false, force: false)
    #expect(refused.conflicts == ["a"])
    #expect(refused.journal == nil)
    #expect(try scene.everything() == before)
  }

  // MARK: 6. Inodes in the journal

  @Test func inodesSurviveTheJournalsJSON() throws {
    let scene = try Scene()
    let plan = try scene.plan()
    let leaving = try TreeManifest.scan(scene.live)
    let arriving = try TreeManifest.scan(scene.staged)
    let journal = try Journal.create(
      dataDir: scene.root, command: "test", actions: plan.actions, beforeBytes: plan.beforeBytes)
    let reread = try Journal.open(path: journal.path)
    let action = try #require(reread.actions.first)
    #expect(action.operation == .exchange && action.path == "a" && action.to == Scene.staging)
    #expect(action.before.inode != nil && action.before.inode == scene.inode(scene.live))
    #expect(action.after.inode != nil && action.after.inode == scene.inode(scene.staged))
    #expect(action.before.isDirectory && action.after.isDirectory)
    #expect(reread.actions == plan.actions.map { var a = $0; a.newBytes = nil; return a })
    // The manifests are in the pack: leaving as the old content, arriving as the new.
    #expect(try TreeManifest(bytes: try #require(try reread.beforeBytes(1)), source: "pack") == leaving)
    #expect(try TreeManifest(bytes: try #require(try reread.afterBytes(1)), source: "pack") == arriving)

    // Inode numbers beyond a double's exact range come back exactly.
    let big: UInt64 = 0xFFFF_FFFF_FFFF_FFF1
    let huge = try Journal.create(
      dataDir: scene.root, command: "test",
      actions: [
        JournalAction(
          seq: 1, operation: .exchange, path: "p", to: "q", reason: "r", summary: "s",
          before: FileState(exists: true, isDirectory: true, inode: big),
          after: FileState(exists: true, isDirectory: true, inode: big - 1))
      ], beforeBytes: [:])
    let hugeAction = try #require(try Journal.open(path: huge.path).actions.first)
    #expect(hugeAction.before.inode == big && hugeAction.after.inode == big - 1)
  }

  @Test func aFolderStateMatchesByInodeWhenBothHaveOne() {
    let one = FileState(exists: true, isDirectory: true, inode: 7)
    let other = FileState(exists: true, isDirectory: true, inode: 8)
    let unknown = FileState(exists: true, isDirectory: true)
    #expect(one.matches(one))
    #expect(!one.matches(other) && !other.matches(one))
    #expect(one.matches(unknown) && unknown.matches(one))
    #expect(!one.matches(.absent))
  }
}
