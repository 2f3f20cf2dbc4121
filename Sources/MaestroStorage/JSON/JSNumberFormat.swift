/// JavaScript's `Number.prototype.toString()` for doubles (ECMA-262
/// Number::toString, radix 10), as `JSON.stringify` prints numbers.
///
/// The shortest round-trip digits come from Swift's `description` (the same
/// shortest-digits guarantee V8 gives); only the layout differs, so the
/// digits and the decimal exponent are taken from it and laid out by the
/// ECMAScript rules: plain notation for exponents in [-6, 21), otherwise
/// `d.ddde+N`. Non-finite numbers print as `null`, `-0` as `0`.
public enum JSNumberFormat {
  /// The text JavaScript prints for `value`.
  public static func string(_ value: Double) -> String {
    var out: [UInt8] = []
    append(value, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends the text JavaScript prints for `value`.
  public static func append(_ value: Double, to out: inout [UInt8]) {
    guard value.isFinite else {
      out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
      return
    }
    if value == 0 {
      out.append(0x30)
      return
    }
    // Integers below 2^53 print as themselves: the common case (timestamps).
    if value == value.rounded(.towardZero) && abs(value) < 9_007_199_254_740_992 {
      appendInteger(Int64(value), &out)
      return
    }
    if value < 0 { out.append(0x2D) }
    let (digits, n) = shortestDigits(abs(value))
    let k = digits.count
    if k <= n && n <= 21 {
      out.append(contentsOf: digits)
      for _ in 0..<(n - k) { out.append(0x30) }
    } else if 0 < n && n <= 21 {
      out.append(contentsOf: digits[0..<n])
      out.append(0x2E)
      out.append(contentsOf: digits[n...])
    } else if -6 < n && n <= 0 {
      out.append(0x30)
      out.append(0x2E)
      for _ in 0..<(-n) { out.append(0x30) }
      out.append(contentsOf: digits)
    } else {
      out.append(digits[0])
      if k > 1 {
        out.append(0x2E)
        out.append(contentsOf: digits[1...])
      }
      out.append(0x65)
      let e = n - 1
      out.append(e < 0 ? 0x2D : 0x2B)
      appendInteger(Int64(abs(e)), &out)
    }
  }

  private static func appendInteger(_ v: Int64, _ out: inout [UInt8]) {
    if v < 0 { out.append(0x2D) }
    var m = v.magnitude
    var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    withUnsafeMutableBytes(of: &tmp) { buf in
      repeat {
        buf[19 - count] = UInt8(m % 10) + 0x30
        m /= 10
        count += 1
      } while m > 0
      out.append(contentsOf: buf[(20 - count)...])
    }
  }

  /// The shortest digits `d1…dk` (no leading or trailing zeros) and the
  /// exponent `n` with `value == 0.d1…dk × 10^n`, for a positive finite value.
  static func shortestDigits(_ value: Double) -> (digits: [UInt8], n: Int) {
    // Swift prints e.g. "1e-07", "123.456", "1.2345678901234568e+20", "5e-324".
    let text = Array(value.description.utf8)
    var mantissa: [UInt8] = []
    var pointIndex: Int? = nil
    var exponent = 0
    var k = 0
    while k < text.count {
      let c = text[k]
      if c == 0x2E {
        pointIndex = mantissa.count
      } else if c == 0x65 || c == 0x45 {
        exponent = Int(String(decoding: text[(k + 1)...], as: UTF8.self))!
        break
      } else {
        mantissa.append(c)
      }
      k += 1
    }
    var n = (pointIndex ?? mantissa.count) + exponent
    var start = 0
    while start < mantissa.count - 1 && mantissa[start] == 0x30 {
      start += 1
      n -= 1
    }
    var end = mantissa.count
    while end > start + 1 && mantissa[end - 1] == 0x30 { end -= 1 }
    return (Array(mantissa[start..<end]), n)
  }
}
