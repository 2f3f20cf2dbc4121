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
    try AtomicFile.write(try FileSystem.readFile(source), to: program)
    guard chmod(program, 0o755) == 0 else { throw MaestroError.system("cannot chmod", path: program) }
    process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = shellWithChild ? ["-c", "sleep 60; true"] : ["60"]
    process.environment = environment
    process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory ?? folder.path)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
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
