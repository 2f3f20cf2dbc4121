import Foundation
import MaestroStorage

/// `maestro-server-imitator` running in the background against a data dir,
/// for end-to-end tests: started, waited for until it has loaded the data
/// dir, and stopped with SIGTERM (it finishes the operation at hand).
public final class ImitatorProcess {
  private let process = Process()
  private let output = Pipe()
  /// The JSON-lines write log.
  public let logPath: String

  /// The built imitator beside the built `maestro-admin`.
  public static var binary: String {
    FileSystem.parentDirectory(of: ProjectPaths.binary) + "/maestro-server-imitator"
  }

  /// Starts the imitator on `dataDir` and returns once it writes.
  ///
  /// - Parameters:
  ///   - dataDir: The data dir.
  ///   - style: The write style.
  ///   - rate: Writes per second.
  ///   - seconds: The bound after which it stops by itself.
  ///   - seed: Its random seed.
  ///   - workDir: Where the log and the ready file go (outside the data dir).
  /// - Throws: When it cannot start or is not ready within 30 s.
  public init(
    dataDir: String, style: ImitatorWrite.Style, rate: Int, seconds: Double, seed: Int = 1, workDir: String
  ) throws {
    logPath = workDir + "/imitator-\(style.rawValue)-\(seed).jsonl"
    let ready = workDir + "/imitator-\(style.rawValue)-\(seed).ready"
    process.executableURL = URL(fileURLWithPath: Self.binary)
    process.arguments = [
      "--data-dir", dataDir, "--style", style.rawValue, "--rate", String(rate), "--duration", String(seconds),
      "--seed", String(seed), "--log", logPath, "--ready-file", ready,
    ]
    process.standardOutput = output
    process.standardError = FileHandle.standardError
    process.standardInput = FileHandle.nullDevice
    try process.run()
    for _ in 0..<3000 where !FileSystem.fileExists(ready) && process.isRunning { usleep(10_000) }
    guard FileSystem.fileExists(ready) else {
      process.terminate()
      throw MaestroError(.io, "the server imitator did not start", path: dataDir)
    }
  }

  /// Stops it (SIGTERM) and returns its summary line and exit status.
  @discardableResult
  public func stop() -> (status: Int32, summary: String) {
    if process.isRunning { process.terminate() }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Every write it logged.
  public func writes() throws -> [ImitatorWrite] {
    try ImitatorWrite.readLog(logPath)
  }

  deinit {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
  }
}
