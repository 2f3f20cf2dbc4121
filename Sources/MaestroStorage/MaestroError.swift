/// An error that says what a person needs to act on it: what went wrong
/// (`code`), in words (`message`), and where (`path`, `id`).
///
/// One struct for the whole toolkit with an extensible code, in the manner of
/// GRDB's `DatabaseError`: match on `code` in a `catch`, print `description`.
public struct MaestroError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A stable, machine-readable error code.
  public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // The seed server's codes.
    public static let projectNotFound = Code(rawValue: "PROJECT_NOT_FOUND")
    public static let taskNotFound = Code(rawValue: "TASK_NOT_FOUND")
    public static let sessionNotFound = Code(rawValue: "SESSION_NOT_FOUND")
    public static let projectHasDependents = Code(rawValue: "PROJECT_HAS_DEPENDENTS")
    public static let validation = Code(rawValue: "VALIDATION_ERROR")

    // The toolkit's own.
    /// A file is not valid JSON (see `JSONParseError` for position).
    public static let malformedJSON = Code(rawValue: "MALFORMED_JSON")
    /// A JSON file is valid but not the shape an entity needs.
    public static let badEntity = Code(rawValue: "BAD_ENTITY")
    /// An id that cannot safely become part of a path.
    public static let hostileId = Code(rawValue: "HOSTILE_ID")
    /// A system call failed; `errno` holds the reason.
    public static let io = Code(rawValue: "IO_ERROR")
    /// A path was expected to exist and does not.
    public static let notFound = Code(rawValue: "NOT_FOUND")
    /// Arguments that make no sense together.
    public static let usage = Code(rawValue: "USAGE")
    /// Another maintenance run holds the lock.
    public static let locked = Code(rawValue: "LOCKED")
    /// The run was cancelled.
    public static let cancelled = Code(rawValue: "CANCELLED")
  }

  public var code: Code
  public var message: String
  /// The file concerned, if any.
  public var path: String?
  /// The entity id concerned, if any.
  public var id: String?
  /// The C `errno` behind an `.io` error, if any.
  public var errno: Int32?
  /// Set when the failure came after the run had already changed the data
  /// dir: what to undo to put it back (see `MaestroError+PartialRun.swift`).
  public var partialRun: PartialRun?

  public init(_ code: Code, _ message: String, path: String? = nil, id: String? = nil, errno: Int32? = nil) {
    self.code = code
    self.message = message
    self.path = path
    self.id = id
    self.errno = errno
  }

  public var description: String {
    if let path { return "\(path): \(message)" }
    return message
  }
}
