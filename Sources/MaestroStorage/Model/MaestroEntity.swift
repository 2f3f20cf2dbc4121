/// A typed view over one entity document (a project, task or session file).
///
/// The view owns the parsed `JSONObject` and reads and writes it in place, so
/// fields the toolkit does not know, and the order of every key, survive a
/// read-modify-write untouched.
public protocol MaestroEntity: Sendable, Equatable {
  /// The document itself; typed accessors read and write it.
  var json: JSONObject { get set }

  /// The fields this toolkit knows for the entity, of every server age.
  static var knownFields: Set<String> { get }

  /// A short name for messages ("project", "task", "session").
  static var entityName: String { get }

  /// Wraps an already-checked object; `requireId(in:file:)` is the check.
  init(checkedObject: JSONObject)
}

extension MaestroEntity {
  /// Wraps a parsed document.
  ///
  /// Validation is deliberately light: only an object with a string `id` is
  /// required, so damaged data still loads and a checker can report on it.
  ///
  /// - Parameters:
  ///   - json: the parsed file.
  ///   - file: the file it came from, named in the error.
  /// - Throws: `MaestroError` `.badEntity` when `json` is not an object or
  ///   lacks a string `id`.
  public init(json: JSONValue, file: String?) throws {
    guard case .object(let object) = json else {
      throw MaestroError(
        .badEntity, "expected a \(Self.entityName) object, found \(json.kindName)", path: file)
    }
    try self.init(object: object, file: file)
  }

  /// Wraps a parsed object; see `init(json:file:)`.
  ///
  /// - Throws: `MaestroError` `.badEntity` when the object lacks a string `id`.
  public init(object: JSONObject, file: String?) throws {
    switch object["id"] {
    case .string?:
      self.init(checkedObject: object)
    case nil:
      throw MaestroError(.badEntity, "\(Self.entityName) has no \"id\" field", path: file)
    case let other?:
      let kind = other == .null ? "null" : other.kindName
      let detail = if case .utf16String = other { "a string with a lone surrogate" } else { kind }
      throw MaestroError(
        .badEntity, "\(Self.entityName) \"id\" must be a string, found \(detail)", path: file)
    }
  }

  /// The entity id. Empty only if `json` was edited to drop it after loading.
  public var id: String {
    get { json.string("id") ?? "" }
    set { json["id"] = .string(newValue) }
  }

  /// The keys of `json` that `knownFields` does not list, in document order.
  public var unknownFields: [String] {
    json.keys.filter { !Self.knownFields.contains($0) }
  }
}
