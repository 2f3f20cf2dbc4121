import CArchive
import Glibc
import MaestroStorage

/// Reads a tar file member by member, streaming: only the current member's
/// data is ever in memory, and only if asked for.
///
/// Accepts the tar formats libarchive knows (ustar, pax, GNU) compressed with
/// zstd, gzip, xz, bzip2 or not at all; anything else is an error, not an
/// empty archive.
///
/// ```swift
/// let reader = try TarReader(path: "backup.tar.zst")
/// while let entry = try reader.next() {
///   if entry.type == .regular { let bytes = try reader.readData() }
/// }
/// ```
///
/// Not thread-safe: one owner at a time (libarchive handles are not Sendable).
public final class TarReader {
  /// The archive file being read.
  public let path: String
  private let archive: OpaquePointer
  private var current: String?

  /// Opens an archive for reading.
  ///
  /// - Parameter path: The archive file.
  /// - Throws: `MaestroError` naming `path` if it cannot be opened or its
  ///   format or compression is not recognised.
  public init(path: String) throws {
    _ = LibArchive.localeReady
    self.path = path
    guard let archive = archive_read_new() else {
      throw MaestroError(.io, "cannot allocate archive reader", path: path)
    }
    self.archive = archive
    try check(archive_read_support_format_tar(archive), "cannot enable tar format")
    try check(archive_read_support_filter_none(archive), "cannot enable uncompressed input")
    try check(archive_read_support_filter_zstd(archive), "cannot enable zstd")
    try check(archive_read_support_filter_gzip(archive), "cannot enable gzip")
    try check(archive_read_support_filter_xz(archive), "cannot enable xz")
    try check(archive_read_support_filter_bzip2(archive), "cannot enable bzip2")
    if !FileSystem.fileExists(path) {
      // libarchive's own message for a missing file omits the errno code.
      throw MaestroError.system("cannot open archive", path: path, errno: ENOENT)
    }
    try check(archive_read_open_filename(archive, path, 64 * 1024), "cannot open archive")
  }

  deinit {
    archive_read_free(archive)
  }

  /// Advances to the next member, skipping any unread data of the current one.
  ///
  /// - Returns: The member's header, or `nil` at the end of the archive.
  /// - Throws: `MaestroError` naming the archive if it is corrupt or truncated.
  public func next() throws -> TarEntry? {
    var entryPointer: OpaquePointer?
    let status = archive_read_next_header(archive, &entryPointer)
    if status == ARCHIVE_EOF {
      current = nil
      return nil
    }
    let after = current.map { " after member \($0)" } ?? ""
    try check(status, "cannot read next member header\(after)")
    guard let entry = entryPointer else {
      throw MaestroError(.io, "missing member header\(after)", path: path)
    }

    guard let rawName = archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry) else {
      throw MaestroError(.io, "member name cannot be decoded\(after)", path: path)
    }
    var name = String(cString: rawName)
    let type = Self.type(of: entry)
    if type == .directory {
      // tar writes directories as "dir/"; callers compare plain names.
      while name.count > 1 && name.hasSuffix("/") { name.removeLast() }
    }
    let link: UnsafePointer<CChar>? =
      switch type {
      case .hardlink: archive_entry_hardlink_utf8(entry) ?? archive_entry_hardlink(entry)
      case .symlink: archive_entry_symlink_utf8(entry) ?? archive_entry_symlink(entry)
      default: nil
      }
    current = name
    return TarEntry(
      name: name,
      type: type,
      size: archive_entry_size(entry),
      mode: archive_entry_perm(entry) & 0o7777,
      mtime: Int64(archive_entry_mtime(entry)) * 1_000_000_000
        + Int64(archive_entry_mtime_nsec(entry)),
      linkTarget: link.map { String(cString: $0) }
    )
  }

  /// Reads the rest of the current member's data into memory.
  ///
  /// - Returns: The data (empty for non-regular members).
  /// - Throws: `MaestroError` naming the archive and member if the data is
  ///   truncated or corrupt.
  public func readData() throws -> [UInt8] {
    var bytes: [UInt8] = []
    try readData { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// Streams the rest of the current member's data in chunks of up to 64 KiB.
  ///
  /// - Parameter body: Called with each chunk; the buffer is valid only
  ///   during the call.
  /// - Throws: `MaestroError` naming the archive and member, or what `body` throws.
  public func readData(chunks body: (UnsafeRawBufferPointer) throws -> Void) throws {
    let capacity = 64 * 1024
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let n = archive_read_data(archive, buffer.baseAddress, capacity)
      if n == 0 { return }
      guard n > 0 else {
        throw LibArchive.error(archive, "cannot read data of member \(current ?? "?")", path: path)
      }
      try body(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
    }
  }

  // MARK: - Internals

  private static func type(of entry: OpaquePointer) -> TarEntryType {
    if archive_entry_hardlink(entry) != nil { return .hardlink }
    switch UInt32(archive_entry_filetype(entry)) & maestro_AE_IFMT {
    case maestro_AE_IFREG: return .regular
    case maestro_AE_IFDIR: return .directory
    case maestro_AE_IFLNK: return .symlink
    default: return .other
    }
  }

  private func check(_ status: Int32, _ what: String) throws {
    if LibArchive.failed(status) { throw LibArchive.error(archive, what, path: path) }
  }
}
