import MaestroStorage

/// A data dir known only by its list of paths (a snapshot's manifest):
/// folders are those listed plus every parent of a listed path.
public struct ListedTree: DataDirTree {
  private let folders: [String: [DirectoryEntry]]
  private let paths: Set<String>

  /// A tree of `files` and `directories`, paths relative to the data dir.
  public init(files: [String], directories: [String]) {
    var children: [String: [String: FileKind]] = ["": [:]]
    var paths: Set<String> = []
    func add(_ path: String, kind: FileKind) {
      guard !path.isEmpty else { return }
      paths.insert(path)
      if kind == .directory {
        guard children[path] == nil else { return }
        children[path] = [:]
      }
      var parent = ""
      var name = path
      if let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) {
        parent = String(path[..<slash])
        name = String(path[path.index(after: slash)...])
        add(parent, kind: .directory)
      }
      children[parent, default: [:]][name] = kind
    }
    for d in directories { add(d, kind: .directory) }
    for f in files { add(f, kind: .file) }
    self.paths = paths
    folders = children.mapValues { names in
      names.map { DirectoryEntry(name: $0.key, kind: $0.value) }
        .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
  }

  public func entries(in relative: String) throws -> [DirectoryEntry]? {
    folders[relative]
  }

  public func contains(_ relative: String) -> Bool {
    paths.contains(relative)
  }

  /// Always nil: a snapshot's file list holds no symlinks (backups leave
  /// them out).
  public func symlinkTarget(_ relative: String) -> SymlinkTarget? { nil }
}
