#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A strict RFC 8259 parser with JavaScript's `JSON.parse` semantics for what
/// the RFC leaves open: numbers become doubles (out-of-range ones become
/// ±infinity), a repeated object key keeps its first position and its last
/// value, keys that are array indices come first in ascending order, and
/// `\u` escapes of lone surrogates are kept, in keys (see `JSONKey`) as in
/// values.
///
/// Deliberate choices for the grammar's implementation-defined corners (the
/// `i_` cases of JSONTestSuite):
/// - a UTF-8 byte order mark is rejected (Node's `JSON.parse` rejects one too,
///   so a server could not load such a file);
/// - invalid UTF-8 anywhere is rejected, with its byte offset; so are UTF-16
///   and UTF-32 encoded inputs, which are invalid UTF-8 or contain NUL;
/// - escaped lone surrogates (`"\ud800"`) are accepted and kept;
/// - huge exponents round to ±infinity and tiny ones to zero, as in Node;
/// - nesting deeper than `maxDepth` (512 by default) is rejected, so hostile
///   input cannot exhaust the stack.
public enum JSONParser {
  /// The default nesting limit of arrays and objects.
  public static let defaultMaxDepth = 512

  /// Parses one JSON document.
  /// - Throws: `JSONParseError` naming the kind, line and column.
  public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
    let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
      var parser = Parser(buffer, maxDepth: maxDepth)
      do throws(JSONParseError) {
        return .success(try parser.parseDocument())
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Parses one JSON document whose top level is an object, handing each
  /// element of the array under the top-level key `key` to `element` as
  /// soon as it is parsed instead of keeping it: the object returned holds
  /// `key` with an empty array. Memory then grows with the largest element,
  /// not with the array (a snapshot manifest's million file records).
  ///
  /// - Throws: `JSONParseError` as `parse`, and when `key` appears twice at
  ///   the top level (whose JSON.parse meaning, the last one wins, cannot be
  ///   streamed).
  public static func parse(
    _ bytes: [UInt8], streamingArrayAt key: String, maxDepth: Int = defaultMaxDepth,
    element: (JSONValue) -> Void
  ) throws(JSONParseError) -> JSONValue {
    try withoutActuallyEscaping(element) { element throws(JSONParseError) -> JSONValue in
      let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
        var parser = Parser(buffer, maxDepth: maxDepth)
        parser.streamedKey = key
        parser.streamedElement = element
        do throws(JSONParseError) {
          return .success(try parser.parseDocument())
        } catch {
          return .failure(error)
        }
      }
      return try result.get()
    }
  }

  /// Parses one JSON document from a string.
  public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
    try parse(Array(text.utf8), maxDepth: maxDepth)
  }
}

private let quote: UInt8 = 0x22
private let backslash: UInt8 = 0x5C

private struct Parser {
  let bytes: UnsafeBufferPointer<UInt8>
  let maxDepth: Int
  var i = 0
  var depth = 0
  /// Scratch space for strings with escapes, reused across strings.
  var scratch: [UInt8] = []
  /// Set when a string holds a scalar from U+100000 up (UTF-8 lead byte
  /// 0xF4), which a key may need to escape (`JSONKey`).
  var sawHighPlaneScalar = false
  /// Whether the key `parseKey` just returned is an array index.
  var keyIsArrayIndex = false
  /// A top-level key whose array's elements go to `streamedElement`
  /// instead of into the document.
  var streamedKey: String?
  var streamedElement: ((JSONValue) -> Void)?
  private var streamedOnce = false

  init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  func fail(_ kind: JSONParseError.Kind, _ reason: String, at offset: Int) -> JSONParseError {
    let (line, column) = JSONParseError.locate(offset, in: bytes)
    return JSONParseError(kind: kind, reason: reason, offset: offset, line: line, column: column)
  }

  func unexpected(at offset: Int, expecting: String) -> JSONParseError {
    if offset >= bytes.count {
      return fail(.unexpectedEnd, "unexpected end of input, expecting \(expecting)", at: offset)
    }
    let b = bytes[offset]
    let shown: String
    if b >= 0x20 && b < 0x7F {
      shown = "'\(Character(Unicode.Scalar(b)))'"
    } else if b == 0x0A {
      shown = "newline"
    } else {
      shown = "byte 0x\(String(b, radix: 16, uppercase: true))"
    }
    return fail(.unexpectedCharacter, "unexpected \(shown), expecting \(expecting)", at: offset)
  }

  mutating func parseDocument() throws(JSONParseError) -> JSONValue {
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
      throw fail(.byteOrderMark, "a UTF-8 byte order mark is not allowed in JSON", at: 0)
    }
    skipWhitespace()
    if i >= bytes.count {
      throw fail(.empty, "the file holds no JSON value", at: i)
    }
    let value = try parseValue()
    skipWhitespace()
    if i < bytes.count {
      throw fail(.trailingContent, "unexpected content after the JSON value", at: i)
    }
    return value
  }

  @inline(__always)
  mutating func skipWhitespace() {
    while i < bytes.count {
      switch bytes[i] {
      case 0x20, 0x0A, 0x0D, 0x09: i += 1
      default: return
      }
    }
  }

  mutating func parseValue() throws(JSONParseError) -> JSONValue {
    guard i < bytes.count else { throw unexpected(at: i, expecting: "a value") }
    switch bytes[i] {
    case quote:
      return try parseString()
    case 0x7B:  // {
      return try parseObject()
    case 0x5B:  // [
      return try parseArray()
    case 0x74:  // t
      try expectLiteral("true")
      return .bool(true)
    case 0x66:  // f
      try expectLiteral("false")
      return .bool(false)
    case 0x6E:  // n
      try expectLiteral("null")
      return .null
    case 0x2D, 0x30...0x39:
      return .number(try parseNumber())
    default:
      throw unexpected(at: i, expecting: "a value")
    }
  }

  mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
    let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
    for k in 0..<w.count {
      guard i + k < bytes.count, bytes[i + k] == w[k] else {
        throw unexpected(at: i + k, expecting: "'\(word)'")
      }
    }
    i += w.count
  }

  mutating func enter() throws(JSONParseError) {
    depth += 1
    if depth > maxDepth {
      throw fail(.nestingTooDeep, "arrays and objects nest deeper than \(maxDepth) levels", at: i)
    }
  }

  mutating func parseArray() throws(JSONParseError) -> JSONValue {
    var elements: [JSONValue] = []
    try streamArray { elements.append($0) }
    return .array(elements)
  }

  /// An array whose elements go to `element` one by one (inlined, so
  /// that `parseArray` pays no call per element).
  @inline(__always)
  mutating func streamArray(into element: (JSONValue) -> Void) throws(JSONParseError) {
    try enter()
    i += 1
    skipWhitespace()
    if i < bytes.count && bytes[i] == 0x5D {
      i += 1
      depth -= 1
      return
    }
    while true {
      skipWhitespace()
      element(try parseValue())
      skipWhitespace()
      guard i < bytes.count else { throw unexpected(at: i, expecting: "',' or ']'") }
      if bytes[i] == 0x2C {
        i += 1
      } else if bytes[i] == 0x5D {
        i += 1
        break
      } else {
        throw unexpected(at: i, expecting: "',' or ']'")
      }
    }
    depth -= 1
  }

  mutating func parseObject() throws(JSONParseError) -> JSONValue {
    try enter()
    i += 1
    var object = JSONObject()
    skipWhitespace()
    if i < bytes.count && bytes[i] == 0x7D {
      i += 1
      depth -= 1
      return .object(object)
    }
    var keySet: Set<String>? = nil
    var sawArrayIndex = false
    while true {
      skipWhitespace()
      guard i < bytes.count, bytes[i] == quote else {
        throw unexpected(at: i, expecting: "a string key")
      }
      let key = try parseKey()
      if keyIsArrayIndex { sawArrayIndex = true }
      skipWhitespace()
      guard i < bytes.count, bytes[i] == 0x3A else { throw unexpected(at: i, expecting: "':'") }
      i += 1
      skipWhitespace()
      let value: JSONValue
      if depth == 1, let streamedKey, let streamedElement, key == streamedKey, i < bytes.count, bytes[i] == 0x5B {
        if streamedOnce {
          throw fail(.unexpectedCharacter, "the key \"\(streamedKey)\" appears twice", at: i)
        }
        streamedOnce = true
        try streamArray(into: streamedElement)
        value = .array([])
      } else {
        value = try parseValue()
      }
      // JSON.parse semantics: a repeated key keeps its first position and
      // takes the last value. Keys are compared by their bytes (`JSONKey`).
      // Small objects are scanned; large ones hashed (`String` hashing
      // merges canonically equivalent keys, so a hit is confirmed by bytes).
      if object.count < 32 {
        if let at = object.index(of: key) {
          object.replaceValue(at: at, with: value)
        } else {
          object.appendUnchecked(key, value)
        }
      } else {
        if keySet == nil { keySet = Set(object.keys) }
        if keySet!.contains(key), let at = object.index(of: key) {
          object.replaceValue(at: at, with: value)
        } else {
          keySet!.insert(key)
          object.appendUnchecked(key, value)
        }
      }
      skipWhitespace()
      guard i < bytes.count else { throw unexpected(at: i, expecting: "',' or '}'") }
      if bytes[i] == 0x2C {
        i += 1
      } else if bytes[i] == 0x7D {
        i += 1
        break
      } else {
        throw unexpected(at: i, expecting: "',' or '}'")
      }
    }
    depth -= 1
    if sawArrayIndex { object.moveArrayIndicesFirst() }
    return .object(object)
  }

  // MARK: Numbers

  mutating func parseNumber() throws(JSONParseError) -> Double {
    let start = i
    var negative = false
    if bytes[i] == 0x2D {
      negative = true
      i += 1
    }
    guard i < bytes.count, isDigit(bytes[i]) else {
      throw unexpected(at: i, expecting: "a digit")
    }
    var simple = true
    var mantissa: UInt64 = 0
    var digitCount = 0
    if bytes[i] == 0x30 {
      i += 1
      if i < bytes.count && isDigit(bytes[i]) {
        throw fail(.invalidNumber, "a number may not have a leading zero", at: start)
      }
    } else {
      while i < bytes.count && isDigit(bytes[i]) {
        mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- 0x30)
        digitCount += 1
        i += 1
      }
    }
    if i < bytes.count && bytes[i] == 0x2E {
      simple = false
      i += 1
      guard i < bytes.count, isDigit(bytes[i]) else {
        throw unexpected(at: i, expecting: "a digit after the decimal point")
      }
      while i < bytes.count && isDigit(bytes[i]) { i += 1 }
    }
    if i < bytes.count && (bytes[i] == 0x65 || bytes[i] == 0x45) {
      simple = false
      i += 1
      if i < bytes.count && (bytes[i] == 0x2B || bytes[i] == 0x2D) { i += 1 }
      guard i < bytes.count, isDigit(bytes[i]) else {
        throw unexpected(at: i, expecting: "a digit in the exponent")
      }
      while i < bytes.count && isDigit(bytes[i]) { i += 1 }
    }
    // Integers of up to 15 digits are exact in a double: no strtod needed.
    if simple && digitCount <= 15 {
      if negative && mantissa == 0 { return -0.0 }
      let v = Double(mantissa)
      return negative ? -v : v
    }
    return convertWithStrtod(start, i)
  }

  func convertWithStrtod(_ start: Int, _ end: Int) -> Double {
    let length = end - start
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
      for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
      buffer[length] = 0
      // The grammar was checked above, and glibc's strtod rounds correctly.
      return strtod(buffer.baseAddress!, nil)
    }
  }

  @inline(__always)
  func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

  // MARK: Strings

  /// Parses an object key into its `JSONKey` spelling, and sets
  /// `keyIsArrayIndex`.
  mutating func parseKey() throws(JSONParseError) -> String {
    // Fast path: printable ASCII without escapes, as nearly every key is.
    let start = i + 1
    var k = start
    while k < bytes.count {
      let b = bytes[k]
      if b == quote {
        let utf8 = UnsafeBufferPointer(rebasing: bytes[start..<k])
        keyIsArrayIndex = k > start && bytes[start] &- 0x30 < 10 && JSONKey.arrayIndex(utf8) != nil
        i = k + 1
        return String(decoding: utf8, as: UTF8.self)
      }
      if b == backslash || b < 0x20 || b >= 0x80 { break }
      k += 1
    }
    sawHighPlaneScalar = false
    let key: String
    switch try parseString() {
    case .string(let s): key = sawHighPlaneScalar ? JSONKey.spelling(of: s) : s
    case .utf16String(let units): key = JSONKey.spelling(ofUTF16: units)
    default: preconditionFailure("parseString returns strings")
    }
    keyIsArrayIndex = JSONKey.arrayIndex(key) != nil
    return key
  }

  mutating func parseString() throws(JSONParseError) -> JSONValue {
    i += 1
    let start = i
    // Fast path: no escapes. ASCII runs are skipped a byte at a time; other
    // bytes are validated as UTF-8 in place.
    while i < bytes.count {
      let b = bytes[i]
      if b == quote {
        let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        i += 1
        return .string(s)
      }
      if b == backslash { break }
      if b < 0x20 {
        throw fail(.controlCharacterInString, "control character 0x\(hex2(b)) must be escaped in a string", at: i)
      }
      if b < 0x80 {
        i += 1
      } else {
        if b == JSONKey.reservedLeadByte { sawHighPlaneScalar = true }
        i = try validateUTF8Sequence(at: i)
      }
    }
    guard i < bytes.count else {
      throw fail(.unexpectedEnd, "unexpected end of input inside a string", at: i)
    }
    return try parseEscapedString(from: start)
  }

  /// Slow path: decodes escapes into `scratch` as WTF-8 (UTF-8 that may
  /// encode lone surrogates), then converts.
  mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> JSONValue {
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
    var hasLoneSurrogate = false
    while i < bytes.count {
      let b = bytes[i]
      if b == quote {
        i += 1
        if hasLoneSurrogate { return .utf16String(wtf8ToUTF16(scratch)) }
        return .string(String(decoding: scratch, as: UTF8.self))
      }
      if b == backslash {
        let escapeStart = i
        i += 1
        guard i < bytes.count else {
          throw fail(.unexpectedEnd, "unexpected end of input inside a string", at: i)
        }
        let e = bytes[i]
        i += 1
        switch e {
        case quote: scratch.append(quote)
        case backslash: scratch.append(backslash)
        case 0x2F: scratch.append(0x2F)
        case 0x62: scratch.append(0x08)
        case 0x66: scratch.append(0x0C)
        case 0x6E: scratch.append(0x0A)
        case 0x72: scratch.append(0x0D)
        case 0x74: scratch.append(0x09)
        case 0x75:
          let unit = try readHex4(escapeStart)
          if unit >= 0xD800 && unit < 0xDC00 {
            // A high surrogate pairs with an immediately following low one.
            if i + 5 < bytes.count && bytes[i] == backslash && bytes[i + 1] == 0x75 {
              let save = i
              i += 2
              let low = try readHex4(save)
              if low >= 0xDC00 && low < 0xE000 {
                let scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                if scalar >= 0x100000 { sawHighPlaneScalar = true }
                appendUTF8(scalar)
                continue
              }
              i = save
            }
            hasLoneSurrogate = true
          } else if unit >= 0xDC00 && unit < 0xE000 {
            hasLoneSurrogate = true
          }
          appendUTF8(UInt32(unit))
        default:
          throw fail(.invalidEscape, "invalid escape sequence in a string", at: escapeStart)
        }
        continue
      }
      if b < 0x20 {
        throw fail(.controlCharacterInString, "control character 0x\(hex2(b)) must be escaped in a string", at: i)
      }
      if b < 0x80 {
        scratch.append(b)
        i += 1
      } else {
        if b == JSONKey.reservedLeadByte { sawHighPlaneScalar = true }
        let next = try validateUTF8Sequence(at: i)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<next]))
        i = next
      }
    }
    throw fail(.unexpectedEnd, "unexpected end of input inside a string", at: i)
  }

  mutating func readHex4(_ escapeStart: Int) throws(JSONParseError) -> UInt16 {
    var v: UInt16 = 0
    for _ in 0..<4 {
      guard i < bytes.count else {
        throw fail(.unexpectedEnd, "unexpected end of input inside a \\u escape", at: i)
      }
      let b = bytes[i]
      let d: UInt8
      switch b {
      case 0x30...0x39: d = b - 0x30
      case 0x41...0x46: d = b - 0x41 + 10
      case 0x61...0x66: d = b - 0x61 + 10
      default: throw fail(.invalidEscape, "invalid \\u escape: expected four hex digits", at: escapeStart)
      }
      v = v << 4 | UInt16(d)
      i += 1
    }
    return v
  }

  /// Appends a code point (surrogates included) in generalized UTF-8.
  mutating func appendUTF8(_ c: UInt32) {
    appendGeneralizedUTF8(c, to: &scratch)
  }

  /// Checks the multi-byte UTF-8 sequence starting at `at`; returns the
  /// offset after it. Rejects overlong forms, encoded surrogates and code
  /// points above U+10FFFF.
  func validateUTF8Sequence(at start: Int) throws(JSONParseError) -> Int {
    let b0 = bytes[start]
    let length: Int
    var lower: UInt8 = 0x80
    var upper: UInt8 = 0xBF
    switch b0 {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      upper = 0x9F
    case 0xF0:
      length = 4
      lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      upper = 0x8F
    default:
      throw fail(.invalidUTF8, "invalid UTF-8 byte 0x\(hex2(b0))", at: start)
    }
    guard start + length <= bytes.count else {
      throw fail(.invalidUTF8, "truncated UTF-8 sequence", at: start)
    }
    let b1 = bytes[start + 1]
    guard b1 >= lower && b1 <= upper else {
      throw fail(.invalidUTF8, "invalid UTF-8 sequence", at: start)
    }
    for k in 2..<max(2, length) where bytes[start + k] & 0xC0 != 0x80 {
      throw fail(.invalidUTF8, "invalid UTF-8 sequence", at: start)
    }
    return start + length
  }
}

@inline(__always)
private func hex2(_ b: UInt8) -> String {
  let s = String(b, radix: 16, uppercase: true)
  return b < 0x10 ? "0" + s : s
}

/// Converts generalized UTF-8 (which may encode lone surrogates) to UTF-16.
private func wtf8ToUTF16(_ bytes: [UInt8]) -> [UInt16] {
  var out: [UInt16] = []
  out.reserveCapacity(bytes.count)
  var k = 0
  while k < bytes.count {
    let b0 = UInt32(bytes[k])
    var c: UInt32
    if b0 < 0x80 {
      c = b0
      k += 1
    } else if b0 < 0xE0 {
      c = (b0 & 0x1F) << 6 | UInt32(bytes[k + 1] & 0x3F)
      k += 2
    } else if b0 < 0xF0 {
      c = (b0 & 0x0F) << 12 | UInt32(bytes[k + 1] & 0x3F) << 6 | UInt32(bytes[k + 2] & 0x3F)
      k += 3
    } else {
      c = (b0 & 0x07) << 18 | UInt32(bytes[k + 1] & 0x3F) << 12 | UInt32(bytes[k + 2] & 0x3F) << 6
        | UInt32(bytes[k + 3] & 0x3F)
      k += 4
    }
    if c >= 0x10000 {
      c -= 0x10000
      out.append(UInt16(0xD800 + (c >> 10)))
      out.append(UInt16(0xDC00 + (c & 0x3FF)))
    } else {
      out.append(UInt16(c))
    }
  }
  return out
}

/// Appends a code point in UTF-8; surrogate code points get the 3-byte form
/// (generalized UTF-8), which the parser uses to carry lone surrogates.
@inline(__always)
func appendGeneralizedUTF8(_ c: UInt32, to out: inout [UInt8]) {
  switch c {
  case 0..<0x80:
    out.append(UInt8(c))
  case 0x80..<0x800:
    out.append(UInt8(0xC0 | (c >> 6)))
    out.append(UInt8(0x80 | (c & 0x3F)))
  case 0x800..<0x10000:
    out.append(UInt8(0xE0 | (c >> 12)))
    out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
    out.append(UInt8(0x80 | (c & 0x3F)))
  default:
    out.append(UInt8(0xF0 | (c >> 18)))
    out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
    out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
    out.append(UInt8(0x80 | (c & 0x3F)))
  }
}
