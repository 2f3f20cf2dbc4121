import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Streams the bytes a journal needs (old content for undo, new content for
/// finishing) into its pack file, keeping only where each blob lies.
///
/// The blobs go to a temp file in the journal folder (named as
/// `AtomicFile`'s are, so recovery removes a leftover); `Journal.create`
/// fsyncs it and renames it into place before the plan exists. A big run
/// (a migration) appends batch by batch, so memory holds one batch at most.
final class JournalPackWriter {
  /// Where each action's blobs lie, by seq.
  private(set) var ranges: [Int: (before: Range<Int>?, after: Range<Int>?)] = [:]
  private let temp: String
  private var fd: Int32
  private var buffer: [UInt8] = []
  private var offset = 0
  private static let bufferLimit = 1 << 22

  /// Opens a new temp pack in `folder` (created if needed).
  init(folder: String) throws {
    try FileSystem.makeDirectories(folder, mode: 0o700)
    temp =
      folder + "/.journal.pack.maestro-admin-" + String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
      + ".tmp"
    fd = Glibc.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw MaestroError.system("cannot create journal pack", path: temp) }
    buffer.reserveCapacity(Self.bufferLimit)
  }

  deinit {
    if fd >= 0 {
      close(fd)
      unlink(temp)
    }
  }

  /// Appends the old and new content of action `seq`.
  func add(seq: Int, before: [UInt8]?, after: [UInt8]?) throws {
    let b = try before.map(append)
    let a = try after.map(append)
    if b != nil || a != nil { ranges[seq] = (b, a) }
  }

  private func append(_ bytes: [UInt8]) throws -> Range<Int> {
    let range = offset..<(offset + bytes.count)
    offset += bytes.count
    if buffer.count + bytes.count > Self.bufferLimit { try flush() }
    buffer += bytes
    return range
  }

  private func flush() throws {
    var done = 0
    while done < buffer.count {
      let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + done, buffer.count - done) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw MaestroError.system("cannot write journal pack", path: temp) }
      done += n
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Writes out, fsyncs and renames the pack to `path`, then fsyncs its
  /// folder: after this the blobs are durable.
  func finish(to path: String) throws {
    try flush()
    guard fsync(fd) == 0 else { throw MaestroError.system("cannot fsync journal pack", path: temp) }
    let closed = close(fd)
    fd = -1
    guard closed == 0, rename(temp, path) == 0 else {
      unlink(temp)
      throw MaestroError.system("cannot put the journal pack in place", path: path)
    }
    try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    CrashPoint.reached("journal:pack-written")
  }
}
