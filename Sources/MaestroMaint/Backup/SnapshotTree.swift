import Glibc
import MaestroStorage

/// The whole tree a snapshot restores, as a chain of manifests builds it:
/// the full snapshot's files, then each incremental's changes applied in
/// order (`SnapshotChain`).
///
/// Files are packed, not held as `SnapshotManifest.File` values: the paths
/// share one byte buffer, the digests another (32 raw bytes each), and
/// sizes, modes, mtimes, flags and the chain position that holds each
/// file's content sit in plain arrays, about 100 bytes a file with its path
/// instead of several heap strings. They are kept in path order with `/`
/// sorting before every other byte, which is the order in which `create`
/// walks a data dir, so a full manifest is taken as it is (sorted only if
/// it is not) and lookups are binary searches.
struct SnapshotTree: Sendable {
  /// A directory's recorded attributes.
  struct Attributes: Sendable, Equatable {
    var mode: UInt32
    var mtime: Int64
  }

  private var pathBytes: [UInt8] = []
  private var pathEnds: [UInt32] = []
  private var sizes: [Int64] = []
  private var modes: [UInt16] = []
  private var mtimes: [Int64] = []
  private var digests: [UInt8] = []
  private var flags: [UInt8] = []
  private var origins: [UInt16] = []
  /// Every directory below the root, by relative path.
  var directories: [String: Attributes] = [:]
  /// The data dir's own attributes.
  var root = Attributes(mode: 0o755, mtime: 0)

  private static let tornFlag: UInt8 = 1
  private static let invalidJSONFlag: UInt8 = 2
  private static let changedFlag: UInt8 = 4

  /// The number of files.
  var count: Int { sizes.count }
  /// The files' total size.
  var bytes: Int64 { sizes.reduce(0, +) }

  /// An empty tree.
  init() {}

  /// The tree of a full snapshot, its files held by chain position `origin`.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` naming `path` for a
  ///   malformed digest or a path listed twice.
  init(full manifest: SnapshotManifest, origin: UInt16, path: String) throws {
    var order = Array(manifest.files.indices)
    let files = manifest.files
    var sorted = true
    for k in order.dropFirst() where Self.compare(files[k - 1].path, files[k].path) >= 0 {
      sorted = false
      break
    }
    if !sorted { order.sort { Self.compare(files[$0].path, files[$1].path) < 0 } }
    reserve(files.count, pathBytes: files.reduce(0) { $0 + $1.path.utf8.count })
    for k in order {
      if let last = sizes.indices.last, Self.compare(self.path(last), files[k].path) == 0 {
        throw MaestroError(.snapshotInvalid, "the manifest lists \(files[k].path) twice", path: path)
      }
      try append(files[k], origin: origin, snapshot: path)
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
    let removed = delta.removed.sorted { Self.compare($0, $1) < 0 }
    let added = delta.files.sorted { Self.compare($0.path, $1.path) < 0 }
    var next = SnapshotTree()
    next.reserve(count + added.count, pathBytes: pathBytes.count + added.reduce(0) { $0 + $1.path.utf8.count })
    var i = 0
    var a = 0
    var r = 0
    while i < count || a < added.count {
      let old = i < count ? self.path(i) : nil
      if let old, a == added.count || Self.compare(old, added[a].path) < 0 {
        while r < removed.count && Self.compare(removed[r], old) < 0 { r += 1 }
        if !(r < removed.count && removed[r] == old) { next.copy(i, from: self) }
        i += 1
      } else {
        if let old, Self.compare(old, added[a].path) == 0 { i += 1 }
        try next.append(added[a], origin: origin, snapshot: path)
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
      pathBytes.withUnsafeBufferPointer { bytes -> Int? in
        var low = 0
        var high = count
        while low < high {
          let mid = (low + high) / 2
          let start = mid == 0 ? 0 : Int(pathEnds[mid - 1])
          let c = Self.compare(UnsafeBufferPointer(rebasing: bytes[start..<Int(pathEnds[mid])]), target)
          if c == 0 { return mid }
          if c < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
      }
    }
  }

  /// File `k`'s path.
  func path(_ k: Int) -> String {
    let start = k == 0 ? 0 : Int(pathEnds[k - 1])
    return String(decoding: pathBytes[start..<Int(pathEnds[k])], as: UTF8.self)
  }

  /// File `k`'s size.
  func size(_ k: Int) -> Int64 { sizes[k] }
  /// File `k`'s permission bits.
  func mode(_ k: Int) -> UInt32 { UInt32(modes[k]) }
  /// File `k`'s mtime (ns).
  func mtime(_ k: Int) -> Int64 { mtimes[k] }
  /// Whether file `k` went in torn.
  func isTorn(_ k: Int) -> Bool { flags[k] & Self.tornFlag != 0 }
  /// Whether file `k` is a `.json` file that does not parse.
  func isInvalidJSON(_ k: Int) -> Bool { flags[k] & Self.invalidJSONFlag != 0 }
  /// The chain position whose archive holds file `k`'s content.
  func origin(_ k: Int) -> Int { Int(origins[k]) }

  /// File `k`'s SHA-256, lowercase hex.
  func sha256(_ k: Int) -> String {
    let hex = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(64)
    for b in digests[(k * 32)..<(k * 32 + 32)] {
      text.append(hex[Int(b >> 4)])
      text.append(hex[Int(b & 15)])
    }
    return String(decoding: text, as: UTF8.self)
  }

  /// Whether file `k`'s digest is `hex`.
  func hasDigest(_ k: Int, _ hex: String) -> Bool {
    guard let raw = Self.digestBytes(hex) else { return false }
    return digests[(k * 32)..<(k * 32 + 32)].elementsEqual(raw)
  }

  /// File `k` as a manifest record.
  func file(_ k: Int) -> SnapshotManifest.File {
    SnapshotManifest.File(
      path: path(k), size: sizes[k], mode: UInt32(modes[k]), mtime: mtimes[k], sha256: sha256(k), torn: isTorn(k),
      invalidJSON: isInvalidJSON(k), changed: flags[k] & Self.changedFlag != 0)
  }

  // MARK: - Order

  /// Path order: bytes compared as unsigned, `/` before every other byte
  /// (a folder's content right after the folder's name, as walked).
  static func compare(_ a: String, _ b: String) -> Int {
    var a = a
    var b = b
    return a.withUTF8 { x in b.withUTF8 { y in compare(x, y) } }
  }

  static func compare(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
    let n = min(x.count, y.count)
    var i = 0
    while i < n {
      let p = x[i]
      let q = y[i]
      if p != q {
        let pp = p == UInt8(ascii: "/") ? 0 : Int(p) + 1
        let qq = q == UInt8(ascii: "/") ? 0 : Int(q) + 1
        return pp < qq ? -1 : 1
      }
      i += 1
    }
    return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
  }

  // MARK: - Building

  private mutating func reserve(_ files: Int, pathBytes bytes: Int) {
    pathBytes.reserveCapacity(bytes)
    pathEnds.reserveCapacity(files)
    sizes.reserveCapacity(files)
    modes.reserveCapacity(files)
    mtimes.reserveCapacity(files)
    digests.reserveCapacity(files * 32)
    flags.reserveCapacity(files)
    origins.reserveCapacity(files)
  }

  /// Appends a file; files must come in path order.
  mutating func append(_ f: SnapshotManifest.File, origin: UInt16, snapshot: String) throws {
    guard let raw = Self.digestBytes(f.sha256) else {
      throw MaestroError(.snapshotInvalid, "the manifest's SHA-256 of \(f.path) is malformed", path: snapshot)
    }
    pathBytes.append(contentsOf: f.path.utf8)
    pathEnds.append(UInt32(pathBytes.count))
    sizes.append(f.size)
    modes.append(UInt16(f.mode & 0o7777))
    mtimes.append(f.mtime)
    digests.append(contentsOf: raw)
    flags.append(
      (f.torn ? Self.tornFlag : 0) | (f.invalidJSON ? Self.invalidJSONFlag : 0) | (f.changed ? Self.changedFlag : 0))
    origins.append(origin)
  }

  private mutating func copy(_ k: Int, from other: SnapshotTree) {
    let start = k == 0 ? 0 : Int(other.pathEnds[k - 1])
    pathBytes.append(contentsOf: other.pathBytes[start..<Int(other.pathEnds[k])])
    pathEnds.append(UInt32(pathBytes.count))
    sizes.append(other.sizes[k])
    modes.append(other.modes[k])
    mtimes.append(other.mtimes[k])
    digests.append(contentsOf: other.digests[(k * 32)..<(k * 32 + 32)])
    // A file carried over was not written during this snapshot.
    flags.append(other.flags[k] & ~Self.changedFlag)
    origins.append(other.origins[k])
  }

  /// 64 hex digits as 32 bytes; `nil` for anything else.
  static func digestBytes(_ hex: String) -> [UInt8]? {
    let utf8 = Array(hex.utf8)
    guard utf8.count == 64 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case 48...57: c - 48
      case 97...102: c - 87
      case 65...70: c - 55
      default: nil
      }
    }
    var out = [UInt8](repeating: 0, count: 32)
    for k in 0..<32 {
      guard let hi = nibble(utf8[2 * k]), let lo = nibble(utf8[2 * k + 1]) else { return nil }
      out[k] = hi << 4 | lo
    }
    return out
  }
}
