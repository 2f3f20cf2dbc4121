import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// SIGKILL at every crash point of create and restore, and create racing a
/// writer that rewrites files in place.
@Suite struct BackupCrashTests {
  @Test func sigkillDuringCreateNeverLeavesAPartialSnapshotUnderAFinalName() throws {
    let work = try TemporaryDirectory(prefix: "backup-crash-create")
    let source = work.appending("src")
    try BackupScene.dataDir(source)
    let sites = ["backup:file:1", "backup:file:20", "backup:spooled", "backup:before-verify", "backup:before-rename", "backup:after-rename"]
    for (k, site) in sites.enumerated() {
      let dest = work.appending("b\(k)")
      let r = try runMaestroAdmin(
        ["backup", "create", "--data-dir", source, "--dest", dest], environment: ["MAESTRO_ADMIN_CRASH_AT": site])
      #expect(r.status == 137, "\(site): \(r.stderr)")
      let snapshots = try BackupScene.snapshots(dest)
      if site == "backup:after-rename" {
        #expect(snapshots.count == 1)
        for s in snapshots { #expect(try SnapshotVerifier(path: s).run().isVerified, "\(site)") }
      } else {
        #expect(snapshots.isEmpty, "\(site): \(snapshots)")
      }
      // Whatever was left is hidden: list works and the next create succeeds.
      #expect(try runMaestroAdmin(["backup", "list", "--dest", dest]).status == 0)
      #expect(try runMaestroAdmin(["backup", "create", "--data-dir", source, "--dest", dest]).status == 0)
      for s in try BackupScene.snapshots(dest) { #expect(try SnapshotVerifier(path: s).run().isVerified) }
    }
  }

  @Test func sigkillDuringRestoreLeavesTheTargetOldOrNewNeverMixed() throws {
    let work = try TemporaryDirectory(prefix: "backup-crash-restore")
    let source = work.appending("src")
    try BackupScene.dataDir(source)
    let create = try runMaestroAdmin(["backup", "create", "--data-dir", source, "--dest", work.appending("b"), "--json"])
    let snapshot = try #require(try BackupScene.summary(create)["snapshot"]?.stringValue)
    let new = try BackupScene.expected(source).filter { !$0.path.hasPrefix(".maestro-admin") }

    let sites = [
      "restore:scanned", "restore:file:1", "restore:file:15", "restore:extracted", "restore:before-swap",
      "restore:exchanged", "restore:after-swap",
    ]
    for (k, site) in sites.enumerated() {
      let target = work.appending("live\(k)/data")
      try FileSystem.makeDirectories(target + "/projects")
      try AtomicFile.write(Array("{\"id\":\"old\"}".utf8), to: target + "/projects/old.json")
      let old = try userTree(target)
      let r = try runMaestroAdmin(
        ["backup", "restore", snapshot, "--to", target, "--force"], environment: ["MAESTRO_ADMIN_CRASH_AT": site])
      #expect(r.status == 137, "\(site): \(r.stderr)")
      let now = try userTree(target)
      let restored = site == "restore:exchanged" || site == "restore:after-swap"
      #expect(now == (restored ? new : old), "\(site)")
      // A second restore completes from either state.
      let again = try runMaestroAdmin(["backup", "restore", snapshot, "--to", target, "--force"])
      #expect(again.status == 1, "\(site): \(again.stderr)")
      #expect(try userTree(target) == new, "\(site)")
    }
  }

  /// A writer rewrites 16 JSON files in place (truncate, half, pause, rest:
  /// what seed-era servers do), each about every 50 ms, while `create` runs
  /// three times; every JSON
  /// file in every snapshot parses and is exactly one of the versions written.
  @Test(.timeLimit(.minutes(10))) func createDuringInPlaceRewritesCapturesWholeVersions() throws {
    let work = try TemporaryDirectory(prefix: "backup-live")
    let source = work.appending("src")
    try BackupScene.dataDir(source)
    let count = 16
    @Sendable func version(_ k: Int, _ n: Int) -> [UInt8] {
      Array("{\n  \"id\": \"sess_live\(k)\",\n  \"n\": \(n),\n  \"pad\": \"\(String(repeating: "x", count: (n * 37) % 900))\"\n}".utf8)
    }
    for k in 0..<count { try AtomicFile.write(version(k, 0), to: source + "/sessions/sess_live\(k).json") }
    let stop = SharedStop()
    let writer = WriterThread {
      var n = 0
      while !stop.isSet {
        n += 1
        for k in 0..<count {
          let fd = open(source + "/sessions/sess_live\(k).json", O_WRONLY | O_TRUNC)
          let bytes = version(k, n)
          bytes.withUnsafeBytes { raw in
            _ = write(fd, raw.baseAddress, raw.count / 2)
            usleep(300)
            _ = write(fd, raw.baseAddress! + raw.count / 2, raw.count - raw.count / 2)
          }
          close(fd)
          usleep(3000)
        }
      }
    }
    var snapshots: [String] = []
    for _ in 0..<3 {
      let r = try runMaestroAdmin(["backup", "create", "--data-dir", source, "--dest", work.appending("b"), "--json"])
      #expect(r.status == 0, "\(r.stderr)")
      if let s = try? BackupScene.summary(r)["snapshot"]?.stringValue { snapshots.append(s) }
    }
    stop.set()
    writer.join()
    #expect(snapshots.count == 3)
    for (k, snapshot) in snapshots.enumerated() {
      let out = work.appending("r\(k)")
      #expect(try runMaestroAdmin(["backup", "restore", snapshot, "--to", out]).status == 1)
      for entry in try TreeHash.entries(of: out) where entry.kind == .file && entry.path.hasSuffix(".json") {
        let bytes = try FileSystem.readFile(out + "/" + entry.path)
        guard let value = try? JSONParser.parse(bytes) else {
          Issue.record("\(snapshot): \(entry.path) does not parse: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
          continue
        }
        if entry.path.hasPrefix("sessions/sess_live"), let n = value["n"]?.numberValue {
          let i = Int(entry.path.dropFirst("sessions/sess_live".count).dropLast(".json".count))!
          #expect(bytes == version(i, Int(n)), "\(snapshot): \(entry.path)")
        }
      }
    }
  }
}

final class SharedStop: @unchecked Sendable {
  private var flag = false
  private var mutex = pthread_mutex_t()
  init() { pthread_mutex_init(&mutex, nil) }
  var isSet: Bool {
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    return flag
  }
  func set() {
    pthread_mutex_lock(&mutex)
    flag = true
    pthread_mutex_unlock(&mutex)
  }
}

final class WriterThread: @unchecked Sendable {
  private var handle = pthread_t()
  private let body: @Sendable () -> Void

  init(_ body: @escaping @Sendable () -> Void) {
    self.body = body
    pthread_create(&handle, nil, { raw in
      Unmanaged<WriterThread>.fromOpaque(raw!).takeRetainedValue().body()
      return nil
    }, Unmanaged.passRetained(self).toOpaque())
  }

  func join() { pthread_join(handle, nil) }
}
