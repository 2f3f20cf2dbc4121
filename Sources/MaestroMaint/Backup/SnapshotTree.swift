import Glibc
import MaestroStorage

/// The whole tree a snapshot restores, as a chain of manifests builds it:
/// the full snapshot's files, then each incremental's changes applied in
/// order (`SnapshotChain`).
///
/// Files are held in a `SnapshotFileList` (packed: about 110 bytes a file
/// with its path), with the chain position that holds each file's content
/// beside them. They are kept in path order with `/` sorting before every
/// other byte (`PathOrder`), which is the order in which `create` walks a data dir, so a
/// full manifest's list is taken as it is, not copied (sorted only if it is
/// not in order), and lookups are binary searches.
struct SnapshotTree: Sendable {
  /// A directory's recorded attributes.
  struct Attributes: Sendable, Equatable {
    var mode: UInt32
    var mtime: Int64
  }

  /// The files, in path order.
  private(set) var files = SnapshotFileList()
  private var origins: [UInt16] = []
  /// Every directory below the root, by relative path.
  var directories: [String: Attributes] = [:]
  /// The data dir's own attributes.
  var root = Attributes(mode: 0o755, mtime: 0)

  /// The number of files.
  var count: Int { files.count }
  /// The files' total size.
  var bytes: Int64 { (0..<count).reduce(0) { $0 + files.size($1) } }

  /// An empty tree.
  init() {}

  /// The tree of a full snapshot, its files held by chain position `origin`.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` naming `path` for a
  ///   malformed digest or a path listed twice.
  init(full manifest: SnapshotManifest, origin: UInt16, path: String) throws {
    let listed = manifest.files
    var sorted = true
    for k in listed.indices.dropFirst() {
      let order = listed.withPathBytes(k - 1) { a in listed.withPathBytes(k) { b in PathOrder.compare(a, b) } }
      if order >= 0 {
        sorted = false
        break
      }
    }
    if sorted {
      // Taken as it is: the list is shared with the manifest, not copied.
      for k in listed.indices where listed.rawDigest(k) == nil {
        throw MaestroError(.snapshotInvalid, "the manifest's SHA-256 of \(listed.path(k)) is malformed", path: path)
      }
      files = listed
      origins = Array(repeating: origin, count: listed.count)
    } else {
      var order = Array(listed.indices)
      order.sort { a, b in listed.withPathBytes(a) { x in listed.withPathBytes(b) { y in PathOrder.compare(x, y) < 0 } } }
      files.reserveCapacity(listed.count, pathBytes: 0)
      origins.reserveCapacity(listed.count)
      for k in order {
        if let last = files.indices.last,
          files.withPathBytes(last, { a in listed.withPathBytes(k) { b in PathOrder.compare(a, b) == 0 } })
        {
          throw MaestroError(.snapshotInvalid, "the manifest lists \(listed.path(k)) twice", path: path)
        }
        try append(k, of: listed, origin: origin, snapshot: path)
      }
    }
    root = Attributes(mode: manifest.root.mode, mtime: manifest.root.mtime)
    directories = Dictionary(
      manifest.directories.map { ($0.path, Attributes(mode: $0.mode, mtime: $0.mtime)) }, uniquingKeysWith: { $1 })
  }

  /// This tree with an incremental's changes applied: `removed` paths go
  /// (each file and directory is listed), `files` are added or
  /// replace the file at their path (held by `origin`), `directories` are
  /// added or updated, and the root takes the delta's attributes.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` naming `path` for a
  ///   malformed digest.
  func applying(_ delta: SnapshotManifest, origin: UInt16, path: String) throws -> SnapshotTree {
    let removed = delta.removed.sorted { PathOrder.compare($0, $1) < 0 }
    let changes = delta.files
    let added = changes.indices.sorted { a, b in
      changes.withPathBytes(a) { x in changes.withPathBytes(b) { y in PathOrder.compare(x, y) < 0 } }
    }
    var next = SnapshotTree()
    next.files.reserveCapacity(count + added.count, pathBytes: 0)
    next.origins.reserveCapacity(count + added.count)
    var i = 0
    var a = 0
    var r = 0
    while i < count || a < added.count {
      let order =
        i == count ? 1 : a == added.count ? -1 : files.withPathBytes(i) { x in changes.withPathBytes(added[a]) { y in PathOrder.compare(x, y) } }
      if order < 0 {
        let old = self.path(i)
        while r < removed.count && PathOrder.compare(removed[r], old) < 0 { r += 1 }
        if !(r < removed.count && removed[r] == old) {
          // A file carried over was not written during this snapshot.
          next.files.append(i, of: files, keepChanged: false)
          next.origins.append(origins[i])
        }
        i += 1
      } else {
        if order == 0 { i += 1 }
        try next.append(added[a], of: changes, origin: origin, snapshot: path)
        a += 1
      }
    }
    var folders = directories
    for path in delta.removed { folders[path] = nil }
    for d in delta.directories { folders[d.path] = Attributes(mode: d.mode, mtime: d.mtime) }
    next.directories = folders
    next.root = Attributes(mode: delta.root.mode, mtime: delta.root.mtime)
    return next
  }

  // MARK: - Reading

  /// The index of the file at `path`, if the tree holds one.
  func index(of path: String) -> Int? {
    var path = path
    return path.withUTF8 { target -> Int? in
      var low = 0
      var high = count
      while low < high {
        let mid = (low + high) / 2
        let c = files.withPathBytes(mid) { PathOrder.compare($0, target) }
        if c == 0 { return mid }
        if c < 0 { low = mid + 1 } else { high = mid }
      }
      return nil
    }
  }

  /// File `k`'s path.
  func path(_ k: Int) -> String { files.path(k) }
  /// File `k`'s size.
  func size(_ k: Int) -> Int64 { files.size(k) }
  /// File `k`'s permission bits.
  func mode(_ k: Int) -> UInt32 { files.mode(k) & 0o7777 }
  /// File `k`'s mtime (ns).
  func mtime(_ k: Int) -> Int64 { files.mtime(k) }
  /// Whether file `k` went in torn.
  func isTorn(_ k: Int) -> Bool { files.isTorn(k) }
  /// Whether file `k` is a `.json` file that does not parse.
  func isInvalidJSON(_ k: Int) -> Bool { files.isInvalidJSON(k) }
  /// The chain position whose archive holds file `k`'s content.
  func origin(_ k: Int) -> Int { Int(origins[k]) }
  /// File `k`'s SHA-256, lowercase hex.
  func sha256(_ k: Int) -> String { files.sha256(k) }
  /// Whether file `k`'s digest is `hex`.
  func hasDigest(_ k: Int, _ hex: String) -> Bool { files.hasDigest(k, hex) }
  /// File `k` as a manifest record.
  func file(_ k: Int) -> SnapshotManifest.File { files[k] }

  // MARK: - Building

  /// Appends a file; files must come in path order.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` naming `snapshot` when its
  ///   SHA-256 is not 64 lowercase hex digits.
  mutating func append(_ f: SnapshotManifest.File, origin: UInt16, snapshot: String) throws {
    guard SnapshotFileList.digestBytes(f.sha256) != nil else {
      throw MaestroError(.snapshotInvalid, "the manifest's SHA-256 of \(f.path) is malformed", path: snapshot)
    }
    files.append(f)
    origins.append(origin)
  }

  /// Appends record `k` of `list`; files must come in path order.
  private mutating func append(_ k: Int, of list: SnapshotFileList, origin: UInt16, snapshot: String) throws {
    guard list.rawDigest(k) != nil else {
      throw MaestroError(.snapshotInvalid, "the manifest's SHA-256 of \(list.path(k)) is malformed", path: snapshot)
    }
    files.append(k, of: list)
    origins.append(origin)
  }
}
