import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file the journal has just taken out of its place (swapped out by an
/// exchange, renamed aside for a removal, moved), opened to confirm that it
/// holds exactly the bytes the change was computed from and that nobody is
/// still writing it.
///
/// A writer that replaces files by rename can no longer reach it: the name
/// it had now leads elsewhere. A writer that rewrites in place (the seed-era
/// server: `open(O_TRUNC)` + `write`) may hold a descriptor opened before
/// the swap and write through it later. On Linux a read lease
/// (`F_SETLEASE F_RDLCK`) tells: the kernel refuses it while any descriptor
/// has the file open for writing, and breaks it when one is opened. So the
/// check is: lease taken (no writer), content hashed, and, after the change
/// is durable, the lease still unbroken and the status unchanged. Where
/// leases are unavailable (another owner without `CAP_LEASE`, network file
/// systems) the status and hash are compared again instead; a write through
/// an old descriptor that lands after that last look is then not seen.
final class SetAsideFile {
  /// The path it was opened at.
  let path: String
  private let fd: Int32
  /// Whether a read lease is held.
  private(set) var leased = false
  /// Whether the lease was refused because a descriptor has the file open
  /// for writing.
  private(set) var writerOpen = false
  private var first = stat()
  private var hashed: String?
  /// Whether `path` is a symlink (opened through it).
  private(set) var isSymlink = false

  private static let F_SETLEASE: Int32 = 1024
  private static let F_GETLEASE: Int32 = 1025

  /// A lease broken by another opener is announced with SIGIO, whose
  /// default action ends the process: it is ignored, once, before any lease.
  private static let quietLeaseBreaks: Void = { _ = signal(SIGIO, SIG_IGN) }()

  /// Opens `path` (not following a symlink) and tries for a read lease.
  /// - Throws: `MaestroError` naming `path` (`.notFound` when it is gone).
  init(path: String) throws {
    self.path = path
    _ = Self.quietLeaseBreaks
    var opened = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    if opened < 0 && errno == ELOOP {
      // A symlinked entity file (servers follow them): judged by what it
      // points to, as it was read; no lease on someone else's target.
      isSymlink = true
      opened = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    }
    fd = opened
    guard fd >= 0 else {
      if isSymlink, lstat(path, &first) == 0 { return }  // a dangling link: not a regular file
      throw MaestroError.system("cannot open the file set aside", path: path)
    }
    guard fstat(fd, &first) == 0 else {
      let e = errno
      Glibc.close(fd)
      throw MaestroError.system("cannot stat", path: path, errno: e)
    }
    if first.st_mode & S_IFMT == S_IFREG && !isSymlink {
      if fcntl(fd, Self.F_SETLEASE, Int32(F_RDLCK)) == 0 {
        leased = true
      } else if errno == EAGAIN {
        writerOpen = true
      }
    }
  }

  deinit {
    if leased { _ = fcntl(fd, Self.F_SETLEASE, Int32(F_UNLCK)) }
    if fd >= 0 { Glibc.close(fd) }
  }

  /// Whether it is (or, for a symlink, leads to) a regular file; nothing
  /// else is hashed.
  var isRegularFile: Bool { fd >= 0 && first.st_mode & S_IFMT == S_IFREG }

  /// The inode.
  var inode: UInt64 { UInt64(first.st_ino) }

  /// SHA-256 of the content, read through the descriptor.
  func sha256() throws -> String {
    if let hashed { return hashed }
    let value = SHA256.hex(of: try readAll())
    hashed = value
    return value
  }

  /// The content, from the start.
  func readAll() throws -> [UInt8] {
    guard lseek(fd, 0, SEEK_SET) == 0 else { throw MaestroError.system("cannot seek", path: path) }
    return try DescriptorReader.readAll(fd, size: Int(first.st_size), untilEnd: true, path: path)
  }

  /// Whether nothing wrote to it since it was opened: the lease (when held)
  /// was not broken, and size, mtime and ctime are as they were; without a
  /// lease the content is hashed again too.
  func isUndisturbed() throws -> Bool {
    if leased && fcntl(fd, Self.F_GETLEASE) != Int32(F_RDLCK) { return false }
    var now = stat()
    guard fstat(fd, &now) == 0 else { throw MaestroError.system("cannot stat", path: path) }
    guard now.st_size == first.st_size, now.st_mtim.tv_sec == first.st_mtim.tv_sec,
      now.st_mtim.tv_nsec == first.st_mtim.tv_nsec, now.st_ctim.tv_sec == first.st_ctim.tv_sec,
      now.st_ctim.tv_nsec == first.st_ctim.tv_nsec
    else { return false }
    if !leased, let hashed { return SHA256.hex(of: try readAll()) == hashed }
    return true
  }
}
