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
///
/// Equality is JavaScript's for strings: code unit for code unit (Swift's
/// `String.==` would also match canonically equivalent strings).
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

extension JSONValue {
  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.number(let a), .number(let b)): return a == b
    case (.string(let a), .string(let b)): return JSONKey.same(a, b)
    case (.utf16String(let a), .utf16String(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)): return a == b
    default: return false
    }
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

/// A JSON object that keeps its members in the order a JavaScript object
/// does: keys that are array indices first, ascending, then the others in
/// insertion order (what `JSON.stringify(JSON.parse(text))` prints).
///
/// Setting an existing key replaces its value in place; a new key goes last
/// (an array index goes to its place among the leading indices); removing a
/// key closes the gap. Keys are spelled and compared as `JSONKey` describes,
/// so keys that differ in any code unit stay apart. Lookups are linear,
/// which beats hashing for the 10–30 keys of a Maestro entity.
public struct JSONObject: Sendable, Equatable, Sequence {
  /// The keys in order, spelled as `JSONKey` describes.
  public private(set) var keys: [String]
  /// The values, parallel to `keys`.
  public private(set) var values: [JSONValue]

  /// An empty object.
  public init() {
    keys = []
    values = []
  }

  /// An object of these members, in this order (array indices first); a
  /// repeated key keeps its first position and its last value, as
  /// `JSON.parse` does.
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
    // `==` rejects fast; byte equality (`JSONKey.same`) confirms a match.
    for i in keys.indices where keys[i] == key {
      if keys[i].utf8.elementsEqual(key.utf8) { return i }
    }
    return nil
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
        insertNew(key, newValue)
      }
    }
  }

  /// Adds a key known to be absent where a JavaScript object would put it.
  private mutating func insertNew(_ key: String, _ value: JSONValue) {
    guard let index = JSONKey.arrayIndex(key) else {
      keys.append(key)
      values.append(value)
      return
    }
    var at = 0
    while at < keys.count, let other = JSONKey.arrayIndex(keys[at]), other < index { at += 1 }
    keys.insert(key, at: at)
    values.insert(value, at: at)
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

  /// Moves array-index keys to the front in ascending order, the others
  /// keeping their order; the parser calls it after appending an object's
  /// members in file order.
  mutating func moveArrayIndicesFirst() {
    var indexed: [(index: UInt32, position: Int)] = []
    for (position, key) in keys.enumerated() {
      if let index = JSONKey.arrayIndex(key) { indexed.append((index, position)) }
    }
    guard !indexed.isEmpty else { return }
    indexed.sort { $0.index < $1.index }
    let isIndex = Set(indexed.map(\.position))
    let order = indexed.map(\.position) + keys.indices.filter { !isIndex.contains($0) }
    keys = order.map { keys[$0] }
    values = order.map { values[$0] }
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

  /// Same members in the same order, keys and strings compared code unit for
  /// code unit.
  public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
    lhs.keys.count == rhs.keys.count && zip(lhs.keys, rhs.keys).allSatisfy { JSONKey.same($0, $1) }
      && lhs.values == rhs.values
  }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    self.init(elements)
  }
}
