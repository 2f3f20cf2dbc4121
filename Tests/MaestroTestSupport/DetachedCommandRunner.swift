import Foundation

/// `runProcess` on a thread of its own: an async test that waits for a
/// child process then holds none of the cooperative threads (two on a
/// two-core machine) that the other tests running beside it need.
public func runProcessDetached(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:]
) async throws -> CommandResult {
  try await withCheckedThrowingContinuation { continuation in
    Thread.detachNewThread {
      continuation.resume(with: Result { try runProcess(executable, arguments, environment: environment) })
    }
  }
}

/// `runMaestroAdmin` on a thread of its own (see `runProcessDetached`).
public func runMaestroAdminDetached(
  _ arguments: [String], environment: [String: String] = [:]
) async throws -> CommandResult {
  try await runProcessDetached(ProjectPaths.binary, arguments, environment: environment)
}
