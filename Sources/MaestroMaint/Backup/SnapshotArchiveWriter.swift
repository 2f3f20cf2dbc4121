import CArchive
import Glibc
import MaestroStorage

/// The libarchive writer behind `backup create`: restricted-pax members,
/// compressed, streamed to a file descriptor.
///
/// Why not `TarWriter`: a snapshot needs owners in the headers, a
/// compression level and threads, and a manifest that goes *first* although
/// it can only be written *last* (it holds every file's SHA-256). The data
/// members are therefore written to a spool, and `manifestFrame` compresses
/// the manifest member on its own, without an end-of-archive marker. The
/// snapshot is that frame followed by the spool: zstd frames and gzip members
/// concatenate, so every reader (libarchive, GNU tar through `zstd -d` or
/// `gzip -d`) sees one ordinary tar stream with `MANIFEST.json` first.
///
/// Headers keep whole-second mtimes (ustar); the manifest keeps nanoseconds.
final class SnapshotArchiveWriter {
  private let archive: OpaquePointer
  private let entry: OpaquePointer
  private let origin: String
  private var isFinished = false

  /// Starts an archive on `fd` (which stays the caller's to close).
  ///
  /// - Parameters:
  ///   - fd: Where the compressed stream goes.
  ///   - compression: zstd, gzip or none.
  ///   - level: Compression level (zstd 1–19, gzip 1–9), or the default.
  ///   - threads: zstd worker threads (0: compress on the writing thread).
  ///   - origin: The path named in errors.
  init(fd: Int32, compression: TarCompression, level: Int?, threads: Int, origin: String) throws {
    _ = LibArchive.localeReady
    guard let archive = archive_write_new(), let entry = archive_entry_new() else {
      throw MaestroError(.io, "cannot allocate archive writer", path: origin)
    }
    self.archive = archive
    self.entry = entry
    self.origin = origin
    try check(archive_write_set_format_pax_restricted(archive), "cannot select pax format")
    try Self.addFilter(archive, compression: compression, level: level, threads: threads, origin: origin)
    // Only 512-byte records: padding zeros after a compressed frame would
    // break the concatenation described above.
    try check(archive_write_set_bytes_in_last_block(archive, 1), "cannot set block padding")
    try check(archive_write_open_fd(archive, fd), "cannot open archive for writing")
  }

  deinit {
    if !isFinished { archive_write_fail(archive) }
    archive_write_free(archive)
    archive_entry_free(entry)
  }

  /// Adds a directory member.
  func addDirectory(_ name: String, mode: UInt32, mtime: Int64, uid: UInt32, gid: UInt32) throws {
    try header(name, type: maestro_AE_IFDIR, size: 0, mode: mode, mtime: mtime, uid: uid, gid: gid)
  }

  /// Adds a regular file member with its whole content.
  func addFile(
    _ name: String, bytes: UnsafeRawBufferPointer, mode: UInt32, mtime: Int64, uid: UInt32, gid: UInt32
  ) throws {
    try header(name, type: maestro_AE_IFREG, size: Int64(bytes.count), mode: mode, mtime: mtime, uid: uid, gid: gid)
    var offset = 0
    while offset < bytes.count, let base = bytes.baseAddress {
      let n = archive_write_data(archive, base + offset, bytes.count - offset)
      guard n > 0 else { throw LibArchive.error(archive, "cannot write data of \(name)", path: origin) }
      offset += n
    }
  }

  /// Writes the end-of-archive marker and flushes the compressor.
  func finish() throws {
    guard !isFinished else { return }
    try check(archive_write_close(archive), "cannot finish archive")
    isFinished = true
  }

  /// The manifest member, compressed as one standalone frame, with no
  /// end-of-archive marker: the first bytes of a snapshot.
  ///
  /// - Parameters:
  ///   - manifest: The manifest's bytes.
  ///   - mtime: The member's mtime (ns).
  ///   - compression: As for the data members (always at level 1).
  ///   - origin: The path named in errors.
  static func manifestFrame(
    _ manifest: [UInt8], mtime: Int64, compression: TarCompression, origin: String
  ) throws -> [UInt8] {
    try manifestFrame(size: manifest.count, mtime: mtime, compression: compression, origin: origin) { write in
      try manifest.withUnsafeBytes { try write($0) }
    }
  }

  /// The same frame for a manifest of `size` bytes that `body` feeds in
  /// pieces to the `write` it is given, so that the manifest of a million
  /// files (about 200 MB) is never held whole, nor copied into a member.
  ///
  /// - Throws: `MaestroError(.io)` when `body` feeds other than `size`
  ///   bytes, or libarchive fails.
  static func manifestFrame(
    size: Int, mtime: Int64, compression: TarCompression, origin: String,
    body: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
  ) throws -> [UInt8] {
    let header = try manifestHeader(size: size, mtime: mtime, origin: origin)
    let padding = (512 - size % 512) % 512
    let memberSize = header.count + size + padding
    // The member: header, the manifest, zeros up to a whole record.
    func feed(_ write: (UnsafeRawBufferPointer) throws -> Void) throws {
      try header.withUnsafeBytes { try write($0) }
      var fed = 0
      try withoutActuallyEscaping(write) { write in
        try body { piece in
          fed += piece.count
          guard fed <= size else { throw MaestroError(.io, "the manifest grew while written", path: origin) }
          try write(piece)
        }
      }
      guard fed == size else { throw MaestroError(.io, "the manifest shrank while written", path: origin) }
      try [UInt8](repeating: 0, count: padding).withUnsafeBytes { try write($0) }
    }
    if compression == .none {
      var member: [UInt8] = []
      member.reserveCapacity(memberSize)
      try feed { member.append(contentsOf: $0) }
      return member
    }
    // Those bytes compressed as one frame ("raw" format: data only).
    return try withMemoryArchive(capacity: memberSize + memberSize / 8 + 64 * 1024, origin: origin) { archive in
      try checked(archive_write_set_format_raw(archive), archive, "cannot select raw format", origin)
      // The fastest level: a manifest is mostly hex digests, which no level shrinks much.
      try addFilter(archive, compression: compression, level: 1, threads: 0, origin: origin)
      try checked(archive_write_set_bytes_in_last_block(archive, 1), archive, "cannot set block padding", origin)
    } body: { archive in
      let entry = archive_entry_new()
      defer { archive_entry_free(entry) }
      archive_entry_set_pathname(entry, "manifest")
      archive_entry_set_filetype(entry, maestro_AE_IFREG)
      archive_entry_set_size(entry, la_int64_t(memberSize))
      try checked(archive_write_header(archive, entry), archive, "cannot start manifest frame", origin)
      try feed { raw in
        guard raw.count == 0 || archive_write_data(archive, raw.baseAddress, raw.count) == raw.count else {
          throw LibArchive.error(archive, "cannot compress manifest", path: origin)
        }
      }
    }
  }

  /// The manifest member as plain tar bytes without the end-of-archive
  /// marker: its header record, `manifest`, and zeros up to a whole record.
  static func plainManifestMember(_ manifest: [UInt8], mtime: Int64, origin: String) throws -> [UInt8] {
    _ = LibArchive.localeReady
    var member = try withMemoryArchive(capacity: manifest.count + 16 * 1024, origin: origin) { archive in
      try checked(archive_write_set_format_pax_restricted(archive), archive, "cannot select pax format", origin)
      try checked(archive_write_add_filter_none(archive), archive, "cannot select no compression", origin)
      try checked(archive_write_set_bytes_in_last_block(archive, 1), archive, "cannot set block padding", origin)
    } body: { archive in
      let entry = archive_entry_new()
      defer { archive_entry_free(entry) }
      archive_entry_set_pathname_utf8(entry, SnapshotManifest.memberName)
      archive_entry_set_filetype(entry, maestro_AE_IFREG)
      archive_entry_set_perm(entry, 0o600)
      archive_entry_set_size(entry, la_int64_t(manifest.count))
      archive_entry_set_mtime(entry, time_t(mtime / 1_000_000_000), 0)
      try checked(archive_write_header(archive, entry), archive, "cannot write manifest header", origin)
      try manifest.withUnsafeBytes { raw in
        guard raw.count == 0 || archive_write_data(archive, raw.baseAddress, raw.count) == raw.count else {
          throw LibArchive.error(archive, "cannot write manifest", path: origin)
        }
      }
    }
    // The end-of-archive marker is two zero records; the data part brings its own.
    guard member.count >= 1536, member.suffix(1024).allSatisfy({ $0 == 0 }) else {
      throw MaestroError(.io, "unexpected manifest member layout", path: origin)
    }
    member.removeLast(1024)
    return member
  }

  /// The header record libarchive writes for a manifest member of `size`
  /// bytes: that of an empty member with the size field set and the
  /// checksum recomputed (ustar: octal digits, then a NUL or space).
  static func manifestHeader(size: Int, mtime: Int64, origin: String) throws -> [UInt8] {
    var header = try plainManifestMember([], mtime: mtime, origin: origin)
    func isOctal(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "7") }
    // One 512-byte ustar record whose size field (offset 124) says 0.
    let sizeDigits = header[124..<136].prefix(while: isOctal).count
    let sumDigits = header[148..<156].prefix(while: isOctal).count
    guard header.count == 512, sizeDigits >= 11, sumDigits >= 6, Int64(size) < 1 << 33,
      header[124..<(124 + sizeDigits)].allSatisfy({ $0 == UInt8(ascii: "0") })
    else { throw MaestroError(.io, "unexpected manifest header layout", path: origin) }
    func writeOctal(_ value: Int, at offset: Int, digits: Int) {
      var v = value
      for k in stride(from: offset + digits - 1, through: offset, by: -1) {
        header[k] = UInt8(ascii: "0") + UInt8(v & 7)
        v >>= 3
      }
    }
    writeOctal(size, at: 124, digits: sizeDigits)
    // The checksum: the sum of the record's bytes with the field as spaces.
    let sum = header.indices.reduce(0) { $0 + ((148..<156).contains($1) ? 0x20 : Int(header[$1])) }
    writeOctal(sum, at: 148, digits: sumDigits)
    return header
  }

  // MARK: - Internals

  private func header(
    _ name: String, type: UInt32, size: Int64, mode: UInt32, mtime: Int64, uid: UInt32, gid: UInt32
  ) throws {
    guard LibArchive.localeReady || name.utf8.allSatisfy({ $0 < 0x80 }) else {
      throw MaestroError(.io, "no UTF-8 locale available to store member \(name)", path: origin)
    }
    archive_entry_clear(entry)
    archive_entry_set_pathname_utf8(entry, name)
    archive_entry_set_filetype(entry, type)
    archive_entry_set_perm(entry, mode_t(mode & 0o7777))
    archive_entry_set_size(entry, la_int64_t(size))
    archive_entry_set_uid(entry, la_int64_t(uid))
    archive_entry_set_gid(entry, la_int64_t(gid))
    let (seconds, remainder) = mtime.quotientAndRemainder(dividingBy: 1_000_000_000)
    archive_entry_set_mtime(entry, time_t(remainder < 0 ? seconds - 1 : seconds), 0)
    try check(archive_write_header(archive, entry), "cannot write header of \(name)")
  }

  private func check(_ status: Int32, _ what: String) throws {
    if LibArchive.failed(status) { throw LibArchive.error(archive, what, path: origin) }
  }

  private static func checked(_ status: Int32, _ archive: OpaquePointer, _ what: String, _ origin: String) throws {
    if LibArchive.failed(status) { throw LibArchive.error(archive, what, path: origin) }
  }

  private static func addFilter(
    _ archive: OpaquePointer, compression: TarCompression, level: Int?, threads: Int, origin: String
  ) throws {
    switch compression {
    case .zstd:
      try checked(archive_write_add_filter_zstd(archive), archive, "cannot enable zstd", origin)
      if let level {
        try checked(
          archive_write_set_filter_option(archive, "zstd", "compression-level", String(level)), archive,
          "zstd level \(level) is not supported", origin)
      }
      if threads > 0 {
        // Older libarchive lacks the option; compression then stays on one thread.
        _ = archive_write_set_filter_option(archive, "zstd", "threads", String(threads))
      }
    case .gzip:
      try checked(archive_write_add_filter_gzip(archive), archive, "cannot enable gzip", origin)
      try checked(
        archive_write_set_filter_option(archive, "gzip", "timestamp", nil), archive, "cannot clear gzip timestamp",
        origin)
      if let level {
        try checked(
          archive_write_set_filter_option(archive, "gzip", "compression-level", String(level)), archive,
          "gzip level \(level) is not supported", origin)
      }
    case .none:
      try checked(archive_write_add_filter_none(archive), archive, "cannot select no compression", origin)
    }
  }

  /// Runs `setup` and `body` on a writer into memory and returns what it wrote.
  private static func withMemoryArchive(
    capacity: Int, origin: String, setup: (OpaquePointer) throws -> Void, body: (OpaquePointer) throws -> Void
  ) throws -> [UInt8] {
    guard let archive = archive_write_new() else {
      throw MaestroError(.io, "cannot allocate archive writer", path: origin)
    }
    defer { archive_write_free(archive) }
    try setup(archive)
    // Uninitialized: the pages libarchive never writes are never touched,
    // so a generous capacity costs address space, not memory.
    var buffer = [UInt8](unsafeUninitializedCapacity: capacity) { _, initialized in initialized = capacity }
    var used = 0
    try buffer.withUnsafeMutableBytes { raw in
      try checked(
        archive_write_open_memory(archive, raw.baseAddress, raw.count, &used), archive,
        "cannot open memory archive", origin)
      try body(archive)
      try checked(archive_write_close(archive), archive, "cannot finish manifest frame", origin)
    }
    buffer.removeSubrange(used...)
    return buffer
  }
}
