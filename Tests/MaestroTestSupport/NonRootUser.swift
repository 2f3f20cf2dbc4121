import Foundation
import MaestroStorage

/// A user other than root to run commands as, for tests of what a server's
/// own user can and cannot do (permissions root would ignore, scheduled
/// jobs that run as that user).
///
/// Run as root, the tests use the system user `maestro-admin-test`,
/// creating it with `useradd` when it is missing, and run commands through
/// `runuser`. Run as anyone else, they run as that user directly.
public struct NonRootUser: Sendable {
  /// The user's name.
  public let name: String
  public let uid: uid_t
  public let gid: gid_t
  /// Whether commands go through `runuser` (the tests run as root).
  let switching: Bool

  /// The user, or why there is none (for the skip message).
  public static let shared: Result<NonRootUser, SkipReason> = obtain()

  /// Whether a non-root user is available.
  public static var available: Bool { (try? shared.get()) != nil }

  /// Why no non-root user could be had.
  public struct SkipReason: Error, CustomStringConvertible, Sendable {
    public let description: String
  }

  /// The name of the system user the tests create when run as root.
  public static let testUserName = "maestro-admin-test"

  private static func obtain() -> Result<NonRootUser, SkipReason> {
    if getuid() != 0 {
      guard let pw = getpwuid(getuid()) else { return .failure(SkipReason(description: "no passwd entry for uid \(getuid())")) }
      return .success(NonRootUser(name: String(cString: pw.pointee.pw_name), uid: getuid(), gid: getgid(), switching: false))
    }
    guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") else {
      return .failure(SkipReason(description: "running as root without /usr/sbin/runuser: no way to run as another user"))
    }
    if getpwnam(testUserName) == nil {
      let made = try? runProcess(
        "/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", testUserName])
      if made?.status != 0 {
        return .failure(
          SkipReason(description: "cannot create the user \(testUserName) with useradd: \(made?.stderr ?? "useradd not found")"))
      }
    }
    guard let pw = getpwnam(testUserName) else {
      return .failure(SkipReason(description: "the user \(testUserName) does not exist"))
    }
    return .success(NonRootUser(name: testUserName, uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid, switching: true))
  }

  /// Gives `path` and everything below it to this user (when the tests run
  /// as root; otherwise it is this user's already).
  public func own(_ path: String) throws {
    guard switching else { return }
    let result = try runProcess("/bin/chown", ["-R", "\(uid):\(gid)", path])
    guard result.status == 0 else { throw MaestroError(.io, "chown failed: \(result.stderr)", path: path) }
  }

  /// Runs `executable` as this user, with `environment` added (on a
  /// thread of its own, see `runProcessDetached`).
  public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
    -> CommandResult
  {
    guard switching else { return try await runProcessDetached(executable, arguments, environment: environment) }
    let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    return try await runProcessDetached(
      "/usr/sbin/runuser", ["-u", name, "--", "/usr/bin/env"] + assignments + [executable] + arguments)
  }

  /// A copy of the built `maestro-admin` in `folder` (owned by this user),
  /// so that it runs whatever the permissions of the build folder.
  public func copyOfBinary(in folder: String) throws -> String {
    let copy = folder + "/maestro-admin"
    let result = try runProcess("/bin/cp", [ProjectPaths.binary, copy])
    guard result.status == 0 else { throw MaestroError(.io, "cp failed: \(result.stderr)", path: copy) }
    try own(copy)
    return copy
  }
}
