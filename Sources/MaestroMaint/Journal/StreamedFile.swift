import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file written as a stream and put in place atomically: appended to a
/// temp file beside its target (named as `AtomicFile`'s are, so recovery
/// removes a leftover), then fsynced, renamed and its folder fsynced.
///
/// The journal writes its pack and its plan this way, so that a big run (a
/// migration) never holds a whole journal file in memory. It passes the
/// same crash points as `AtomicFile.write` (`atomic-write:<step>`), so the
/// kill-point tests cover it too.
final class StreamedFile {
  /// Bytes appended so far.
  private(set) var count = 0
  private let temp: String
  private var fd: Int32
  private var buffer: [UInt8] = []
  private static let bufferLimit = 1 << 20

  /// Opens a new temp file in `folder` (created if needed); `name` is the
  /// target's name, for the temp's.
  init(folder: String, name: String) throws {
    try FileSystem.makeDirectories(folder, mode: 0o700)
    temp =
      folder + "/." + name + ".maestro-admin-" + String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
      + ".tmp"
    fd = Glibc.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw MaestroError.system("cannot create file", path: temp) }
    try DataDirOwner.apply(descriptor: fd, path: temp)
    buffer.reserveCapacity(Self.bufferLimit)
    Self.reach(.createdTemp)
  }

  deinit {
    if fd >= 0 {
      close(fd)
      unlink(temp)
    }
  }

  /// Appends `bytes`; returns where they lie in the file.
  @discardableResult
  func append(_ bytes: [UInt8]) throws -> Range<Int> {
    let range = count..<(count + bytes.count)
    count += bytes.count
    if buffer.count + bytes.count > Self.bufferLimit { try flush() }
    buffer += bytes
    return range
  }

  private func flush() throws {
    var done = 0
    while done < buffer.count {
      let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + done, buffer.count - done) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw MaestroError.system("cannot write file", path: temp) }
      done += n
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Writes out, fsyncs and renames the file to `path`, then fsyncs its
  /// folder: after this the content is durable and whole at `path`.
  func finish(to path: String) throws {
    Self.reach(.wroteHalf)
    try flush()
    Self.reach(.wroteAll)
    guard fsync(fd) == 0 else { throw MaestroError.system("cannot fsync file", path: temp) }
    let closed = close(fd)
    fd = -1
    guard closed == 0 else {
      unlink(temp)
      throw MaestroError.system("cannot close file", path: temp)
    }
    Self.reach(.fsyncedFile)
    guard rename(temp, path) == 0 else {
      unlink(temp)
      throw MaestroError.system("cannot put the file in place", path: path)
    }
    Self.reach(.renamed)
    try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    Self.reach(.fsyncedDir)
  }

  private static func reach(_ step: AtomicFile.Step) {
    CrashPoint.reached("atomic-write:" + step.rawValue)
  }
}
