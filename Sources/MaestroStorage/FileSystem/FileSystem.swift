import Glibc

/// The low-level file layer: thin wrappers over POSIX calls that throw
/// `MaestroError`s naming the file.
///
/// Foundation's `FileManager` is avoided on purpose: it is slower, and its
/// errors lose the errno and the call that failed. Every failure here is a
/// `MaestroError` with `path` set, `errno` set and code `.notFound` for
/// `ENOENT`, `.io` otherwise (see `MaestroError.system(_:path:errno:)`).
public enum FileSystem {
  /// Reads a whole file (`open`, `fstat`, `read` until end of file).
  ///
  /// Sized from `fstat` so a typical file costs one allocation and one data
  /// `read`; a file that grows while being read is still read to its end.
  ///
  /// By default a symlink as the last component is not followed
  /// (`O_NOFOLLOW`, the open fails with `ELOOP`): what a link in a data dir
  /// points at, perhaps outside it, is never read by accident.
  ///
  /// - Parameters:
  ///   - path: The file to read.
  ///   - followSymlinks: read what a final symlink points at (for files
  ///     outside any data dir, such as a system program).
  /// - Returns: The file's bytes.
  /// - Throws: `MaestroError` (`.notFound` if missing, `.io` otherwise).
  public static func readFile(_ path: String, followSymlinks: Bool = false) throws -> [UInt8] {
    try readFileStamped(path, followSymlinks: followSymlinks).bytes
  }

  /// Reads a whole file, like `readFile(_:followSymlinks:)` (a final
  /// symlink is not followed by default), and returns the stamp of the
  /// version read: the `fstat` taken on the open file before reading, with
  /// `size` -1 when the bytes read are not that many (the file changed
  /// while being read), so that no later stamp equals it.
  ///
  /// - Parameters:
  ///   - path: The file to read.
  ///   - followSymlinks: read what a final symlink points at.
  /// - Returns: The bytes and the stamp.
  /// - Throws: `MaestroError` (`.notFound` if missing, `.io` otherwise).
  public static func readFileStamped(
    _ path: String, followSymlinks: Bool = false
  ) throws -> (bytes: [UInt8], stamp: FileStamp) {
    try checkPath(path)
    let flags = O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW)
    let fd = Errno.retryingOnInterrupt { open(path, flags) }
    guard fd >= 0 else { throw MaestroError.system("cannot open for reading", path: path) }
    // A close error on a read-only descriptor cannot lose data.
    defer { _ = close(fd) }

    var info = Glibc.stat()
    guard fstat(fd, &info) == 0 else { throw MaestroError.system("cannot stat", path: path) }
    let expected = max(Int(info.st_size), 0)

    var failure: Int32 = 0
    // One spare byte lets the read that returns 0 (end of file) confirm the
    // size without a second buffer.
    var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
      count = 0
      guard let base = buffer.baseAddress else { return }
      while count < buffer.count {
        let n = Errno.retryingOnInterrupt { read(fd, base + count, buffer.count - count) }
        if n < 0 {
          failure = errno
          return
        }
        if n == 0 { return }
        count += n
      }
    }
    if failure != 0 { throw MaestroError.system("cannot read", path: path, errno: failure) }
    if bytes.count == expected + 1 {
      // The file grew after fstat (or reports size 0, as /proc files do).
      try readRemainder(fd, into: &bytes, path: path)
    }
    var stamp = FileStamp(info)
    if bytes.count != expected { stamp.size = -1 }
    return (bytes, stamp)
  }

  private static func readRemainder(_ fd: Int32, into bytes: inout [UInt8], path: String) throws {
    let chunk = 64 * 1024
    while true {
      let start = bytes.count
      bytes.append(contentsOf: repeatElement(0, count: chunk))
      let n = bytes.withUnsafeMutableBytes { buffer in
        Errno.retryingOnInterrupt { read(fd, buffer.baseAddress.map { $0 + start }, chunk) }
      }
      if n < 0 {
        let code = errno
        throw MaestroError.system("cannot read", path: path, errno: code)
      }
      bytes.removeLast(chunk - n)
      if n == 0 { return }
    }
  }

  /// Lists a directory (`opendir`/`readdir`), without `.` and `..`.
  ///
  /// Kinds come from `d_type`; where the file system reports `DT_UNKNOWN`,
  /// from `lstat`. Symlinks are reported as `.symlink`, never followed.
  ///
  /// - Parameter path: The directory to list.
  /// - Returns: The entries, sorted by the bytes of their names so every run
  ///   and every machine visits files in the same order.
  /// - Throws: `MaestroError` (`.notFound` if the directory is missing).
  public static func listDirectory(_ path: String) throws -> [DirectoryEntry] {
    try checkPath(path)
    guard let dir = opendir(path) else {
      throw MaestroError.system("cannot open directory", path: path)
    }
    defer { _ = closedir(dir) }
    let dirFD = dirfd(dir)

    var entries: [DirectoryEntry] = []
    while true {
      // readdir signals errors only through errno, so it must start clean.
      errno = 0
      guard let entry = readdir(dir) else {
        if errno != 0 { throw MaestroError.system("cannot read directory", path: path) }
        break
      }
      let name = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
        tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee))
        {
          String(cString: $0)
        }
      }
      if name == "." || name == ".." { continue }

      let kind: FileKind
      switch Int32(entry.pointee.d_type) {
      case Int32(DT_REG): kind = .file
      case Int32(DT_DIR): kind = .directory
      case Int32(DT_LNK): kind = .symlink
      case Int32(DT_UNKNOWN):
        var info = Glibc.stat()
        if fstatat(dirFD, name, &info, AT_SYMLINK_NOFOLLOW) != 0 {
          // Removed between readdir and lstat: it is no longer in the listing.
          let code = errno
          if code == ENOENT { continue }
          throw MaestroError.system("cannot stat", path: join(path, name), errno: code)
        }
        kind = FileKind(mode: UInt32(info.st_mode))
      default: kind = .other
      }
      entries.append(DirectoryEntry(name: name, kind: kind))
    }
    entries.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    return entries
  }

  /// The status of a file (`stat`, or `lstat` when not following symlinks).
  ///
  /// - Parameters:
  ///   - path: The file.
  ///   - followSymlinks: Whether to describe a symlink's target (`stat`) or
  ///     the link itself (`lstat`).
  /// - Returns: Kind, size, permission bits, mtime (ns), owner.
  /// - Throws: `MaestroError` (`.notFound` if missing).
  public static func stat(_ path: String, followSymlinks: Bool = true) throws -> FileStatus {
    try checkPath(path)
    var info = Glibc.stat()
    let result = followSymlinks ? statFollowingLinks(path, &info) : lstat(path, &info)
    guard result == 0 else { throw MaestroError.system("cannot stat", path: path) }
    return FileStatus(
      kind: FileKind(mode: UInt32(info.st_mode)),
      size: Int64(info.st_size),
      mode: UInt32(info.st_mode) & 0o7777,
      mtime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
      uid: UInt32(info.st_uid),
      gid: UInt32(info.st_gid)
    )
  }

  /// Whether anything exists at `path` (`stat`); a dangling symlink counts as
  /// missing unless `followSymlinks` is false.
  ///
  /// - Parameters:
  ///   - path: The path to test.
  ///   - followSymlinks: Whether to test a symlink's target or the link.
  /// - Returns: `true` if the `stat` succeeds.
  public static func fileExists(_ path: String, followSymlinks: Bool = true) -> Bool {
    (try? stat(path, followSymlinks: followSymlinks)) != nil
  }

  /// Whether `path` is a directory (following symlinks unless told not to).
  ///
  /// - Parameters:
  ///   - path: The path to test.
  ///   - followSymlinks: Whether a symlink to a directory counts.
  /// - Returns: `true` if it exists and is a directory.
  public static func isDirectory(_ path: String, followSymlinks: Bool = true) -> Bool {
    (try? stat(path, followSymlinks: followSymlinks))?.kind == .directory
  }

  /// Creates a directory and any missing parents (`mkdir -p`).
  ///
  /// The parent of every directory it creates is fsynced, so a file later
  /// written atomically inside it cannot vanish with its directory in a crash.
  /// A folder created inside an adopted data dir gets its owner
  /// (`DataDirOwner`).
  ///
  /// - Parameters:
  ///   - path: The directory to create.
  ///   - mode: Permission bits for created directories (before the umask).
  /// - Throws: `MaestroError` if a component exists and is not a directory,
  ///   or `mkdir` fails.
  public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
    try checkPath(path)
    if isDirectory(path) { return }
    var created: [String] = []
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/", omittingEmptySubsequences: true) {
      prefix += prefix.isEmpty || prefix.hasSuffix("/") ? String(component) : "/" + component
      if mkdir(prefix, mode) == 0 {
        created.append(prefix)
        try DataDirOwner.apply(path: prefix)
      } else if errno == EEXIST {
        guard isDirectory(prefix) else {
          throw MaestroError.system(
            "cannot create directory (exists, not a directory)", path: prefix, errno: ENOTDIR)
        }
      } else {
        throw MaestroError.system("cannot create directory", path: prefix)
      }
    }
    for directory in created {
      try fsyncDirectory(parentDirectory(of: directory))
    }
  }

  /// Removes a file or symlink (`unlink`). Does not fsync the directory; use
  /// `AtomicFile.remove(_:)` when the removal must survive a crash.
  ///
  /// - Parameter path: The file to remove.
  /// - Throws: `MaestroError` (`.notFound` if missing).
  public static func removeFile(_ path: String) throws {
    try checkPath(path)
    guard unlink(path) == 0 else { throw MaestroError.system("cannot remove", path: path) }
  }

  /// Renames a file (`rename`), atomically replacing any file at `target`.
  /// Does not fsync; callers that need durability fsync the directories.
  ///
  /// - Parameters:
  ///   - source: The existing path (named in errors).
  ///   - target: The new path.
  /// - Throws: `MaestroError` naming `source`, with `target` in the message.
  public static func rename(_ source: String, to target: String) throws {
    try checkPath(source)
    try checkPath(target)
    guard Glibc.rename(source, target) == 0 else {
      let code = errno  // before building the message can disturb it
      throw MaestroError.system("cannot rename to \(target)", path: source, errno: code)
    }
  }

  /// Flushes a directory's entries to disk (`open(O_DIRECTORY)` + `fsync`),
  /// which is what makes a create, rename or unlink inside it durable.
  ///
  /// - Parameter path: The directory.
  /// - Throws: `MaestroError` naming the directory.
  public static func fsyncDirectory(_ path: String) throws {
    try checkPath(path)
    let fd = Errno.retryingOnInterrupt { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    guard fd >= 0 else { throw MaestroError.system("cannot open directory to fsync", path: path) }
    defer { _ = close(fd) }
    // Some file systems (certain FUSE and network mounts) cannot fsync a
    // directory and say EINVAL; there is nothing stronger to fall back to.
    if fsync(fd) != 0 && errno != EINVAL {
      throw MaestroError.system("cannot fsync directory", path: path)
    }
  }

  // MARK: - Paths

  /// The directory part of a path: `a/b` for `a/b/c`, `.` for `c`, `/` for `/c`.
  public static func parentDirectory(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "." }
    if slash == trimmed.startIndex { return "/" }
    return String(trimmed[..<slash])
  }

  /// The last component of a path: `c` for `a/b/c`.
  public static func lastComponent(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
    return String(trimmed[trimmed.index(after: slash)...])
  }

  /// `directory/name`, without doubling a slash.
  public static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  /// Refuses paths C would silently truncate at an embedded NUL, which could
  /// make an operation act on a different file than the one named.
  @inline(__always)
  static func checkPath(_ path: String) throws {
    if path.utf8.contains(0) || path.isEmpty {
      throw MaestroError(.io, "invalid path (empty or containing NUL)", path: path, errno: EINVAL)
    }
  }
}

/// `stat(2)`, reachable by name from inside `FileSystem`, whose own `stat`
/// method would otherwise shadow it.
private func statFollowingLinks(_ path: String, _ info: inout stat) -> Int32 {
  stat(path, &info)
}
