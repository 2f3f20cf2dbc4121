import Glibc
import MaestroStorage

/// The file-system moves of a restore: an atomic exchange of two
/// directories, a rename that never replaces, `syncfs`, and removal of a
/// staging tree.
///
/// `renameat2(2)` is reached through `dlsym` because glibc declares it only
/// under `_GNU_SOURCE`, which Swift's Glibc module does not define.
enum DirectorySwap {
  private typealias Renameat2 =
    @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32

  private static let renameat2: Renameat2? = {
    guard let symbol = dlsym(nil, "renameat2") else { return nil }
    return unsafeBitCast(symbol, to: Renameat2.self)
  }()

  private typealias SyncFS = @convention(c) (Int32) -> Int32

  private static let syncfs: SyncFS? = {
    guard let symbol = dlsym(nil, "syncfs") else { return nil }
    return unsafeBitCast(symbol, to: SyncFS.self)
  }()

  private static let noReplace: UInt32 = 1  // RENAME_NOREPLACE
  private static let exchange: UInt32 = 2  // RENAME_EXCHANGE

  /// Swaps the names of two existing paths in one step (`RENAME_EXCHANGE`).
  ///
  /// - Returns: `false` when the kernel or file system cannot exchange
  ///   (`EINVAL`, `ENOSYS`), so the caller can fall back to two renames.
  /// - Throws: `MaestroError` naming `first` for any other failure.
  static func exchange(_ first: String, _ second: String) throws -> Bool {
    guard let renameat2 else { return false }
    if renameat2(AT_FDCWD, first, AT_FDCWD, second, exchange) == 0 { return true }
    let code = errno
    if code == EINVAL || code == ENOSYS || code == ENOTSUP { return false }
    throw MaestroError.system("cannot exchange with \(second)", path: first, errno: code)
  }

  /// Renames `source` to `target`, failing if `target` exists
  /// (`RENAME_NOREPLACE`; where the kernel or file system lacks it, a file
  /// is hard-linked at `target`, which also never replaces, and unlinked at
  /// `source`; a folder gets a plain `rename` after checking that `target`
  /// is absent).
  ///
  /// - Throws: `MaestroError` naming `source`; `EEXIST` when `target` exists.
  static func renameNoReplace(_ source: String, to target: String) throws {
    if let renameat2 {
      if renameat2(AT_FDCWD, source, AT_FDCWD, target, noReplace) == 0 { return }
      let code = errno
      if code != EINVAL && code != ENOSYS && code != ENOTSUP {
        throw MaestroError.system("cannot rename to \(target)", path: source, errno: code)
      }
    }
    if link(source, target) == 0 {
      guard unlink(source) == 0 else { throw MaestroError.system("cannot remove after linking", path: source) }
      return
    }
    let code = errno
    if code == EEXIST || code == ENOENT {
      throw MaestroError.system("cannot rename to \(target)", path: source, errno: code)
    }
    if FileSystem.fileExists(target, followSymlinks: false) {
      throw MaestroError.system("cannot rename to \(target)", path: source, errno: EEXIST)
    }
    try FileSystem.rename(source, to: target)
  }

  /// Flushes the whole file system holding `path` (`syncfs(2)`): one call
  /// instead of an fsync per restored file.
  ///
  /// - Throws: `MaestroError` naming `path`.
  static func syncFileSystem(of path: String) throws {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw MaestroError.system("cannot open to sync", path: path) }
    defer { _ = close(fd) }
    if let syncfs {
      guard syncfs(fd) == 0 else { throw MaestroError.system("cannot syncfs", path: path) }
    } else {
      sync()
    }
  }

  /// Removes a tree this process created (a staging or scratch dir), without
  /// following symlinks. Errors are ignored: this is cleanup after a failure
  /// that is already being reported.
  ///
  /// - Parameter path: The tree's root.
  static func removeTree(_ path: String) {
    guard let status = try? FileSystem.stat(path, followSymlinks: false) else { return }
    if status.kind == .directory {
      if status.mode & 0o700 != 0o700 { _ = chmod(path, 0o700) }
      for entry in (try? FileSystem.listDirectory(path)) ?? [] {
        removeTree(FileSystem.join(path, entry.name))
      }
      _ = rmdir(path)
    } else {
      _ = unlink(path)
    }
  }

  /// An absolute form of `path` (the working directory prefixed when relative).
  static func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var relative = Substring(path)
    while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
    return relative.isEmpty || relative == "." ? cwd : FileSystem.join(cwd, String(relative))
  }
}
