/// The kinds of damage `generate --inject` can plant (FORMAT.md §6 and §8).
///
/// The raw values are also the finding codes `check` reports, so a check
/// run over a generated dir can be scored one to one against the dir's
/// `.faults.json`. Each planted fault lists the findings a correct checker
/// reports for it (`PlantedFault.expected`); the conventions, per class:
///
/// - A finding names the entity whose file holds the offending data (`id`)
///   and that file (`file`, relative to the data dir).
/// - `file.malformed`, `file.truncated` and `file.empty` name the file's
///   stem as `id`: the file cannot be read, so no id can be taken from it.
///   `file.stray-tmp` names the id of the file the temp file would have
///   replaced (`tasks/<p>/<id>.json.<8 hex>.tmp` → `<id>`).
/// - A one-sided or cross-project link is one finding, reported on the side
///   that lists the link (for `link.cross-project`, the session).
/// - A cycle is one finding, on the task with the bytewise-smallest id on it.
/// - `entity.id.duplicate` is one finding per file holding the id.
/// - `entity.id.hostile` is the only finding for its file: a hostile id
///   cannot be a file name, so the name mismatch it implies is not reported
///   separately.
///
/// In `--format legacy`, legacy-layout facts a checker reports as info (a
/// single `taskId`, missing Phase IV-A arrays) appear on planted entities as
/// on all the others; they are the format, not the fault.
public enum FaultClass: String, Sendable, CaseIterable, Comparable {
  case sessionTaskDangling = "session.task.dangling"
  case taskSessionDangling = "task.session.dangling"
  case linkSessionOnly = "link.session-only"
  case linkTaskOnly = "link.task-only"
  case sessionTaskIdsDuplicate = "session.taskIds.duplicate"
  case taskSessionIdsDuplicate = "task.sessionIds.duplicate"
  case linkCrossProject = "link.cross-project"
  case taskOrphan = "task.orphan"
  case sessionOrphan = "session.orphan"
  case taskMisplaced = "task.misplaced"
  case entityIdMismatch = "entity.id.mismatch"
  case entityIdDuplicate = "entity.id.duplicate"
  case taskLegacyConflict = "task.legacy.conflict"
  case fileMalformed = "file.malformed"
  case fileTruncated = "file.truncated"
  case fileEmpty = "file.empty"
  case fileStrayTmp = "file.stray-tmp"
  case taskParentDangling = "task.parent.dangling"
  case taskDependencyDangling = "task.dependency.dangling"
  case taskParentCycle = "task.parent.cycle"
  case taskDependencyCycle = "task.dependency.cycle"
  case taskSessionStatusUnlinked = "task.session-status.unlinked"
  case sessionDocMissing = "session.doc.missing"
  case enumUnknown = "enum.unknown"
  case entityIdHostile = "entity.id.hostile"
  case fieldType = "field.type"

  /// One line for `--help`.
  public var summary: String {
    switch self {
    case .sessionTaskDangling: return "a session lists a task id that exists nowhere"
    case .taskSessionDangling: return "a task lists a session id that exists nowhere"
    case .linkSessionOnly: return "a session lists a task that does not list it back"
    case .linkTaskOnly: return "a task lists a session that does not list it back"
    case .sessionTaskIdsDuplicate: return "a session lists the same task twice in taskIds"
    case .taskSessionIdsDuplicate: return "a task lists the same session twice in sessionIds"
    case .linkCrossProject: return "a linked session and task belong to different projects"
    case .taskOrphan: return "a task's projectId names no project (file in tasks/<that id>/)"
    case .sessionOrphan: return "a session's projectId names no project"
    case .taskMisplaced: return "a task file sits in another existing project's folder"
    case .entityIdMismatch: return "a file's name is not the id inside it"
    case .entityIdDuplicate: return "one task id in two current-layout files"
    case .taskLegacyConflict: return "flat tasks/<id>.json and tasks/<p>/<id>.json differ"
    case .fileMalformed: return "a file that is not JSON (a syntax error mid-file)"
    case .fileTruncated: return "a file cut short (a valid prefix of JSON)"
    case .fileEmpty: return "an empty entity file"
    case .fileStrayTmp: return "a <file>.<8 hex>.tmp left by an interrupted server write"
    case .taskParentDangling: return "a task's parentId names no task"
    case .taskDependencyDangling: return "a task's dependencies name no task"
    case .taskParentCycle: return "parentId chains that form a cycle"
    case .taskDependencyCycle: return "dependencies that form a cycle"
    case .taskSessionStatusUnlinked: return "a taskSessionStatuses key not in sessionIds"
    case .sessionDocMissing: return "a docs[].contentFilePath whose file is absent (--format current)"
    case .enumUnknown: return "a status value outside FORMAT.md's union"
    case .entityIdHostile: return "an id holding '/', '..' or a control character"
    case .fieldType: return "a field of a JSON type servers choke on (ids that are numbers or null, a name that is a number)"
    }
  }

  /// Whether the class can only be planted in `--format current` data
  /// (session docs exist only there).
  public var requiresCurrentFormat: Bool { self == .sessionDocMissing }

  /// Whether the class needs two projects (it moves something across them).
  public var requiresTwoProjects: Bool {
    switch self {
    case .linkCrossProject, .taskMisplaced, .entityIdDuplicate: return true
    default: return false
    }
  }

  /// Declaration order, which is also the order of `.faults.json`.
  public static func < (lhs: FaultClass, rhs: FaultClass) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }

  /// The `--help` text listing every class with its summary.
  public static var helpText: String {
    let width = allCases.map(\.rawValue.count).max() ?? 0
    return allCases.map { c in
      "  " + c.rawValue + String(repeating: " ", count: width - c.rawValue.count + 2) + c.summary
    }.joined(separator: "\n")
  }
}
