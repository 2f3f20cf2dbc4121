/// A stable, dotted finding code (`session.task.dangling`) with its severity,
/// the action the repair job takes and a one-line meaning.
///
/// Codes are part of the tool's interface: scripts filter on them
/// (`--only`, `--ignore`) and the repair job keys on them, so a code is
/// never renamed; new ones are added to `catalogue`. Like GRDB's
/// `ResultCode`, the set is open: a code is a value, not an enum case.
public struct FindingCode: Sendable, Hashable, CustomStringConvertible {
  /// The dotted name.
  public let rawValue: String
  /// How much findings of this code matter.
  public let severity: Finding.Severity
  /// What `maestro-admin repair` will do: `remove-ref`, `add-backref`,
  /// `dedupe`, `move`, `quarantine`, `recreate-or-quarantine`,
  /// `keep-newest`, `break-edge`, `rebase-path`, `migrate`, `manual`
  /// (a person decides) or `none` (a fact, nothing to do).
  public let action: String
  /// What the code means, for `--help`-style listings and README.
  public let meaning: String

  /// A code description.
  public init(_ rawValue: String, _ severity: Finding.Severity, action: String, _ meaning: String) {
    self.rawValue = rawValue
    self.severity = severity
    self.action = action
    self.meaning = meaning
  }

  /// The dotted name.
  public var description: String { rawValue }

  /// Codes are equal when their names are.
  public static func == (lhs: FindingCode, rhs: FindingCode) -> Bool { lhs.rawValue == rhs.rawValue }

  /// Hashes the name.
  public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

  /// The code named `name`, if the catalogue has it.
  public static func named(_ name: String) -> FindingCode? {
    byName[name]
  }

  private static let byName: [String: FindingCode] = Dictionary(
    uniqueKeysWithValues: catalogue.map { ($0.rawValue, $0) })

  // MARK: Data dir

  /// `datadir.not-a-data-dir` (error).
  public static let notADataDir = FindingCode(
    "datadir.not-a-data-dir", .error, action: "manual",
    "the folder holds none of projects/, tasks/, sessions/: not a Maestro data dir (a wrong path?); nothing else is checked, and every changing command refuses it")

  // MARK: Files

  /// `file.unreadable` (error).
  public static let fileUnreadable = FindingCode(
    "file.unreadable", .error, action: "manual",
    "an entity file cannot be read (permissions, I/O error)")
  /// `file.empty` (error).
  public static let fileEmpty = FindingCode(
    "file.empty", .error, action: "quarantine",
    "an entity file is empty or holds only whitespace; servers fail to parse it")
  /// `file.malformed` (error).
  public static let fileMalformed = FindingCode(
    "file.malformed", .error, action: "quarantine",
    "a JSON file is not valid JSON (line and column given); servers skip or fail on it")
  /// `file.truncated` (error).
  public static let fileTruncated = FindingCode(
    "file.truncated", .error, action: "quarantine",
    "a JSON file ends in the middle of its value: a write cut short by a crash")
  /// `file.not-object` (error).
  public static let fileNotObject = FindingCode(
    "file.not-object", .error, action: "quarantine",
    "an entity file holds valid JSON that is not an object")
  /// `entity.id.missing` (error).
  public static let idMissing = FindingCode(
    "entity.id.missing", .error, action: "quarantine",
    "an entity has no \"id\", or its id is not a string")
  /// `entity.id.hostile` (error).
  public static let idHostile = FindingCode(
    "entity.id.hostile", .error, action: "quarantine",
    "an entity id holds /, \\, a .. component, a control character or is too long: unsafe in a path")
  /// `entity.id.mismatch` (warning).
  public static let idMismatch = FindingCode(
    "entity.id.mismatch", .warning, action: "move",
    "an entity's id differs from its file name; servers load it under the id, but write it back under a different file")

  // MARK: Layout

  /// `entity.id.duplicate` (error).
  public static let idDuplicate = FindingCode(
    "entity.id.duplicate", .error, action: "keep-newest",
    "two files of one kind hold the same id; a server keeps only one of them")
  /// `task.legacy.conflict` (error).
  public static let legacyConflict = FindingCode(
    "task.legacy.conflict", .error, action: "keep-newest",
    "a flat tasks/<id>.json and tasks/<projectId>/<id>.json hold different content; servers load whichever copy the directory listing returns first")
  /// `task.legacy.duplicate` (info).
  public static let legacyDuplicate = FindingCode(
    "task.legacy.duplicate", .info, action: "dedupe",
    "a flat tasks/<id>.json is an identical copy of the project-folder file")
  /// `task.legacy` (info).
  public static let legacyTask = FindingCode(
    "task.legacy", .info, action: "migrate",
    "a task in the legacy flat layout tasks/<id>.json; servers still read it, a migration moves it")
  /// `task.misplaced` (warning).
  public static let taskMisplaced = FindingCode(
    "task.misplaced", .warning, action: "move",
    "a task file sits in tasks/<other>/ while its projectId names another project")
  /// `file.stray-tmp` (warning).
  public static let strayTmp = FindingCode(
    "file.stray-tmp", .warning, action: "quarantine",
    "a *.tmp file in an entity folder: an interrupted atomic write (a server's <file>.<8hex>.tmp or this toolkit's)")
  /// `file.stray` (info).
  public static let strayFile = FindingCode(
    "file.stray", .info, action: "none",
    "a file or folder in an entity folder that servers ignore (not *.json)")
  /// `file.symlink` (warning).
  public static let fileSymlink = FindingCode(
    "file.symlink", .warning, action: "manual",
    "an entity file (*.json) that is a symlink to a file inside the data dir: servers read it as one more copy, newer servers replace it with a plain file at their next save, seed-era servers write through it; maestro-admin never follows it")
  /// `file.symlink.outside` (error).
  public static let fileSymlinkOutside = FindingCode(
    "file.symlink.outside", .error, action: "manual",
    "an entity file (*.json) that is a symlink leading outside the data dir (or nowhere): servers read it and seed-era servers write through it, but backups, migrations and maestro-admin never follow it")
  /// `folder.symlink` (warning).
  public static let folderSymlink = FindingCode(
    "folder.symlink", .warning, action: "manual",
    "an entity folder (projects/, tasks/, sessions/ or tasks/<projectId>/) that is a symlink to a folder inside the data dir: servers list through it, maestro-admin does not")
  /// `folder.symlink.outside` (error).
  public static let folderSymlinkOutside = FindingCode(
    "folder.symlink.outside", .error, action: "manual",
    "an entity folder that is a symlink leading outside the data dir (or nowhere): servers list, read and write through it; backups, migrations and maestro-admin never follow it")
  /// `layout.unknown` (info).
  public static let layoutUnknown = FindingCode(
    "layout.unknown", .info, action: "none",
    "a top-level file or folder no known server writes; carried through untouched")

  // MARK: Ownership

  /// `task.orphan` (error).
  public static let taskOrphan = FindingCode(
    "task.orphan", .error, action: "recreate-or-quarantine",
    "a task's projectId names no project (or the task has none)")
  /// `session.orphan` (error).
  public static let sessionOrphan = FindingCode(
    "session.orphan", .error, action: "recreate-or-quarantine",
    "a session's projectId names no project (or the session has none)")

  // MARK: Links

  /// `session.task.dangling` (error).
  public static let sessionTaskDangling = FindingCode(
    "session.task.dangling", .error, action: "remove-ref",
    "a session's taskIds lists a task that exists nowhere")
  /// `task.session.dangling` (error).
  public static let taskSessionDangling = FindingCode(
    "task.session.dangling", .error, action: "remove-ref",
    "a task's sessionIds lists a session that exists nowhere")
  /// `link.session-only` (warning).
  public static let linkSessionOnly = FindingCode(
    "link.session-only", .warning, action: "add-backref",
    "a session lists a task in taskIds, but the task does not list the session in sessionIds")
  /// `link.task-only` (warning).
  public static let linkTaskOnly = FindingCode(
    "link.task-only", .warning, action: "add-backref",
    "a task lists a session in sessionIds, but the session does not list the task in taskIds")
  /// `session.taskIds.duplicate` (warning).
  public static let sessionTaskIdsDuplicate = FindingCode(
    "session.taskIds.duplicate", .warning, action: "dedupe",
    "a session lists the same task more than once in taskIds")
  /// `task.sessionIds.duplicate` (warning).
  public static let taskSessionIdsDuplicate = FindingCode(
    "task.sessionIds.duplicate", .warning, action: "dedupe",
    "a task lists the same session more than once in sessionIds")
  /// `link.cross-project` (warning).
  public static let linkCrossProject = FindingCode(
    "link.cross-project", .warning, action: "manual",
    "a session and a task of different projects are linked")

  // MARK: Task graph

  /// `task.parent.dangling` (error).
  public static let parentDangling = FindingCode(
    "task.parent.dangling", .error, action: "remove-ref",
    "a task's parentId names a task that exists nowhere")
  /// `task.dependency.dangling` (warning).
  public static let dependencyDangling = FindingCode(
    "task.dependency.dangling", .warning, action: "remove-ref",
    "a task's dependencies list a task that exists nowhere")
  /// `task.reference.dangling` (warning).
  public static let referenceDangling = FindingCode(
    "task.reference.dangling", .warning, action: "remove-ref",
    "a task's referenceTaskIds list a task that exists nowhere")
  /// `task.parent.cycle` (error).
  public static let parentCycle = FindingCode(
    "task.parent.cycle", .error, action: "break-edge",
    "parentId chains loop; one finding per cycle, on its task with the bytewise-smallest id, naming the others")
  /// `task.dependency.cycle` (error).
  public static let dependencyCycle = FindingCode(
    "task.dependency.cycle", .error, action: "break-edge",
    "dependencies loop; one finding per strongly connected group, on its task with the bytewise-smallest id, naming the others")

  // MARK: Newer fields

  /// `task.session-status.unlinked` (warning).
  public static let sessionStatusUnlinked = FindingCode(
    "task.session-status.unlinked", .warning, action: "remove-ref",
    "a key of a task's taskSessionStatuses is not in its sessionIds (left by a session delete)")
  /// `session.doc.missing` (warning).
  public static let docMissing = FindingCode(
    "session.doc.missing", .warning, action: "manual",
    "a session doc's file is nowhere: not at its contentFilePath, and not at the same session-docs/<sessionId>/<file> here")
  /// `session.doc.outside` (warning).
  public static let docOutside = FindingCode(
    "session.doc.outside", .warning, action: "manual",
    "a session doc's contentFilePath leads to an existing file outside the data dir, with no copy here (backups and moves leave it behind)")
  /// `session.doc.relocated` (info).
  public static let docRelocated = FindingCode(
    "session.doc.relocated", .info, action: "rebase-path",
    "a session doc's absolute contentFilePath names another data dir, and the same session-docs/<sessionId>/<file> exists here (a restored or copied data dir)")
  /// `session.parent.dangling` (warning).
  public static let sessionParentDangling = FindingCode(
    "session.parent.dangling", .warning, action: "remove-ref",
    "a session's parentSessionId names a session that exists nowhere")
  /// `session.root.dangling` (warning).
  public static let sessionRootDangling = FindingCode(
    "session.root.dangling", .warning, action: "remove-ref",
    "a session's rootSessionId names a session that exists nowhere")
  /// `list.dangling` (warning).
  public static let listDangling = FindingCode(
    "list.dangling", .warning, action: "remove-ref",
    "an ordering/, task-lists/ or task-graphs/ file names a task, session or task list that exists nowhere")

  // MARK: Field types

  /// `field.type` (error).
  public static let fieldType = FindingCode(
    "field.type", .error, action: "manual",
    "a field servers read has a JSON type they throw or misbehave on (an id list that is a string or an object, ids that are numbers or null, a name that is a number); a person corrects the value, repair never guesses it")
  /// `field.type.tolerated` (warning).
  public static let fieldTypeTolerated = FindingCode(
    "field.type.tolerated", .warning, action: "manual",
    "a field servers read has a JSON type they coerce or pass along (a timestamp that is a string, a flag that is a number); a person corrects the value, repair never guesses it")

  // MARK: Facts

  /// `task.timestamps.inconsistent` (info).
  public static let taskTimestamps = FindingCode(
    "task.timestamps.inconsistent", .info, action: "none",
    "a task's startedAt/completedAt disagree with its status or with each other (servers never clear them on reopen)")
  /// `session.timestamps.inconsistent` (info).
  public static let sessionTimestamps = FindingCode(
    "session.timestamps.inconsistent", .info, action: "none",
    "a session's completedAt disagrees with its status, or its times run backwards")
  /// `enum.unknown` (info).
  public static let enumUnknown = FindingCode(
    "enum.unknown", .info, action: "none",
    "a status, priority or timeline type outside the values known servers write (kept as found)")
  /// `field.unknown` (info).
  public static let fieldUnknown = FindingCode(
    "field.unknown", .info, action: "none",
    "a field no known server writes; one finding per entity kind and field, with a count")
  /// `ref.archived` (info).
  public static let refArchived = FindingCode(
    "ref.archived", .info, action: "none",
    "a reference to a task or session that maestro-admin archive moved out (archive/catalog.jsonl); not dangling")

  // MARK: Legacy data

  /// `task.legacy-fields` (info).
  public static let taskLegacyFields = FindingCode(
    "task.legacy-fields", .info, action: "migrate",
    "a task predates Phase IV-A (no sessionIds, skillIds or agentIds); servers default them in memory")
  /// `session.legacy-task-id` (info).
  public static let sessionLegacyTaskId = FindingCode(
    "session.legacy-task-id", .info, action: "migrate",
    "a session has the legacy single taskId and no taskIds; servers convert it in memory")

  /// Every code, in the order README lists them.
  public static let catalogue: [FindingCode] = [
    notADataDir,
    fileUnreadable, fileEmpty, fileMalformed, fileTruncated, fileNotObject, idMissing, idHostile,
    idMismatch,
    idDuplicate, legacyConflict, legacyDuplicate, legacyTask, taskMisplaced, strayTmp, strayFile,
    fileSymlink, fileSymlinkOutside, folderSymlink, folderSymlinkOutside, layoutUnknown,
    taskOrphan, sessionOrphan,
    sessionTaskDangling, taskSessionDangling, linkSessionOnly, linkTaskOnly,
    sessionTaskIdsDuplicate, taskSessionIdsDuplicate, linkCrossProject,
    parentDangling, dependencyDangling, referenceDangling, parentCycle, dependencyCycle,
    sessionStatusUnlinked, docMissing, docOutside, docRelocated, sessionParentDangling,
    sessionRootDangling, listDangling,
    fieldType, fieldTypeTolerated,
    taskTimestamps, sessionTimestamps, enumUnknown, fieldUnknown, refArchived,
    taskLegacyFields, sessionLegacyTaskId,
  ]
}
