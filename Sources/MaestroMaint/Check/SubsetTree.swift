import MaestroStorage

/// A few files of a data dir on disk, listed as if they were all there is
/// (with the folders that lead to them), for re-judging findings on the
/// files behind them alone. Existence questions (`contains`: session docs,
/// the archive catalog) still go to the whole data dir.
///
/// `projects/` is always listed whole: whether a task or session is an
/// orphan, and so which of its links are judged at all, depends on its
/// project's file, which no finding names. Projects are few.
struct SubsetTree: DataDirTree {
  /// The data dir.
  let root: String
  /// Folder (relative, `""` for the data dir) → names it keeps.
  private let kept: [String: Set<String>]
  /// Folders listed with everything in them.
  static let wholeFolders: Set<String> = ["projects"]

  /// The files at `paths` (relative to `root`), and every file of `projects/`.
  init(root: String, paths: some Sequence<String>) {
    self.root = root
    var kept: [String: Set<String>] = ["": Self.wholeFolders]
    for path in paths {
      var child = Substring(path)
      while let slash = child.lastIndex(of: "/") {
        let folder = String(child[..<slash])
        kept[folder, default: []].insert(String(child[child.index(after: slash)...]))
        child = child[..<slash]
      }
      kept["", default: []].insert(String(child))
    }
    self.kept = kept
  }

  func entries(in relative: String) throws -> [DirectoryEntry]? {
    guard let all = try DirectoryTree(root: root).entries(in: relative) else { return nil }
    if Self.wholeFolders.contains(relative) { return all }
    guard let names = kept[relative] else { return nil }
    return all.filter { names.contains($0.name) }
  }

  func contains(_ relative: String) -> Bool {
    DirectoryTree(root: root).contains(relative)
  }

  func symlinkTarget(_ relative: String) -> SymlinkTarget? {
    DirectoryTree(root: root).symlinkTarget(relative)
  }
}
