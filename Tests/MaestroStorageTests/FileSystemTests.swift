import Glibc
import MaestroStorage
import MaestroTestSupport
import Testing

@Suite struct FileSystemTests {
  @Test func readFileReturnsExactBytes() throws {
    let dir = try TemporaryDirectory()
    let sizes = [0, 1, 4095, 4096, 1 << 20]
    for size in sizes {
      let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
      let path = dir.appending("f\(size)")
      try AtomicFile.write(bytes, to: path)
      #expect(try FileSystem.readFile(path) == bytes, "size \(size)")
    }
  }

  @Test func readFileGrowingPastStatSize() throws {
    // /proc files report size 0 yet have content: the read must not stop at 0.
    let bytes = try FileSystem.readFile("/proc/self/status")
    #expect(String(decoding: bytes, as: UTF8.self).contains("Name:"))
  }

  @Test func readMissingFileIsNotFoundNamingPath() throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("missing.json")
    let error = try #require(throws: MaestroError.self) { try FileSystem.readFile(path) }
    #expect(error.code == .notFound)
    #expect(error.path == path)
    #expect(error.errno == ENOENT)
    #expect(error.description.contains(path))
    #expect(error.description.contains("No such file"))
  }

  @Test func readDirectoryIsAnIOError() throws {
    let dir = try TemporaryDirectory()
    let error = try #require(throws: MaestroError.self) { try FileSystem.readFile(dir.path) }
    #expect(error.code == .io)
    #expect(error.errno == EISDIR)
    #expect(error.path == dir.path)
  }

  @Test func listDirectorySortsBytewiseAndReportsKinds() throws {
    let dir = try TemporaryDirectory()
    for name in ["b.json", "a.json", "B.json", "é.json", "Z.json"] {
      try AtomicFile.write(Array(name.utf8), to: dir.appending(name))
    }
    try FileSystem.makeDirectories(dir.appending("sub"))
    #expect(symlink("a.json", dir.appending("link")) == 0)
    #expect(mkfifo(dir.appending("fifo"), 0o600) == 0)

    let entries = try FileSystem.listDirectory(dir.path)
    #expect(
      entries.map(\.name) == [
        "B.json", "Z.json", "a.json", "b.json", "fifo", "link", "sub", "é.json",
      ])
    let kinds = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.kind) })
    #expect(kinds["a.json"] == .file)
    #expect(kinds["sub"] == .directory)
    #expect(kinds["link"] == .symlink)
    #expect(kinds["fifo"] == .other)
  }

  @Test func listMissingDirectoryIsNotFoundNamingPath() throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("tasks/p1")
    let error = try #require(throws: MaestroError.self) { try FileSystem.listDirectory(path) }
    #expect(error.code == .notFound)
    #expect(error.path == path)
    #expect(error.description.hasPrefix(path + ": "))
  }

  @Test func statReportsKindSizeModeAndMtime() throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("a")
    try AtomicFile.write([1, 2, 3], to: path, mode: 0o640)
    var times = [
      timespec(tv_sec: 1_700_000_000, tv_nsec: 123_456_789),
      timespec(tv_sec: 1_700_000_000, tv_nsec: 123_456_789),
    ]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)

    let status = try FileSystem.stat(path)
    #expect(status.kind == .file)
    #expect(status.size == 3)
    #expect(status.mode == 0o640)
    #expect(status.mtime == 1_700_000_000_123_456_789)
    #expect(FileSystem.fileExists(path))
    #expect(!FileSystem.isDirectory(path))
    #expect(FileSystem.isDirectory(dir.path))

    #expect(symlink("nowhere", dir.appending("dangling")) == 0)
    #expect(!FileSystem.fileExists(dir.appending("dangling")))
    #expect(FileSystem.fileExists(dir.appending("dangling"), followSymlinks: false))
    #expect(try FileSystem.stat(dir.appending("dangling"), followSymlinks: false).kind == .symlink)
  }

  @Test func makeDirectoriesCreatesParentsAndRejectsFiles() throws {
    let dir = try TemporaryDirectory()
    try FileSystem.makeDirectories(dir.appending("a/b/c"), mode: 0o700)
    #expect(FileSystem.isDirectory(dir.appending("a/b/c")))
    try FileSystem.makeDirectories(dir.appending("a/b/c"))  // already there: no error

    try AtomicFile.write([], to: dir.appending("a/file"))
    let error = try #require(throws: MaestroError.self) {
      try FileSystem.makeDirectories(dir.appending("a/file/d"))
    }
    #expect(error.path == dir.appending("a/file"))
  }

  @Test func renameAndRemove() throws {
    let dir = try TemporaryDirectory()
    try AtomicFile.write([7], to: dir.appending("x"))
    try FileSystem.rename(dir.appending("x"), to: dir.appending("y"))
    #expect(try FileSystem.readFile(dir.appending("y")) == [7])
    #expect(!FileSystem.fileExists(dir.appending("x")))

    try FileSystem.removeFile(dir.appending("y"))
    #expect(!FileSystem.fileExists(dir.appending("y")))
    let error = try #require(throws: MaestroError.self) {
      try FileSystem.removeFile(dir.appending("y"))
    }
    #expect(error.code == .notFound)
    #expect(error.path == dir.appending("y"))

    let renameError = try #require(throws: MaestroError.self) {
      try FileSystem.rename(dir.appending("nope"), to: dir.appending("z"))
    }
    #expect(renameError.path == dir.appending("nope"))
  }

  @Test func pathsWithNULAreRefused() throws {
    let error = try #require(throws: MaestroError.self) {
      try FileSystem.readFile("/etc/passwd\0.json")
    }
    #expect(error.errno == EINVAL)
  }
}

@Suite struct AtomicFileTests {
  struct Injected: Error {}

  static let oldBytes = Array("{\"id\":\"old\"}".utf8)
  static let newBytes = Array(
    "{\n  \"id\": \"new\",\n  \"title\": \"longer content than before\"\n}".utf8)

  /// After a failure at `step`, the target holds the old bytes (or is absent)
  /// until the rename and the new bytes from then on.
  static func expectedContent(after step: AtomicFile.Step, hadOld: Bool) -> [UInt8]? {
    switch step {
    case .createdTemp, .wroteHalf, .wroteAll, .fsyncedFile: hadOld ? oldBytes : nil
    case .renamed, .fsyncedDir: newBytes
    }
  }

  /// A hook that throws `error` when the write reaches `step`.
  static func throwing(
    _ error: some Error & Sendable, at step: AtomicFile.Step
  ) -> @Sendable (AtomicFile.Step) throws -> Void {
    { reached in if reached == step { throw error } }
  }

  @Test(arguments: AtomicFile.Step.allCases, [true, false])
  func failureAtStepNeverTearsAndCleansUp(step: AtomicFile.Step, hadOld: Bool) throws {
    let dir = try TemporaryDirectory()
    let target = dir.appending("data.json")
    if hadOld { try AtomicFile.write(Self.oldBytes, to: target) }

    #expect(throws: Injected.self) {
      try AtomicFile.$interrupt.withValue(Self.throwing(Injected(), at: step)) {
        try AtomicFile.write(Self.newBytes, to: target)
      }
    }
    let expected = Self.expectedContent(after: step, hadOld: hadOld)
    #expect((try? FileSystem.readFile(target)) == expected)
    // A failure that throws cleans up: only the target (if any) remains.
    #expect(
      try FileSystem.listDirectory(dir.path).map(\.name) == (expected == nil ? [] : ["data.json"]))
  }

  @Test(arguments: AtomicFile.Step.allCases)
  func simulatedCrashAtStepNeverTearsTarget(step: AtomicFile.Step) throws {
    let dir = try TemporaryDirectory()
    let target = dir.appending("data.json")
    try AtomicFile.write(Self.oldBytes, to: target)

    #expect(throws: AtomicFile.SimulatedCrash(at: step)) {
      try AtomicFile.$interrupt.withValue(
        Self.throwing(AtomicFile.SimulatedCrash(at: step), at: step)
      ) {
        try AtomicFile.write(Self.newBytes, to: target)
      }
    }
    #expect(try FileSystem.readFile(target) == Self.expectedContent(after: step, hadOld: true))
    // A crash leaves at most our own, recognisable temporary file.
    let leftovers = try FileSystem.listDirectory(dir.path).map(\.name).filter { $0 != "data.json" }
    #expect(
      leftovers.count == (Self.expectedContent(after: step, hadOld: true) == Self.oldBytes ? 1 : 0))
    for name in leftovers {
      #expect(AtomicFile.targetName(forTemporaryName: name) == "data.json")
    }
  }

  @Test func everyStepIsReachedInOrder() throws {
    let dir = try TemporaryDirectory()
    let steps = StepLog()
    let record: @Sendable (AtomicFile.Step) -> Void = { steps.append($0) }
    try AtomicFile.$interrupt.withValue(record) {
      try AtomicFile.write(Self.newBytes, to: dir.appending("a"))
    }
    #expect(steps.all == AtomicFile.Step.allCases)
  }

  @Test func existingModeIsPreservedAndNewModeIsExact() throws {
    let dir = try TemporaryDirectory()
    let secret = dir.appending(".auth-secret")
    try AtomicFile.write([1], to: secret, mode: 0o600)
    try AtomicFile.write([2], to: secret)  // default 0644 must not widen it
    #expect(try FileSystem.stat(secret).mode == 0o600)

    let previous = umask(0o077)
    defer { umask(previous) }
    let shared = dir.appending("shared")
    try AtomicFile.write([3], to: shared, mode: 0o664)
    #expect(try FileSystem.stat(shared).mode == 0o664)
  }

  @Test func writeIntoMissingDirectoryNamesTarget() throws {
    let dir = try TemporaryDirectory()
    let target = dir.appending("projects/p1.json")
    let error = try #require(throws: MaestroError.self) { try AtomicFile.write([1], to: target) }
    #expect(error.path == target)
    #expect(error.code == .notFound)
    #expect(error.description.contains(dir.appending("projects")))
  }

  @Test func removeDeletesAndReportsMissing() throws {
    let dir = try TemporaryDirectory()
    try AtomicFile.write([1], to: dir.appending("a"))
    try AtomicFile.remove(dir.appending("a"))
    #expect(!FileSystem.fileExists(dir.appending("a")))
    let error = try #require(throws: MaestroError.self) {
      try AtomicFile.remove(dir.appending("a"))
    }
    #expect(error.code == .notFound)
  }

  @Test func temporaryNamesAreRecognised() {
    #expect(
      AtomicFile.targetName(forTemporaryName: ".p1.json.maestro-admin-0badf00d.tmp") == "p1.json")
    #expect(AtomicFile.targetName(forTemporaryName: "..x.maestro-admin-00000000.tmp") == ".x")
    #expect(AtomicFile.targetName(forTemporaryName: "p1.json.maestro-admin-0badf00d.tmp") == nil)
    #expect(AtomicFile.targetName(forTemporaryName: ".p1.json.maestro-admin-0BADF00D.tmp") == nil)
    #expect(AtomicFile.targetName(forTemporaryName: ".maestro-admin-0badf00d.tmp") == nil)
    #expect(AtomicFile.targetName(forTemporaryName: ".p1.json.tmp") == nil)
  }
}

/// Collects steps from the `@Sendable` hook.
private final class StepLog: @unchecked Sendable {
  // Only touched from the synchronous write inside one test.
  private(set) var all: [AtomicFile.Step] = []
  func append(_ step: AtomicFile.Step) { all.append(step) }
}

@Suite struct TestSupportTests {
  static func makeTree(in root: String) throws {
    try FileSystem.makeDirectories(root + "/tasks/p1")
    try AtomicFile.write(Array("{}".utf8), to: root + "/tasks/p1/t1.json")
    try AtomicFile.write(Array("[]".utf8), to: root + "/projects.json")
    #expect(symlink("projects.json", root + "/link") == 0)
  }

  @Test func treeHashIsDeterministicAndSeesEveryChange() throws {
    let a = try TemporaryDirectory()
    let b = try TemporaryDirectory()
    try Self.makeTree(in: a.path)
    try Self.makeTree(in: b.path)
    #expect(try TreeHash.entries(of: a.path) == TreeHash.entries(of: b.path))
    #expect(try TreeHash.hash(of: a.path) == TreeHash.hash(of: b.path))
    #expect(
      try TreeHash.entries(of: a.path).map(\.path) == [
        "link", "projects.json", "tasks", "tasks/p1", "tasks/p1/t1.json",
      ])

    let before = try TreeHash.hash(of: b.path)
    try AtomicFile.write(Array("{ }".utf8), to: b.appending("tasks/p1/t1.json"))
    #expect(try TreeHash.hash(of: b.path) != before)

    try AtomicFile.write(Array("{}".utf8), to: b.appending("tasks/p1/t1.json"))
    #expect(try TreeHash.hash(of: b.path) == before)
    #expect(chmod(b.appending("tasks/p1/t1.json"), 0o600) == 0)
    #expect(try TreeHash.hash(of: b.path) == before)
    #expect(
      try TreeHash.hash(of: b.path, includeModes: true)
        != TreeHash.hash(of: a.path, includeModes: true))

    try FileSystem.makeDirectories(b.appending("tasks/p2"))
    #expect(try TreeHash.hash(of: b.path) != before)
  }

  @Test func temporaryDirectoryIsRemovedWithItsContents() throws {
    var path = ""
    do {
      let dir = try TemporaryDirectory()
      path = dir.path
      try Self.makeTree(in: path)
      try FileSystem.makeDirectories(dir.appending("locked/inner"))
      #expect(chmod(dir.appending("locked"), 0o500) == 0)
    }
    #expect(!path.isEmpty)
    #expect(!FileSystem.fileExists(path, followSymlinks: false))

    let seen = try withTemporaryDirectory { dir in
      #expect(FileSystem.isDirectory(dir))
      return dir
    }
    #expect(!FileSystem.fileExists(seen))
  }
}
