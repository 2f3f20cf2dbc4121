import Glibc
@testable import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// A small data dir with everything a backup must carry (and leave out).
enum BackupFixture {
  /// The paths `create` leaves out of a `make` tree.
  static let leftOut: Set<String> = [".maestro-admin/lock", "tasks/proj_1795806202721_jusxou226/task_x.json.1a2b3c4d.tmp"]

  /// A sub-second mtime set on `projects/...` to check restore precision.
  static let preciseMtime: Int64 = 1_790_000_000_123_456_789

  static func make(_ dir: String) throws {
    try copyTree(ProjectPaths.samples + "/upstream-head", to: dir)
    func put(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
      try FileSystem.makeDirectories(FileSystem.parentDirectory(of: dir + "/" + path))
      try AtomicFile.write(bytes, to: dir + "/" + path, mode: mode)
    }
    try put(".auth-secret", Array("s3cret-token".utf8), mode: 0o600)
    try put("images/proj_1795806202721_jusxou226/task_1/shot.png", (0..<1024).map { UInt8($0 % 256) })
    try put("lost+found/20260101T000000Z/sessions/s.json", Array("{\"id\":".utf8))
    try put("archive/2026/tasks.jsonl", Array("{\"id\":\"t\"}\n".utf8))
    try put("command-logs/run.jsonl", Array("{\"a\":1}\n{\"a\":2}\n".utf8), mode: 0o640)
    try put("queues/unknown-folder/x.bin", [0, 1, 2, 0xFF])
    try put("session-docs/sess_ü/notes-ümlaut-🎉.md", Array("# Notes 🎉\n".utf8))
    try put("empty-file", [])
    try put("sessions/sess_broken.json", Array("{\"id\": \"sess_broken\", ".utf8))
    try put(".maestro-admin/journal/20260101T000000Z-repair-ab.jsonl", Array("{}\n".utf8))
    try put(".maestro-admin/lock", Array("pid 1: x\n".utf8), mode: 0o600)
    try put("tasks/proj_1795806202721_jusxou226/task_x.json.1a2b3c4d.tmp", Array("{\"id\":".utf8))
    _ = chmod(dir + "/session-docs", 0o700)
    let project = try FileSystem.listDirectory(dir + "/projects")[0].name
    var times = [timespec(tv_sec: 1_790_000_000, tv_nsec: 123_456_789), timespec(tv_sec: 1_790_000_000, tv_nsec: 123_456_789)]
    _ = utimensat(AT_FDCWD, dir + "/projects/" + project, &times, 0)
  }

  /// The source's tree as a restore must reproduce it (modes included).
  static func expectedTree(_ dir: String) throws -> [TreeHash.Entry] {
    try TreeHash.entries(of: dir, includeModes: true).filter { !leftOut.contains($0.path) }
  }

  /// mtimes (ns) of every file and folder, by relative path.
  static func mtimes(_ dir: String) throws -> [String: Int64] {
    var result: [String: Int64] = [:]
    for e in try TreeHash.entries(of: dir) where !leftOut.contains(e.path) {
      result[e.path] = try FileSystem.stat(dir + "/" + e.path, followSymlinks: false).mtime
    }
    return result
  }

  static func create(_ source: String, _ dest: String, _ configure: (inout SnapshotCreator.Options) -> Void = { _ in })
    throws -> SnapshotCreator.Report
  {
    var options = SnapshotCreator.Options(dataDir: source, destination: dest)
    // The fixture's journal goes in, so a restore gives back every file
    // (the default, journals left out, has its own test).
    options.includeJournals = true
    configure(&options)
    return try SnapshotCreator(options).run()
  }

  static func restore(_ snapshot: String, _ target: String, force: Bool = false, ifMissing: Bool = false) throws
    -> SnapshotRestorer.Report
  {
    var options = SnapshotRestorer.Options(snapshot: snapshot, target: target)
    options.force = force
    options.ifMissing = ifMissing
    return try SnapshotRestorer(options).run()
  }
}

@Suite struct BackupRoundTripTests {
  @Test(arguments: [TarCompression.zstd, .gzip, .none])
  func restoreGivesBackExactlyTheSourceTree(_ compression: TarCompression) throws {
    let work = try TemporaryDirectory(prefix: "backup-roundtrip")
    let source = work.appending("src")
    try BackupFixture.make(source)
    let report = try BackupFixture.create(source, work.appending("dest")) { $0.compression = compression; $0.label = "t" }
    #expect(report.path.hasSuffix(SnapshotName.fileExtension(compression)))
    #expect(try FileSystem.stat(report.path).mode == 0o600)
    let m = report.manifest
    #expect(Set(m.excluded.map(\.path)) == BackupFixture.leftOut)
    #expect(Set(m.excluded.map(\.reason)) == ["lock", "tmp"])
    #expect(m.files.first { $0.path == "sessions/sess_broken.json" }?.invalidJSON == true)
    #expect(m.files.contains { $0.path == ".maestro-admin/journal/20260101T000000Z-repair-ab.jsonl" })
    #expect(m.counts.projects == 3 && m.counts.sessions >= 1 && m.label == "t")

    let restored = work.appending("restored")
    let r = try BackupFixture.restore(report.path, restored)
    #expect(r.restored && r.manifest != nil && r.movedAside == nil)
    #expect(try TreeHash.entries(of: restored, includeModes: true) == BackupFixture.expectedTree(source))
    #expect(try BackupFixture.mtimes(restored) == BackupFixture.mtimes(source))
    #expect(try FileSystem.stat(restored + "/.auth-secret").mode == 0o600)
    #expect(try FileSystem.stat(restored).mode == FileSystem.stat(source).mode)
    #expect(!FileSystem.fileExists(restored + "/MANIFEST.json"))
    let project = try FileSystem.listDirectory(restored + "/projects")[0].name
    #expect(try FileSystem.stat(restored + "/projects/" + project).mtime == BackupFixture.preciseMtime)
  }

  @Test func verifyPassesThenNamesTheDamagedMember() throws {
    let work = try TemporaryDirectory(prefix: "backup-verify")
    try BackupFixture.make(work.appending("src"))
    let report = try BackupFixture.create(work.appending("src"), work.appending("dest")) { $0.compression = .none }
    let ok = try SnapshotVerifier(path: report.path).run()
    #expect(ok.isVerified && ok.problems.isEmpty)
    #expect(ok.members == 1 + 1 + report.manifest.directories.count + report.manifest.files.count)

    // Flip one byte inside .auth-secret's data (uncompressed tar: find it by content).
    var bytes = try FileSystem.readFile(report.path)
    let needle = Array("s3cret-token".utf8)
    let at = try #require((0..<(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
    bytes[at] ^= 0x20
    let damaged = work.appending("damaged.tar")
    try AtomicFile.write(bytes, to: damaged)
    let bad = try SnapshotVerifier(path: damaged).run()
    #expect(!bad.isVerified)
    #expect(bad.problems.map(\.member) == ["data/.auth-secret"])
    #expect(bad.problems[0].message.contains("SHA-256"))

    // The same damage refuses a restore, and nothing is left behind.
    #expect {
      try BackupFixture.restore(damaged, work.appending("r"))
    } throws: { ($0 as? MaestroError)?.message.contains("data/.auth-secret") == true }
    #expect(!FileSystem.fileExists(work.appending("r")))
    #expect(try FileSystem.listDirectory(work.path).map(\.name).sorted() == ["damaged.tar", "dest", "src"])
  }

  /// (Missing, extra and mismatching members: `BackupHostileArchiveTests`.)
  @Test func verifyReportsATruncatedSnapshot() throws {
    let work = try TemporaryDirectory(prefix: "backup-verify2")
    try BackupFixture.make(work.appending("src"))
    let report = try BackupFixture.create(work.appending("src"), work.appending("dest"))
    let full = try FileSystem.readFile(report.path)
    let cut = work.appending("cut.tar.zst")
    try AtomicFile.write(Array(full[..<(full.count * 2 / 3)]), to: cut)
    let truncated = try SnapshotVerifier(path: cut).run()
    #expect(!truncated.isVerified)
    #expect(truncated.problems.contains { $0.message.lowercased().contains("truncated") })
  }

  @Test func plainTarOfADataDirRestoresUnverified() throws {
    let work = try TemporaryDirectory(prefix: "backup-plain")
    let source = work.appending("src")
    try BackupFixture.make(source)
    for path in BackupFixture.leftOut { try FileSystem.removeFile(source + "/" + path) }
    let tarball = work.appending("plain.tgz")
    let tar = try runProcess("/usr/bin/env", ["tar", "czf", tarball, "-C", source, "."])
    #expect(tar.status == 0, "\(tar.stderr)")
    let r = try BackupFixture.restore(tarball, work.appending("restored"))
    #expect(r.restored && r.manifest == nil)
    #expect(try TreeHash.entries(of: work.appending("restored"), includeModes: true) == TreeHash.entries(of: source, includeModes: true))
  }

  @Test func journalsAreLeftOutByDefaultAndEverythingElseComesBack() throws {
    let work = try TemporaryDirectory(prefix: "backup-journals")
    let source = work.appending("src")
    try BackupFixture.make(source)
    let report = try BackupFixture.create(source, work.appending("dest")) { $0.includeJournals = false }
    let m = report.manifest
    #expect(m.excluded.contains(.init(path: ".maestro-admin/journal", reason: "journal")))
    #expect(!m.files.contains { $0.path.hasPrefix(".maestro-admin/journal") })
    let restored = work.appending("restored")
    _ = try BackupFixture.restore(report.path, restored)
    #expect(
      try TreeHash.entries(of: restored, includeModes: true)
        == BackupFixture.expectedTree(source).filter { !$0.path.hasPrefix(".maestro-admin/journal") })
  }

  @Test func targetHoldingDataIsRefusedSkippedOrMovedAside() throws {
    let work = try TemporaryDirectory(prefix: "backup-target")
    try BackupFixture.make(work.appending("src"))
    let snapshot = try BackupFixture.create(work.appending("src"), work.appending("dest")).path
    let target = work.appending("live")
    try FileSystem.makeDirectories(target + "/projects")
    try AtomicFile.write(Array("{\"id\":\"old\"}".utf8), to: target + "/projects/old.json")
    let before = try TreeHash.hash(of: target, includeModes: true)

    #expect { try BackupFixture.restore(snapshot, target) } throws: { ($0 as? MaestroError)?.code == .targetNotEmpty }
    #expect(try TreeHash.hash(of: target, includeModes: true) == before)
    let skipped = try BackupFixture.restore(snapshot, target, ifMissing: true)
    #expect(!skipped.restored)
    #expect(try TreeHash.hash(of: target, includeModes: true) == before)

    let forced = try BackupFixture.restore(snapshot, target, force: true)
    let aside = try #require(forced.movedAside)
    #expect(aside.hasPrefix(target + ".pre-restore-"))
    #expect(try TreeHash.hash(of: aside, includeModes: true) != 0)
    #expect(FileSystem.fileExists(aside + "/projects/old.json"))
    #expect(try TreeHash.entries(of: target, includeModes: true) == BackupFixture.expectedTree(work.appending("src")))

    // An empty target (or one holding only the lock) is simply replaced.
    let empty = work.appending("empty")
    try FileSystem.makeDirectories(empty)
    let intoEmpty = try BackupFixture.restore(snapshot, empty)
    #expect(intoEmpty.restored && intoEmpty.movedAside == nil)
    #expect(try FileSystem.listDirectory(work.path).filter { $0.name.hasPrefix("empty") }.map(\.name) == ["empty"])
  }

  @Test func aBackupFolderInsideTheDataDirIsLeftOut() throws {
    let work = try TemporaryDirectory(prefix: "backup-inside")
    let source = work.appending("src")
    try BackupFixture.make(source)
    let first = try BackupFixture.create(source, source + "/backups")
    let second = try BackupFixture.create(source, source + "/backups")
    #expect(second.manifest.excluded.contains { $0.path == "backups" && $0.reason == "backup folder" })
    #expect(!second.manifest.files.contains { $0.path.hasPrefix("backups/") })
    // The second is an incremental with nothing changed: it stores no file
    // and restores the same tree.
    #expect(second.manifest.isIncremental && second.manifest.files.isEmpty)
    #expect(first.manifest.files.count == second.manifest.restoredCounts.files)
  }

  @Test func tornFileFailsCreateNamingItUnlessAllowed() throws {
    let work = try TemporaryDirectory(prefix: "backup-torn")
    let source = work.appending("src")
    try BackupFixture.make(source)
    // A reader whose every read sees a different version: a file rewritten faster than it can be read.
    let path = source + "/sessions/sess_live.json"
    try AtomicFile.write(Array("{}".utf8), to: path)
    let stop = BackupSharedValue(false)
    let writer = BackupWriterThread {
      var n = 0
      while !stop.value {
        n += 1
        let fd = open(path, O_WRONLY | O_TRUNC)
        let text = Array("{\"id\":\"sess_live\",\"n\":\(n),\"pad\":\"\(String(repeating: "x", count: n % 50))\"}".utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count / 2) }
        usleep(200)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress! + $0.count / 2, $0.count - $0.count / 2) }
        close(fd)
      }
    }
    defer { stop.value = true; writer.join() }
    // Fewer re-reads than the default, each still longer than a time-stamp tick.
    var fast = ConsistentFileReader()
    fast.pauses = [25, 25, 25]
    #expect {
      try BackupFixture.create(source, work.appending("dest")) { $0.reader = fast }
    } throws: { error in
      let e = error as? MaestroError
      return e?.code == .tornFile && e?.path == path
    }
    // No snapshot under a final name: the folder this run created is gone again.
    #expect(!FileSystem.fileExists(work.appending("dest"), followSymlinks: false))
    let kept = try BackupFixture.create(source, work.appending("dest")) { $0.reader = fast; $0.allowTorn = true }
    #expect(kept.torn.map(\.path) == ["sessions/sess_live.json"])
    #expect(kept.manifest.files.first { $0.path == "sessions/sess_live.json" }?.torn == true)
    #expect(try SnapshotVerifier(path: kept.path).run().isVerified)
  }
}

/// A flag shared with a writer thread.
final class BackupSharedValue<Value: Sendable>: @unchecked Sendable {
  private var stored: Value
  private let lock = ConditionLock()
  init(_ value: Value) { stored = value }
  var value: Value {
    get { lock.withLock { stored } }
    set { lock.withLock { stored = newValue } }
  }
}

/// A plain thread for tests that need a concurrent writer.
final class BackupWriterThread: @unchecked Sendable {
  private var handle = pthread_t()
  private let body: () -> Void

  init(_ body: @escaping @Sendable () -> Void) {
    self.body = body
    let box = Unmanaged.passRetained(self).toOpaque()
    pthread_create(&handle, nil, { raw in
      let me = Unmanaged<BackupWriterThread>.fromOpaque(raw!).takeRetainedValue()
      me.body()
      return nil
    }, box)
  }

  func join() { pthread_join(handle, nil) }
}
