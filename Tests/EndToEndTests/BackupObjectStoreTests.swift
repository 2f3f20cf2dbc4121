import Foundation
import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// One SeaweedFS for the whole suite: started before its first test,
/// killed after its last.
struct SeaweedFSScope: SuiteTrait, TestScoping {
  @TaskLocal static var server: SeaweedServer?

  var isRecursive: Bool { false }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let server = try await onOwnThread { try SeaweedServer() }
    defer { server.kill() }
    try await Self.$server.withValue(server) { try await function() }
  }
}

extension Trait where Self == SeaweedFSScope {
  /// Runs the suite against one SeaweedFS server.
  static var seaweedFS: Self { SeaweedFSScope() }
}

/// `backup` against a real S3-compatible store (SeaweedFS), through the
/// built binary: the whole cycle, kills of the client and of the server
/// mid-upload, and refused credentials.
@Suite(.serialized, .seaweedFS) struct BackupObjectStoreTests {
  var server: SeaweedServer { SeaweedFSScope.server! }

  /// A generated xs data dir, plus `extraMiB` of random bytes (so that an
  /// upload has several 5 MiB parts).
  func dataDir(in work: TemporaryDirectory, extraMiB: Int = 0) async throws -> String {
    let dir = work.appending("data")
    let generate = try await run(["generate", "--scale", "xs", "--out", dir, "--no-sync"])
    try #require(generate.status == 0, "\(generate.stderr)")
    if extraMiB > 0 {
      try FileSystem.makeDirectories(dir + "/blobs")
      var bytes = [UInt8](repeating: 0, count: extraMiB << 20)
      var generator = SystemRandomNumberGenerator()
      bytes.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for k in words.indices { words[k] = generator.next() }
      }
      try AtomicFile.write(bytes, to: dir + "/blobs/random.bin")
    }
    return dir
  }

  /// Runs the binary off the cooperative pool (see `onOwnThread`).
  func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> CommandResult {
    let environment = environment ?? server.environment
    return try await onOwnThread { try runMaestroAdmin(arguments, environment: environment) }
  }

  func summary(_ r: CommandResult) throws -> JSONObject {
    let line = try #require(r.lines.last)
    return try #require(try JSONParser.parse(line).objectValue)
  }

  func listed(_ prefix: String) async throws -> (snapshots: [String], leftovers: Int) {
    let list = try await run(["backup", "list", "--dest", prefix, "--json"])
    try #require(list.status == 0, "\(list.stderr)")
    let paths = list.lines.dropLast().compactMap { try? JSONParser.parse($0).objectValue?["path"]?.stringValue }
    let leftovers = Int(try summary(list)["leftovers"]?.numberValue ?? -1)
    return (paths, leftovers)
  }

  func uploads(_ prefix: String) async throws -> [S3Client.UploadInfo] {
    let (configuration, bucket) = (server.configuration, server.bucket)
    return try await onOwnThread {
      try S3Client(configuration).listMultipartUploads(bucket: bucket, prefix: prefix + "/")
    }
  }

  @Test func createListVerifyRestorePruneCycle() async throws {
    let work = try TemporaryDirectory(prefix: "s3-cycle")
    let source = try await dataDir(in: work)
    let prefix = "s3://\(server.bucket)/cycle/nightly"
    // Journals stay out of S3 snapshots too.
    try FileSystem.makeDirectories(source + "/.maestro-admin/journal/run-1")
    try AtomicFile.write(Array("{}".utf8), to: source + "/.maestro-admin/journal/run-1/plan.json")

    let create = try await run(["backup", "create", "--data-dir", source, "--dest", prefix, "--json"])
    #expect(create.status == 0, "\(create.stderr)")
    let first = try #require(try summary(create)["snapshot"]?.stringValue)
    #expect(first.hasPrefix(prefix + "/maestro-") && first.hasSuffix(".tar.zst"))
    #expect(try summary(create)["verified"]?.boolValue == true)
    let text = try await run(["backup", "create", "--data-dir", source, "--dest", prefix, "--full"])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.hasPrefix("Snapshot \(prefix)/maestro-"))

    var listing = try await listed(prefix)
    #expect(listing.snapshots.count == 2 && listing.snapshots.contains(first))
    #expect(listing.leftovers == 0)
    let both = listing.snapshots

    let verify = try await run(["backup", "verify", first, "--deep", "--json"])
    #expect(verify.status == 0, "\(verify.stderr)")
    #expect(try summary(verify)["verified"]?.boolValue == true)

    let target = work.appending("restored")
    let restore = try await run(["backup", "restore", first, "--to", target, "--json"])
    #expect(restore.status == 1, "\(restore.stderr)")
    #expect(
      try TreeHash.entries(of: target, includeModes: true)
        == TreeHash.entries(of: source, includeModes: true).filter { !$0.path.hasPrefix(".maestro-admin/journal") })
    #expect(FileSystem.isDirectory(target + "/.maestro-admin") && !FileSystem.fileExists(target + "/.maestro-admin/journal"))

    let prune = try await run(["backup", "prune", "--dest", prefix, "--keep-last", "1", "--json"])
    #expect(prune.status == 1, "\(prune.stderr)")
    listing = try await listed(prefix)
    #expect(listing.snapshots.count == 1 && listing.snapshots.first == both.last)
    let pruned = try #require(both.first)
    let gone = try await run(["backup", "verify", pruned])
    #expect(gone.status == 8)
    #expect(gone.stderr.contains("no such object"))
    // The marker went with it: what is left is the kept snapshot and its marker.
    let keys = try S3Client(server.configuration).listObjects(bucket: server.bucket, prefix: "cycle/nightly/")
      .map(\.key)
    let kept = try S3Location(parsing: try #require(both.last)).key
    #expect(keys.sorted() == [kept, kept + ObjectStoreSnapshots.markerSuffix])
  }

  /// Incrementals on S3: a chain of three restores exactly, verify follows
  /// it, prune keeps the parents, and a parent without its marker breaks it.
  @Test func incrementalChainCreateRestoreAndPrune() async throws {
    let work = try TemporaryDirectory(prefix: "s3-chain")
    let source = try await dataDir(in: work)
    let prefix = "s3://\(server.bucket)/chain/nightly"
    var made: [String] = []
    for night in 0..<3 {
      if night > 0 {
        try AtomicFile.write(Array("night \(night)\n".utf8), to: source + "/notes-\(night).txt")
        let sessions = try FileSystem.listDirectory(source + "/sessions").filter { $0.name.hasSuffix(".json") }
        try FileSystem.removeFile(source + "/sessions/" + sessions[0].name)
      }
      let create = try await run(["backup", "create", "--data-dir", source, "--dest", prefix, "--json"])
      #expect(create.status == 0, "\(create.stderr)")
      #expect(try summary(create)["chain"]?.numberValue == Double(night + 1))
      if night > 0 {
        let stored = try #require(try summary(create)["stored"]?.objectValue)
        #expect(stored["files"]?.numberValue == 1 && stored["removed"]?.numberValue == 1)
      }
      made.append(try #require(try summary(create)["snapshot"]?.stringValue))
    }
    let verify = try await run(["backup", "verify", made[2], "--json"])
    #expect(verify.status == 0, "\(verify.stderr)")
    let target = work.appending("restored")
    let restore = try await run(["backup", "restore", made[2], "--to", target, "--json"])
    #expect(restore.status == 1, "\(restore.stderr)")
    #expect(try TreeHash.entries(of: target, includeModes: true) == TreeHash.entries(of: source, includeModes: true))

    let prune = try await run(["backup", "prune", "--dest", prefix, "--keep-last", "1", "--json"])
    #expect(prune.status == 0, "\(prune.stderr)")
    #expect(try await listed(prefix).snapshots == made)

    // Without its marker the full snapshot no longer counts: the chain is broken.
    let full = try S3Location(parsing: made[0])
    try S3Client(server.configuration).deleteObject(bucket: full.bucket, key: full.key + ObjectStoreSnapshots.markerSuffix)
    let broken = try await run(["backup", "restore", made[2], "--to", work.appending("t2")])
    #expect(broken.status == 4)
    #expect(broken.stderr.contains(FileSystem.lastComponent(of: made[0])))
  }

  @Test func clientKilledMidUploadListsNothingAndTheNextRunRecovers() async throws {
    let work = try TemporaryDirectory(prefix: "s3-kill")
    let source = try await dataDir(in: work, extraMiB: 12)
    let prefix = "s3://\(server.bucket)/killed"
    var environment = server.environment

    // Killed after the first part went up: an incomplete upload, no object.
    environment[CrashPoint.environmentVariable] = "backup:object-part:1"
    let killed = try await run(["backup", "create", "--data-dir", source, "--dest", prefix, "--part-size", "5"], environment: environment)
    #expect(killed.status == 137, "\(killed.stderr)")
    #expect(try await uploads("killed").count == 1)
    var listing = try await listed(prefix)
    #expect(listing.snapshots.isEmpty)
    #expect(listing.leftovers == 1)

    // Killed after the read-back, before the marker: an object, no snapshot.
    environment[CrashPoint.environmentVariable] = "backup:before-marker"
    let unmarked = try await run(["backup", "create", "--data-dir", source, "--dest", prefix, "--part-size", "5", "--json"], environment: environment)
    #expect(unmarked.status == 137, "\(unmarked.stderr)")
    #expect(try await uploads("killed").isEmpty)
    listing = try await listed(prefix)
    #expect(listing.snapshots.isEmpty)
    #expect(listing.leftovers == 1)

    let next = try await run(["backup", "create", "--data-dir", source, "--dest", prefix, "--part-size", "5", "--json"])
    #expect(next.status == 0, "\(next.stderr)")
    let snapshot = try #require(try summary(next)["snapshot"]?.stringValue)
    #expect(try summary(next)["archiveBytes"]!.numberValue! > Double(12 << 20))
    listing = try await listed(prefix)
    #expect(listing.snapshots == [snapshot])
    let restore = try await run(["backup", "restore", snapshot, "--to", work.appending("restored")])
    #expect(restore.status == 1, "\(restore.stderr)")
    #expect(try TreeHash.hash(of: work.appending("restored")) == TreeHash.hash(of: source))
  }

  @Test func serverKilledMidUploadListsNothingAndTheNextRunRecovers() async throws {
    let work = try TemporaryDirectory(prefix: "s3-server-kill")
    let source = try await dataDir(in: work, extraMiB: 10)
    let prefix = "s3://\(server.bucket)/server-killed"

    // 1 MiB/s: the upload takes about ten seconds, and is killed early.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ProjectPaths.binary)
    process.arguments = [
      "backup", "create", "--data-dir", source, "--dest", prefix, "--part-size", "5", "--limit-upload", "1024",
    ]
    var env = ProcessInfo.processInfo.environment
    for (k, v) in server.environment { env[k] = v }
    process.environment = env
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(20)
    while try await uploads("server-killed").isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
    try await Task.sleep(for: .milliseconds(500))
    let server = self.server
    server.kill()
    let stderr = try await onOwnThread {
      let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      return text
    }
    #expect(process.terminationStatus == 8, "\(stderr)")
    #expect(stderr.contains(server.endpoint))
    #expect(!stderr.contains(server.secretKey))

    try await onOwnThread { try server.restart() }
    var listing = try await listed(prefix)
    #expect(listing.snapshots.isEmpty)
    #expect(try await uploads("server-killed").count == 1)
    let next = try await run(["backup", "create", "--data-dir", source, "--dest", prefix, "--part-size", "5", "--json"])
    #expect(next.status == 0, "\(next.stderr)")
    #expect(next.stderr.contains("aborted the incomplete upload"))
    #expect(try await uploads("server-killed").isEmpty)
    listing = try await listed(prefix)
    #expect(listing.snapshots.count == 1)
    let verify = try await run(["backup", "verify", listing.snapshots[0]])
    #expect(verify.status == 0, "\(verify.stderr)")
  }

  @Test func wrongCredentialsAndMissingBucketFailClearlyWithoutTheSecret() async throws {
    let work = try TemporaryDirectory(prefix: "s3-denied")
    let source = try await dataDir(in: work)
    let prefix = "s3://\(server.bucket)/denied"
    var environment = server.environment
    let wrongSecret = "wrong-" + SnapshotName.randomId() + SnapshotName.randomId()
    environment["AWS_SECRET_ACCESS_KEY"] = wrongSecret
    for arguments in [
      ["backup", "create", "--data-dir", source, "--dest", prefix], ["backup", "list", "--dest", prefix],
      ["backup", "prune", "--dest", prefix, "--keep-last", "1"],
    ] {
      let r = try await run(arguments, environment: environment)
      #expect(r.status == 8, "\(arguments): \(r.stderr)")
      #expect(r.stderr.contains("refused the credentials for bucket \(server.bucket)"), "\(r.stderr)")
      #expect(r.stderr.contains(server.endpoint) && r.stderr.contains("SignatureDoesNotMatch"))
      #expect(!r.stderr.contains(wrongSecret) && !r.stdout.contains(wrongSecret))
      #expect(!r.stderr.contains(server.secretKey))
    }
    environment = server.environment
    environment["AWS_ACCESS_KEY_ID"] = "nobody"
    let unknown = try await run(["backup", "list", "--dest", prefix], environment: environment)
    #expect(unknown.status == 8)
    #expect(unknown.stderr.contains("InvalidAccessKeyId"))
    #expect(!unknown.stderr.contains(server.secretKey))

    let missing = try await run(["backup", "create", "--data-dir", source, "--dest", "s3://no-such-bucket-here/x"])
    #expect(missing.status == 8)
    #expect(missing.stderr.contains("the bucket no-such-bucket-here does not exist at \(server.endpoint)"), "\(missing.stderr)")

    environment = server.environment
    environment["AWS_ACCESS_KEY_ID"] = ""
    let unset = try await run(["backup", "list", "--dest", prefix], environment: environment)
    #expect(unset.status == 8)
    #expect(unset.stderr.contains("need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
    let bad = try await run(["backup", "list", "--dest", "s3://\(server.bucket)/../x"])
    #expect(bad.status == 16)
    let local = try await run(["backup", "create", "--data-dir", source, "--dest", work.appending("b"), "--part-size", "5"])
    #expect(local.status == 16 && local.stderr.contains("s3:// destinations only"))
  }
}
