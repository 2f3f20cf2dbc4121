import MaestroStorage

/// A data dir known only by its list of paths (a snapshot's manifest):
/// folders are those listed plus every parent of a listed path.
public struct ListedTree: DataDirTree {
  private let folders: [String: [DirectoryEntry]]

  /// A tree of `files` and `directories`, paths relative to the data dir.
  public init(files: [String], directories: [String]) {
    var children: [String: [String: FileKind]] = ["": [:]]
    func add(_ path: String, kind: FileKind) {
      guard !path.isEmpty else { return }
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
    folders = children.mapValues { names in
      names.map { DirectoryEntry(name: $0.key, kind: $0.value) }
        .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
  }

  public func entries(in relative: String) throws -> [DirectoryEntry]? {
    folders[relative]
  }

  /// Looked up in the parent's sorted entries: a path set besides them
  /// would hold every name of a million-file snapshot twice.
  public func contains(_ relative: String) -> Bool {
    guard !relative.isEmpty else { return false }
    if folders[relative] != nil { return true }
    var parent = ""
    var name = relative
    if let slash = relative.utf8.lastIndex(of: UInt8(ascii: "/")) {
      parent = String(relative[..<slash])
      name = String(relative[relative.index(after: slash)...])
    }
    guard let entries = folders[parent] else { return false }
    var low = 0
    var high = entries.count
    while low < high {
      let mid = (low + high) / 2
      if entries[mid].name.utf8.lexicographicallyPrecedes(name.utf8) { low = mid + 1 } else { high = mid }
    }
    return low < entries.count && entries[low].name == name
  }

  /// Always nil: a snapshot's file list holds no symlinks (backups leave
  /// them out).
  public func symlinkTarget(_ relative: String) -> SymlinkTarget? { nil }
}
