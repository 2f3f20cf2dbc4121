import Foundation

/// What a finished process printed and how it exited.
public struct CommandResult: Sendable {
  /// The exit code, or 128 + the signal number when a signal killed it
  /// (137 for SIGKILL), as a shell reports it.
  public var status: Int32
  public var stdout: String
  public var stderr: String

  /// stdout split into lines, without empty ones.
  public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs the built `maestro-admin` with `arguments` and waits for it.
/// - Parameter environment: added to (and overriding) this process's.
public func runMaestroAdmin(
  _ arguments: [String], environment: [String: String] = [:]
) throws -> CommandResult {
  try runProcess(ProjectPaths.binary, arguments, environment: environment)
}

/// Runs `executable` with `arguments` and waits for it, collecting output.
public func runProcess(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:]
) throws -> CommandResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  var env = ProcessInfo.processInfo.environment
  for (k, v) in environment { env[k] = v }
  process.environment = env
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  // Read both pipes concurrently so a full pipe cannot block the child.
  nonisolated(unsafe) var errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData = err.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  // As a shell reports it: a process killed by signal N exits 128 + N.
  let status =
    process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
  return CommandResult(
    status: status,
    stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `body` on a thread of its own instead of Swift's cooperative pool
/// and returns what it returns. Long blocking work (a child process, a
/// server starting) then leaves the pool's few threads (two on two cores)
/// to the async tests running meanwhile.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    Thread { continuation.resume(with: Result { try body() }) }.start()
  }
}
