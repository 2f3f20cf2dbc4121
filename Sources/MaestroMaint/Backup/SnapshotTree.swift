import Glibc
import MaestroStorage

/// The whole tree a snapshot restores, as a chain of manifests builds it:
/// the full snapshot's files, then each incremental's changes applied in
/// order (`SnapshotChain`).
///
/// The tree copies no file record: it keeps each chain position's manifest
/// file list (`SnapshotFileList`, shared with the manifest) and, per file,
/// which position holds it and where in that list (6 bytes a file). Files
/// are kept in path order with `/` sorting before every other byte
/// (`PathOrder`), which is the order in which `create` walks a data dir, so
/// a full manifest's list is taken as it is (sorted only if it is not in
/// order), and lookups are binary searches.
struct SnapshotTree: Sendable, SharedPathBytes {
  /// A directory's recorded attributes.
  struct Attributes: Sendable, Equatable {
    var mode: UInt32
    var mtime: Int64
  }

  /// Each chain position's file list (empty for a position not applied).
  private var sources: [SnapshotFileList] = []
  /// Per file, in path order: the chain position holding it...
  private var origins: [UInt16] = []
  /// ...and its record's index in that position's list.
  private var records: [UInt32] = []
  /// The last position applied: only its files can be flagged `changed`.
  private var newest: UInt16 = 0
  /// Every directory below the root, by relative path.
  var directories: [String: Attributes] = [:]
  /// The data dir's own attributes.
  var root = Attributes(mode: 0o755, mtime: 0)

  /// The number of files.
  var count: Int { origins.count }
  /// The files' total size.
  var bytes: Int64 { (0..<count).reduce(0) { $0 + size($1) } }

  /// An empty tree.
  init() {}

  /// The tree of a full snapshot, its files held by chain position `origin`.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` naming `path` for a
  ///   malformed digest or a path listed twice.
  init(full manifest: SnapshotManifest, origin: UInt16, path: String) throws {
    let sorted = SnapshotFileList.InPathOrder(manifest.files)
    let list = sorted.list
    for k in list.indices {
      guard list.rawDigest(k) != nil else {
        throw MaestroError(.snapshotInvalid, "the manifest's SHA-256 of \(list.path(k)) is malformed", path: path)
      }
      if k > 0, list.withPathBytes(k - 1, { a in list.withPathBytes(k) { b in PathOrder.compare(a, b) == 0 } }) {
        throw MaestroError(.snapshotInvalid, "the manifest lists \(list.path(k)) twice", path: path)
      }
    }
    // Records index the manifest's own list, in path order.
    sources = Array(repeating: SnapshotFileList(), count: Int(origin)) + [manifest.files]
    origins = Array(repeating: origin, count: list.count)
    records = sorted.original.map { $0.map { UInt32($0) } } ?? (0..<list.count).map { UInt32($0) }
    newest = origin
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
    for a in added where changes.rawDigest(a) == nil {
      throw MaestroError(.snapshotInvalid, "the manifest's SHA-256 of \(changes.path(a)) is malformed", path: path)
    }
    var next = SnapshotTree()
    next.sources = sources + Array(repeating: SnapshotFileList(), count: max(0, Int(origin) + 1 - sources.count))
    next.sources[Int(origin)] = changes
    next.newest = origin
    next.origins.reserveCapacity(count + added.count)
    next.records.reserveCapacity(count + added.count)
    var i = 0
    var a = 0
    var r = 0
    while i < count || a < added.count {
      let order =
        i == count
        ? 1 : a == added.count ? -1 : withPathBytes(i) { x in changes.withPathBytes(added[a]) { y in PathOrder.compare(x, y) } }
      if order < 0 {
        let old = self.path(i)
        while r < removed.count && PathOrder.compare(removed[r], old) < 0 { r += 1 }
        if !(r < removed.count && removed[r] == old) {
          next.origins.append(origins[i])
          next.records.append(records[i])
        }
        i += 1
      } else {
        if order == 0 { i += 1 }
        next.origins.append(origin)
        next.records.append(UInt32(added[a]))
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

  /// Calls `body` with file `k`'s path as UTF-8.
  func withPathBytes<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    try sources[Int(origins[k])].withPathBytes(Int(records[k]), body)
  }

  /// For chain position `origin`: per record of its manifest's file list,
  /// the index of the tree's file it holds, or -1 when a later snapshot
  /// replaced or removed it.
  func filesHeld(by origin: Int) -> [Int32] {
    guard origin < sources.count else { return [] }
    var held = [Int32](repeating: -1, count: sources[origin].count)
    for k in 0..<count where Int(origins[k]) == origin { held[Int(records[k])] = Int32(k) }
    return held
  }

  /// Each chain position's path bytes.
  var pathBuffers: [[UInt8]] { sources.map(\.pathBuffer) }

  /// Where file `k`'s path sits in `pathBuffers`.
  func pathLocation(_ k: Int) -> (buffer: Int, range: Range<Int>) {
    (Int(origins[k]), sources[Int(origins[k])].pathRange(Int(records[k])))
  }

  /// Whether file `k` was written shortly before or during the newest
  /// snapshot, taken live.
  func isChanged(_ k: Int) -> Bool {
    origins[k] == newest && sources[Int(origins[k])].isChanged(Int(records[k]))
  }

  /// File `k`'s path.
  func path(_ k: Int) -> String { sources[Int(origins[k])].path(Int(records[k])) }
  /// File `k`'s size.
  func size(_ k: Int) -> Int64 { sources[Int(origins[k])].size(Int(records[k])) }
  /// File `k`'s permission bits.
  func mode(_ k: Int) -> UInt32 { sources[Int(origins[k])].mode(Int(records[k])) & 0o7777 }
  /// File `k`'s mtime (ns).
  func mtime(_ k: Int) -> Int64 { sources[Int(origins[k])].mtime(Int(records[k])) }
  /// Whether file `k` went in torn.
  func isTorn(_ k: Int) -> Bool { sources[Int(origins[k])].isTorn(Int(records[k])) }
  /// Whether file `k` is a `.json` file that does not parse.
  func isInvalidJSON(_ k: Int) -> Bool { sources[Int(origins[k])].isInvalidJSON(Int(records[k])) }
  /// The chain position whose archive holds file `k`'s content.
  func origin(_ k: Int) -> Int { Int(origins[k]) }
  /// File `k`'s SHA-256, lowercase hex.
  func sha256(_ k: Int) -> String { sources[Int(origins[k])].sha256(Int(records[k])) }
  /// Whether file `k`'s digest is `hex`.
  func hasDigest(_ k: Int, _ hex: String) -> Bool { sources[Int(origins[k])].hasDigest(Int(records[k]), hex) }
}
