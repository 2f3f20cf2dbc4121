import CArchive
import Glibc
import MaestroStorage

/// Writes a pax tar file (libarchive's "restricted pax": plain ustar headers,
/// pax extensions only where needed, such as non-ASCII names).
///
/// Members are added in order; a file's data can be given at once
/// (`addFile(path:bytes:mode:mtime:)`) or streamed (`beginFile` then
/// `writeData` until `size` bytes are written). `finish()` writes the end of
/// the archive and fsyncs the file. A writer dropped without `finish()`
/// leaves an incomplete file: buffered data and the end-of-archive marker are
/// not written. Write to a temporary name and rename after `finish()` so an
/// archive under its final name is always whole.
///
/// Not thread-safe: one owner at a time (libarchive handles are not Sendable).
public final class TarWriter {
  /// The archive file being written.
  public let path: String
  private let archive: OpaquePointer
  private let entry: OpaquePointer
  private var fd: Int32
  private var remaining: Int64 = 0
  private var currentName = ""
  private var isFinished = false

  /// Creates (or truncates) `path` and prepares to write an archive to it.
  ///
  /// - Parameters:
  ///   - path: The archive file.
  ///   - compression: zstd, gzip or none.
  ///   - mode: Permission bits of a newly created archive file (the umask applies).
  ///   - threads: zstd worker threads (1: compress on the calling thread;
  ///     more: zstd's own workers, same format, any reader reads it).
  /// - Throws: `MaestroError` naming `path`.
  public init(path: String, compression: TarCompression, mode: mode_t = 0o600, threads: Int = 1) throws {
    _ = LibArchive.localeReady
    self.path = path
    guard let archive = archive_write_new() else {
      throw MaestroError(.io, "cannot allocate archive writer", path: path)
    }
    guard let entry = archive_entry_new() else {
      archive_write_free(archive)
      throw MaestroError(.io, "cannot allocate archive entry", path: path)
    }
    self.archive = archive
    self.entry = entry
    self.fd = -1

    try check(archive_write_set_format_pax_restricted(archive), "cannot select pax format")
    switch compression {
    case .zstd:
      try check(archive_write_add_filter_zstd(archive), "cannot enable zstd")
      if threads > 1 {
        try check(
          archive_write_set_filter_option(archive, "zstd", "threads", String(threads)), "cannot set zstd threads")
      }
    case .gzip:
      try check(archive_write_add_filter_gzip(archive), "cannot enable gzip")
      // A NULL value unsets the option: no mtime in the gzip header, so the
      // same members give the same bytes.
      try check(
        archive_write_set_filter_option(archive, "gzip", "timestamp", nil),
        "cannot clear gzip timestamp")
    case .none: try check(archive_write_add_filter_none(archive), "cannot select no compression")
    }
    // Pad only to tar's 512-byte records, not to a 10 KiB tape block.
    try check(archive_write_set_bytes_in_last_block(archive, 1), "cannot set block padding")

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw MaestroError.system("cannot create archive", path: path) }
    try DataDirOwner.apply(descriptor: fd, path: path)
    try check(archive_write_open_fd(archive, fd), "cannot open archive for writing")
  }

  deinit {
    if !isFinished {
      // Marks the handle failed so free() does not write a clean trailer.
      archive_write_fail(archive)
    }
    archive_write_free(archive)
    archive_entry_free(entry)
    if fd >= 0 { _ = close(fd) }
  }

  /// Adds a regular file with all of its data.
  ///
  /// - Parameters:
  ///   - name: The member name (UTF-8, relative, `/`-separated).
  ///   - bytes: The content.
  ///   - mode: Permission bits.
  ///   - mtime: Modification time in nanoseconds since the Unix epoch
  ///     (stored as whole seconds).
  /// - Throws: `MaestroError` naming the archive and the member.
  public func addFile(path name: String, bytes: [UInt8], mode: mode_t = 0o644, mtime: Int64 = 0)
    throws
  {
    try beginFile(path: name, size: Int64(bytes.count), mode: mode, mtime: mtime)
    try bytes.withUnsafeBytes { try writeData($0) }
  }

  /// Starts a regular file whose data follows through `writeData(_:)`.
  ///
  /// - Parameters:
  ///   - name: The member name (UTF-8, relative, `/`-separated).
  ///   - size: Exactly how many bytes `writeData` will be given.
  ///   - mode: Permission bits.
  ///   - mtime: Modification time in nanoseconds since the Unix epoch
  ///     (stored as whole seconds).
  /// - Throws: `MaestroError` if the previous file is incomplete or the
  ///   header cannot be written.
  public func beginFile(path name: String, size: Int64, mode: mode_t = 0o644, mtime: Int64 = 0)
    throws
  {
    try writeHeader(name: name, type: maestro_AE_IFREG, size: size, mode: mode, mtime: mtime)
    remaining = size
  }

  /// Writes the next chunk of the file started by `beginFile`.
  ///
  /// - Parameter chunk: Bytes; together with earlier chunks at most `size`.
  /// - Throws: `MaestroError` on overflow of the declared size or a write error.
  public func writeData(_ chunk: UnsafeRawBufferPointer) throws {
    guard Int64(chunk.count) <= remaining else {
      throw MaestroError(.io, "member \(currentName) is longer than its declared size", path: path)
    }
    var offset = 0
    while offset < chunk.count, let base = chunk.baseAddress {
      let n = archive_write_data(archive, base + offset, chunk.count - offset)
      guard n > 0 else {
        throw LibArchive.error(archive, "cannot write data of \(currentName)", path: path)
      }
      offset += n
    }
    remaining -= Int64(chunk.count)
  }

  /// Writes the next chunk of the file started by `beginFile`.
  ///
  /// - Parameter chunk: Bytes; together with earlier chunks at most `size`.
  /// - Throws: `MaestroError` on overflow of the declared size or a write error.
  public func writeData(_ chunk: [UInt8]) throws {
    try chunk.withUnsafeBytes { try writeData($0) }
  }

  /// Adds a directory member.
  ///
  /// - Parameters:
  ///   - name: The member name, without a trailing `/`.
  ///   - mode: Permission bits.
  ///   - mtime: Modification time in nanoseconds since the Unix epoch
  ///     (stored as whole seconds).
  /// - Throws: `MaestroError` naming the archive and the member.
  public func addDirectory(path name: String, mode: mode_t = 0o755, mtime: Int64 = 0) throws {
    try writeHeader(name: name, type: maestro_AE_IFDIR, size: 0, mode: mode, mtime: mtime)
  }

  /// Writes the end of the archive, flushes compression and fsyncs the file.
  /// Calling it again does nothing.
  ///
  /// - Throws: `MaestroError` if the last file is incomplete or any write,
  ///   fsync or close fails; the archive is then not trustworthy.
  public func finish() throws {
    if isFinished { return }
    try checkPreviousComplete()
    try check(archive_write_close(archive), "cannot finish archive")
    isFinished = true
    guard fsync(fd) == 0 else { throw MaestroError.system("cannot fsync archive", path: path) }
    let closing = fd
    fd = -1
    guard close(closing) == 0 else { throw MaestroError.system("cannot close archive", path: path) }
  }

  // MARK: - Internals

  private func writeHeader(name: String, type: UInt32, size: Int64, mode: mode_t, mtime: Int64)
    throws
  {
    try checkPreviousComplete()
    guard !isFinished else {
      throw MaestroError(.io, "archive already finished; cannot add \(name)", path: path)
    }
    guard LibArchive.localeReady || name.utf8.allSatisfy({ $0 < 0x80 }) else {
      // Without a UTF-8 locale libarchive would crash on this name.
      throw MaestroError(.io, "no UTF-8 locale available to store member \(name)", path: path)
    }
    archive_entry_clear(entry)
    archive_entry_set_pathname_utf8(entry, name)
    archive_entry_set_filetype(entry, type)
    archive_entry_set_perm(entry, mode & 0o7777)
    archive_entry_set_size(entry, size)
    // Restricted pax keeps whole seconds (ustar headers); sub-seconds are
    // dropped here, always, so the output does not depend on which members
    // happen to need a pax header. Floor, so 1969 times round down too.
    let (seconds, remainder) = mtime.quotientAndRemainder(dividingBy: 1_000_000_000)
    archive_entry_set_mtime(entry, time_t(remainder < 0 ? seconds - 1 : seconds), 0)
    currentName = name
    try check(archive_write_header(archive, entry), "cannot write header of \(name)")
  }

  private func checkPreviousComplete() throws {
    guard remaining == 0 else {
      throw MaestroError(
        .io, "member \(currentName) is \(remaining) bytes short of its declared size", path: path)
    }
  }

  private func check(_ status: Int32, _ what: String) throws {
    if LibArchive.failed(status) { throw LibArchive.error(archive, what, path: path) }
  }
}
