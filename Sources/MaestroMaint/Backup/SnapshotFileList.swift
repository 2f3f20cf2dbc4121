import MaestroStorage

/// A manifest's file records, packed: a collection of
/// `SnapshotManifest.File` that holds about 110 bytes a file (its path's
/// bytes included) instead of the 300 to 350 that a `[File]` takes with its
/// two heap strings per record, so that the manifest of a data dir of
/// 1.25 million files fits in about 140 MB.
///
/// The paths share one byte buffer; each SHA-256 is kept as its 32 raw
/// bytes when it is written as 64 lowercase hex digits (as `create` writes
/// every one), and as the text it was read as otherwise, so a manifest
/// always serializes back to the bytes it was parsed from. Sizes, modes,
/// mtimes and flags sit in plain arrays. Records keep the order they were
/// appended in; `SnapshotTree` keeps one in path order, and `InPathOrder`
/// searches one by path.
public struct SnapshotFileList: RandomAccessCollection, Sendable, Equatable {
  private var pathBytes: [UInt8] = []
  /// Where each path ends in `pathBytes` (a manifest member is under
  /// 2 GiB, so its paths are too).
  private var pathEnds: [UInt32] = []
  private var sizes: [Int64] = []
  private var modes: [UInt32] = []
  private var mtimes: [Int64] = []
  private var digests: [UInt8] = []
  private var flags: [UInt8] = []
  /// Digests not written as 64 lowercase hex digits, by record, as read.
  private var irregularDigests: [Int: String] = [:]

  private static let tornFlag: UInt8 = 1
  private static let invalidJSONFlag: UInt8 = 2
  private static let changedFlag: UInt8 = 4
  private static let irregularFlag: UInt8 = 8

  /// An empty list.
  public init() {}

  /// The records of `files`, in their order.
  public init<Files: Sequence>(_ files: Files) where Files.Element == SnapshotManifest.File {
    reserveCapacity(files.underestimatedCount, pathBytes: 0)
    for f in files { append(f) }
  }

  // MARK: - Collection

  /// 0.
  public var startIndex: Int { 0 }
  /// The number of records.
  public var endIndex: Int { sizes.count }

  /// Record `k`, built as a `SnapshotManifest.File` (two strings: use the
  /// field accessors in loops over many records).
  public subscript(k: Int) -> SnapshotManifest.File {
    SnapshotManifest.File(
      path: path(k), size: sizes[k], mode: modes[k], mtime: mtimes[k], sha256: sha256(k), torn: isTorn(k),
      invalidJSON: isInvalidJSON(k), changed: isChanged(k))
  }

  // MARK: - Fields

  /// Record `k`'s path.
  public func path(_ k: Int) -> String {
    String(decoding: pathBytes[pathRange(k)], as: UTF8.self)
  }

  /// Calls `body` with record `k`'s path as UTF-8, without building a string.
  public func withPathBytes<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    let range = pathRange(k)
    return try pathBytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
  }

  /// Whether record `k`'s path is `utf8`.
  public func pathEquals<Bytes: Collection>(_ k: Int, _ utf8: Bytes) -> Bool where Bytes.Element == UInt8 {
    let range = pathRange(k)
    return range.count == utf8.count && pathBytes[range].elementsEqual(utf8)
  }

  /// The number of UTF-8 bytes of record `k`'s path.
  public func pathLength(_ k: Int) -> Int { pathRange(k).count }

  /// Record `k`'s size.
  public func size(_ k: Int) -> Int64 { sizes[k] }
  /// Record `k`'s permission bits.
  public func mode(_ k: Int) -> UInt32 { modes[k] }
  /// Record `k`'s mtime (ns since the Unix epoch).
  public func mtime(_ k: Int) -> Int64 { mtimes[k] }
  /// Whether record `k` went in torn.
  public func isTorn(_ k: Int) -> Bool { flags[k] & Self.tornFlag != 0 }
  /// Whether record `k` is a `.json` file that does not parse.
  public func isInvalidJSON(_ k: Int) -> Bool { flags[k] & Self.invalidJSONFlag != 0 }
  /// Whether record `k` was written shortly before or during a live backup.
  public func isChanged(_ k: Int) -> Bool { flags[k] & Self.changedFlag != 0 }

  /// Record `k`'s SHA-256 as written (64 lowercase hex digits for every
  /// record `create` writes).
  public func sha256(_ k: Int) -> String {
    if flags[k] & Self.irregularFlag != 0 { return irregularDigests[k] ?? "" }
    return SHA256.hex(digests[(k * 32)..<(k * 32 + 32)])
  }

  /// Whether record `k`'s SHA-256 is `hex` (64 lowercase hex digits, as
  /// `SHA256.hex` gives).
  public func hasDigest(_ k: Int, _ hex: String) -> Bool {
    if flags[k] & Self.irregularFlag != 0 { return irregularDigests[k] == hex }
    guard let raw = SHA256.digest(ofHex: hex) else { return false }
    return digests[(k * 32)..<(k * 32 + 32)].elementsEqual(raw)
  }

  /// Record `k`'s SHA-256 as 32 bytes; `nil` when it is not written as 64
  /// lowercase hex digits.
  func rawDigest(_ k: Int) -> ArraySlice<UInt8>? {
    flags[k] & Self.irregularFlag != 0 ? nil : digests[(k * 32)..<(k * 32 + 32)]
  }

  /// The number of records flagged `changed`.
  public var changedCount: Int { flags.reduce(0) { $0 + ($1 & Self.changedFlag != 0 ? 1 : 0) } }

  // MARK: - Building

  /// Room for `files` records and `bytes` bytes of paths.
  public mutating func reserveCapacity(_ files: Int, pathBytes bytes: Int) {
    pathBytes.reserveCapacity(bytes > 0 ? bytes : files * 48)
    pathEnds.reserveCapacity(files)
    sizes.reserveCapacity(files)
    modes.reserveCapacity(files)
    mtimes.reserveCapacity(files)
    digests.reserveCapacity(files * 32)
    flags.reserveCapacity(files)
  }

  /// Appends a record.
  public mutating func append(_ f: SnapshotManifest.File) {
    let raw = SHA256.digest(ofHex: f.sha256)
    appendRecord(
      path: f.path, size: f.size, mode: f.mode, mtime: f.mtime, digest: raw,
      flags: (f.torn ? Self.tornFlag : 0) | (f.invalidJSON ? Self.invalidJSONFlag : 0)
        | (f.changed ? Self.changedFlag : 0))
    if raw == nil { irregularDigests[sizes.count - 1] = f.sha256 }
  }

  /// Appends record `k` of `other`.
  mutating func append(_ k: Int, of other: SnapshotFileList) {
    pathBytes.append(contentsOf: other.pathBytes[other.pathRange(k)])
    pathEnds.append(UInt32(pathBytes.count))
    sizes.append(other.sizes[k])
    modes.append(other.modes[k])
    mtimes.append(other.mtimes[k])
    digests.append(contentsOf: other.digests[(k * 32)..<(k * 32 + 32)])
    flags.append(other.flags[k])
    if let irregular = other.irregularDigests[k] { irregularDigests[sizes.count - 1] = irregular }
  }

  /// Clears every record's `changed` flag.
  public mutating func clearChanged() {
    for k in flags.indices where flags[k] & Self.changedFlag != 0 { flags[k] &= ~Self.changedFlag }
  }

  private mutating func appendRecord(
    path: String, size: Int64, mode: UInt32, mtime: Int64, digest: [UInt8]?, flags recordFlags: UInt8
  ) {
    precondition(pathBytes.count + path.utf8.count <= UInt32.max, "manifest paths past 4 GiB")
    pathBytes.append(contentsOf: path.utf8)
    pathEnds.append(UInt32(pathBytes.count))
    sizes.append(size)
    modes.append(mode)
    mtimes.append(mtime)
    if let digest {
      digests.append(contentsOf: digest)
      flags.append(recordFlags)
    } else {
      digests.append(contentsOf: repeatElement(0, count: 32))
      flags.append(recordFlags | Self.irregularFlag)
    }
  }

  /// The bytes every record's path is read from.
  var pathBuffer: [UInt8] { pathBytes }

  /// Where record `k`'s path sits in `pathBuffer`.
  func pathRange(_ k: Int) -> Range<Int> {
    (k == 0 ? 0 : Int(pathEnds[k - 1]))..<Int(pathEnds[k])
  }
}

extension SnapshotFileList {
  /// A list in `PathOrder` (as `create` writes every manifest), searchable
  /// by path.
  struct InPathOrder: SharedPathBytes {
    /// The records, in path order.
    let list: SnapshotFileList
    /// For a list that had to be sorted: position here → index in the
    /// list as given (`nil`: the same).
    let original: [Int]?

    /// `list` itself when it is in path order; a sorted copy otherwise.
    init(_ list: SnapshotFileList) {
      let inOrder = list.indices.dropFirst().allSatisfy { k in
        list.withPathBytes(k - 1) { a in list.withPathBytes(k) { b in PathOrder.compare(a, b) < 0 } }
      }
      if inOrder {
        self.list = list
        original = nil
      } else {
        let order = list.indices.sorted { a, b in
          list.withPathBytes(a) { x in list.withPathBytes(b) { y in PathOrder.compare(x, y) < 0 } }
        }
        var sorted = SnapshotFileList()
        sorted.reserveCapacity(list.count, pathBytes: list.pathBytes.count)
        for k in order { sorted.append(k, of: list) }
        self.list = sorted
        original = order
      }
    }

    var count: Int { list.count }
    var pathBuffers: [[UInt8]] { [list.pathBuffer] }
    func pathLocation(_ k: Int) -> (buffer: Int, range: Range<Int>) { (0, list.pathRange(k)) }

    func withPathBytes<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
      try list.withPathBytes(k, body)
    }
  }
}

/// Paths in `PathOrder` whose bytes sit in buffers that can be shared (a
/// snapshot's file lists): what a content check names its files from.
protocol SharedPathBytes: SortedPathList {
  /// The buffers the paths sit in.
  var pathBuffers: [[UInt8]] { get }
  /// Where path `k` sits: a buffer's index and a range in it.
  func pathLocation(_ k: Int) -> (buffer: Int, range: Range<Int>)
}
