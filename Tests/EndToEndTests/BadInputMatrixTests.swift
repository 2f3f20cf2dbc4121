import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Every command × every bad input (`BadInputMatrix.swift` holds the table):
/// the documented exit code, an error on stderr naming the path, and
/// nothing changed (the whole scratch folder hashes the same) when the
/// command only reads or fails.
///
/// How each input is made, and when it is skipped:
/// - `unreadable`: mode 000. Root reads anything (CAP_DAC_OVERRIDE), so as
///   root the scratch folder is given to uid 65534 and the binary runs
///   through `setpriv --reuid=65534`; skipped as root without setpriv.
/// - `readOnly`: a read-only bind mount of the scratch folder; `fullDisk`:
///   an 8 MiB tmpfs filled up after the fixtures are copied in. Both need
///   root and a working `mount` (CI runs as root); skipped otherwise.
///   Every mount is unmounted when the row ends, whatever happened.
@Suite struct BadInputMatrixTests {
  /// The user the unreadable rows run as when the tests run as root.
  static let otherUser: uid_t = 65534

  /// Whether `unreadable` can be made: as a plain user, or as root with setpriv.
  static let canMakeUnreadable = geteuid() != 0 || FileSystem.fileExists("/usr/bin/setpriv")

  /// Whether this machine lets the tests mount a tmpfs (root, and allowed).
  static let canMount: Bool = {
    guard geteuid() == 0, let probe = try? TemporaryDirectory(prefix: "bad-input-mount-probe") else { return false }
    guard (try? runProcess("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path]))?.status == 0
    else { return false }
    _ = try? runProcess("/usr/bin/umount", [probe.path])
    return true
  }()

  /// The fixtures every row copies from, generated once per test process.
  static let prepared: Result<Prepared, any Error> = Result { try Prepared.make() }

  @Test(arguments: MatrixCommand.rows([.missing, .wrongKind, .empty]))
  func pathOfTheWrongKind(_ row: MatrixRow) throws {
    try run(row)
  }

  @Test(
    .enabled(if: canMakeUnreadable, "as root, an unreadable file needs setpriv to run as another user"),
    arguments: MatrixCommand.rows([.unreadable]))
  func unreadableFile(_ row: MatrixRow) throws {
    try run(row)
  }

  @Test(
    .enabled(if: canMount, "needs root and mount (tmpfs, read-only bind mounts) for read-only and full-disk rows"),
    arguments: MatrixCommand.rows([.readOnly, .fullDisk]))
  func readOnlyOrFullFileSystem(_ row: MatrixRow) throws {
    try run(row)
  }

  /// Sets up one row's scratch folder, runs the command, checks the outcome.
  private func run(_ row: MatrixRow) throws {
    let fixtures = try Self.prepared.get()
    let holder = try TemporaryDirectory(prefix: "bad-input")
    let scratch = holder.path + "/s"
    try FileSystem.makeDirectories(scratch)
    var mounted = false
    defer { if mounted { _ = try? runProcess("/usr/bin/umount", ["-l", scratch]) } }
    if row.input == .fullDisk {
      try mount(["-t", "tmpfs", "-o", "size=8m", "tmpfs", scratch])
      mounted = true
    }
    try copyTree(fixtures.root + "/" + row.command.fixture.rawValue, to: scratch + "/data")
    try copyTree(fixtures.root + "/snaps", to: scratch + "/snaps")
    let target = row.command.target.path(in: scratch, snapshot: fixtures.names.snapshot)
    var runAs: uid_t? = nil
    switch row.input {
    case .missing:
      TemporaryDirectory.removeTree(target)
    case .wrongKind:
      TemporaryDirectory.removeTree(target)
      if row.command.target.isFile { try FileSystem.makeDirectories(target) } else { try write("not a folder\n", to: target) }
    case .empty:
      TemporaryDirectory.removeTree(target)
      if row.command.target.isFile { try write("", to: target) } else { try FileSystem.makeDirectories(target) }
    case .unreadable:
      try makeUnreadable(in: target, of: row.command.target)
      if geteuid() == 0 {
        try check(chmod(holder.path, 0o755), "chmod", holder.path)
        try chownTree(scratch, to: Self.otherUser)
        runAs = Self.otherUser
      }
    case .readOnly:
      try mount(["--bind", scratch, scratch])
      mounted = true
      try mount(["-o", "remount,bind,ro", scratch])
    case .fullDisk:
      // dd stops at ENOSPC; whatever it wrote stays as the filler.
      _ = try runProcess("/bin/sh", ["-c", "dd if=/dev/zero of='\(scratch)/filler' bs=4096 2>/dev/null; true"])
    }
    let before = try TreeHash.entries(of: scratch)
    let arguments = row.command.arguments(scratch, fixtures.names)
    func invoke(_ arguments: [String]) throws -> CommandResult {
      guard let runAs else { return try runMaestroAdmin(arguments) }
      return try runProcess(
        "/usr/bin/setpriv",
        ["--reuid=\(runAs)", "--regid=\(runAs)", "--clear-groups", ProjectPaths.binary] + arguments,
        environment: ["HOME": holder.path])
    }
    let result = try invoke(arguments)
    let context = "\(row): got \(result.status); stderr: \(result.stderr.prefix(400))"
    #expect(result.status == row.expected, "\(context)")
    #expect(result.status < 128, "killed by a signal: \(context)")
    if [8, 16].contains(row.expected) {
      // A clear error naming the path (or a file inside it).
      let named = [.missing, .wrongKind, .empty].contains(row.input) ? target : scratch
      #expect(result.stderr.contains("maestro-admin: ") && result.stderr.contains(named), "\(context)")
    }
    let mayChange =
      !row.command.readsOnly
      && ([0, 1].contains(row.expected) || row.command.changesDespiteFailure.contains(row.input))
    if !mayChange {
      // Nothing lost, nothing written: every entry as it was. Allowed: the
      // maintenance lock (an empty file that stays by design) and empty
      // folders of the toolkit's own `.maestro-admin/`.
      let after = try TreeHash.entries(of: scratch)
      let changed = Set(after).symmetricDifference(before)
        .filter { !Self.isLockInfrastructure($0) }.map(\.description).sorted()
      #expect(changed.isEmpty, "\(row) changed the scratch folder: \(changed)")
    }
    if [8, 16].contains(row.expected) {
      // The same refusal for machines: same exit code, nothing more written.
      let json = try invoke(arguments + ["--json"])
      #expect(json.status == row.expected, "\(row) with --json: got \(json.status); stderr: \(json.stderr.prefix(400))")
      #expect(!json.stderr.isEmpty, "\(row) with --json said nothing on stderr")
      // Every stdout line a JSON object; one (the error, or the summary of
      // a run that ended with that code) carries the exit code.
      let objects = json.lines.map { try? JSONParser.parse(Array($0.utf8)) }
      #expect(objects.allSatisfy { if case .object? = $0 { true } else { false } }, "\(row) --json stdout: \(json.stdout.prefix(400))")
      let codes = objects.compactMap { value -> Double? in
        guard case .object(let o)? = value, case .number(let code)? = o["exitCode"] else { return nil }
        return code
      }
      #expect(codes.contains(Double(row.expected)), "\(row) --json: no object with exitCode \(row.expected): \(json.stdout.prefix(400))")
    }
  }

  /// The lock file and the folders of `data/.maestro-admin/` a changing
  /// command creates before it takes the lock.
  static func isLockInfrastructure(_ entry: TreeHash.Entry) -> Bool {
    let own = "data/.maestro-admin"
    guard entry.path == own || entry.path.hasPrefix(own + "/") else { return false }
    return entry.kind == .directory || (entry.path == own + "/lock" && entry.kind == .file)
  }

  /// Makes one file the command must read unreadable (mode 000).
  private func makeUnreadable(in target: String, of kind: MatrixTarget) throws {
    switch kind {
    case .dataDir:
      let tasks = target + "/tasks"
      let project = try FileSystem.listDirectory(tasks).first { $0.kind == .directory }!
      let file = try FileSystem.listDirectory(tasks + "/" + project.name).first { $0.name.hasSuffix(".json") }!
      try check(chmod(tasks + "/" + project.name + "/" + file.name, 0), "chmod", file.name)
    case .backupFolder:
      let snapshot = try FileSystem.listDirectory(target).first { $0.kind == .file }!
      try check(chmod(target + "/" + snapshot.name, 0), "chmod", snapshot.name)
    case .snapshot:
      try check(chmod(target, 0), "chmod", target)
    case .restoreTarget, .createDest, .generateOut:
      try FileSystem.makeDirectories(target)
      try write("{}\n", to: target + "/private.json")
      try check(chmod(target + "/private.json", 0), "chmod", target)
    }
  }

  private func mount(_ arguments: [String]) throws {
    let r = try runProcess("/usr/bin/mount", arguments)
    guard r.status == 0 else { throw MaestroError(.io, "mount \(arguments) failed: \(r.stderr)", path: arguments.last) }
  }

  private func write(_ text: String, to path: String) throws {
    try AtomicFile.write(Array(text.utf8), to: path)
  }

  private func check(_ rc: Int32, _ what: String, _ path: String) throws {
    guard rc == 0 else { throw MaestroError.system("cannot \(what)", path: path) }
  }

  private func chownTree(_ path: String, to uid: uid_t) throws {
    try check(lchown(path, uid, uid), "chown", path)
    if FileSystem.isDirectory(path, followSymlinks: false) {
      for entry in try FileSystem.listDirectory(path) { try chownTree(path + "/" + entry.name, to: uid) }
    }
  }
}

/// The fixtures of the matrix: `faulty`, `worked` and `snaps` (two snapshots
/// of `faulty`) in a folder removed when the test process exits.
struct Prepared: Sendable {
  /// The folder holding them.
  var root: String
  /// The names rows refer to.
  var names: MatrixNames

  static func make() throws -> Prepared {
    let root = "/tmp/maestro-admin-bad-input-\(getpid())"
    TemporaryDirectory.removeTree(root)
    try FileSystem.makeDirectories(root)
    atexit { TemporaryDirectory.removeTree("/tmp/maestro-admin-bad-input-\(getpid())") }
    let faulty = root + "/faulty"
    let worked = root + "/worked"
    try expectRun(["generate", "--out", faulty, "--scale", "xs", "--format", "legacy", "--inject", "all=1", "--no-sync"], [0])
    try copyTree(faulty, to: worked)
    try expectRun(["repair", "--data-dir", worked], [1, 4])
    try expectRun(["archive", "create", "--older-than", "0d", "--data-dir", worked], [1])
    // Two full snapshots: prune --keep-last 1 then has one to remove.
    for _ in 0..<2 { try expectRun(["backup", "create", "--data-dir", faulty, "--dest", root + "/snaps", "--full"], [0]) }
    // A project file fmt rewrites (trailing blank lines are not canonical).
    let projects = try FileSystem.listDirectory(worked + "/projects").filter { $0.name.hasSuffix(".json") }
    let project = worked + "/projects/" + projects[0].name
    try AtomicFile.write(try FileSystem.readFile(project) + Array("\n\n".utf8), to: project)
    // The archive run's journal (the newest; names alone do not tell when
    // repair and archive ran in the same second).
    let journals = try FileSystem.listDirectory(worked + "/.maestro-admin/journal").map(\.name)
      .filter { $0.hasSuffix(".jsonl") && $0.contains("-archive-") }
    let catalog = String(decoding: try FileSystem.readFile(worked + "/archive/catalog.jsonl"), as: UTF8.self)
    let firstLine = try JSONParser.parse(Array(catalog.split(separator: "\n")[0].utf8))
    guard case .object(let entry) = firstLine, case .string(let task)? = entry["id"] else {
      throw MaestroError(.io, "no archived task in the catalog", path: worked)
    }
    let snapshots = try FileSystem.listDirectory(root + "/snaps").map(\.name).sorted()
    return Prepared(
      root: root,
      names: MatrixNames(
        journal: String(journals[0].dropLast(".jsonl".count)), archivedTask: task, snapshot: snapshots[0]))
  }

  private static func expectRun(_ arguments: [String], _ statuses: Set<Int32>) throws {
    let r = try runMaestroAdmin(arguments)
    guard statuses.contains(r.status) else {
      throw MaestroError(.io, "\(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)", path: nil)
    }
  }
}
