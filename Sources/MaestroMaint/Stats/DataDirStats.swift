import MaestroStorage

/// What a data dir holds: counts per entity, status and project, bytes on
/// disk, legacy and unparseable files, the time span it covers.
///
/// Computed by streaming: files are read and parsed on every core and only
/// counters are kept, so memory does not grow with the data dir.
public struct DataDirStats: Sendable {
  /// Tasks and sessions of one project.
  public struct ProjectCount: Sendable, Equatable {
    public var projectId: String
    /// The project's name, when the project exists.
    public var name: String?
    public var tasks: Int
    public var sessions: Int
  }

  /// A file that could not be read as an entity.
  public struct Unparseable: Sendable, Equatable {
    /// Relative to the data dir.
    public var file: String
    public var reason: String
  }

  public var root: String
  public var projects = 0
  /// Tasks in project folders and legacy flat files together.
  public var tasks = 0
  /// Task files in the legacy flat `tasks/*.json` layout.
  public var legacyTaskFiles = 0
  public var sessions = 0
  public var tasksByStatus: [String: Int] = [:]
  public var sessionsByStatus: [String: Int] = [:]
  /// The projects with the most tasks (then sessions), at most ten.
  public var topProjects: [ProjectCount] = []
  /// Every file under the data dir, any folder (symlinks apart).
  public var files = 0
  /// The sum of those files' sizes.
  public var bytes: Int64 = 0
  public var prettyFiles = 0
  public var compactFiles = 0
  public var unparseable: [Unparseable] = []
  /// Other files in the entity folders (`*.tmp`, non-JSON).
  public var strayFiles: [String] = []
  /// Every symlink under the data dir, relative (never followed; those in
  /// the entity folders are `check` findings).
  public var symlinks: [String] = []
  /// The earliest and latest timestamps found (epoch ms).
  public var oldest: Double?
  public var newest: Double?

  /// How many projects `topProjects` lists.
  public static let topCount = 10

  /// Reads every entity file under `root` with `workers` workers, drawing a
  /// progress bar on a terminal when `showProgress`.
  /// - Throws: `MaestroError` when `root` does not exist or cannot be listed.
  public static func compute(
    root: String, workers: Int = ParallelMap.defaultWorkers, showProgress: Bool = false
  ) async throws -> DataDirStats {
    let scan = try EntityFileScan.scan(root: root)
    let progress = ProgressBar("stats", total: scan.files.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    defer { progress.finish() }
    let parts = await ParallelMap.reduce(scan.files, workers: workers, initial: { Partial() }) { partial, file in
      guard !Cancellation.isRequested else { return }
      partial.add(file, root: root)
      progress.advance()
    }
    try Cancellation.check()
    var merged = Partial()
    for p in parts { merged.merge(p) }
    var stats = DataDirStats(root: root)
    stats.apply(merged)
    stats.strayFiles = scan.otherFiles
    let usage = try Self.diskUsage(root)
    stats.files = usage.files
    stats.bytes = usage.bytes
    stats.symlinks = usage.symlinks
    return stats
  }

  private mutating func apply(_ p: Partial) {
    projects = p.projects
    tasks = p.tasks
    legacyTaskFiles = p.legacyTaskFiles
    sessions = p.sessions
    tasksByStatus = p.tasksByStatus
    sessionsByStatus = p.sessionsByStatus
    prettyFiles = p.pretty
    compactFiles = p.compact
    unparseable = p.unparseable.sorted { $0.file < $1.file }
    oldest = p.oldest
    newest = p.newest
    let ids = Set(p.tasksPerProject.keys).union(p.sessionsPerProject.keys)
    topProjects =
      ids.map {
        ProjectCount(
          projectId: $0, name: p.projectNames[$0], tasks: p.tasksPerProject[$0, default: 0],
          sessions: p.sessionsPerProject[$0, default: 0])
      }
      .sorted { ($0.tasks, $0.sessions, $1.projectId) > ($1.tasks, $1.sessions, $0.projectId) }
      .prefix(Self.topCount).map { $0 }
  }

  /// Counts every file (not directory, not symlink) under `root` and adds
  /// up their sizes, and lists the symlinks (relative, sorted), without
  /// following any.
  static func diskUsage(_ root: String) throws -> (files: Int, bytes: Int64, symlinks: [String]) {
    var files = 0
    var bytes: Int64 = 0
    var symlinks: [String] = []
    var pending = [""]
    while let relative = pending.popLast() {
      let dir = relative.isEmpty ? root : root + "/" + relative
      for entry in try FileSystem.listDirectory(dir) {
        let child = relative.isEmpty ? entry.name : relative + "/" + entry.name
        switch entry.kind {
        case .directory:
          pending.append(child)
        case .symlink:
          symlinks.append(child)
        default:
          files += 1
          bytes += Int64((try? FileSystem.stat(root + "/" + child, followSymlinks: false).size) ?? 0)
        }
      }
    }
    return (files, bytes, symlinks.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
  }
}

/// One worker's counters.
private struct Partial: Sendable {
  var projects = 0
  var tasks = 0
  var legacyTaskFiles = 0
  var sessions = 0
  var pretty = 0
  var compact = 0
  var tasksByStatus: [String: Int] = [:]
  var sessionsByStatus: [String: Int] = [:]
  var tasksPerProject: [String: Int] = [:]
  var sessionsPerProject: [String: Int] = [:]
  var projectNames: [String: String] = [:]
  var unparseable: [DataDirStats.Unparseable] = []
  var oldest: Double?
  var newest: Double?

  static let timestampFields = ["createdAt", "updatedAt", "startedAt", "completedAt", "lastActivity"]

  mutating func add(_ file: EntityFileScan.File, root: String) {
    let object: JSONObject
    do {
      let bytes = try FileSystem.readFile(root + "/" + file.relativePath)
      let document: JSONDocument
      do {
        document = try JSONDocument(parsing: bytes)
      } catch {
        unparseable.append(.init(file: file.relativePath, reason: "malformed JSON: \(error)"))
        return
      }
      guard case .object(let o) = document.value else {
        unparseable.append(.init(file: file.relativePath, reason: "not a JSON object (\(document.value.kindName))"))
        return
      }
      object = o
      if document.style == .pretty { pretty += 1 } else { compact += 1 }
    } catch {
      unparseable.append(.init(file: file.relativePath, reason: "\(error)"))
      return
    }
    let status = object["status"]?.stringValue ?? "(none)"
    let projectId = object["projectId"]?.stringValue ?? "(none)"
    switch file.kind {
    case .project:
      projects += 1
      if let id = object["id"]?.stringValue { projectNames[id] = object["name"]?.stringValue }
    case .task, .legacyTask:
      tasks += 1
      if file.kind == .legacyTask { legacyTaskFiles += 1 }
      tasksByStatus[status, default: 0] += 1
      tasksPerProject[projectId, default: 0] += 1
    case .session:
      sessions += 1
      sessionsByStatus[status, default: 0] += 1
      sessionsPerProject[projectId, default: 0] += 1
    }
    for field in Self.timestampFields {
      guard let t = object[field]?.numberValue, t > 0 else { continue }
      oldest = min(oldest ?? t, t)
      newest = max(newest ?? t, t)
    }
  }

  mutating func merge(_ o: Partial) {
    projects += o.projects
    tasks += o.tasks
    legacyTaskFiles += o.legacyTaskFiles
    sessions += o.sessions
    pretty += o.pretty
    compact += o.compact
    tasksByStatus.merge(o.tasksByStatus, uniquingKeysWith: +)
    sessionsByStatus.merge(o.sessionsByStatus, uniquingKeysWith: +)
    tasksPerProject.merge(o.tasksPerProject, uniquingKeysWith: +)
    sessionsPerProject.merge(o.sessionsPerProject, uniquingKeysWith: +)
    projectNames.merge(o.projectNames) { a, _ in a }
    unparseable += o.unparseable
    if let t = o.oldest { oldest = min(oldest ?? t, t) }
    if let t = o.newest { newest = max(newest ?? t, t) }
  }
}
