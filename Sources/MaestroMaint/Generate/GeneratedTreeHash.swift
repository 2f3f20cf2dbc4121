import MaestroStorage

/// The fingerprint `generate` reports for the tree it wrote, computed from
/// what it wrote (no re-read).
///
/// The same function as the tests' `TreeHash.hash(of:)` (which lives in
/// the test-support target and reads a tree back from disk), so a test can
/// check one against the other: entries in walk order (a parent before its
/// children, siblings by the bytes of their names), each contributing its
/// relative path, a 0 byte, its kind (`file` or `directory`), a 0 byte and
/// the 64-bit FNV-1a hash of its content (0 for directories, little-endian),
/// all hashed with FNV-1a 64. Good for telling trees apart, not for
/// security.
public struct GeneratedTreeHash: Sendable {
  /// One written file or directory.
  struct Entry: Sendable {
    var path: String
    var isDirectory: Bool
    var contentHash: UInt64
  }

  private var entries: [Entry] = []

  init() {}

  mutating func addDirectory(_ relativePath: String) {
    entries.append(Entry(path: relativePath, isDirectory: true, contentHash: 0))
  }

  mutating func addFile(_ relativePath: String, contentHash: UInt64) {
    entries.append(Entry(path: relativePath, isDirectory: false, contentHash: contentHash))
  }

  mutating func append(contentsOf other: GeneratedTreeHash) {
    entries.append(contentsOf: other.entries)
  }

  /// The number of entries recorded.
  var count: Int { entries.count }

  /// FNV-1a 64 of `bytes`.
  static func contentHash(_ bytes: [UInt8]) -> UInt64 {
    var h = FNV1a64()
    h.combine(bytes)
    return h.value
  }

  /// The tree's hash. Sorting by path bytes with `/` taken as the lowest
  /// byte gives exactly the walk order (a component that is a prefix of a
  /// sibling's sorts first, and a directory before what is inside it).
  func value() -> UInt64 {
    var keyed: [([UInt8], Int)] = entries.enumerated().map { k, e in
      (e.path.utf8.map { $0 == 0x2F ? 0 : $0 }, k)
    }
    keyed.sort { $0.0.lexicographicallyPrecedes($1.0) }
    var h = FNV1a64()
    for (_, k) in keyed {
      let e = entries[k]
      h.combine(e.path.utf8)
      h.combine(CollectionOfOne(0))
      h.combine((e.isDirectory ? "directory" : "file").utf8)
      h.combine(CollectionOfOne(0))
      h.combineLittleEndian(e.contentHash)
    }
    return h.value
  }

  /// A hash as the 16 lowercase hex digits `--json` and the tests print.
  public static func hex(_ value: UInt64) -> String {
    let s = String(value, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
  }
}

/// The 64-bit FNV-1a hash (a copy of the test-support one, which the
/// library cannot import).
struct FNV1a64 {
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  @inline(__always)
  mutating func combine<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    var v = value
    for byte in bytes {
      v = (v ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    value = v
  }

  mutating func combineLittleEndian(_ word: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      combine(CollectionOfOne(UInt8(truncatingIfNeeded: word >> UInt64(shift))))
    }
  }
}
