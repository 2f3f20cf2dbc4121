import MaestroStorage

/// Reads and judges one entity file at a time, on any worker: file-level
/// findings (unreadable, malformed, id problems), per-entity facts
/// (timestamps, enums, legacy forms, doc paths, misplaced files) and the
/// compact `EntityRecord` the link analysis needs. The parsed document is
/// dropped as soon as the file is done.
struct EntityFileInspector: Sendable {
  /// What one worker gathered.
  struct Partial: Sendable {
    var records: [EntityRecord] = []
    var findings: [Finding] = []
    /// Files that yielded no entity (unreadable, malformed, no or hostile
    /// id): references to the id their name claims are not reported as
    /// dangling, the file's own finding being the cause.
    var unloadable: [(kind: EntityFileScan.Kind, stem: EntityKey)] = []
    /// Unknown top-level fields: (entity, field) → count and first file.
    var unknownFields: [FieldKey: FieldTally] = [:]
    var filesRead = 0
    var bytesRead = 0
    /// Task files whose id differs from their name, with their bytes, when
    /// the inspector keeps them (`keepsMisnamedTasks`).
    var kept: [(file: Int32, bytes: [UInt8])] = []
    /// Per-worker cache: the last key sequence per entity kind.
    var keyCaches: [EntityFacts.KeyCache] = Array(repeating: EntityFacts.KeyCache(), count: 3)

    /// An empty partial with room for `capacity` records.
    init(capacity: Int = 0) {
      records.reserveCapacity(capacity)
    }

    mutating func merge(_ other: Partial) {
      records += other.records
      findings += other.findings
      unloadable += other.unloadable
      for (key, tally) in other.unknownFields {
        if let mine = unknownFields[key] {
          unknownFields[key] = FieldTally(
            count: mine.count + tally.count, firstFile: min(mine.firstFile, tally.firstFile))
        } else {
          unknownFields[key] = tally
        }
      }
      filesRead += other.filesRead
      bytesRead += other.bytesRead
      kept += other.kept
    }
  }

  /// An entity kind and a field name.
  struct FieldKey: Sendable, Hashable {
    var entity: Finding.Entity
    var field: String
  }

  /// How often a field was seen, and the first file (by scan order).
  struct FieldTally: Sendable {
    var count: Int
    var firstFile: Int32
  }

  /// The data dir: where its files are read, and the absolute path its
  /// session docs are expected under (for a snapshot, where it was taken).
  let root: String
  /// Other absolute spellings of `root` (its real path), for doc paths.
  let rootAliases: [String]
  /// The files of the scan; records refer to them by index.
  var files: EntityFileList
  /// The data dir's names, to tell whether a session doc exists.
  let tree: any DataDirTree
  /// Whether to keep the bytes of task files whose id differs from their
  /// name (`Partial.kept`): a check that cannot read a file twice needs
  /// them to compare legacy copies found by id.
  var keepsMisnamedTasks = false

  /// Inspects file number `index`, whose content is `read` (or why it could
  /// not be read), and adds what it found to `partial`.
  func inspect(_ index: Int, _ read: Result<[UInt8], MaestroError>, into partial: inout Partial) {
    let file = files[index]
    let entity = Self.entity(of: file.kind)
    func fail(_ code: FindingCode, _ message: String, id: String? = nil) {
      partial.findings.append(
        Finding(code, entity, id: id ?? file.stem, file: file.relativePath, message))
      partial.unloadable.append((file.kind, EntityKey(file.stem)))
    }

    let bytes: [UInt8]
    switch read {
    case .success(let content):
      bytes = content
    case .failure(let error):
      let reason = error.errno.map { Errno.description($0) } ?? error.message
      return fail(.fileUnreadable, "the \(entity) file cannot be read: \(reason)")
    }
    partial.filesRead += 1
    partial.bytesRead += bytes.count

    let value: JSONValue
    do {
      value = try JSONParser.parse(bytes)
    } catch {
      if error.kind == .empty {
        let what = bytes.isEmpty ? "is empty (0 bytes)" : "holds only whitespace"
        return fail(.fileEmpty, "the \(entity) file \(what); servers cannot parse it")
      }
      if error.isTruncation {
        return fail(
          .fileTruncated,
          "the \(entity) file ends in the middle of its JSON at line \(error.line), column \(error.column) (\(bytes.count) bytes): a write cut short"
        )
      }
      return fail(.fileMalformed, "the \(entity) file is not valid JSON: \(error)")
    }
    guard case .object(let object) = value else {
      return fail(.fileNotObject, "the \(entity) file holds a JSON \(value.kindName), not an object")
    }
    let id: String
    switch object["id"] {
    case .string(let s)?:
      id = s
    case nil:
      return fail(.idMissing, "the \(entity) has no \"id\" field")
    case .utf16String?:
      return fail(.idMissing, "the \(entity)'s \"id\" is a string with a lone surrogate")
    case let other?:
      return fail(.idMissing, "the \(entity)'s \"id\" is a \(other.kindName), not a string")
    }
    if let problem = EntityId.problem(with: id) {
      return fail(
        .idHostile, "the \(entity) id \(Finding.quoted(id)) is unsafe in a file path: \(problem)",
        id: id)
    }
    if id != file.stem {
      if keepsMisnamedTasks && file.kind != .project && file.kind != .session {
        partial.kept.append((Int32(index), bytes))
      }
      partial.findings.append(
        Finding(
          .idMismatch, entity, id: id, file: file.relativePath,
          "the file is named \(Finding.quoted(file.stem + ".json")) but holds \(entity) \(Finding.quoted(id)); servers save it back as \(Finding.quoted(id + ".json"))"
        ))
    }

    var record = EntityRecord(kind: file.kind, fileIndex: Int32(index), id: EntityKey(id))
    record.projectId = object["projectId"]?.stringValue.map(EntityKey.init)
    var facts = EntityFacts(id: id, file: file.relativePath, entity: entity)
    switch file.kind {
    case .project:
      facts.fields(of: object, known: Project.knownFields, types: FieldType.project, cache: &partial.keyCaches[0])
    case .task, .legacyTask:
      facts.fields(of: object, known: MaestroTask.knownFields, types: FieldType.task, cache: &partial.keyCaches[1])
      facts.task(object, file: file, record: &record)
    case .session:
      facts.fields(of: object, known: Session.knownFields, types: FieldType.session, cache: &partial.keyCaches[2])
      facts.session(object, record: &record, locateDoc: locateDoc)
    }
    // A projectId of the wrong type names no project, but the task or
    // session is not an orphan to quarantine: field.type covers it.
    record.projectIdUnreadable = facts.wrongTypes.contains("projectId")
    partial.findings += facts.findings
    for field in facts.unknown {
      let key = FieldKey(entity: entity, field: field)
      if let tally = partial.unknownFields[key] {
        partial.unknownFields[key] = FieldTally(count: tally.count + 1, firstFile: tally.firstFile)
      } else {
        partial.unknownFields[key] = FieldTally(count: 1, firstFile: Int32(index))
      }
    }
    partial.records.append(record)
  }

  /// Classifies a doc path against this data dir.
  func locateDoc(_ path: String) -> SessionDocLocation {
    SessionDocLocation.locate(path, root: root, aliases: rootAliases) { [root, tree] absolute in
      let prefix = root + "/"
      guard absolute.hasPrefix(prefix) else { return FileSystem.fileExists(absolute) }
      return tree.contains(String(absolute.dropFirst(prefix.count)))
    }
  }

  /// The finding entity of a file kind.
  static func entity(of kind: EntityFileScan.Kind) -> Finding.Entity {
    switch kind {
    case .project: return .project
    case .task, .legacyTask: return .task
    case .session: return .session
    }
  }
}
