import MaestroStorage

/// What `check` keeps of one loaded entity file once its document is
/// dropped: its id, where it lives and the ids it links to. Link analysis
/// works on these alone, so memory grows with the number of links, not with
/// the size of the documents (about 110 bytes a record plus 40 a link).
///
/// All link ids sit in one array, in sections whose sizes the record holds:
/// - task: `parentId`?, `dependencies`, `referenceTaskIds`, `sessionIds`,
///   then the `taskSessionStatuses` keys `sessionIds` does not list;
/// - session: `taskIds` (or the legacy `taskId`), `parentSessionId`?,
///   `rootSessionId`? (left out when it is the session itself).
struct EntityRecord: Sendable {
  // Stored widest first, so that no padding sits between fields: 96 bytes
  // a record, over a million records in an xl data dir.
  private var links: [EntityKey] = []
  /// The id in the document (not the file name).
  var id: EntityKey
  /// `projectId` when `hasProjectId` (a plain key: an optional one takes
  /// a tag byte and, with alignment, eight more bytes a record).
  private var storedProjectId = EntityKey("")
  /// The file's position in the scan's list; the path is looked up there
  /// rather than stored again per record.
  var fileIndex: Int32
  private var count1: UInt32 = 0
  private var count2: UInt32 = 0
  private var count3: UInt32 = 0
  /// The entity kind, by where the file sits.
  var kind: EntityFileScan.Kind
  /// Task: whether `sessionIds` is present (false for tasks that predate
  /// Phase IV-A, which servers default to `[]` and of which no back-link
  /// can be expected).
  private(set) var hasSessionIds = false
  private var hasParent = false
  private var hasRoot = false
  private var hasProjectId = false
  /// Whether `projectId` has a JSON type other than a string (a
  /// `field.type` finding, not an orphan).
  var projectIdUnreadable = false
  /// Session: whether what servers read as `taskIds` is not a list of ids
  /// (a `field.type` finding): tasks listing the session are not judged
  /// one-sided against it.
  var taskIdsUnreadable = false

  /// `projectId`, if it is a string.
  var projectId: EntityKey? {
    get { hasProjectId ? storedProjectId : nil }
    set {
      hasProjectId = newValue != nil
      storedProjectId = newValue ?? EntityKey("")
    }
  }

  /// A record of a `kind` entity with `id` from file number `fileIndex`.
  init(kind: EntityFileScan.Kind, fileIndex: Int32, id: EntityKey) {
    self.kind = kind
    self.fileIndex = fileIndex
    self.id = id
  }

  /// Whether the record is a task, in either layout.
  var isTask: Bool { kind == .task || kind == .legacyTask }

  // MARK: Tasks

  /// Sets a task's links; `sessionIds` nil for a task without the field.
  mutating func setTaskLinks(
    parentId: String?, dependencies: [String], referenceTaskIds: [String], sessionIds: [String]?,
    unlinkedStatusSessionIds: [String]
  ) {
    var links: [EntityKey] = []
    let total =
      (parentId == nil ? 0 : 1) + dependencies.count + referenceTaskIds.count + (sessionIds?.count ?? 0)
      + unlinkedStatusSessionIds.count
    guard total > 0 else {
      hasSessionIds = sessionIds != nil
      return
    }
    links.reserveCapacity(total)
    if let parentId { links.append(EntityKey(parentId)) }
    for id in dependencies { links.append(EntityKey(id)) }
    for id in referenceTaskIds { links.append(EntityKey(id)) }
    for id in sessionIds ?? [] { links.append(EntityKey(id)) }
    for id in unlinkedStatusSessionIds { links.append(EntityKey(id)) }
    hasParent = parentId != nil
    hasSessionIds = sessionIds != nil
    count1 = UInt32(dependencies.count)
    count2 = UInt32(referenceTaskIds.count)
    count3 = UInt32(sessionIds?.count ?? 0)
    self.links = links
  }

  private var taskBase: Int { hasParent ? 1 : 0 }

  /// Task: `parentId`, if a string.
  var parentId: EntityKey? { hasParent && isTask ? links[0] : nil }

  /// Task: `dependencies[]`.
  var dependencies: ArraySlice<EntityKey> {
    let start = taskBase
    return links[start..<(start + Int(count1))]
  }

  /// Task: `referenceTaskIds[]`.
  var referenceTaskIds: ArraySlice<EntityKey> {
    let start = taskBase + Int(count1)
    return links[start..<(start + Int(count2))]
  }

  /// Task: `sessionIds[]`, or nil when the task predates the field.
  var sessionIds: ArraySlice<EntityKey>? {
    guard hasSessionIds else { return nil }
    let start = taskBase + Int(count1) + Int(count2)
    return links[start..<(start + Int(count3))]
  }

  /// Task: keys of `taskSessionStatuses` that `sessionIds` does not list.
  var unlinkedStatusSessionIds: ArraySlice<EntityKey> {
    links[(taskBase + Int(count1) + Int(count2) + Int(count3))...]
  }

  // MARK: Sessions

  /// Sets a session's links.
  mutating func setSessionLinks(taskIds: [String], parentSessionId: String?, rootSessionId: String?) {
    let root = rootSessionId.map(EntityKey.init).flatMap { $0 == id ? nil : $0 }
    var links: [EntityKey] = []
    links.reserveCapacity(taskIds.count + (parentSessionId == nil ? 0 : 1) + (root == nil ? 0 : 1))
    for t in taskIds { links.append(EntityKey(t)) }
    if let parentSessionId { links.append(EntityKey(parentSessionId)) }
    if let root { links.append(root) }
    count1 = UInt32(taskIds.count)
    hasParent = parentSessionId != nil
    hasRoot = root != nil
    self.links = links
  }

  /// Session: `taskIds[]`, after the legacy `taskId` migration.
  var taskIds: ArraySlice<EntityKey> {
    kind == .session ? links[0..<Int(count1)] : []
  }

  /// Session: `parentSessionId`, if a string.
  var parentSessionId: EntityKey? {
    kind == .session && hasParent ? links[Int(count1)] : nil
  }

  /// Session: `rootSessionId`, unless absent or the session itself.
  var rootSessionId: EntityKey? {
    kind == .session && hasRoot ? links[links.count - 1] : nil
  }
}
