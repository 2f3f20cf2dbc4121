/// How object keys are held: as Swift `String`s that keep every key
/// JavaScript can hold, compared code unit for code unit.
///
/// A JavaScript key is any sequence of UTF-16 code units, lone surrogates
/// included (`{"\ud800":1}` is a valid key, and `JSON.stringify` writes it
/// back as `\ud800`). A Swift `String` cannot hold a lone surrogate, and its
/// `==` treats canonically equivalent strings as equal (`"é"` precomposed
/// equals `"e"` + U+0301), where JavaScript keeps them as two keys. So:
///
/// - a key is spelled as its `String` when it is well-formed Unicode and
///   holds no scalar of the reserved range U+10F7FF...U+10FFFF (every key a
///   Maestro server writes);
/// - otherwise it is escaped into that range, which makes the spelling
///   injective: a lone surrogate `0xD800 + n` becomes the scalar
///   `U+10F800 + n`, and a literal reserved scalar is written after the
///   marker U+10F7FF. `JSONWriter` undoes it, so such keys print exactly as
///   Node prints them;
/// - keys are compared by their UTF-8 bytes (`same(_:_:)`), never with
///   `String.==`.
///
/// Code that names a field (`object["sessionIds"]`) uses plain strings, which
/// are their own spelling. Only a key built from arbitrary text that may hold
/// reserved scalars needs `spelling(of:)`.
///
/// Key order follows JavaScript objects: keys that are array indices
/// (`arrayIndex(_:)`) come first in ascending numeric order, then the others in
/// insertion order; `JSONObject` keeps that order.
public enum JSONKey {
  /// The first scalar of the reserved range: the marker before a literal
  /// reserved scalar.
  static let marker: UInt32 = 0x10F7FF
  /// Where lone surrogates are mapped: `0xD800 + n` becomes `surrogateBase + n`.
  static let surrogateBase: UInt32 = 0x10F800
  /// The UTF-8 lead byte of every reserved scalar (and of U+100000...U+10F7FE).
  static let reservedLeadByte: UInt8 = 0xF4

  /// The key spelling of a UTF-16 code unit sequence (a JavaScript string).
  public static func spelling(ofUTF16 units: [UInt16]) -> String {
    var scalars = String.UnicodeScalarView()
    var k = 0
    while k < units.count {
      let u = units[k]
      if UTF16.isLeadSurrogate(u), k + 1 < units.count, UTF16.isTrailSurrogate(units[k + 1]) {
        let value = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[k + 1]) - 0xDC00)
        append(value, to: &scalars)
        k += 2
      } else if UTF16.isLeadSurrogate(u) || UTF16.isTrailSurrogate(u) {
        scalars.append(Unicode.Scalar(surrogateBase + UInt32(u) - 0xD800)!)
        k += 1
      } else {
        scalars.append(Unicode.Scalar(UInt32(u))!)
        k += 1
      }
    }
    return String(scalars)
  }

  /// The key spelling of well-formed text: the text itself unless it holds
  /// reserved scalars, which are escaped.
  public static func spelling(of text: String) -> String {
    guard text.utf8.contains(reservedLeadByte) else { return text }
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars { append(scalar.value, to: &scalars) }
    return String(scalars)
  }

  private static func append(_ value: UInt32, to scalars: inout String.UnicodeScalarView) {
    if value >= marker { scalars.append(Unicode.Scalar(marker)!) }
    scalars.append(Unicode.Scalar(value)!)
  }

  /// The UTF-16 code units of the JavaScript string a key spelling stands for.
  public static func utf16(of key: String) -> [UInt16] {
    guard key.utf8.contains(reservedLeadByte) else { return Array(key.utf16) }
    var units: [UInt16] = []
    var escaped = false
    for scalar in key.unicodeScalars {
      let value = scalar.value
      if !escaped && value == marker {
        escaped = true
        continue
      }
      if !escaped && value >= surrogateBase {
        units.append(UInt16(value - surrogateBase + 0xD800))
      } else {
        units.append(contentsOf: scalar.utf16)
      }
      escaped = false
    }
    return units
  }

  /// Whether two spellings are the same key: equal code units, as in
  /// JavaScript (`String.==` would also match canonically equivalent keys).
  @inline(__always)
  public static func same(_ a: String, _ b: String) -> Bool {
    // Byte equality implies `==`; `==` is the fast rejection.
    a == b && a.utf8.elementsEqual(b.utf8)
  }

  /// The numeric value of a key that is a JavaScript array index (the
  /// canonical decimal form of an integer in 0...2^32-2: `"0"`, `"42"`, but
  /// not `"01"`, `"-0"`, `"1e3"` or `"4294967295"`), or nil.
  @inline(__always)
  public static func arrayIndex(_ key: String) -> UInt32? {
    guard let first = key.utf8.first, first &- 0x30 < 10 else { return nil }
    var key = key
    return key.withUTF8 { arrayIndex($0) }
  }

  /// `arrayIndex` over a key's UTF-8 bytes.
  static func arrayIndex(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt32? {
    guard !utf8.isEmpty, utf8.count <= 10 else { return nil }
    if utf8[0] == 0x30 { return utf8.count == 1 ? 0 : nil }
    var value: UInt64 = 0
    for b in utf8 {
      let digit = b &- 0x30
      guard digit < 10 else { return nil }
      value = value * 10 + UInt64(digit)
    }
    return value < 0xFFFF_FFFF ? UInt32(value) : nil
  }
}
