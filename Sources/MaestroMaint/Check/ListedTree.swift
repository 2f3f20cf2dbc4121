import MaestroStorage

/// Relative file paths in `PathOrder`, each read as UTF-8 bytes in place: a
/// snapshot's file list (`SnapshotFileList`), which `ListedTree` lists
/// folders from without copying a name.
public protocol SortedPathList: Sendable {
  /// The number of paths.
  var count: Int { get }
  /// Calls `body` with path `k`'s UTF-8 bytes.
  func withPathBytes<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
}

extension SortedPathList {
  /// The index of `path`, if listed.
  public func index(of path: String) -> Int? {
    var path = path
    return path.withUTF8 { target in
      let k = firstIndex { PathOrder.compare($0, target) >= 0 }
      return k < count && withPathBytes(k, { PathOrder.compare($0, target) }) == 0 ? k : nil
    }
  }

  /// The paths under the folder whose path with a trailing `/` is
  /// `prefix`: one run in path order.
  func run(under prefix: UnsafeBufferPointer<UInt8>) -> Range<Int> {
    let start = firstIndex { PathOrder.compare($0, prefix) >= 0 }
    let end = firstIndex { PathOrder.compare($0, prefix) > 0 && !$0.starts(with: prefix) }
    return start..<max(start, end)
  }

  /// The first index whose path satisfies `isAtOrAfter` (false, then true,
  /// along the list).
  private func firstIndex(where isAtOrAfter: (UnsafeBufferPointer<UInt8>) -> Bool) -> Int {
    var low = 0
    var high = count
    while low < high {
      let mid = (low + high) / 2
      if withPathBytes(mid, isAtOrAfter) { high = mid } else { low = mid + 1 }
    }
    return low
  }
}

/// A data dir known only by its list of paths (a snapshot's manifest):
/// folders are those listed plus every parent of a listed path.
///
/// Only the folders' names are held; a folder's files are read from the
/// sorted list when it is listed (its paths are one run of the list), so a
/// million-file snapshot's names are not held a second time.
public struct ListedTree<Paths: SortedPathList>: DataDirTree {
  private let files: Paths
  /// Every folder, listed or implied, and the names of its sub-folders.
  private let folders: [String: [String]]

  /// A tree of `files` (in `PathOrder`) and `directories`, paths relative
  /// to the data dir.
  public init(files: Paths, directories: [String]) {
    self.files = files
    var folders: [String: Set<String>] = ["": []]
    func add(_ folder: String) {
      guard !folder.isEmpty, folders[folder] == nil else { return }
      folders[folder] = []
      let (parent, name) = Self.split(folder)
      add(parent)
      folders[parent, default: []].insert(name)
    }
    for d in directories { add(d) }
    // Files of one folder are adjacent: its parent is added once per run.
    var previous: [UInt8] = []
    for k in 0..<files.count {
      files.withPathBytes(k) { path in
        guard let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return }
        let parent = UnsafeBufferPointer(rebasing: path[..<slash])
        guard !parent.elementsEqual(previous) else { return }
        previous = Array(parent)
        add(String(decoding: parent, as: UTF8.self))
      }
    }
    self.folders = folders.mapValues { Array($0) }
  }

  public func entries(in relative: String) throws -> [DirectoryEntry]? {
    guard let subfolders = folders[relative] else { return nil }
    var kinds: [String: FileKind] = [:]
    for name in subfolders { kinds[name] = .directory }
    let prefix = Array(relative.isEmpty ? [] : relative.utf8 + [UInt8(ascii: "/")])
    prefix.withUnsafeBufferPointer { prefix in
      let run = relative.isEmpty ? 0..<files.count : files.run(under: prefix)
      var k = run.lowerBound
      while k < run.upperBound {
        k = files.withPathBytes(k) { path -> Int in
          let rest = UnsafeBufferPointer(rebasing: path[prefix.count...])
          guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else {
            // A file that is also listed as a folder is a file, as written last.
            kinds[String(decoding: rest, as: UTF8.self)] = .file
            return k + 1
          }
          // A sub-folder's content: skip its whole run.
          let folder = Array(path[..<(prefix.count + slash + 1)])
          return folder.withUnsafeBufferPointer { files.run(under: $0).upperBound }
        }
      }
    }
    return kinds.map { DirectoryEntry(name: $0.key, kind: $0.value) }
      .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
  }

  /// A folder (listed or implied) or a listed file.
  public func contains(_ relative: String) -> Bool {
    guard !relative.isEmpty else { return false }
    return folders[relative] != nil || files.index(of: relative) != nil
  }

  /// Always nil: a snapshot's file list holds no symlinks (backups leave
  /// them out).
  public func symlinkTarget(_ relative: String) -> SymlinkTarget? { nil }

  private static func split(_ path: String) -> (parent: String, name: String) {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
    return (String(path[..<slash]), String(path[path.index(after: slash)...]))
  }
}
