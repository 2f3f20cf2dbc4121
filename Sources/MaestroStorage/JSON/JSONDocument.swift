/// A parsed JSON file together with the style it was written in, so that a
/// rewrite keeps the file's style.
public struct JSONDocument: Sendable, Equatable {
  public var value: JSONValue
  public var style: JSONStyle

  public init(value: JSONValue, style: JSONStyle) {
    self.value = value
    self.style = style
  }

  /// Parses `bytes` and detects their style.
  public init(parsing bytes: [UInt8]) throws(JSONParseError) {
    value = try JSONParser.parse(bytes)
    style = JSONStyle.detect(bytes)
  }

  /// The bytes a Maestro server of this file's age would write.
  public func serialized() -> [UInt8] {
    JSONWriter.serialize(value, style: style)
  }

  /// Whether `bytes` are exactly what a server would write for their own
  /// content in `style` (by default the style they appear to be in).
  public static func isCanonical(_ bytes: [UInt8], style: JSONStyle? = nil) throws(JSONParseError) -> Bool {
    let value = try JSONParser.parse(bytes)
    return JSONWriter.serialize(value, style: style ?? JSONStyle.detect(bytes)) == bytes
  }
}
