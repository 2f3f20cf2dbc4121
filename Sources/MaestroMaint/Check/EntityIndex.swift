import MaestroStorage

/// The ids of a data dir's entities, built from the records of every file:
/// one canonical record per id and kind, plus the layout findings that come
/// from several files holding one id (duplicates, legacy flat copies).
///
/// The canonical copy of an id is the first in scan order: a project-folder
/// task before a legacy flat one, then by path bytes. Link checks use it;
/// the other copies are reported, not checked twice.
struct EntityIndex {
  /// How a referenced id resolves.
  enum Resolution: Equatable {
    /// A loaded entity: the index of its canonical record.
    case live(Int)
    /// A file named after the id exists but could not be loaded; its own
    /// finding is the cause, so the reference is not reported.
    case unloadable
    /// Not here, but in the archive catalog.
    case archived
    /// Nowhere.
    case dangling
  }

  /// Every record, in the order the workers produced them.
  let records: RecordList
  let files: EntityFileList
  private var projects: RecordTable
  private var tasks: RecordTable
  private var sessions: RecordTable
  /// Canonical task record indices.
  private(set) var canonicalTasks: [Int] = []
  /// Canonical session record indices.
  private(set) var canonicalSessions: [Int] = []
  private var unloadableProjects: Set<EntityKey> = []
  private var unloadableTasks: Set<EntityKey> = []
  private var unloadableSessions: Set<EntityKey> = []
  /// Kinds with a folder behind a symlink check does not follow: an id of
  /// theirs found nowhere may live there, so it resolves as unloadable.
  private var unlisted: Set<EntityFileScan.Kind> = []
  let archived: Set<EntityKey>
  /// Duplicate-id and legacy-copy findings.
  private(set) var findings: [Finding] = []

  /// Indexes `records` (any order) and reports ids held by several files.
  ///
  /// - Parameters:
  ///   - content: the bytes of a file (relative path), to compare legacy
  ///     flat copies with their project-folder copies; nil when unreadable.
  ///   - unloadable: files that yielded no entity, by kind and file stem.
  ///   - archived: ids in the archive catalog.
  ///   - unlisted: kinds with a folder behind a symlink, not listed.
  init(
    records: RecordList, files: EntityFileList,
    unloadable: [(kind: EntityFileScan.Kind, stem: EntityKey)], archived: Set<EntityKey>,
    unlisted: Set<EntityFileScan.Kind> = [], content: (String) -> [UInt8]?
  ) {
    self.records = records
    self.files = files
    self.archived = archived
    for kind in unlisted { self.unlisted.insert(kind == .legacyTask ? .task : kind) }
    for u in unloadable {
      switch u.kind {
      case .project: unloadableProjects.insert(u.stem)
      case .task, .legacyTask: unloadableTasks.insert(u.stem)
      case .session: unloadableSessions.insert(u.stem)
      }
    }
    var taskCount = 0
    var sessionCount = 0
    for i in records.indices {
      switch records[i].kind {
      case .task, .legacyTask: taskCount += 1
      case .session: sessionCount += 1
      case .project: break
      }
    }
    projects = RecordTable(count: records.count - taskCount - sessionCount)
    tasks = RecordTable(count: taskCount)
    sessions = RecordTable(count: sessionCount)

    // Every copy of an id held by more than one file, by kind.
    var copies: [EntityFileScan.Kind: [EntityKey: [Int]]] = [:]
    let keyOf = { (i: Int) in records[i].id }
    func insert(_ i: Int, _ r: EntityRecord, into table: inout RecordTable, kind: EntityFileScan.Kind) {
      // The table holds the canonical copy so far: the first in scan order.
      guard let canonical = table.insert(i, key: r.id, keyOf: keyOf) else { return }
      if r.fileIndex < records[canonical].fileIndex { table.replace(r.id, with: i, keyOf: keyOf) }
      copies[kind, default: [:]][r.id, default: [canonical]].append(i)
    }
    for i in records.indices {
      let r = records[i]
      switch r.kind {
      case .project: insert(i, r, into: &projects, kind: .project)
      case .task, .legacyTask: insert(i, r, into: &tasks, kind: .task)
      case .session: insert(i, r, into: &sessions, kind: .session)
      }
    }
    canonicalTasks.reserveCapacity(taskCount)
    canonicalSessions.reserveCapacity(sessionCount)
    let duplicated = copies[.task] ?? [:]
    let duplicatedSessions = copies[.session] ?? [:]
    for i in records.indices {
      let r = records[i]
      if r.isTask {
        if duplicated[r.id] == nil || tasks.find(r.id, keyOf: keyOf) == i { canonicalTasks.append(i) }
      } else if r.kind == .session {
        if duplicatedSessions[r.id] == nil || sessions.find(r.id, keyOf: keyOf) == i {
          canonicalSessions.append(i)
        }
      }
    }

    for (_, ids) in copies[.project] ?? [:] { reportDuplicates(inScanOrder(ids), entity: .project) }
    for (_, ids) in duplicatedSessions { reportDuplicates(inScanOrder(ids), entity: .session) }
    for (_, ids) in duplicated {
      let all = inScanOrder(ids)
      let current = all.filter { records[$0].kind == .task }
      let flat = all.filter { records[$0].kind == .legacyTask }
      if current.count > 1 { reportDuplicates(current, entity: .task) }
      if current.isEmpty {
        reportDuplicates(flat, entity: .task)
        for i in flat { reportLegacyLayout(i) }
      } else {
        for i in flat { compareLegacyCopy(i, with: current[0], content: content) }
      }
    }
    // Flat tasks held by no other file.
    for i in canonicalTasks where records[i].kind == .legacyTask && duplicated[records[i].id] == nil {
      reportLegacyLayout(i)
    }
  }

  private func inScanOrder(_ indices: [Int]) -> [Int] {
    indices.sorted { records[$0].fileIndex < records[$1].fileIndex }
  }

  /// The path of a record's file, relative to the data dir.
  func file(of record: Int) -> String {
    files.relativePath(Int(records[record].fileIndex))
  }

  /// How a project id resolves.
  func project(_ id: EntityKey) -> Resolution {
    if let i = projects.find(id, keyOf: { records[$0].id }) { return .live(i) }
    if unloadableProjects.contains(id) || unlisted.contains(.project) { return .unloadable }
    return .dangling
  }

  /// How a task id resolves.
  func task(_ id: EntityKey) -> Resolution {
    if let i = tasks.find(id, keyOf: { records[$0].id }) { return .live(i) }
    if unloadableTasks.contains(id) { return .unloadable }
    if archived.contains(id) { return .archived }
    return unlisted.contains(.task) ? .unloadable : .dangling
  }

  /// How a session id resolves.
  func session(_ id: EntityKey) -> Resolution {
    if let i = sessions.find(id, keyOf: { records[$0].id }) { return .live(i) }
    if unloadableSessions.contains(id) { return .unloadable }
    if archived.contains(id) { return .archived }
    return unlisted.contains(.session) ? .unloadable : .dangling
  }

  // MARK: Findings

  private mutating func reportDuplicates(_ copies: [Int], entity: Finding.Entity) {
    guard copies.count > 1 else { return }
    let paths = copies.map { file(of: $0) }
    for (k, i) in copies.enumerated() {
      let others = paths.enumerated().filter { $0.offset != k }.map(\.element)
      let id = records[i].id.string
      findings.append(
        Finding(
          .idDuplicate, entity, id: id, file: paths[k],
          "\(entity) \(Finding.quoted(id)) is also in \(others.joined(separator: ", ")); a server keeps only one of them, depending on the order it reads files"
        ))
    }
  }

  private mutating func reportLegacyLayout(_ i: Int) {
    let id = records[i].id.string
    let target = records[i].projectId.map { "tasks/\($0)/\(id).json" } ?? "its project folder"
    findings.append(
      Finding(
        .legacyTask, .task, id: id, file: file(of: i),
        "the task is in the legacy flat layout; servers still read it, a migration moves it to \(target)"
      ))
  }

  /// Reports a flat copy against the project-folder copy of the same task:
  /// identical content (whatever the style) is a harmless duplicate,
  /// different content a conflict.
  private mutating func compareLegacyCopy(
    _ flat: Int, with current: Int, content: (String) -> [UInt8]?
  ) {
    let flatPath = file(of: flat)
    let currentPath = file(of: current)
    let id = records[flat].id.string
    func parsed(_ path: String) -> JSONValue? {
      guard let bytes = content(path) else { return nil }
      return try? JSONParser.parse(bytes)
    }
    let a = parsed(flatPath)
    if a != nil, a == parsed(currentPath) {
      findings.append(
        Finding(
          .legacyDuplicate, .task, id: id, file: flatPath, ref: nil,
          "the flat legacy copy is identical to \(currentPath); it can go"))
    } else {
      findings.append(
        Finding(
          .legacyConflict, .task, id: id, file: flatPath,
          "task \(Finding.quoted(id)) is both here (flat, legacy) and in \(currentPath), with different content; servers of every age load whichever copy the listing of tasks/ returns first (FORMAT.md §7), which depends on the file system, so either copy may be the live one and the other can resurrect stale content"
        ))
    }
  }
}
