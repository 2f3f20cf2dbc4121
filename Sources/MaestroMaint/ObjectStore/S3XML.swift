/// Just enough XML for S3's answers: the text of named elements, in order,
/// optionally inside each occurrence of an enclosing element.
///
/// S3 answers are flat, machine-written documents (no CDATA, no comments
/// inside values), so a scan for `<Name>…</Name>` with entity decoding reads
/// them exactly; a full XML parser would add a dependency for nothing.
struct S3XML {
  /// The document.
  let text: Substring

  /// A document from an answer's bytes.
  init(_ bytes: [UInt8]) {
    text = Substring(String(decoding: bytes, as: UTF8.self))
  }

  private init(_ text: Substring) {
    self.text = text
  }

  /// The decoded text of every `<name>…</name>`, in document order.
  func values(_ name: String) -> [String] {
    elements(name).map { Self.decoded($0.text) }
  }

  /// The first `<name>` value, or `nil`.
  func value(_ name: String) -> String? {
    elements(name).first.map { Self.decoded($0.text) }
  }

  /// Every `<name>…</name>` as a document of its own (`<Contents>` of a listing).
  func elements(_ name: String) -> [S3XML] {
    let open = "<\(name)>"
    let openWithAttributes = "<\(name) "
    let close = "</\(name)>"
    var result: [S3XML] = []
    var rest = text[...]
    while let start = Self.find(open, in: rest) ?? Self.find(openWithAttributes, in: rest) {
      var contentStart = start.upperBound
      if rest[start].hasSuffix(" ") {
        guard let end = rest[contentStart...].firstIndex(of: ">") else { break }
        contentStart = rest.index(after: end)
      }
      guard let end = Self.find(close, in: rest[contentStart...]) else { break }
      result.append(S3XML(rest[contentStart..<end.lowerBound]))
      rest = rest[end.upperBound...]
    }
    return result
  }

  /// The first occurrence of `needle` in `haystack`.
  static func find(_ needle: String, in haystack: Substring) -> Range<Substring.Index>? {
    let n = Array(needle.utf8)
    guard let first = n.first else { return nil }
    let utf8 = haystack.utf8
    var i = utf8.startIndex
    while let at = utf8[i...].firstIndex(of: first) {
      if utf8[at...].starts(with: n) {
        return at..<utf8.index(at, offsetBy: n.count)
      }
      i = utf8.index(after: at)
    }
    return nil
  }

  /// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and numeric references decoded.
  static func decoded(_ text: Substring) -> String {
    guard text.contains("&") else { return String(text) }
    var out = ""
    var rest = text[...]
    while let amp = rest.firstIndex(of: "&") {
      out += rest[..<amp]
      guard let semi = rest[amp...].firstIndex(of: ";") else { break }
      let entity = rest[rest.index(after: amp)..<semi]
      switch entity {
      case "amp": out += "&"
      case "lt": out += "<"
      case "gt": out += ">"
      case "quot": out += "\""
      case "apos": out += "'"
      default:
        var scalar: UInt32?
        if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16) } else if entity.hasPrefix("#") {
          scalar = UInt32(entity.dropFirst(), radix: 10)
        }
        if let scalar, let u = Unicode.Scalar(scalar) { out.unicodeScalars.append(u) } else { out += rest[amp...semi] }
      }
      rest = rest[rest.index(after: semi)...]
    }
    return out + rest
  }

  /// `text` with `&`, `<`, `>` escaped, for request bodies.
  static func escaped(_ text: String) -> String {
    var out = ""
    for c in text {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(c)
      }
    }
    return out
  }
}
