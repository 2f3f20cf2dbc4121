#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

import Synchronization

/// An entity id as a compact hashable value of 32 bytes: ids of up to 31
/// UTF-8 bytes (every id servers generate: `task_<13 digits>_<9 chars>` is
/// 28) are held inline, with no heap allocation; longer ones are interned
/// (`LongIds`) and held by their number.
///
/// `check` keeps millions of ids and link ids at once; as Swift strings
/// above 15 bytes each would cost a heap object, and hashing four machine
/// words is cheaper than hashing a string. Exactly 32 bytes (no enum tag)
/// keeps a link list's element at 32 bytes rather than 40.
struct EntityKey: Hashable, Sendable, CustomStringConvertible {
  /// Bytes 0–30 hold the id and byte 31 its length; for an interned id,
  /// `a` is its number and byte 31 is `LongIds.marker`.
  private let a: UInt64
  private let b: UInt64
  private let c: UInt64
  private let d: UInt64

  /// The key of `id`.
  init(_ id: String) {
    var id = id
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    let inline = id.withUTF8 { bytes -> Bool in
      guard bytes.count <= 31, let base = bytes.baseAddress else { return bytes.isEmpty }
      withUnsafeMutableBytes(of: &words) { raw in
        raw.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        raw[31] = UInt8(bytes.count)
      }
      return true
    }
    if !inline {
      words = (UInt64(LongIds.shared.number(of: id)), 0, 0, 0)
      withUnsafeMutableBytes(of: &words) { $0[31] = LongIds.marker }
    }
    (a, b, c, d) = words
  }

  private var isInterned: Bool { d >> 56 == UInt64(LongIds.marker) }

  /// The id as a string.
  var string: String {
    if isInterned { return LongIds.shared.id(number: Int(a)) }
    var words = (a, b, c, d)
    return withUnsafeBytes(of: &words) { raw in
      String(decoding: raw.prefix(Int(raw[31])), as: UTF8.self)
    }
  }

  /// The id.
  var description: String { string }

  /// A hash for `RecordTable`: the words mixed by multiplication (fast,
  /// and only ever used to spread keys over slots).
  var fastHash: Int {
    var h = a &* 0x9E37_79B9_7F4A_7C15
    h = (h ^ (h >> 29) ^ b) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 32) ^ c) &* 0x94D0_49BB_1331_11EB
    h = (h ^ (h >> 29) ^ d) &* 0x9E37_79B9_7F4A_7C15
    return Int(truncatingIfNeeded: h ^ (h >> 32))
  }

  /// Whether this key's id sorts before `other`'s, bytewise.
  func precedes(_ other: EntityKey) -> Bool {
    string.utf8.lexicographicallyPrecedes(other.string.utf8)
  }

  /// The ids longer than 31 bytes seen by this process, numbered in order
  /// of appearance (rare: servers never generate them). Equal ids (as
  /// strings compare) get one number, so keys compare by their words.
  final class LongIds: Sendable {
    /// Byte 31 of an interned key (inline lengths are 0–31).
    static let marker: UInt8 = 0xFF
    /// The process's table.
    static let shared = LongIds()
    private let table = Mutex<(numbers: [String: Int], ids: [String])>(([:], []))

    /// `id`'s number, given on first sight.
    func number(of id: String) -> Int {
      table.withLock { table in
        if let n = table.numbers[id] { return n }
        table.ids.append(id)
        table.numbers[id] = table.ids.count - 1
        return table.ids.count - 1
      }
    }

    /// The id numbered `number`.
    func id(number: Int) -> String {
      table.withLock { $0.ids[number] }
    }
  }
}
