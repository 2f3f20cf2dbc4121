/// A counter-based random stream: its numbers are a pure function of
/// (seed, entity kind, index, purpose) and of how many were drawn before.
///
/// `generate` draws every random choice from one of these, keyed by what the
/// choice is about, so a file's bytes never depend on which worker made it,
/// in which order, or on anything drawn for another entity. The key is
/// folded into a SplitMix64 state with the SplitMix64 finaliser (a strong
/// 64-bit mixer), and the stream then steps as SplitMix64 does.
struct GeneratorRandom {
  private var state: UInt64

  /// What a stream's entity index counts.
  enum Kind: UInt64 {
    case global = 1
    case project = 2
    case task = 3
    case session = 4
    case fault = 5
  }

  /// The stream for one (seed, kind, index, purpose).
  init(seed: UInt64, _ kind: Kind, _ index: Int, _ purpose: UInt64) {
    var s = Self.mix(seed &+ 0x243F_6A88_85A3_08D3)
    s = Self.mix(s ^ (kind.rawValue &* 0x9E37_79B9_7F4A_7C15))
    s = Self.mix(s ^ UInt64(bitPattern: Int64(index)))
    s = Self.mix(s ^ (purpose &* 0xD1B5_4A32_D192_ED03))
    state = s
  }

  /// The SplitMix64 finaliser (Stafford's variant 13).
  @inline(__always)
  static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The next 64 random bits.
  @inline(__always)
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return Self.mix(state)
  }

  /// A uniform integer in `0..<bound` (`bound` > 0), by Lemire's
  /// multiply-shift; the bias for the small bounds used here is below 2^-40.
  @inline(__always)
  mutating func int(_ bound: Int) -> Int {
    precondition(bound > 0)
    return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
  }

  /// A uniform integer in `range`.
  @inline(__always)
  mutating func int(in range: ClosedRange<Int>) -> Int {
    range.lowerBound + int(range.upperBound - range.lowerBound + 1)
  }

  /// A uniform `Int64` in `range`.
  @inline(__always)
  mutating func int64(in range: ClosedRange<Int64>) -> Int64 {
    range.lowerBound + Int64(int(Int(range.upperBound - range.lowerBound) + 1))
  }

  /// A double in [0, 1) with 53 random bits.
  @inline(__always)
  mutating func unit() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// True with probability `p`.
  @inline(__always)
  mutating func chance(_ p: Double) -> Bool {
    unit() < p
  }

  /// A uniformly chosen element of a non-empty array.
  @inline(__always)
  mutating func pick<T>(_ items: [T]) -> T {
    items[int(items.count)]
  }

  /// An element chosen by integer weights (`(value, weight)`, weights > 0).
  mutating func weighted<T>(_ items: [(T, Int)]) -> T {
    var total = 0
    for (_, w) in items { total += w }
    var r = int(total)
    for (value, w) in items {
      if r < w { return value }
      r -= w
    }
    return items[items.count - 1].0
  }

  /// Nine characters of `[0-9a-z]`, the random part of a Maestro id.
  ///
  /// Servers take `Math.random().toString(36).substr(2, 9)`, which is nine
  /// characters for all but about one draw in 10^13; drawing the nine
  /// base-36 digits directly gives the same shape without the cost of
  /// V8's radix printing (`IdGenerator.randomSuffix` reproduces that one).
  mutating func idSuffix() -> String {
    var value = next() % 101_559_956_668_416  // 36^9
    var bytes = [UInt8](repeating: 0, count: 9)
    for k in stride(from: 8, through: 0, by: -1) {
      bytes[k] = Self.base36[Int(value % 36)]
      value /= 36
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static let base36: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
}
