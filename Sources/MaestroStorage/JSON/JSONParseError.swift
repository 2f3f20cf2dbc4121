/// Why a byte sequence is not a JSON document, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The class of problem, stable for programs.
  public enum Kind: String, Sendable, Equatable {
    case empty
    case unexpectedCharacter
    case unexpectedEnd
    case invalidUTF8
    case invalidNumber
    case invalidEscape
    case controlCharacterInString
    case trailingContent
    case byteOrderMark
    case nestingTooDeep
  }

  public var kind: Kind
  /// What was wrong, in words.
  public var reason: String
  /// Zero-based byte offset of the problem.
  public var offset: Int
  /// One-based line of the problem.
  public var line: Int
  /// One-based column of the problem, counted in Unicode scalars.
  public var column: Int

  public init(kind: Kind, reason: String, offset: Int, line: Int, column: Int) {
    self.kind = kind
    self.reason = reason
    self.offset = offset
    self.line = line
    self.column = column
  }

  /// Whether the input ended before the document did: a file cut short, as a
  /// crash during an in-place write leaves it.
  public var isTruncation: Bool { kind == .unexpectedEnd }

  public var description: String {
    if kind == .invalidUTF8 {
      return "\(reason) at byte offset \(offset) (line \(line), column \(column))"
    }
    return "\(reason) at line \(line), column \(column)"
  }

  /// Locates `offset` in `bytes` as a line and a column.
  static func locate(_ offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    var i = 0
    let end = min(offset, bytes.count)
    while i < end {
      let b = bytes[i]
      if b == 0x0A {
        line += 1
        column = 1
      } else if b & 0xC0 != 0x80 {
        column += 1
      }
      i += 1
    }
    return (line, column)
  }
}
