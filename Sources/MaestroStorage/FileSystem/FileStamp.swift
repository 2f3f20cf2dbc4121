import Glibc

/// What tells one version of a file from the next without reading it:
/// device, inode, size, mtime and ctime, as `stat(2)` gives them.
///
/// A rewrite in place changes size or the times (ctime moves on every
/// write, truncate and chmod); a write-then-rename changes the inode. Two
/// stamps of one path that are equal say the file was not written between
/// them, as far as the kernel's clock tick can tell: a read that also got
/// exactly `size` bytes is a read of that version.
public struct FileStamp: Sendable, Hashable {
  /// `st_dev`.
  public var device: UInt64
  /// `st_ino`.
  public var inode: UInt64
  /// `st_size`; -1 marks a read that saw the file change under it.
  public var size: Int64
  /// Modification time, nanoseconds since the Unix epoch.
  public var mtime: Int64
  /// Status-change time, nanoseconds since the Unix epoch.
  public var ctime: Int64

  /// The stamp of a `stat` result.
  public init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    size = Int64(info.st_size)
    mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    ctime = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
  }

  /// The stamp of the file at `path` now, following symlinks; nil when
  /// nothing is there (or it cannot be stat'ed).
  public static func of(_ path: String) -> FileStamp? {
    var info = stat()
    guard !path.isEmpty, !path.utf8.contains(0), stat(path, &info) == 0 else { return nil }
    return FileStamp(info)
  }

  /// A 64-bit digest of the stamp, never 0 or `UInt64.max` (tables of
  /// digests use those for "not read" and "unproven").
  public var digest: UInt64 {
    // FNV-1a over the five fields: stable across runs, unlike `Hasher`.
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for field in [device, inode, UInt64(bitPattern: size), UInt64(bitPattern: mtime), UInt64(bitPattern: ctime)] {
      var v = field
      for _ in 0..<8 {
        h = (h ^ (v & 0xff)) &* 0x0000_0100_0000_01b3
        v >>= 8
      }
    }
    return h == 0 || h == .max ? 1 : h
  }
}
