import MaestroStorage

/// The JSON type(s) servers of every age write for one field they read
/// (FORMAT.md §4, the real servers' samples, the generator's formats), and
/// how bad another type is: a type that makes a server throw or misbehave
/// (`.error`: an id list that is a string, a name that is a number) or one
/// servers coerce or pass along (`.warning`: a timestamp that is a string).
final class FieldType: Sendable {
  /// JSON value kinds, as a set.
  struct Kinds: OptionSet, Sendable {
    let rawValue: UInt8
    static let string = Kinds(rawValue: 1)
    static let number = Kinds(rawValue: 2)
    static let boolean = Kinds(rawValue: 4)
    static let null = Kinds(rawValue: 8)
    static let array = Kinds(rawValue: 16)
    static let object = Kinds(rawValue: 32)

    /// The kind of `value`.
    init(of value: JSONValue) {
      switch value {
      case .null: self = .null
      case .bool: self = .boolean
      case .number: self = .number
      case .string, .utf16String: self = .string
      case .array: self = .array
      case .object: self = .object
      }
    }

    init(rawValue: UInt8) { self.rawValue = rawValue }
  }

  /// The kinds the field may have.
  let allowed: Kinds
  /// For an array, the kinds each element may have; for an object used as
  /// a map (`env`, `taskSessionStatuses`), the kinds each value may have.
  let members: Kinds?
  /// What servers expect, in words (`an array of session ids`).
  let expected: String
  /// How bad a value of another kind is.
  let severity: Finding.Severity
  /// How bad a member (element or map value) of another kind is.
  let memberSeverity: Finding.Severity
  /// For an array of objects, the types of the members servers read in
  /// each element (a doc's `contentFilePath`, an event's `timestamp`): a
  /// handful, searched by comparing names, which is cheaper than hashing
  /// every member of every element.
  let elementFields: [(name: String, type: FieldType)]
  /// Whether servers replace a falsy value (`null`, `""`, `0`, `false`) with
  /// a default when they load the file (`if (!x.f) x.f = ...`): such a
  /// value is not a type problem (legacy findings cover a missing field).
  let defaultedWhenFalsy: Bool
  /// A field servers read only while this other field is falsy (the legacy
  /// `taskId`, read only when there is no `taskIds`): otherwise ignored.
  let readOnlyWithout: String?

  init(
    _ allowed: Kinds, members: Kinds? = nil, _ expected: String, _ severity: Finding.Severity,
    members memberSeverity: Finding.Severity? = nil, defaultedWhenFalsy: Bool = false,
    elements elementFields: [(name: String, type: FieldType)] = [], readOnlyWithout: String? = nil
  ) {
    self.elementFields = elementFields
    self.readOnlyWithout = readOnlyWithout
    self.allowed = allowed
    self.members = members
    self.expected = expected
    self.severity = severity
    self.memberSeverity = memberSeverity ?? severity
    self.defaultedWhenFalsy = defaultedWhenFalsy
  }

  /// The finding code for a problem of `severity`.
  static func code(_ severity: Finding.Severity) -> FindingCode {
    severity == .error ? .fieldType : .fieldTypeTolerated
  }

  /// `a string`, `an array`, `null`, for messages.
  static func described(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return "a boolean (\(b))"
    case .number: return "a number"
    case .string, .utf16String: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }
}

extension FieldType {
  /// A timeline entry, in a task (seed) or a session (newer servers).
  private static let timelineEntry: [(name: String, type: FieldType)] = [
    ("id", .init(ids, "a string", .warning)),
    ("type", .init(text, "a type string", .warning)),
    ("timestamp", .init(time, "a number (epoch milliseconds)", .warning)),
    ("message", .init(textOrNull, "a string", .warning)),
    ("sessionId", .init(idOrNull, "a session id", .warning)),
    ("taskId", .init(idOrNull, "a task id", .warning)),
  ]
  /// A session event.
  private static let sessionEvent: [(name: String, type: FieldType)] = [
    ("id", .init(ids, "a string", .warning)),
    ("type", .init(text, "a type string", .warning)),
    ("timestamp", .init(time, "a number (epoch milliseconds)", .warning)),
  ]
  /// A session doc: servers open `contentFilePath`.
  private static let sessionDoc: [(name: String, type: FieldType)] = [
    ("id", .init(ids, "a string", .warning)),
    ("title", .init(textOrNull, "a string", .warning)),
    ("contentFilePath", .init(text, "a string (an absolute path)", .error)),
    ("addedAt", .init(time, "a number (epoch milliseconds)", .warning)),
  ]

  private static let ids = Kinds.string
  private static let idOrNull: Kinds = [.string, .null]
  private static let time = Kinds.number
  private static let timeOrNull: Kinds = [.number, .null]
  private static let text = Kinds.string
  private static let textOrNull: Kinds = [.string, .null]
  private static let flag: Kinds = [.boolean, .null]

  /// Projects: what servers read.
  static let project: [String: FieldType] = [
    "name": .init(text, "a string", .error),
    "workingDir": .init(text, "a string (the folder sessions start in)", .error),
    "description": .init(textOrNull, "a string", .warning),
    "createdAt": .init(time, "a number (epoch milliseconds)", .warning),
    "updatedAt": .init(time, "a number (epoch milliseconds)", .warning),
    "isMaster": .init(flag, "a boolean", .warning),
  ]

  /// Tasks of every age: what servers read.
  static let task: [String: FieldType] = [
    "projectId": .init(ids, "a project id (a string)", .error),
    "parentId": .init(idOrNull, "a task id or null", .error),
    "title": .init(text, "a string", .error),
    "description": .init(textOrNull, "a string", .warning),
    "initialPrompt": .init(textOrNull, "a string", .warning),
    "status": .init(text, "a status string", .error),
    "priority": .init(text, "a priority string (low, medium, high)", .warning),
    "sessionIds": .init(.array, members: ids, "an array of session ids", .error, defaultedWhenFalsy: true),
    "skillIds": .init(.array, members: ids, "an array of skill ids", .error, defaultedWhenFalsy: true),
    "agentIds": .init(.array, members: ids, "an array of agent ids", .error, defaultedWhenFalsy: true),
    "dependencies": .init(.array, members: ids, "an array of task ids", .error),
    "referenceTaskIds": .init(.array, members: ids, "an array of task ids", .error, defaultedWhenFalsy: true),
    "timeline": .init(
      .array, members: .object, "an array of timeline events (objects)", .error, elements: timelineEntry),
    "createdAt": .init(time, "a number (epoch milliseconds)", .warning),
    "updatedAt": .init(time, "a number (epoch milliseconds)", .warning),
    "startedAt": .init(timeOrNull, "a number (epoch milliseconds) or null", .warning),
    "completedAt": .init(timeOrNull, "a number (epoch milliseconds) or null", .warning),
    "taskSessionStatuses": .init(
      [.object, .null], members: text, "an object mapping session ids to status strings", .error,
      members: .warning),
    "dueDate": .init(textOrNull, "a YYYY-MM-DD string or null", .warning),
    "teamId": .init(idOrNull, "a team id or null", .warning),
    "teamMemberId": .init(idOrNull, "a team member id or null", .warning),
    "teamMemberIds": .init(.array, members: ids, "an array of team member ids", .warning),
    "images": .init(.array, members: .object, "an array of image entries (objects)", .error, members: .warning),
    "pinned": .init(flag, "a boolean", .warning),
    "sessionStatus": .init(textOrNull, "a status string", .warning),
    "subtasks": .init(.array, "an array", .warning),
    "clientRequestId": .init(textOrNull, "a string", .warning),
    "dangerousMode": .init(flag, "a boolean", .warning),
    "useWorktree": .init(flag, "a boolean", .warning),
    "memberOverrides": .init([.object, .null], "an object", .warning),
    "model": .init(textOrNull, "a string", .warning),
    "spellIds": .init(.array, members: ids, "an array of spell ids", .warning),
  ]

  /// Sessions of every age: what servers read.
  static let session: [String: FieldType] = [
    "projectId": .init(ids, "a project id (a string)", .error),
    "taskIds": .init(.array, members: ids, "an array of task ids", .error, defaultedWhenFalsy: true),
    "taskId": .init(ids, "a task id (a string)", .error, defaultedWhenFalsy: true, readOnlyWithout: "taskIds"),
    "name": .init(text, "a string", .error, defaultedWhenFalsy: true),
    "agentId": .init(idOrNull, "an agent id or null", .warning),
    "status": .init(text, "a status string", .error),
    "env": .init(.object, members: text, "an object of strings", .error, members: .warning, defaultedWhenFalsy: true),
    "events": .init(
      .array, members: .object, "an array of events (objects)", .error, defaultedWhenFalsy: true,
      elements: sessionEvent),
    "timeline": .init(
      .array, members: .object, "an array of timeline events (objects)", .error, defaultedWhenFalsy: true,
      elements: timelineEntry),
    "docs": .init(
      .array, members: .object, "an array of doc entries (objects)", .error, defaultedWhenFalsy: true,
      elements: sessionDoc),
    "metadata": .init([.object, .null], "an object", .warning),
    "startedAt": .init(time, "a number (epoch milliseconds)", .warning),
    "lastActivity": .init(time, "a number (epoch milliseconds)", .warning),
    "completedAt": .init(timeOrNull, "a number (epoch milliseconds) or null", .warning),
    "hostname": .init(textOrNull, "a string", .warning),
    "platform": .init(textOrNull, "a string", .warning),
    "parentSessionId": .init(idOrNull, "a session id or null", .error),
    "rootSessionId": .init(idOrNull, "a session id or null", .error, defaultedWhenFalsy: true),
    "teamSessionId": .init(idOrNull, "a session id or null", .warning),
    "teamId": .init(idOrNull, "a team id or null", .warning),
    "claudeSessionId": .init(idOrNull, "a string or null", .warning),
    "needsInput": .init([.object, .boolean, .null], "an object ({active, message, since})", .warning),
    "archivedAt": .init(timeOrNull, "a number (epoch milliseconds) or null", .warning),
    "humanCompletedAt": .init(timeOrNull, "a number (epoch milliseconds) or null", .warning),
    "isMasterSession": .init(flag, "a boolean", .warning),
    "strategy": .init(textOrNull, "a string", .warning),
    "teamMemberId": .init(idOrNull, "a team member id or null", .warning),
    "teamMemberIds": .init(.array, members: ids, "an array of team member ids", .warning),
    "teamMemberSnapshot": .init([.object, .null], "an object", .warning),
    "teamMemberSnapshots": .init(.array, members: .object, "an array of objects", .warning),
    "activeSpells": .init(.array, members: .object, "an array of objects", .warning),
  ]
}
