import Glibc
@testable import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Incremental snapshots: what an incremental stores, restores through
/// chains, `--full` and `maxChain`, broken chains, and prune keeping the
/// parents of what it keeps.
@Suite struct BackupIncrementalTests {
  /// The tree, modes and exact mtimes a restore must reproduce.
  struct State: Equatable {
    var tree: [TreeHash.Entry]
    var mtimes: [String: Int64]
    init(_ dir: String) throws {
      tree = try BackupFixture.expectedTree(dir)
      mtimes = try BackupFixture.mtimes(dir)
    }
  }

  /// Regular file members of an archive, without `data/`.
  static func storedFiles(_ snapshot: String) throws -> [String] {
    let reader = try SnapshotArchiveReader(path: snapshot)
    var names: [String] = []
    while let member = try reader.next() {
      guard member.kind == .regular, member.name != SnapshotManifest.memberName else { continue }
      names.append(String(member.name.dropFirst(SnapshotManifest.memberPrefix.count)))
    }
    return names.sorted()
  }

  static func put(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
    try FileSystem.makeDirectories(FileSystem.parentDirectory(of: path))
    try AtomicFile.write(Array(text.utf8), to: path, mode: mode)
  }

  /// A temporary folder with the fixture as `src` and `dest` for snapshots.
  static func scene(_ prefix: String) throws -> (TemporaryDirectory, String, String) {
    let work = try TemporaryDirectory(prefix: prefix)
    try BackupFixture.make(work.appending("src"))
    return (work, work.appending("src"), work.appending("dest"))
  }

  static func restored(_ snapshot: String, in work: TemporaryDirectory, _ name: String) throws -> State {
    let target = work.appending(name)
    let report = try BackupFixture.restore(snapshot, target)
    #expect(report.restored)
    return try State(target)
  }

  @Test func aChainStoresOnlyChangesAndRestoresEverySnapshotExactly() throws {
    let (work, source, dest) = try Self.scene("backup-chain")
    let full = try BackupFixture.create(source, dest)
    #expect(!full.manifest.isIncremental && full.parent == nil)
    let states = [try State(source)]

    // Night 2: a rewrite that keeps size and mtime (to the nanosecond), a
    // deletion, an addition, a mode change, a new folder with a file.
    let project = try FileSystem.listDirectory(source + "/projects")[0].name
    let rewritten = source + "/projects/" + project
    var bytes = try FileSystem.readFile(rewritten)
    let before = try FileSystem.stat(rewritten)
    let k = try #require(bytes.firstIndex(of: UInt8(ascii: "a")))
    bytes[k] = UInt8(ascii: "b")
    try AtomicFile.write(bytes, to: rewritten, mode: mode_t(before.mode))
    var times = [timespec(tv_sec: Int(before.mtime / 1_000_000_000), tv_nsec: Int(before.mtime % 1_000_000_000))]
    times.append(times[0])
    #expect(utimensat(AT_FDCWD, rewritten, &times, 0) == 0)
    #expect(try FileSystem.stat(rewritten).mtime == before.mtime)
    try FileSystem.removeFile(source + "/archive/2026/tasks.jsonl")
    try Self.put(source + "/command-logs/added.jsonl", "{\"b\":1}\n")
    #expect(chmod(source + "/command-logs/run.jsonl", 0o600) == 0)
    try Self.put(source + "/new-folder/deep/x.txt", "new\n")
    let second = try BackupFixture.create(source, dest)
    let states2 = states + [try State(source)]
    #expect(second.manifest.isIncremental && second.parent == full.path)
    #expect(second.manifest.parent?.name == FileSystem.lastComponent(of: full.path))
    #expect(second.manifest.parent?.id == full.manifest.id && second.manifest.parent?.depth == 1)
    let changed = [
      "projects/" + project, "command-logs/added.jsonl", "command-logs/run.jsonl", "new-folder/deep/x.txt",
    ].sorted()
    #expect(try Self.storedFiles(second.path) == changed)
    #expect(second.manifest.files.map(\.path).sorted() == changed)
    #expect(second.manifest.removed == ["archive/2026/tasks.jsonl"])
    #expect(Set(second.manifest.directories.map(\.path)).isSuperset(of: ["new-folder", "new-folder/deep"]))
    #expect(second.manifest.restoredCounts.files == full.manifest.counts.files + 1)

    // Night 3: a folder removed with its files, a file replaced by a folder.
    TemporaryDirectory.removeTree(source + "/queues")
    try FileSystem.removeFile(source + "/empty-file")
    try Self.put(source + "/empty-file/inside.txt", "now a folder\n")
    let third = try BackupFixture.create(source, dest)
    let states3 = states2 + [try State(source)]
    #expect(third.manifest.parent?.depth == 2 && third.parent == second.path)
    #expect(try Self.storedFiles(third.path) == ["empty-file/inside.txt"])
    #expect(Set(third.manifest.removed) == ["empty-file", "queues", "queues/unknown-folder", "queues/unknown-folder/x.bin"])

    // Night 4: nothing changed; nothing stored.
    let fourth = try BackupFixture.create(source, dest)
    #expect(fourth.manifest.files.isEmpty && fourth.manifest.removed.isEmpty && fourth.manifest.chainLength == 4)
    let expected = states3 + [states3[2]]

    for (n, snapshot) in [full, second, third, fourth].enumerated() {
      #expect(try Self.restored(snapshot.path, in: work, "r\(n)") == expected[n], "snapshot \(n + 1)")
      let verify = try SnapshotVerifier(path: snapshot.path).run()
      #expect(verify.isVerified, "snapshot \(n + 1): \(verify.problems)")
    }
  }

  @Test func fullAndMaxChainStartNewChains() throws {
    let (work, source, dest) = try Self.scene("backup-full")
    _ = try BackupFixture.create(source, dest)
    let forced = try BackupFixture.create(source, dest) { $0.full = true }
    #expect(!forced.manifest.isIncremental && forced.manifest.files.count == forced.manifest.counts.files)
    #expect(forced.manifest.serialized().starts(with: Array(#"{"format":"maestro-admin-snapshot","formatVersion":1,"#.utf8)))
    let one = try BackupFixture.create(source, dest) { $0.maxChain = 1 }
    #expect(one.manifest.chainLength == 2 && one.parent == forced.path)
    #expect(one.manifest.serialized().starts(with: Array(#"{"format":"maestro-admin-snapshot","formatVersion":2,"#.utf8)))
    let capped = try BackupFixture.create(source, dest) { $0.maxChain = 1 }
    #expect(!capped.manifest.isIncremental)
    let never = try BackupFixture.create(source, dest) { $0.maxChain = 0 }
    #expect(!never.manifest.isIncremental)
    // Another data dir into the same folder never builds on this one's.
    let copy = work.appending("copy")
    try copyTree(source, to: copy)
    let other = try BackupFixture.create(copy, dest)
    #expect(!other.manifest.isIncremental && other.manifest.source == copy)
    let again = try BackupFixture.create(source, dest)
    #expect(again.parent == never.path)
  }

  @Test func aMissingOrReplacedParentIsNamedAndNothingIsRestored() throws {
    let (work, source, dest) = try Self.scene("backup-broken")
    let full = try BackupFixture.create(source, dest)
    try Self.put(source + "/command-logs/added.jsonl", "{}\n")
    let child = try BackupFixture.create(source, dest)
    let parentName = FileSystem.lastComponent(of: full.path)

    #expect(rename(full.path, work.appending("aside")) == 0)
    let target = work.appending("target")
    #expect {
      try BackupFixture.restore(child.path, target)
    } throws: { error in
      guard let error = error as? MaestroError else { return false }
      return error.code == .snapshotInvalid && error.message.contains("\(parentName) is missing")
    }
    #expect(!FileSystem.fileExists(target))
    let verify = try SnapshotVerifier(path: child.path).run()
    #expect(!verify.isVerified && verify.problems.contains { $0.message.contains("\(parentName) is missing") })

    // Another full snapshot under the parent's name: the link's hash tells.
    #expect(rename(work.appending("aside"), full.path) == 0)
    let other = try BackupFixture.create(source, work.appending("other")) { $0.full = true }
    #expect(rename(other.path, full.path) == 0)
    #expect {
      try BackupFixture.restore(child.path, target)
    } throws: { error in
      (error as? MaestroError)?.message.contains("does not match the link") == true
    }
    // With no usable parent, the next create makes a full snapshot and
    // says why the newest could not be one.
    try FileSystem.removeFile(full.path)
    let next = try BackupFixture.create(source, dest)
    #expect(!next.manifest.isIncremental)
    #expect(next.warnings.contains { $0.contains(FileSystem.lastComponent(of: child.path)) && $0.contains("missing") })
  }

  @Test func pruneKeepsEveryParentOfAKeptSnapshotAndTheyAllRestore() throws {
    let (work, source, dest) = try Self.scene("backup-prune-chain")
    var made: [SnapshotCreator.Report] = []
    for night in 0..<5 {
      if night > 0 { try Self.put(source + "/command-logs/night-\(night).jsonl", "{\"n\":\(night)}\n") }
      made.append(try BackupFixture.create(source, dest) { $0.full = night == 3 })
    }
    // Chains: 0 <- 1 <- 2, and 3 <- 4.
    #expect(made.map(\.manifest.chainLength) == [1, 2, 3, 1, 2])
    let destination = BackupDestination(path: dest)
    let report = try SnapshotPruner(destination: destination, policy: RetentionPolicy(last: 1), dryRun: false).run()
    let kept = Set(report.decisions.filter(\.keep).map(\.snapshot.path))
    #expect(kept == [made[3].path, made[4].path])
    #expect(report.decisions.first { $0.snapshot.path == made[3].path }?.reasons.contains {
      $0.hasPrefix("kept as parent of")
    } == true)

    // A kept snapshot in the middle of a chain keeps the chain below it.
    for night in 5..<7 {
      try Self.put(source + "/command-logs/night-\(night).jsonl", "{}\n")
      made.append(try BackupFixture.create(source, dest))
    }
    let dry = try SnapshotPruner(destination: destination, policy: RetentionPolicy(last: 1), dryRun: true).run()
    #expect(Set(dry.decisions.filter(\.keep).map(\.snapshot.path)) == [made[3].path, made[4].path, made[5].path, made[6].path])
    for s in try destination.snapshots() {
      let verify = try SnapshotVerifier(path: s.path).run()
      #expect(verify.isVerified, "\(s.path): \(verify.problems)")
    }
    let last = try Self.restored(made[6].path, in: work, "last")
    #expect(last == (try State(source)))
    // The caps of restore hold for the tree a chain restores: one byte
    // short of it, though every archive alone is within the cap.
    var capped = SnapshotRestorer.Options(snapshot: made[6].path, target: work.appending("capped"))
    capped.maxBytes = made[6].manifest.restoredCounts.bytes - 1
    #expect(made[3].manifest.counts.bytes <= capped.maxBytes)
    #expect {
      try SnapshotRestorer(capped).run()
    } throws: { error in
      (error as? MaestroError)?.message.contains("the chain restores") == true
    }
    #expect(!FileSystem.fileExists(work.appending("capped")))
  }

  @Test func deepVerifyChecksTheTreeTheChainRestores() async throws {
    let work = try TemporaryDirectory(prefix: "backup-chain-deep")
    let source = work.appending("data")
    _ = try await DataGenerator.run(GeneratorOptions(out: source, seed: 3, sync: false))
    let dest = work.appending("dest")
    let full = try BackupFixture.create(source, dest)
    // Delete a session a task links to: the task now dangles, which only the
    // merged tree (not the incremental's few files) can show.
    var taskText = ""
    for project in try FileSystem.listDirectory(source + "/tasks") where project.kind == .directory {
      for task in try FileSystem.listDirectory(source + "/tasks/" + project.name) {
        taskText += String(decoding: try FileSystem.readFile(source + "/tasks/\(project.name)/\(task.name)"), as: UTF8.self)
      }
    }
    let session = try #require(
      try FileSystem.listDirectory(source + "/sessions").first {
        $0.name.hasSuffix(".json") && taskText.contains(String($0.name.dropLast(5)))
      })
    let id = String(session.name.dropLast(5))
    try FileSystem.removeFile(source + "/sessions/" + session.name)
    let child = try BackupFixture.create(source, dest)
    #expect(child.manifest.removed == ["sessions/" + session.name])
    func deepCheck(_ path: String) throws -> CheckReport {
      var verifier = SnapshotVerifier(path: path)
      verifier.deep = true
      let report = try verifier.run()
      #expect(report.isVerified, "\(report.problems)")
      return try #require(report.check)
    }
    func mentions(_ f: Finding) -> Bool { f.message.contains(id) || f.ref == id || f.id == id }
    #expect(!(try deepCheck(full.path)).findings.contains(where: mentions))
    #expect((try deepCheck(child.path)).findings.contains(where: mentions))
  }

  /// A parent replaced after the chain's manifests were read: restore and
  /// verify stream each manifest member again and refuse one that differs,
  /// naming it, instead of trusting what they read first.
  @Test func aParentWhoseManifestChangedAfterTheChainWasReadIsRefused() throws {
    let (work, source, dest) = try Self.scene("backup-chain-changed")
    defer { withExtendedLifetime(work) {} }
    let full = try BackupFixture.create(source, dest)
    try Self.put(source + "/notes/added.txt", "night 2\n")
    let child = try BackupFixture.create(source, dest)
    let chain = try SnapshotChain.resolve(child.path)
    let parent = chain.links[0]
    #expect(parent.path == full.path)
    var stale = parent
    stale.memberSha256 = String(repeating: "0", count: 64)
    let extractor = try SnapshotExtractor(path: parent.path)
    #expect {
      try extractor.scan(known: (stale.manifest, stale.memberSha256))
    } throws: { error in
      let e = error as? MaestroError
      return e?.code == .snapshotInvalid && e?.message.contains("MANIFEST.json changed since it was read") == true
        && e?.path == parent.path
    }
    // The manifest as read is accepted.
    #expect(try extractor.scan(known: (parent.manifest, parent.memberSha256)).files == parent.manifest.files.count)
    let report = try SnapshotVerifier(path: parent.path).run(expected: (stale.memberSha256, stale.manifest))
    #expect(!report.isVerified && report.problems.map(\.message) == ["differs from the manifest that was written"])
  }
}
