import Foundation
import Glibc
import MaestroStorage

/// A process that looks like a Maestro server to `/proc` without being one:
/// `/bin/sleep` (or `/bin/sh`) copied into a temporary folder under a
/// server-like name (`node`) and started with the environment a server
/// would have. Killed by pid when stopped or released.
public final class FakeServerProcess: @unchecked Sendable {
  /// The process id.
  public let pid: Int32
  private let process: Process
  private let folder: TemporaryDirectory

  /// Starts `name` (a copy of `/bin/sleep 60`) with exactly `environment`.
  /// - Parameters:
  ///   - name: The base name of its `argv[0]` (`node`, or anything else).
  ///   - environment: Its whole environment (`DATA_DIR`, `HOME`).
  ///   - shellWithChild: copy `/bin/sh` instead and run `sleep 60; true`
  ///     under it, so that it has a child (`childPid`).
  ///   - workingDirectory: Its working directory (default: its folder).
  public init(
    name: String = "node", environment: [String: String], shellWithChild: Bool = false,
    workingDirectory: String? = nil
  ) throws {
    folder = try TemporaryDirectory(prefix: "fake-server")
    let program = folder.path + "/" + name
    let source = shellWithChild ? "/bin/sh" : "/bin/sleep"
    try AtomicFile.write(try FileSystem.readFile(source, followSymlinks: true), to: program)
    guard chmod(program, 0o755) == 0 else { throw MaestroError.system("cannot chmod", path: program) }
    // Another test's fork can briefly hold the copy open for writing
    // (ETXTBSY, "Text file busy"): try again shortly, with a new Process.
    var attempt = 0
    while true {
      let candidate = Process()
      candidate.executableURL = URL(fileURLWithPath: program)
      candidate.arguments = shellWithChild ? ["-c", "sleep 60; true"] : ["60"]
      candidate.environment = environment
      candidate.currentDirectoryURL = URL(fileURLWithPath: workingDirectory ?? folder.path)
      candidate.standardInput = FileHandle.nullDevice
      candidate.standardOutput = FileHandle.nullDevice
      candidate.standardError = FileHandle.nullDevice
      do {
        try candidate.run()
        process = candidate
        break
      } catch let error as NSError where attempt < 50 && Self.isTextFileBusy(error) {
        attempt += 1
        usleep(20_000)
      }
    }
    pid = process.processIdentifier
    // Wait until the exec is visible in /proc (argv[0] is the new name).
    for _ in 0..<200 {
      if let cmdline = try? FileSystem.readFile("/proc/\(pid)/cmdline"),
        String(decoding: cmdline.prefix { $0 != 0 }, as: UTF8.self).hasSuffix(name),
        !shellWithChild || childPid != nil
      {
        break
      }
      usleep(5000)
    }
  }

  private static func isTextFileBusy(_ error: NSError) -> Bool {
    (error.userInfo[NSUnderlyingErrorKey] as? NSError).map { $0.domain == NSPOSIXErrorDomain && $0.code == Int(ETXTBSY) }
      ?? false
  }

  /// The first child of a `shellWithChild` process (the `sleep`).
  public var childPid: Int32? {
    guard let text = try? FileSystem.readFile("/proc/\(pid)/task/\(pid)/children") else { return nil }
    return String(decoding: text, as: UTF8.self).split(separator: " ").first.flatMap { Int32($0) }
  }

  /// Kills it (and its child) and waits for it.
  public func stop() {
    if let child = childPid { kill(child, SIGKILL) }
    if process.isRunning {
      kill(pid, SIGKILL)
      process.waitUntilExit()
    }
  }

  deinit { stop() }
}
