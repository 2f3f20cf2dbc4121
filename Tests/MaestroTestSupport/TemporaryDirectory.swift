import Glibc
import MaestroStorage

/// A fresh, empty directory under `/tmp`, removed with everything in it when
/// the last reference goes away.
///
/// ```swift
/// let dir = try TemporaryDirectory()
/// try AtomicFile.write(bytes, to: dir.path + "/a.json")
/// ```
public final class TemporaryDirectory: Sendable {
  /// The directory's absolute path, without a trailing `/`.
  public let path: String

  /// Creates a unique directory (`mkdtemp`).
  ///
  /// - Parameter prefix: The start of the directory name, to tell tests apart
  ///   when one fails and leaves files around.
  /// - Throws: `MaestroError` if `mkdtemp` fails.
  public init(prefix: String = "maestro-admin-test") throws {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    let made: String? = template.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
      return String(cString: base)
    }
    guard let made else {
      let code = errno
      throw MaestroError.system(
        "cannot create temporary directory", path: "/tmp/\(prefix)-XXXXXX", errno: code)
    }
    path = made
  }

  deinit {
    Self.removeTree(path)
  }

  /// The path of `relative` inside this directory.
  ///
  /// - Parameter relative: A `/`-separated relative path.
  /// - Returns: `path + "/" + relative`.
  public func appending(_ relative: String) -> String {
    path + "/" + relative
  }

  /// Removes a tree like `rm -rf`, ignoring errors (a test's cleanup should
  /// not hide its real failure). Restores write permission on directories
  /// tests made read-only so their contents can go too.
  ///
  /// - Parameter path: The file or directory to remove.
  public static func removeTree(_ path: String) {
    guard let status = try? FileSystem.stat(path, followSymlinks: false) else { return }
    if status.kind == .directory {
      _ = chmod(path, 0o700)
      for entry in (try? FileSystem.listDirectory(path)) ?? [] {
        removeTree(path + "/" + entry.name)
      }
      _ = rmdir(path)
    } else {
      _ = unlink(path)
    }
  }
}

/// Runs `body` with a fresh temporary directory, removed afterwards.
///
/// - Parameters:
///   - prefix: The start of the directory name.
///   - body: Receives the directory's path.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws, or `MaestroError` if the directory cannot be made.
public func withTemporaryDirectory<T>(
  prefix: String = "maestro-admin-test",
  _ body: (String) throws -> T
) throws -> T {
  let directory = try TemporaryDirectory(prefix: prefix)
  return try withExtendedLifetime(directory) { try body(directory.path) }
}

/// Runs async `body` with a fresh temporary directory, removed afterwards.
///
/// - Parameters:
///   - prefix: The start of the directory name.
///   - body: Receives the directory's path.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws, or `MaestroError` if the directory cannot be made.
public func withTemporaryDirectory<T>(
  prefix: String = "maestro-admin-test",
  _ body: (String) async throws -> T
) async throws -> T {
  let directory = try TemporaryDirectory(prefix: prefix)
  defer { withExtendedLifetime(directory) {} }
  return try await body(directory.path)
}
