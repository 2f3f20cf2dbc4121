// Why a hand-written JSON codec: Maestro servers are Node programs, and a file
// this tool rewrites must come out byte for byte as `JSON.stringify` would
// write it. Foundation's JSONSerialization/JSONEncoder lose key order (objects
// come back in hash order), escape `/`, print `1e-07` and `-0`, and cannot
// hold a lone surrogate, so they match Node's bytes for no real file. No
// well-kept Swift package both preserves key order and reproduces Node's
// printer, so the codec lives here: `JSONParser` (strict RFC 8259) and
// `JSONWriter` (Node's two printing styles).

/// A JSON document with JavaScript semantics: objects keep their key order,
/// numbers are IEEE doubles, strings may hold lone surrogates.
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  /// A number as JavaScript holds it (an IEEE double).
  case number(Double)
  /// A well-formed Unicode string.
  case string(String)
  /// A string holding at least one lone surrogate, which a Swift `String`
  /// cannot represent: kept as UTF-16 code units so it prints as Node does.
  case utf16String([UInt16])
  case array([JSONValue])
  case object(JSONObject)
}

extension JSONValue {
  /// The string, if this is a well-formed string.
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The number, if this is a number.
  public var numberValue: Double? {
    if case .number(let n) = self { return n }
    return nil
  }

  /// The Boolean, if this is a Boolean.
  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  /// The elements, if this is an array.
  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  /// The object, if this is an object.
  public var objectValue: JSONObject? {
    if case .object(let o) = self { return o }
    return nil
  }

  /// Whether this is `null`.
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// The name JavaScript's `typeof` style reports would use, for messages.
  public var kindName: String {
    switch self {
    case .null: return "null"
    case .bool: return "boolean"
    case .number: return "number"
    case .string, .utf16String: return "string"
    case .array: return "array"
    case .object: return "object"
    }
  }

  /// JavaScript truthiness, for porting the seed's `if (!x)` checks:
  /// `null`, `false`, `0`, `NaN` and `""` are falsy; containers are truthy.
  public var isTruthy: Bool {
    switch self {
    case .null: return false
    case .bool(let b): return b
    case .number(let n): return n != 0 && !n.isNaN
    case .string(let s): return !s.isEmpty
    case .utf16String(let u): return !u.isEmpty
    case .array, .object: return true
    }
  }

  /// The member `key` of an object, or nil for other values and absent keys.
  public subscript(key: String) -> JSONValue? {
    if case .object(let o) = self { return o[key] }
    return nil
  }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
  ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
  public init(nilLiteral: ()) { self = .null }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(integerLiteral value: Int) { self = .number(Double(value)) }
  public init(floatLiteral value: Double) { self = .number(value) }
  public init(stringLiteral value: String) { self = .string(value) }
  public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    var o = JSONObject()
    for (k, v) in elements { o[k] = v }
    self = .object(o)
  }
}

/// A JSON object that keeps its members in insertion order, as JavaScript
/// objects do for string keys.
///
/// Setting an existing key replaces its value in place; a new key goes last;
/// removing a key closes the gap. Lookups are linear, which beats hashing for
/// the 10–30 keys of a Maestro entity.
public struct JSONObject: Sendable, Equatable, Sequence {
  /// The keys in order.
  public private(set) var keys: [String]
  /// The values, parallel to `keys`.
  public private(set) var values: [JSONValue]

  /// An empty object.
  public init() {
    keys = []
    values = []
  }

  /// An object of these members, in this order; a repeated key keeps its
  /// first position and its last value, as `JSON.parse` does.
  public init(_ members: [(String, JSONValue)]) {
    self.init()
    keys.reserveCapacity(members.count)
    values.reserveCapacity(members.count)
    for (k, v) in members { self[k] = v }
  }

  /// The number of members.
  public var count: Int { keys.count }

  /// Whether the object has no members.
  public var isEmpty: Bool { keys.isEmpty }

  /// The position of `key`, if present.
  public func index(of key: String) -> Int? {
    keys.firstIndex(of: key)
  }

  /// The value of `key`; assigning nil removes the member.
  public subscript(key: String) -> JSONValue? {
    get {
      guard let i = index(of: key) else { return nil }
      return values[i]
    }
    set {
      if let i = index(of: key) {
        if let newValue {
          values[i] = newValue
        } else {
          keys.remove(at: i)
          values.remove(at: i)
        }
      } else if let newValue {
        keys.append(key)
        values.append(newValue)
      }
    }
  }

  /// Whether `key` is present.
  public func contains(_ key: String) -> Bool { index(of: key) != nil }

  /// Appends a member without checking for an existing key; the parser uses
  /// it after its own duplicate check.
  @usableFromInline
  mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
    keys.append(key)
    values.append(value)
  }

  @usableFromInline
  mutating func replaceValue(at index: Int, with value: JSONValue) {
    values[index] = value
  }

  /// Removes `key` and returns its value.
  @discardableResult
  public mutating func removeValue(forKey key: String) -> JSONValue? {
    guard let i = index(of: key) else { return nil }
    keys.remove(at: i)
    return values.remove(at: i)
  }

  public func makeIterator() -> Zip2Sequence<[String], [JSONValue]>.Iterator {
    zip(keys, values).makeIterator()
  }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    self.init(elements)
  }
}
