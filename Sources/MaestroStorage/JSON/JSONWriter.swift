/// The two ways Maestro servers print a file.
public enum JSONStyle: String, Sendable, Equatable, CaseIterable {
  /// `JSON.stringify(value, null, 2)`: servers of the seed's age.
  case pretty
  /// `JSON.stringify(value)`: newer servers.
  case compact

  /// The style a file was written in: two-space when a newline follows the
  /// opening bracket, compact otherwise. A scalar or an empty container
  /// prints the same in both and reports compact.
  public static func detect(_ bytes: [UInt8]) -> JSONStyle {
    var k = 0
    while k < bytes.count, bytes[k] == 0x20 || bytes[k] == 0x09 || bytes[k] == 0x0D || bytes[k] == 0x0A {
      k += 1
    }
    guard k + 1 < bytes.count, bytes[k] == 0x7B || bytes[k] == 0x5B else { return .compact }
    return bytes[k + 1] == 0x0A ? .pretty : .compact
  }
}

/// Prints `JSONValue`s exactly as Node's `JSON.stringify` does.
public enum JSONWriter {
  /// The bytes `JSON.stringify(value, null, 2)` (pretty) or
  /// `JSON.stringify(value)` (compact) would give, without a trailing newline.
  public static func serialize(_ value: JSONValue, style: JSONStyle) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(2048)
    serialize(value, style: style, into: &out)
    return out
  }

  /// Appends the printed form of `value` to `out`.
  public static func serialize(_ value: JSONValue, style: JSONStyle, into out: inout [UInt8]) {
    switch style {
    case .pretty: writePretty(value, indent: 0, &out)
    case .compact: writeCompact(value, &out)
    }
  }

  /// The printed form as a string.
  public static func string(_ value: JSONValue, style: JSONStyle) -> String {
    String(decoding: serialize(value, style: style), as: UTF8.self)
  }

  private static func writeCompact(_ value: JSONValue, _ out: inout [UInt8]) {
    switch value {
    case .array(let elements):
      guard !elements.isEmpty else {
        out.append(0x5B)
        out.append(0x5D)
        return
      }
      out.append(0x5B)
      for (n, element) in elements.enumerated() {
        if n > 0 { out.append(0x2C) }
        writeCompact(element, &out)
      }
      out.append(0x5D)
    case .object(let object):
      out.append(0x7B)
      var first = true
      for (key, member) in object {
        if !first { out.append(0x2C) }
        first = false
        writeKey(key, &out)
        out.append(0x3A)
        writeCompact(member, &out)
      }
      out.append(0x7D)
    default:
      writeScalar(value, &out)
    }
  }

  private static func writePretty(_ value: JSONValue, indent: Int, _ out: inout [UInt8]) {
    switch value {
    case .array(let elements):
      guard !elements.isEmpty else {
        out.append(0x5B)
        out.append(0x5D)
        return
      }
      out.append(0x5B)
      for (n, element) in elements.enumerated() {
        if n > 0 { out.append(0x2C) }
        newline(indent + 2, &out)
        writePretty(element, indent: indent + 2, &out)
      }
      newline(indent, &out)
      out.append(0x5D)
    case .object(let object):
      guard !object.isEmpty else {
        out.append(0x7B)
        out.append(0x7D)
        return
      }
      out.append(0x7B)
      var first = true
      for (key, member) in object {
        if !first { out.append(0x2C) }
        first = false
        newline(indent + 2, &out)
        writeKey(key, &out)
        out.append(0x3A)
        out.append(0x20)
        writePretty(member, indent: indent + 2, &out)
      }
      newline(indent, &out)
      out.append(0x7D)
    default:
      writeScalar(value, &out)
    }
  }

  @inline(__always)
  private static func newline(_ indent: Int, _ out: inout [UInt8]) {
    out.append(0x0A)
    for _ in 0..<indent { out.append(0x20) }
  }

  private static func writeScalar(_ value: JSONValue, _ out: inout [UInt8]) {
    switch value {
    case .null: out.append(contentsOf: nullBytes)
    case .bool(let b): out.append(contentsOf: b ? trueBytes : falseBytes)
    case .number(let d): JSNumberFormat.append(d, to: &out)
    case .string(let s): writeString(s, &out)
    case .utf16String(let units): writeUTF16String(units, &out)
    case .array, .object: preconditionFailure("containers are printed by the caller")
    }
  }

  private static let nullBytes: [UInt8] = Array("null".utf8)
  private static let trueBytes: [UInt8] = Array("true".utf8)
  private static let falseBytes: [UInt8] = Array("false".utf8)

  /// Prints an object key, undoing `JSONKey`'s escapes: a key that stands
  /// for a lone surrogate prints it as `\udxxx`, as Node does.
  static func writeKey(_ key: String, _ out: inout [UInt8]) {
    writeString(key, &out, isKey: true)
  }

  static func writeString(_ s: String, _ out: inout [UInt8]) {
    writeString(s, &out, isKey: false)
  }

  @inline(__always)
  private static func writeString(_ s: String, _ out: inout [UInt8], isKey: Bool) {
    var s = s
    let start = out.count
    let escaped = s.withUTF8 { utf8 -> Bool in
      out.append(0x22)
      var runStart = 0
      for k in 0..<utf8.count {
        let b = utf8[k]
        if b >= 0x20 && b != 0x22 && b != 0x5C && (!isKey || b != JSONKey.reservedLeadByte) { continue }
        // A key may hold `JSONKey` escapes: printed from its code units.
        if isKey && b == JSONKey.reservedLeadByte { return true }
        if runStart < k { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<k])) }
        appendEscape(b, &out)
        runStart = k + 1
      }
      if runStart < utf8.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
      out.append(0x22)
      return false
    }
    if escaped {
      out.removeSubrange(start...)
      writeUTF16String(JSONKey.utf16(of: s), &out)
    }
  }

  static func writeUTF16String(_ units: [UInt16], _ out: inout [UInt8]) {
    out.append(0x22)
    var k = 0
    while k < units.count {
      let u = units[k]
      if u < 0x80 {
        let b = UInt8(u)
        if b < 0x20 || b == 0x22 || b == 0x5C { appendEscape(b, &out) } else { out.append(b) }
        k += 1
      } else if u >= 0xD800 && u < 0xDC00 && k + 1 < units.count && units[k + 1] >= 0xDC00 && units[k + 1] < 0xE000 {
        let scalar = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[k + 1]) - 0xDC00)
        appendGeneralizedUTF8(scalar, to: &out)
        k += 2
      } else if u >= 0xD800 && u < 0xE000 {
        // Well-formed JSON.stringify prints a lone surrogate as \udxxx.
        out.append(contentsOf: [0x5C, 0x75])
        appendHex4(u, &out)
        k += 1
      } else {
        appendGeneralizedUTF8(UInt32(u), to: &out)
        k += 1
      }
    }
    out.append(0x22)
  }

  @inline(__always)
  private static func appendEscape(_ b: UInt8, _ out: inout [UInt8]) {
    out.append(0x5C)
    switch b {
    case 0x22: out.append(0x22)
    case 0x5C: out.append(0x5C)
    case 0x08: out.append(0x62)
    case 0x0C: out.append(0x66)
    case 0x0A: out.append(0x6E)
    case 0x0D: out.append(0x72)
    case 0x09: out.append(0x74)
    default:
      out.append(0x75)
      appendHex4(UInt16(b), &out)
    }
  }

  private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  private static func appendHex4(_ u: UInt16, _ out: inout [UInt8]) {
    out.append(hexDigits[Int(u >> 12 & 0xF)])
    out.append(hexDigits[Int(u >> 8 & 0xF)])
    out.append(hexDigits[Int(u >> 4 & 0xF)])
    out.append(hexDigits[Int(u & 0xF)])
  }
}
