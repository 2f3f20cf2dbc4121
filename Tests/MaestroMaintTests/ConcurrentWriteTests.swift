import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Another process writing the data dir at the exact moment that matters
/// (`RaceHook`): between the read a change was computed from and the change,
/// between the last look and the exchange, while the old content is set
/// aside. Whatever the moment and the writer's style, its write survives,
/// the run stops naming every file concerned, and nothing is lost.
@Suite struct ConcurrentWriteTests {
  // MARK: Writers in the two styles servers use

  /// A newer server: a compact temp file beside the target, then a rename.
  static func writeByRename(_ path: String, _ bytes: [UInt8]) {
    let temp = path + ".1a2b3c4d.tmp"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0)
    _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    close(fd)
    precondition(rename(temp, path) == 0)
  }

  /// A seed-era server: `open(O_TRUNC)` and `write` on the same inode.
  static func writeInPlace(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0o644)
    precondition(fd >= 0)
    _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    close(fd)
  }

  /// Runs `body` once, the first time `site` is reached for a path in
  /// `paths`.
  static func once(_ site: String, _ paths: Set<String>, _ body: @escaping @Sendable (String) -> Void) -> RaceHook.Token {
    let fired = Atomic<Bool>(false)
    return RaceHook.install { s, p in
      guard s == site, paths.contains(p), !fired.exchange(true, ordering: .relaxed) else { return }
      body(p)
    }
  }

  static func temporaryFiles(_ folder: String) throws -> [String] {
    try FileSystem.listDirectory(folder).map(\.name).filter { $0.hasSuffix(".tmp") }
  }

  static func write(_ dir: String, _ files: [String: String]) throws {
    for (path, content) in files {
      try FileSystem.makeDirectories(FileSystem.parentDirectory(of: dir + "/" + path))
      try AtomicFile.write(Array(content.utf8), to: dir + "/" + path)
    }
  }

  /// Two files repair edits (a repeated session id in t1, a dangling task
  /// in s2) and a misplaced task it moves to `tasks/p2/`.
  static func makeRepairDir(_ dir: String) throws {
    try write(dir, [
      "projects/p1.json": #"{"id":"p1","name":"P","workingDir":"/w"}"#,
      "projects/p2.json": #"{"id":"p2","name":"Q","workingDir":"/q"}"#,
      "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","sessionIds":["s1","s1"]}"#,
      "tasks/p1/t2.json": #"{"id":"t2","projectId":"p2","sessionIds":[]}"#,
      "tasks/p2/t3.json": #"{"id":"t3","projectId":"p2","sessionIds":[]}"#,
      "sessions/s1.json": #"{"id":"s1","projectId":"p1","taskIds":["t1"]}"#,
      "sessions/s2.json": #"{"id":"s2","projectId":"p1","taskIds":["t_gone"]}"#,
    ])
  }

  static let theirsT1 = Array(#"{"id":"t1","projectId":"p1","sessionIds":["s1","s1"],"title":"server"}"#.utf8)
  static let theirsS2 = Array("{\n  \"id\": \"s2\",\n  \"projectId\": \"p1\",\n  \"taskIds\": [\n    \"t_gone\"\n  ],\n  \"name\": \"server\"\n}".utf8)

  /// Repair with a server writing both edited files at `site`, in `style`:
  /// the run stops naming both, and both keep the server's bytes.
  func repairMeetsAWriter(at site: String, inPlace: Bool) async throws {
    let dir = try TemporaryDirectory()
    try Self.makeRepairDir(dir.path)
    let t1 = dir.path + "/tasks/p1/t1.json"
    let s2 = dir.path + "/sessions/s2.json"
    let token = Self.once(site, [t1, s2]) { _ in
      let write = inPlace ? Self.writeInPlace : Self.writeByRename
      write(t1, Self.theirsT1)
      write(s2, Self.theirsS2)
    }
    defer { token.remove() }
    do {
      _ = try await RepairJob(dataDir: dir.path, filter: try FindingFilter(only: "task.sessionIds.duplicate,session.task.dangling", ignore: nil)).run()
      Issue.record("repair did not stop (\(site), in place: \(inPlace))")
    } catch let stop as JournalStop {
      #expect(Set(stop.conflicts.map(\.path)) == ["tasks/p1/t1.json", "sessions/s2.json"], "\(site) \(inPlace)")
      #expect(stop.applied == 0)
      #expect(stop.undoCommands.isEmpty)
      let journal = try Journal.open(path: Journal.folder(dir.path) + "/" + stop.journal + ".jsonl")
      #expect(journal.stopReason != nil && journal.done.isEmpty)
    }
    #expect(try FileSystem.readFile(t1) == Self.theirsT1, "\(site) \(inPlace)")
    #expect(try FileSystem.readFile(s2) == Self.theirsS2, "\(site) \(inPlace)")
    #expect(try Self.temporaryFiles(dir.path + "/tasks/p1").isEmpty)
    #expect(try Self.temporaryFiles(dir.path + "/sessions").isEmpty)
  }

  // (a) A compact temp+rename writer between plan and apply, and between
  // the last check and the exchange.
  @Test func aRenamingWriterStopsRepairAndItsWriteSurvives() async throws {
    try await repairMeetsAWriter(at: "journal:before-action", inPlace: false)
    try await repairMeetsAWriter(at: "journal:before-swap", inPlace: false)
  }

  // (b) An in-place writer (same inode), at both moments.
  @Test func anInPlaceWriterStopsRepairAndItsWriteSurvives() async throws {
    try await repairMeetsAWriter(at: "journal:before-action", inPlace: true)
    try await repairMeetsAWriter(at: "journal:before-swap", inPlace: true)
  }

  /// An in-place writer that opened the file before the exchange and writes
  /// only later, through its old descriptor: the file is swapped back (a
  /// writer still holds it open), so the late write lands live.
  @Test func aWriterHoldingTheOldFileOpenIsSeenAndItsLateWriteLandsLive() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeRepairDir(dir.path)
    let t1 = dir.path + "/tasks/p1/t1.json"
    let descriptor = Atomic<Int32>(-1)
    let token = Self.once("journal:before-swap", [t1]) { path in
      descriptor.store(open(path, O_WRONLY), ordering: .relaxed)
    }
    defer { token.remove() }
    await #expect(throws: JournalStop.self) {
      _ = try await RepairJob(dataDir: dir.path, filter: try FindingFilter(only: "task.sessionIds.duplicate", ignore: nil)).run()
    }
    let fd = descriptor.load(ordering: .relaxed)
    #expect(fd >= 0)
    _ = Self.theirsT1.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    _ = ftruncate(fd, off_t(Self.theirsT1.count))
    close(fd)
    #expect(try FileSystem.readFile(t1) == Self.theirsT1)
    #expect(try Self.temporaryFiles(dir.path + "/tasks/p1").isEmpty)
  }

  // (c) A file created at a move's destination after planning.
  @Test func aFileCreatedAtAMovesDestinationIsNotClobbered() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeRepairDir(dir.path)
    let source = dir.path + "/tasks/p1/t2.json"
    let destination = dir.path + "/tasks/p2/t2.json"
    let sourceBytes = try FileSystem.readFile(source)
    let theirs = Array(#"{"id":"t2","projectId":"p2","sessionIds":[],"title":"server"}"#.utf8)
    let token = Self.once("journal:before-swap", [source]) { _ in Self.writeByRename(destination, theirs) }
    defer { token.remove() }
    do {
      _ = try await RepairJob(dataDir: dir.path, filter: try FindingFilter(only: "task.misplaced", ignore: nil)).run()
      Issue.record("repair moved over a new file")
    } catch let stop as JournalStop {
      #expect(stop.conflicts.map(\.path) == ["tasks/p2/t2.json"])
    }
    #expect(try FileSystem.readFile(destination) == theirs)
    #expect(try FileSystem.readFile(source) == sourceBytes)
  }

  /// A quarantine move whose file was rewritten after planning: moved back.
  @Test func aFileRewrittenBeforeItsMoveGoesBack() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeRepairDir(dir.path)
    let source = dir.path + "/tasks/p1/t2.json"
    let theirs = Array(#"{"id":"t2","projectId":"p2","sessionIds":[],"title":"server"}"#.utf8)
    let token = Self.once("journal:swapped", [source]) { _ in
      // The moved inode, rewritten in place through its new name.
      Self.writeInPlace(dir.path + "/tasks/p2/t2.json", theirs)
    }
    defer { token.remove() }
    await #expect(throws: JournalStop.self) {
      _ = try await RepairJob(dataDir: dir.path, filter: try FindingFilter(only: "task.misplaced", ignore: nil)).run()
    }
    #expect(try FileSystem.readFile(source) == theirs)
    #expect(!FileSystem.fileExists(dir.path + "/tasks/p2/t2.json"))
  }

  // MARK: Recovery of what a crash leaves between exchange and unlink

  /// A crash after the exchange leaves the old content under our temp name.
  /// Expected old bytes: dropped (the pack has them) and the run finished;
  /// anything else is someone's write: swapped back, and the run stops.
  @Test func recoveryRecognisesSwappedOutContent() throws {
    for foreign in [false, true] {
      let dir = try TemporaryDirectory()
      try Self.makeRepairDir(dir.path)
      let relative = "tasks/p1/t1.json"
      let path = dir.path + "/" + relative
      let old = try FileSystem.readFile(path)
      let new = Array(#"{"id":"t1","projectId":"p1","sessionIds":["s1"]}"#.utf8)
      var plan = ChangePlan(dataDir: dir.path)
      try plan.write(relative, new, computedFrom: old, reason: "test", summary: "dedupe")
      let journal = try Journal.create(dataDir: dir.path, command: "repair", actions: plan.actions, beforeBytes: plan.beforeBytes)
      // The state right after the exchange: new content live, the
      // swapped-out content under a temp name.
      let swappedOut = foreign ? Self.theirsT1 : old
      try AtomicFile.write(swappedOut, to: dir.path + "/tasks/p1/.t1.json.maestro-admin-0badf00d.tmp")
      try AtomicFile.write(new, to: path)
      if foreign {
        let stop = #expect(throws: JournalStop.self) { try JournalRunner(dataDir: dir.path).recoverInterrupted() }
        #expect(stop?.conflicts.map(\.path) == [relative])
        #expect(try FileSystem.readFile(path) == Self.theirsT1)
      } else {
        #expect(try JournalRunner(dataDir: dir.path).recoverInterrupted().map(\.id) == [journal.id])
        #expect(try FileSystem.readFile(path) == new)
      }
      #expect(try Self.temporaryFiles(dir.path + "/tasks/p1").isEmpty)
    }
  }

  /// A crash after a removal set the file aside: its own bytes are dropped,
  /// someone else's go back in place.
  @Test func recoveryPutsBackASetAsideFileThatChanged() throws {
    for foreign in [false, true] {
      let dir = try TemporaryDirectory()
      try Self.makeRepairDir(dir.path)
      let relative = "tasks/p2/t3.json"
      let path = dir.path + "/" + relative
      let old = try FileSystem.readFile(path)
      var plan = ChangePlan(dataDir: dir.path)
      try plan.remove(relative, reason: "test", summary: "remove t3")
      _ = try Journal.create(dataDir: dir.path, command: "archive", actions: plan.actions, beforeBytes: plan.beforeBytes)
      let theirs = Array(#"{"id":"t3","title":"server"}"#.utf8)
      try FileSystem.rename(path, to: dir.path + "/tasks/p2/.t3.json.maestro-admin-0badf00d.tmp")
      if foreign { Self.writeInPlace(dir.path + "/tasks/p2/.t3.json.maestro-admin-0badf00d.tmp", theirs) }
      if foreign {
        let stop = #expect(throws: JournalStop.self) { try JournalRunner(dataDir: dir.path).recoverInterrupted() }
        #expect(stop?.conflicts.map(\.path) == [relative])
        #expect(try FileSystem.readFile(path) == theirs)
      } else {
        _ = try JournalRunner(dataDir: dir.path).recoverInterrupted()
        #expect(!FileSystem.fileExists(path))
        _ = old
      }
      #expect(try Self.temporaryFiles(dir.path + "/tasks/p2").isEmpty)
    }
  }

  // MARK: fmt

  // (d) fmt inside a data dir: a file rewritten by a server after fmt read
  // it keeps the server's bytes and is named.
  @Test func fmtLeavesAFileWrittenAfterItsReadNamed() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeRepairDir(dir.path)
    let file = dir.path + "/projects/p1.json"
    try AtomicFile.write(Array("{ \"id\": \"p1\" }\n".utf8), to: file)
    let theirs = Array(#"{"id":"p1","name":"server"}"#.utf8)
    let token = Self.once("fmt:read", [dir.path + "/projects/p1.json"]) { path in Self.writeByRename(path, theirs) }
    defer { token.remove() }
    let files = try JSONFormatter.collectFiles([dir.path + "/projects"])
    let stop = await #expect(throws: JournalStop.self) {
      _ = try await JSONFormatter(rewrite: true).run(files)
    }
    #expect(stop?.conflicts.map(\.path) == ["projects/p1.json"])
    #expect(try FileSystem.readFile(file) == theirs)
    let dirs = JSONFormatter.dataDirectories(of: [file, dir.path + "/tasks/p1/t1.json"])
    #expect(dirs.count == 1 && FileSystem.lastComponent(of: dirs.first ?? "") == FileSystem.lastComponent(of: dir.path))
  }

  // MARK: migrate up

  static func makeLegacyDir(_ dir: String) throws {
    try write(dir, [
      "projects/p1.json": #"{"id":"p1","name":"P","workingDir":"/w","createdAt":1,"updatedAt":1}"#,
      "sessions/s1.json": #"{"id":"s1","projectId":"p1","taskId":"t1"}"#,
      "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","dependencies":[]}"#,
      "tasks/p1/t2.json": #"{"id":"t2","projectId":"p1","dependencies":[]}"#,
    ])
  }

  // (e) An entry created, removed or changed under tasks/ or sessions/
  // after migrate's scan: refused, nothing swapped, the write live.
  @Test(arguments: ["create", "remove", "change"])
  func migrateRefusesAnyChangeSinceItsScan(_ kind: String) async throws {
    let dir = try TemporaryDirectory()
    try Self.makeLegacyDir(dir.path)
    let theirs = Array(#"{"id":"t3","projectId":"p1","title":"server"}"#.utf8)
    let named: String
    switch kind {
    case "create": named = "tasks/p1/t3.json"
    case "remove": named = "tasks/p1/t2.json"
    default: named = "sessions/s1.json"
    }
    let token = Self.once("migrate:scanned", [dir.path]) { _ in
      switch kind {
      case "create": Self.writeByRename(dir.path + "/" + named, theirs)
      case "remove": unlink(dir.path + "/" + named)
      default: Self.writeInPlace(dir.path + "/" + named, theirs)
      }
    }
    defer { token.remove() }
    let expected = try Self.treeAfterTheWrite(dir.path) { copy in
      switch kind {
      case "remove": try FileSystem.removeFile(copy + "/" + named)
      default: try AtomicFile.write(theirs, to: copy + "/" + named)
      }
    }
    let refused = await #expect(throws: MigrationChangedUnderneath.self) {
      _ = try await MigrateJob(dataDir: dir.path).up(.init(snapshot: false))
    }
    #expect(refused?.paths.contains(named) == true, "\(refused?.paths ?? [])")
    #expect(try Self.contents(dir.path) == expected)
    #expect(try MigrationHistory.load(dataDir: dir.path) == nil)
  }

  /// A write landing after the pre-swap look and before the exchange: the
  /// folder swapped out no longer matches, so it is swapped back.
  @Test func migrateSwapsBackAFolderWrittenJustBeforeTheSwap() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeLegacyDir(dir.path)
    let theirs = Array(#"{"id":"t3","projectId":"p1","title":"server"}"#.utf8)
    let token = Self.once("journal:before-swap", [dir.path + "/tasks"]) { _ in
      Self.writeByRename(dir.path + "/tasks/p1/t3.json", theirs)
    }
    defer { token.remove() }
    let expected = try Self.treeAfterTheWrite(dir.path) { try AtomicFile.write(theirs, to: $0 + "/tasks/p1/t3.json") }
    let stop = await #expect(throws: JournalStop.self) {
      _ = try await MigrateJob(dataDir: dir.path).up(.init(snapshot: false))
    }
    // The new file, and its folder (whose entries changed).
    #expect(stop?.conflicts.map(\.path) == ["tasks/p1", "tasks/p1/t3.json"])
    #expect(stop?.applied == 0)
    #expect(try Self.contents(dir.path) == expected)
  }

  /// Every user file's path and bytes, sorted.
  static func contents(_ dir: String) throws -> [String] {
    try userTree(dir).map(\.description).sorted()
  }

  /// `contents` of a copy of `dir` after `write`.
  static func treeAfterTheWrite(_ dir: String, _ write: (String) throws -> Void) throws -> [String] {
    let copy = try TemporaryDirectory()
    try copyTree(dir, to: copy.path)
    try write(copy.path)
    return try contents(copy.path)
  }

  // MARK: archive create and undo

  // (f) A task file changed while archive create removes it.
  @Test(arguments: [false, true])
  func archiveCreateRefusesAFileChangedUnderIt(_ inPlace: Bool) async throws {
    let dir = try TemporaryDirectory()
    try ArchiveJobTests.makeDir(dir.path)
    let t1 = dir.path + "/tasks/p1/t1.json"
    let theirs = Array(#"{"id":"t1","projectId":"p1","status":"in_progress","title":"server"}"#.utf8)
    let token = Self.once("journal:before-swap", [t1]) { path in
      (inPlace ? Self.writeInPlace : Self.writeByRename)(path, theirs)
    }
    defer { token.remove() }
    let stop = await #expect(throws: JournalStop.self) {
      _ = try await ArchiveCreateJob(dataDir: dir.path, criteria: ArchiveJobTests.criteria).run()
    }
    #expect(stop?.conflicts.map(\.path).contains("tasks/p1/t1.json") == true)
    #expect(try FileSystem.readFile(t1) == theirs)
    #expect(try Self.temporaryFiles(dir.path + "/tasks/p1").isEmpty)
  }

  /// Undo refuses a file changed since the run (planning), and one changed
  /// between its plan and its change (the exchange), naming it.
  @Test func undoRefusesAFileChangedUnderIt() async throws {
    for site in ["plan", "journal:before-swap"] {
      let dir = try TemporaryDirectory()
      try Self.makeRepairDir(dir.path)
      let outcome = try await RepairJob(dataDir: dir.path, filter: try FindingFilter(only: "task.sessionIds.duplicate", ignore: nil)).run()
      let id = try #require(outcome.journals.first)
      let t1 = dir.path + "/tasks/p1/t1.json"
      if site == "plan" {
        Self.writeInPlace(t1, Self.theirsT1)
        let undone = try UndoJob(journal: id, dataDir: dir.path).run(dryRun: false, force: false)
        #expect(undone.conflicts == ["tasks/p1/t1.json"] && undone.journal == nil)
      } else {
        let token = Self.once(site, [t1]) { path in Self.writeByRename(path, Self.theirsT1) }
        defer { token.remove() }
        let stop = #expect(throws: JournalStop.self) {
          _ = try UndoJob(journal: id, dataDir: dir.path).run(dryRun: false, force: false)
        }
        #expect(stop?.conflicts.map(\.path) == ["tasks/p1/t1.json"])
      }
      #expect(try FileSystem.readFile(t1) == Self.theirsT1)
    }
  }
}
