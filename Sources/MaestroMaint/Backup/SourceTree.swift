import MaestroStorage

/// What `backup create` takes from a data dir: every directory and regular
/// file, in a fixed walk order, and what it leaves out and why.
///
/// Left out: the maintenance lock (`.maestro-admin/lock`, held by whoever
/// runs a mutating command), `*.tmp` files (half-finished server writes and
/// our own interrupted atomic writes, FORMAT.md §8), symlinks and special
/// files (a restore accepts neither), and the backup folder itself when it
/// lies inside the data dir. The toolkit's journals and what they keep for
/// undo (`journalFolders`: the journal packs with old copies of files, the
/// old folders a migration swapped out, archive scratch) are left out
/// unless `backup create --include-journals` asks for them.
struct SourceTree: Sendable {
  /// A directory and its status.
  struct Directory: Sendable {
    var path: String
    var mode: UInt32
    var mtime: Int64
    var uid: UInt32
    var gid: UInt32
  }

  /// The data dir itself (`path` is empty).
  var root: Directory
  /// Every directory below it, parents before children.
  var directories: [Directory] = []
  /// Every regular file to back up, relative paths.
  var files: [String] = []
  /// What was left out.
  var excluded: [SnapshotManifest.Excluded] = []

  /// The relative path of the maintenance lock.
  static let lockPath = ".maestro-admin/lock"

  /// The folders of the toolkit's undo data, left out by default (reason
  /// `journal`): journals and packs, migrate's swapped-out folders, archive
  /// staging.
  static let journalFolders = [
    Journal.stateFolderName + "/journal", Journal.stateFolderName + "/staging",
    Journal.stateFolderName + "/archive-staging",
  ]

  /// Walks `root` (never following symlinks).
  ///
  /// - Parameters:
  ///   - root: The data dir.
  ///   - skipping: Folders to leave out (relative path → why): the backup
  ///     folder, when someone puts it inside the data dir; a staging folder.
  /// - Throws: `MaestroError` naming the folder that cannot be listed.
  static func scan(_ root: String, skipping: [String: String] = [:]) throws -> SourceTree {
    let status = try FileSystem.stat(root)
    guard status.kind == .directory else {
      throw MaestroError(.io, "the data dir is not a directory", path: root)
    }
    var tree = SourceTree(
      root: Directory(path: "", mode: status.mode, mtime: status.mtime, uid: status.uid, gid: status.gid))
    try tree.walk(root: root, relative: "", skipping: skipping)
    return tree
  }

  private mutating func walk(root: String, relative: String, skipping: [String: String]) throws {
    let here = relative.isEmpty ? root : FileSystem.join(root, relative)
    for entry in try FileSystem.listDirectory(here) {
      let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
      switch entry.kind {
      case .file:
        if path == Self.lockPath {
          excluded.append(.init(path: path, reason: "lock"))
        } else if entry.name.hasSuffix(".tmp") {
          excluded.append(.init(path: path, reason: "tmp"))
        } else {
          files.append(path)
        }
      case .directory:
        if let reason = skipping[path] {
          excluded.append(.init(path: path, reason: reason))
          continue
        }
        guard let status = try? FileSystem.stat(FileSystem.join(root, path), followSymlinks: false),
          status.kind == .directory
        else {
          excluded.append(.init(path: path, reason: "vanished"))
          continue
        }
        directories.append(
          Directory(path: path, mode: status.mode, mtime: status.mtime, uid: status.uid, gid: status.gid))
        try walk(root: root, relative: path, skipping: skipping)
      case .symlink:
        excluded.append(.init(path: path, reason: "symlink"))
      case .other:
        excluded.append(.init(path: path, reason: "special"))
      }
    }
  }
}
