#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An entity id as a compact hashable value: ids of up to 31 UTF-8 bytes
/// (every id servers generate: `task_<13 digits>_<9 chars>` is 28) are held
/// inline, with no heap allocation; longer ones fall back to a `String`.
///
/// `check` keeps hundreds of thousands of ids and link ids at once; as
/// Swift strings above 15 bytes each would cost a heap object, and hashing
/// four machine words is cheaper than hashing a string.
struct EntityKey: Hashable, Sendable, CustomStringConvertible {
  private enum Storage: Hashable, Sendable {
    /// Bytes 0–30 hold the id, byte 31 its length.
    case inline(UInt64, UInt64, UInt64, UInt64)
    case heap(String)
  }

  private let storage: Storage

  /// The key of `id`.
  init(_ id: String) {
    var id = id
    storage = id.withUTF8 { bytes -> Storage in
      guard bytes.count <= 31, let base = bytes.baseAddress else {
        return bytes.isEmpty ? .inline(0, 0, 0, 0) : .heap(String(decoding: bytes, as: UTF8.self))
      }
      var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
      withUnsafeMutableBytes(of: &words) { raw in
        raw.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        raw[31] = UInt8(bytes.count)
      }
      return .inline(words.0, words.1, words.2, words.3)
    }
  }

  /// The id as a string.
  var string: String {
    switch storage {
    case .heap(let s):
      return s
    case .inline(let a, let b, let c, let d):
      var words = (a, b, c, d)
      return withUnsafeBytes(of: &words) { raw in
        String(decoding: raw.prefix(Int(raw[31])), as: UTF8.self)
      }
    }
  }

  /// The id.
  var description: String { string }

  /// A hash for `RecordTable`: the inline words mixed by multiplication
  /// (fast, and only ever used to spread keys over slots).
  var fastHash: Int {
    switch storage {
    case .heap(let s):
      return s.hashValue
    case .inline(let a, let b, let c, let d):
      var h = a &* 0x9E37_79B9_7F4A_7C15
      h = (h ^ (h >> 29) ^ b) &* 0xBF58_476D_1CE4_E5B9
      h = (h ^ (h >> 32) ^ c) &* 0x94D0_49BB_1331_11EB
      h = (h ^ (h >> 29) ^ d) &* 0x9E37_79B9_7F4A_7C15
      return Int(truncatingIfNeeded: h ^ (h >> 32))
    }
  }

  /// Whether this key's id sorts before `other`'s, bytewise.
  func precedes(_ other: EntityKey) -> Bool {
    string.utf8.lexicographicallyPrecedes(other.string.utf8)
  }
}
