#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import MaestroStorage

/// Reading a whole file from an open descriptor whose size `fstat` gave,
/// in as few `read` calls as it takes.
enum DescriptorReader {
  /// The bytes of `fd`, from its current offset.
  /// - Parameters:
  ///   - size: the size `fstat` reported (the first buffer's size).
  ///   - untilEnd: read on until `read` returns 0 (a file that grows while
  ///     it is read is read whole); otherwise stop once `size` bytes are in.
  ///   - path: named in errors.
  static func readAll(_ fd: Int32, size: Int, untilEnd: Bool, path: String) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: max(size, 0) + 1)
    var count = 0
    while true {
      if count == bytes.count { bytes += [UInt8](repeating: 0, count: bytes.count) }
      let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
      if n < 0 && errno == EINTR { continue }
      guard n >= 0 else { throw MaestroError.system("cannot read file", path: path) }
      if n == 0 { break }
      count += n
      if !untilEnd && count == size { break }
    }
    bytes.removeSubrange(count...)
    return bytes
  }
}
