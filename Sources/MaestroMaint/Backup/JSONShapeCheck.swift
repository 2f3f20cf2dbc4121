/// A fast, allocation-free check that bytes are one complete JSON text
/// (RFC 8259 grammar: objects, arrays, strings with valid escapes and no raw
/// control characters, numbers, literals; whitespace around), used by
/// `backup create` to tell a half-written `.json` file from a whole one.
///
/// It checks structure only: UTF-8 validity and value semantics are
/// `check`'s business. About 5–10× faster than building a `JSONValue`, which
/// matters when every file of a data dir goes through it.
enum JSONShapeCheck {
  /// Whether `bytes` is exactly one JSON value with optional surrounding whitespace.
  static func isComplete(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 512) -> Bool {
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
    var scanner = Scanner(p: base, end: bytes.count, maxDepth: maxDepth)
    scanner.skipSpace()
    guard scanner.value(depth: 0) else { return false }
    scanner.skipSpace()
    return scanner.i == scanner.end
  }

  /// `isComplete` for an array.
  static func isComplete(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { isComplete($0) }
  }

  private struct Scanner {
    let p: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var i = 0

    init(p: UnsafePointer<UInt8>, end: Int, maxDepth: Int) {
      self.p = p
      self.end = end
      self.maxDepth = maxDepth
    }

    @inline(__always) mutating func skipSpace() {
      while i < end {
        let c = p[i]
        guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
        i += 1
      }
    }

    @inline(__always) mutating func literal(_ text: StaticString) -> Bool {
      let n = text.utf8CodeUnitCount
      guard end - i >= n else { return false }
      let t = text.utf8Start
      for k in 0..<n where p[i + k] != t[k] { return false }
      i += n
      return true
    }

    mutating func value(depth: Int) -> Bool {
      guard i < end else { return false }
      switch p[i] {
      case UInt8(ascii: "{"):
        guard depth < maxDepth else { return false }
        i += 1
        skipSpace()
        if i < end && p[i] == UInt8(ascii: "}") {
          i += 1
          return true
        }
        while true {
          skipSpace()
          guard i < end, p[i] == UInt8(ascii: "\""), string() else { return false }
          skipSpace()
          guard i < end, p[i] == UInt8(ascii: ":") else { return false }
          i += 1
          skipSpace()
          guard value(depth: depth + 1) else { return false }
          skipSpace()
          guard i < end else { return false }
          if p[i] == UInt8(ascii: ",") {
            i += 1
            continue
          }
          guard p[i] == UInt8(ascii: "}") else { return false }
          i += 1
          return true
        }
      case UInt8(ascii: "["):
        guard depth < maxDepth else { return false }
        i += 1
        skipSpace()
        if i < end && p[i] == UInt8(ascii: "]") {
          i += 1
          return true
        }
        while true {
          skipSpace()
          guard value(depth: depth + 1) else { return false }
          skipSpace()
          guard i < end else { return false }
          if p[i] == UInt8(ascii: ",") {
            i += 1
            continue
          }
          guard p[i] == UInt8(ascii: "]") else { return false }
          i += 1
          return true
        }
      case UInt8(ascii: "\""): return string()
      case UInt8(ascii: "t"): return literal("true")
      case UInt8(ascii: "f"): return literal("false")
      case UInt8(ascii: "n"): return literal("null")
      default: return number()
      }
    }

    /// A string starting at the opening quote.
    mutating func string() -> Bool {
      i += 1
      while i < end {
        let c = p[i]
        if c == UInt8(ascii: "\"") {
          i += 1
          return true
        }
        if c < 0x20 { return false }
        if c == UInt8(ascii: "\\") {
          i += 1
          guard i < end else { return false }
          switch p[i] {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 1
          case UInt8(ascii: "u"):
            guard end - i > 4 else { return false }
            for k in 1...4 where !Self.isHex(p[i + k]) { return false }
            i += 5
          default: return false
          }
          continue
        }
        i += 1
      }
      return false
    }

    mutating func number() -> Bool {
      if i < end && p[i] == UInt8(ascii: "-") { i += 1 }
      guard i < end else { return false }
      if p[i] == UInt8(ascii: "0") {
        i += 1
      } else {
        guard Self.isDigit(p[i]) else { return false }
        while i < end && Self.isDigit(p[i]) { i += 1 }
      }
      if i < end && p[i] == UInt8(ascii: ".") {
        i += 1
        guard i < end && Self.isDigit(p[i]) else { return false }
        while i < end && Self.isDigit(p[i]) { i += 1 }
      }
      if i < end && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
        i += 1
        if i < end && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
        guard i < end && Self.isDigit(p[i]) else { return false }
        while i < end && Self.isDigit(p[i]) { i += 1 }
      }
      return true
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isHex(_ c: UInt8) -> Bool {
      isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }
  }
}
