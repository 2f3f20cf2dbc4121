import CArchive
import Glibc
import MaestroStorage

/// Reads a snapshot or any tar (zstd, gzip, xz, bzip2 or uncompressed)
/// member by member, streaming, reporting each member exactly as stored so
/// that `MemberPath` can judge it: raw name, precise type (devices and FIFOs
/// told apart), owner, link target.
///
/// Not thread-safe: one owner at a time.
final class SnapshotArchiveReader {
  /// What a member is.
  enum Kind: String, Sendable {
    case regular, directory, symlink, hardlink
    case characterDevice = "character device"
    case blockDevice = "block device"
    case fifo, socket
    case unknown = "unknown type"
  }

  /// One member's header.
  struct Member: Sendable {
    /// The name as stored (a directory may end with `/`).
    var name: String
    var kind: Kind
    var size: Int64
    var mode: UInt32
    /// Nanoseconds since the Unix epoch.
    var mtime: Int64
    var uid: UInt32
    var gid: UInt32
    var linkTarget: String?
  }

  /// The archive's path, named in errors.
  let origin: String
  private let archive: OpaquePointer
  private let buffer: UnsafeMutableRawBufferPointer
  private(set) var current: String?
  private(set) var memberCount = 0

  /// Starts reading the archive open on `fd` from its current offset (the
  /// descriptor stays the caller's).
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` if the format or
  ///   compression is not recognised.
  init(fd: Int32, origin: String) throws {
    _ = LibArchive.localeReady
    self.origin = origin
    guard let archive = archive_read_new() else {
      throw MaestroError(.io, "cannot allocate archive reader", path: origin)
    }
    self.archive = archive
    buffer = .allocate(byteCount: 256 * 1024, alignment: 16)
    archive_read_support_format_tar(archive)
    archive_read_support_filter_none(archive)
    archive_read_support_filter_zstd(archive)
    archive_read_support_filter_gzip(archive)
    archive_read_support_filter_xz(archive)
    archive_read_support_filter_bzip2(archive)
    if LibArchive.failed(archive_read_open_fd(archive, fd, 256 * 1024)) {
      throw invalid("not a readable tar archive")
    }
  }

  /// Opens `path` read-only; see `openFile(_:)`.
  convenience init(path: String) throws {
    let fd = try Self.openFile(path)
    do { try self.init(fd: fd, origin: path) } catch {
      close(fd)
      throw error
    }
    ownedFD = fd
  }

  private var ownedFD: Int32 = -1

  deinit {
    archive_read_free(archive)
    buffer.deallocate()
    if ownedFD >= 0 { close(ownedFD) }
  }

  /// Opens an archive file for reading.
  ///
  /// - Throws: `MaestroError` `.notFound` or `.io` (exit 8), naming `path`.
  static func openFile(_ path: String) throws -> Int32 {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw MaestroError.system("cannot open archive", path: path) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw MaestroError(.io, "not a regular file", path: path)
    }
    return fd
  }

  /// The next member's header, or `nil` at the end of the archive.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` naming the last good member
  ///   when the archive is corrupt or truncated.
  func next() throws -> Member? {
    var pointer: OpaquePointer?
    let status = archive_read_next_header(archive, &pointer)
    if status == ARCHIVE_EOF {
      current = nil
      return nil
    }
    guard !LibArchive.failed(status), let entry = pointer else { throw invalid("cannot read the next member header") }
    // Under the UTF-8 locale LibArchive sets up, the multibyte name is the
    // UTF-8 name; asking for `_utf8` would convert every name through
    // mbrtowc, a measurable cost over hundreds of thousands of members.
    let raw =
      LibArchive.localeReady
      ? (archive_entry_pathname(entry) ?? archive_entry_pathname_utf8(entry))
      : (archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry))
    guard let raw else {
      throw invalid("a member name cannot be decoded")
    }
    let name = String(cString: raw)
    let kind = Self.kind(of: entry)
    let link: UnsafePointer<CChar>? =
      switch kind {
      case .hardlink: archive_entry_hardlink_utf8(entry) ?? archive_entry_hardlink(entry)
      case .symlink: archive_entry_symlink_utf8(entry) ?? archive_entry_symlink(entry)
      default: nil
      }
    current = name
    memberCount += 1
    return Member(
      name: name, kind: kind, size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0,
      mode: UInt32(archive_entry_perm(entry)) & 0o7777,
      mtime: Int64(archive_entry_mtime(entry)) * 1_000_000_000 + Int64(archive_entry_mtime_nsec(entry)),
      uid: UInt32(truncatingIfNeeded: archive_entry_uid(entry)),
      gid: UInt32(truncatingIfNeeded: archive_entry_gid(entry)),
      linkTarget: link.map { String(cString: $0) })
  }

  /// Streams the current member's data in chunks (valid only during `body`).
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` naming the member if its
  ///   data is truncated or corrupt, or what `body` throws.
  func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    while true {
      let n = archive_read_data(archive, buffer.baseAddress, buffer.count)
      if n == 0 { return }
      guard n > 0 else { throw invalid("cannot read the data of member \(current ?? "?")") }
      try body(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
    }
  }

  /// The current member's whole data.
  ///
  /// - Parameter expected: The header's size, used to size the buffer.
  func readAll(expected: Int64) throws -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(clamping: max(0, min(expected, 1 << 30))))
    try readData { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// An `.snapshotInvalid` error carrying libarchive's reason.
  func invalid(_ what: String) -> MaestroError {
    let reason = archive_error_string(archive).map { String(cString: $0) }
    let after = current.map { " (after member \($0))" } ?? ""
    return MaestroError(.snapshotInvalid, "\(what)\(after)\(reason.map { ": \($0)" } ?? "")", path: origin)
  }

  private static func kind(of entry: OpaquePointer) -> Kind {
    if archive_entry_hardlink(entry) != nil { return .hardlink }
    switch UInt32(archive_entry_filetype(entry)) & maestro_AE_IFMT {
    case maestro_AE_IFREG: return .regular
    case maestro_AE_IFDIR: return .directory
    case maestro_AE_IFLNK: return .symlink
    case maestro_AE_IFCHR: return .characterDevice
    case maestro_AE_IFBLK: return .blockDevice
    case maestro_AE_IFIFO: return .fifo
    case maestro_AE_IFSOCK: return .socket
    default: return .unknown
    }
  }
}
