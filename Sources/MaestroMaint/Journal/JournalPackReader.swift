import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads blobs out of a journal's pack by range (`pread`), so that finishing
/// or applying a big run never loads the whole pack. One open file, closed
/// when the reader goes; `pread` is safe from several workers at once.
final class JournalPackReader: Sendable {
  let path: String
  private let fd: Int32
  private let size: Int

  /// Opens the pack at `path`.
  init(path: String) throws {
    self.path = path
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw MaestroError.system("cannot open journal pack", path: path) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      close(fd)
      throw MaestroError.system("cannot stat journal pack", path: path)
    }
    self.fd = fd
    self.size = Int(info.st_size)
  }

  deinit { close(fd) }

  /// The bytes in `range`.
  /// - Throws: `MaestroError(.badEntity)` when the pack is shorter than the
  ///   journal says; I/O errors naming the pack.
  func read(_ range: Range<Int>) throws -> [UInt8] {
    guard range.upperBound <= size else {
      throw MaestroError(.badEntity, "journal pack is shorter than the journal says", path: path)
    }
    var bytes = [UInt8](repeating: 0, count: range.count)
    var count = 0
    while count < range.count {
      let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + count, range.count - count, off_t(range.lowerBound + count)) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw MaestroError.system("cannot read journal pack", path: path) }
      count += n
    }
    return bytes
  }
}
