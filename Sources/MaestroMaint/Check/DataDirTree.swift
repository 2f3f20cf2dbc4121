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

  /// Where the symlink at `relative` leads, judged without reading what it
  /// points at; nil when there is no symlink there (a snapshot holds none).
  /// No default: a tree that forgot it would hide every symlink.
  func symlinkTarget(_ relative: String) -> SymlinkTarget?
}


/// A data dir on disk.
public struct DirectoryTree: DataDirTree {
  /// The data dir.
  public var root: String

  /// The data dir at `root`.
  public init(root: String) {
    self.root = root
  }

  /// The data dir itself may be reached through a symlink; a folder inside
  /// it that is a symlink is not listed through.
  public func entries(in relative: String) throws -> [DirectoryEntry]? {
    let path = relative.isEmpty ? root : root + "/" + relative
    guard FileSystem.isDirectory(path, followSymlinks: relative.isEmpty) else { return nil }
    return try FileSystem.listDirectory(path)
  }

  public func contains(_ relative: String) -> Bool {
    FileSystem.fileExists(root + "/" + relative)
  }

  /// The target of the symlink at `relative`, judged from the link alone.
  public func symlinkTarget(_ relative: String) -> SymlinkTarget? {
    SymlinkTarget.resolve(root + "/" + relative, dataDir: root)
  }
}

/// A data dir on disk with some top-level folders read from elsewhere
/// (`tasks` → a staged twin), listed under their own names.
struct OverlayTree: DataDirTree {
  var root: String
  /// Top-level name → absolute path of the folder standing in for it.
  var overlay: [String: String]

  /// Where `relative` is read from.
  static func path(of relative: String, root: String, overlay: [String: String]) -> String {
    if overlay.isEmpty { return root + "/" + relative }
    let top = relative.prefix { $0 != "/" }
    guard let replacement = overlay[String(top)] else { return root + "/" + relative }
    return replacement + relative.dropFirst(top.count)
  }

  func entries(in relative: String) throws -> [DirectoryEntry]? {
    let path = relative.isEmpty ? root : Self.path(of: relative, root: root, overlay: overlay)
    guard FileSystem.isDirectory(path, followSymlinks: relative.isEmpty) else { return nil }
    var entries = try FileSystem.listDirectory(path)
    if relative.isEmpty {
      for name in overlay.keys where !entries.contains(where: { $0.name == name }) {
        entries.append(DirectoryEntry(name: name, kind: .directory))
      }
      entries.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
    return entries
  }

  func contains(_ relative: String) -> Bool {
    FileSystem.fileExists(Self.path(of: relative, root: root, overlay: overlay))
  }

  func symlinkTarget(_ relative: String) -> SymlinkTarget? {
    SymlinkTarget.resolve(Self.path(of: relative, root: root, overlay: overlay), dataDir: root)
  }
}
