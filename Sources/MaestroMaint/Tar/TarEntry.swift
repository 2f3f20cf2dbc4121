import Glibc

/// The kind of a tar member.
public enum TarEntryType: String, Sendable, Hashable {
  /// A regular file with data.
  case regular
  /// A directory.
  case directory
  /// A symbolic link (`TarEntry.linkTarget` holds its target).
  case symlink
  /// A hard link to an earlier member (`TarEntry.linkTarget` names it).
  case hardlink
  /// Devices, FIFOs, sockets: never produced by the toolkit.
  case other
}

/// The compression of a tar file the toolkit writes.
public enum TarCompression: String, Sendable, Hashable, CaseIterable {
  /// Zstandard (`.tar.zst`): the default for backups.
  case zstd
  /// gzip (`.tar.gz`), written without a timestamp so output is reproducible.
  case gzip
  /// No compression (`.tar`).
  case none
}

/// The header of one tar member, as `TarReader.next()` returns it.
public struct TarEntry: Sendable, Hashable {
  /// The member name, UTF-8, without the trailing `/` tar gives directories.
  public var name: String
  /// What the member is.
  public var type: TarEntryType
  /// Data size in bytes (0 for anything but regular files).
  public var size: Int64
  /// Permission bits (`& 0o7777`).
  public var mode: mode_t
  /// Modification time in nanoseconds since the Unix epoch.
  public var mtime: Int64
  /// A symlink's target or a hard link's source member, otherwise `nil`.
  public var linkTarget: String?

  /// Creates an entry description.
  ///
  /// - Parameters:
  ///   - name: Member name.
  ///   - type: Member kind.
  ///   - size: Data size in bytes.
  ///   - mode: Permission bits.
  ///   - mtime: Modification time in nanoseconds since the Unix epoch.
  ///   - linkTarget: Link target, for links.
  public init(
    name: String, type: TarEntryType, size: Int64, mode: mode_t, mtime: Int64,
    linkTarget: String? = nil
  ) {
    self.name = name
    self.type = type
    self.size = size
    self.mode = mode
    self.mtime = mtime
    self.linkTarget = linkTarget
  }
}
