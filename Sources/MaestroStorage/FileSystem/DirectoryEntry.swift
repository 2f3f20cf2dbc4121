/// The kind of a file system object, as far as the toolkit cares.
public enum FileKind: String, Sendable, Hashable, CustomStringConvertible {
  /// A regular file.
  case file
  /// A directory.
  case directory
  /// A symbolic link (never followed when listing).
  case symlink
  /// Anything else: sockets, FIFOs, devices.
  case other

  /// The kind described by the `S_IFMT` bits of a `st_mode`.
  ///
  /// - Parameter mode: A full `st_mode` value.
  public init(mode: UInt32) {
    switch mode & 0o170000 {
    case 0o100000: self = .file
    case 0o040000: self = .directory
    case 0o120000: self = .symlink
    default: self = .other
    }
  }

  /// The raw name, e.g. `file`.
  public var description: String { rawValue }
}

/// One name in a directory listing.
public struct DirectoryEntry: Sendable, Hashable {
  /// The entry's name (not a path). Names that are not valid UTF-8 are
  /// decoded with replacement characters, so they cannot be reopened by name.
  public var name: String
  /// What the entry is, without following symlinks.
  public var kind: FileKind

  /// Creates an entry.
  ///
  /// - Parameters:
  ///   - name: The entry's name within its directory.
  ///   - kind: What the entry is.
  public init(name: String, kind: FileKind) {
    self.name = name
    self.kind = kind
  }
}

/// The parts of `struct stat` the toolkit uses.
public struct FileStatus: Sendable, Hashable {
  /// What the object is (a symlink only when the status was taken with
  /// `followSymlinks: false`).
  public var kind: FileKind
  /// Size in bytes.
  public var size: Int64
  /// Permission bits (`st_mode & 0o7777`).
  public var mode: UInt32
  /// Modification time in nanoseconds since the Unix epoch.
  public var mtime: Int64
  /// Owner user id.
  public var uid: UInt32
  /// Owner group id.
  public var gid: UInt32

  /// Creates a status value.
  ///
  /// - Parameters:
  ///   - kind: What the object is.
  ///   - size: Size in bytes.
  ///   - mode: Permission bits.
  ///   - mtime: Modification time in nanoseconds since the Unix epoch.
  ///   - uid: Owner user id.
  ///   - gid: Owner group id.
  public init(
    kind: FileKind, size: Int64, mode: UInt32, mtime: Int64, uid: UInt32 = 0, gid: UInt32 = 0
  ) {
    self.kind = kind
    self.size = size
    self.mode = mode
    self.mtime = mtime
    self.uid = uid
    self.gid = gid
  }
}
