// Typed field access shared by the entity views. Every getter is lenient (a
// missing or wrong-typed member reads as nil) because real data can be damaged
// and a checker must still be able to load it; every setter writes through
// `JSONObject`'s subscript so an existing key keeps its position.

extension JSONObject {
  /// The string at `key`, or nil if absent or not a well-formed string.
  func string(_ key: String) -> String? {
    self[key]?.stringValue
  }

  /// The number at `key`, or nil if absent or not a number.
  func number(_ key: String) -> Double? {
    self[key]?.numberValue
  }

  /// The Boolean at `key`, or nil if absent or not a Boolean.
  func bool(_ key: String) -> Bool? {
    self[key]?.boolValue
  }

  /// The array at `key` when every element is a string; nil otherwise, so a
  /// caller that writes the list back cannot silently drop odd elements.
  func strings(_ key: String) -> [String]? {
    guard let elements = self[key]?.arrayValue else { return nil }
    var result: [String] = []
    result.reserveCapacity(elements.count)
    for element in elements {
      guard let s = element.stringValue else { return nil }
      result.append(s)
    }
    return result
  }

  /// The array at `key` when every element is an object; nil otherwise.
  func objects(_ key: String) -> [JSONObject]? {
    guard let elements = self[key]?.arrayValue else { return nil }
    var result: [JSONObject] = []
    result.reserveCapacity(elements.count)
    for element in elements {
      guard let o = element.objectValue else { return nil }
      result.append(o)
    }
    return result
  }

  /// The object at `key` as ordered pairs when every value is a string.
  func stringPairs(_ key: String) -> [(key: String, value: String)]? {
    guard let object = self[key]?.objectValue else { return nil }
    var result: [(key: String, value: String)] = []
    result.reserveCapacity(object.count)
    for (k, v) in object {
      guard let s = v.stringValue else { return nil }
      result.append((key: k, value: s))
    }
    return result
  }

  /// Writes an optional member: nil removes the key.
  mutating func setOptional(_ key: String, _ value: JSONValue?) {
    self[key] = value
  }

  /// Writes a nullable member: nil writes JSON `null` and keeps the key, as
  /// servers do for `parentId`, `completedAt` and their kin.
  mutating func setNullable(_ key: String, _ value: JSONValue?) {
    self[key] = value ?? .null
  }
}

extension JSONValue {
  /// A string value, or nil for nil.
  static func from(_ s: String?) -> JSONValue? { s.map(JSONValue.string) }

  /// A number value, or nil for nil.
  static func from(_ n: Double?) -> JSONValue? { n.map(JSONValue.number) }

  /// A Boolean value, or nil for nil.
  static func from(_ b: Bool?) -> JSONValue? { b.map(JSONValue.bool) }

  /// An array of strings, or nil for nil.
  static func from(_ list: [String]?) -> JSONValue? {
    list.map { .array($0.map(JSONValue.string)) }
  }

  /// An array of objects, or nil for nil.
  static func from(_ list: [JSONObject]?) -> JSONValue? {
    list.map { .array($0.map(JSONValue.object)) }
  }

  /// An object of string members in the given order, or nil for nil.
  static func from(_ pairs: [(key: String, value: String)]?) -> JSONValue? {
    pairs.map { pairs in
      var object = JSONObject()
      for (k, v) in pairs { object[k] = .string(v) }
      return .object(object)
    }
  }
}
