import MaestroStorage

/// One thing `maestro-admin check` found in a data dir: a stable code, how
/// bad it is, where, what, and what the repair job will do about it.
///
/// Findings compare and sort by code, then file, then id, then message, so a
/// report lists them in the same order on every run and every machine.
public struct Finding: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// How much a finding matters. Errors and warnings make `check` exit 4;
  /// info findings are facts and transient findings were seen only while a
  /// file was being written: neither changes the exit code.
  public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Data a server cannot load, or a reference that leads nowhere.
    case error
    /// Inconsistent data a server still loads.
    case warning
    /// A fact worth knowing that needs no repair to keep servers working.
    case info
    /// An error or warning seen only while its files were being written (a
    /// running server): gone once they settled, or they never settled
    /// (`Finding.transience` says which). Nothing to repair.
    case transient

    /// Whether findings of this severity make `check` exit 4.
    public var affectsExitCode: Bool { self == .error || self == .warning }

    /// Errors first, then warnings, then info, then transient.
    public static func < (lhs: Severity, rhs: Severity) -> Bool {
      lhs.rank < rhs.rank
    }

    private var rank: Int {
      switch self {
      case .error: return 0
      case .warning: return 1
      case .info: return 2
      case .transient: return 3
      }
    }
  }

  /// What the finding is about.
  public enum Entity: String, Sendable, Hashable {
    /// A project file.
    case project
    /// A task file, in either layout.
    case task
    /// A session file.
    case session
    /// An `ordering/`, `task-lists/` or `task-graphs/` file.
    case list
    /// A file or folder that is not an entity (stray files, unknown folders,
    /// the archive catalog).
    case file
  }

  /// The stable code, e.g. `session.task.dangling`.
  public var code: FindingCode
  /// The entity kind the finding is about.
  public var entity: Entity
  /// The entity's id (for a file that could not be loaded, the id its name
  /// claims); nil when there is none, as for aggregated facts.
  public var id: String?
  /// The file, relative to the data dir; nil when no single file is meant.
  public var file: String?
  /// The id the finding points at, when it is about a reference (the missing
  /// task of a dangling link, the session of a one-sided link).
  public var ref: String?
  /// How many occurrences an aggregated finding stands for (`field.unknown`).
  public var count: Int?
  /// One line in domain words.
  public var message: String
  /// Set when the finding was seen only while its files changed: the
  /// severity is then `transient` and the repair action `none`.
  public var transience: Transience?

  /// A finding of `code`, with the code's severity and repair action.
  public init(
    _ code: FindingCode, _ entity: Entity, id: String?, file: String?, ref: String? = nil,
    count: Int? = nil, _ message: String
  ) {
    self.code = code
    self.entity = entity
    self.id = id
    self.file = file
    self.ref = ref
    self.count = count
    self.message = message
  }

  /// The code's severity, or `transient` when the finding is.
  public var severity: Severity { transience == nil ? code.severity : .transient }

  /// What the repair job will do: `remove-ref`, `add-backref`, `quarantine`,
  /// `manual`, `none`, ... (`none` for a transient finding).
  public var action: String { transience == nil ? code.action : "none" }

  /// `code file id: message`, for logs and test failures.
  public var description: String {
    "\(code) \(file ?? "-") \(id.map { Finding.quoted($0) } ?? "-"): \(message)"
  }

  /// Orders by code, then file, then id, then referenced id and message.
  public static func < (lhs: Finding, rhs: Finding) -> Bool {
    if lhs.code.rawValue != rhs.code.rawValue { return lhs.code.rawValue < rhs.code.rawValue }
    if lhs.file != rhs.file { return Self.precedes(lhs.file, rhs.file) }
    if lhs.id != rhs.id { return Self.precedes(lhs.id, rhs.id) }
    if lhs.ref != rhs.ref { return Self.precedes(lhs.ref, rhs.ref) }
    return lhs.message.utf8.lexicographicallyPrecedes(rhs.message.utf8)
  }

  /// Nil sorts first; strings by their UTF-8 bytes, as directory listings do.
  private static func precedes(_ a: String?, _ b: String?) -> Bool {
    switch (a, b) {
    case (nil, nil): return false
    case (nil, _): return true
    case (_, nil): return false
    case (let a?, let b?): return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
  }

  /// An id or value in double quotes for a message, with control characters
  /// escaped (a hostile id must not drive the terminal) and values longer
  /// than `limit` characters cut short.
  public static func quoted(_ text: String, limit: Int = 80) -> String {
    EntityId.quoted(text, limit: limit)
  }

  /// The finding as one JSON object, as `check --json` prints it.
  public var jsonObject: JSONObject {
    var o: JSONObject = [
      "type": "finding", "code": .string(code.rawValue), "severity": .string(severity.rawValue),
      "entity": .string(entity.rawValue), "id": id.map(JSONValue.string) ?? .null,
      "file": file.map(JSONValue.string) ?? .null,
    ]
    if let ref { o["ref"] = .string(ref) }
    if let count { o["count"] = .number(Double(count)) }
    o["message"] = .string(message)
    o["action"] = .string(action)
    if let transience {
      o["transient"] = .string(transience.rawValue)
      o["codeSeverity"] = .string(code.severity.rawValue)
    }
    return o
  }
}
