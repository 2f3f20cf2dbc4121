/// The seed server's `Storage` class in Swift: projects, tasks and sessions
/// held in memory, each persisted as one JSON file in the data dir.
///
/// Semantics follow `STORAGE-LAYER.md`, except where the seed is wrong:
/// - only the entities a call changed are written (the seed rewrote every
///   file on every change);
/// - every write is atomic and durable (temp file, fsync, rename, fsync of
///   the directory), and events are delivered only after it;
/// - deleting an entity removes its file (the seed never did, so deleted
///   entities came back after a restart);
/// - `removeTaskFromSession` is idempotent: it records `session_ended` only
///   when the link existed;
/// - deleting a session also drops its key from tasks' `taskSessionStatuses`;
/// - a call that throws changes nothing: every file it would write is
///   computed and checked first, then all are written or none
///   (`StoreWriteBatch`), and only then are the tables updated and events
///   sent;
/// - `updateSession` checks `projectId` and `taskIds` as `createSession` does
///   and keeps both sides of each link;
/// - `load()` never undoes another call: entities created, changed or
///   deleted while it reads keep what those calls did.
///
/// Each file keeps the style it was read in; new files take the style most of
/// the data dir uses (two-space when it is empty, as the seed writes).
public actor Storage {
  /// The data dir this store reads and writes.
  public nonisolated let root: String
  let ids: IdGenerator

  var projects = EntityTable<Project>()
  var tasks = EntityTable<MaestroTask>()
  var sessions = EntityTable<Session>()
  var subscribers: [Int: AsyncStream<StorageEvent>.Continuation] = [:]
  var nextSubscriber = 0
  /// The style new files are written in.
  public internal(set) var defaultStyle: JSONStyle = .pretty
  /// What loading found wrong and skipped or chose around.
  public internal(set) var loadIssues: [LoadIssue] = []
  /// Loads started so far; each load's number orders it against the others.
  var loadsStarted = 0
  /// Loads reading right now: while any is, the tables log what calls change.
  var loadsRunning = 0
  /// The number of the newest load whose result is in the tables.
  var newestAppliedLoad = 0

  /// A store over `root`; call `initialize()` before use.
  public init(root: String, ids: IdGenerator = IdGenerator()) {
    self.root = root
    self.ids = ids
  }

  /// Creates the data dir and its entity folders if missing, then loads.
  public func initialize() async throws {
    for dir in [root, root + "/projects", root + "/tasks", root + "/sessions"] {
      try FileSystem.makeDirectories(dir)
    }
    try await load()
  }

  // MARK: Events

  /// A stream of every event from now on, in order.
  public func events() -> AsyncStream<StorageEvent> {
    let (stream, continuation) = AsyncStream<StorageEvent>.makeStream()
    let key = nextSubscriber
    nextSubscriber += 1
    subscribers[key] = continuation
    continuation.onTermination = { [weak self] _ in
      guard let self else { return }
      _Concurrency.Task { await self.unsubscribe(key) }
    }
    return stream
  }

  private func unsubscribe(_ key: Int) {
    subscribers[key] = nil
  }

  func emit(_ name: StorageEvent.Name, _ payload: JSONValue) {
    let event = StorageEvent(name, payload)
    for continuation in subscribers.values { continuation.yield(event) }
  }

  // MARK: Writing

  /// Applies a call's file changes, all or none.
  func commit(_ batch: StoreWriteBatch) throws {
    try batch.commit(root: root)
  }

  func now() -> Double { Double(ids.clock.nowMilliseconds()) }
}

/// Entities of one kind, by id, in insertion order (as a JavaScript `Map`),
/// each with the file it lives in and that file's style.
///
/// While a load reads, the table logs the id of every entry set or removed
/// (`changeLog`), so the load can keep what calls did meanwhile.
struct EntityTable<Entity: MaestroEntity>: Sendable {
  struct Entry: Sendable {
    var entity: Entity
    var style: JSONStyle
    var file: String
  }

  private(set) var order: [String] = []
  private var entries: [String: Entry] = [:]
  /// The ids set or removed since logging started, oldest first; nil when
  /// not logging.
  var changeLog: [String]?

  var count: Int { entries.count }

  subscript(id: String) -> Entry? {
    get { entries[id] }
    set {
      changeLog?.append(id)
      if let newValue {
        if entries.updateValue(newValue, forKey: id) == nil { order.append(id) }
      } else if entries.removeValue(forKey: id) != nil {
        order.remove(at: order.firstIndex(of: id)!)
      }
    }
  }

  var values: [Entity] { order.map { entries[$0]!.entity } }

  /// Takes over from `current` every entry changed after position `mark` of
  /// its change log (a removed one is removed here), and its log.
  mutating func adoptChanges(of current: EntityTable, since mark: Int) {
    let log = current.changeLog ?? []
    var seen = Set<String>()
    for id in log[min(mark, log.count)...] where seen.insert(id).inserted {
      self[id] = current[id]
    }
    changeLog = current.changeLog
  }
}

/// A file the store could not load as it is, and what it did about it.
public struct LoadIssue: Sendable, Equatable, CustomStringConvertible {
  /// The file, relative to the data dir.
  public var file: String
  public var message: String

  public init(file: String, message: String) {
    self.file = file
    self.message = message
  }

  public var description: String { "\(file): \(message)" }
}
