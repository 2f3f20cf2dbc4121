import MaestroStorage

/// The names of a data dir as check sees them: what each folder holds and
/// whether a path exists, without reading any file. A directory on disk
/// (`DirectoryTree`) or the file list of a snapshot (`ListedTree`), so the
/// same check runs on a live data dir and on an archive streamed past it.
public protocol DataDirTree: Sendable {
  /// The entries of the folder at `relative` (`""` is the data dir itself,
  /// `tasks/p1` a project folder), sorted bytewise by name; nil when there
  /// is no folder there.
  ///
  /// - Throws: `MaestroError` when the folder exists but cannot be listed.
  func entries(in relative: String) throws -> [DirectoryEntry]?

  /// Whether anything (file or folder) exists at `relative`.
  func contains(_ relative: String) -> Bool
}

/// A data dir on disk.
public struct DirectoryTree: DataDirTree {
  /// The data dir.
  public var root: String

  /// The data dir at `root`.
  public init(root: String) {
    self.root = root
  }

  public func entries(in relative: String) throws -> [DirectoryEntry]? {
    let path = relative.isEmpty ? root : root + "/" + relative
    guard FileSystem.isDirectory(path) else { return nil }
    return try FileSystem.listDirectory(path)
  }

  public func contains(_ relative: String) -> Bool {
    FileSystem.fileExists(root + "/" + relative)
  }
}
