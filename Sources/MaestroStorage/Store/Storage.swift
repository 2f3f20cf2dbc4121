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
/// - deleting a session also drops its key from tasks' `taskSessionStatuses`.
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

  func write(_ object: JSONObject, style: JSONStyle, to relativePath: String) throws {
    let path = root + "/" + relativePath
    let dir = String(path[..<path.lastIndex(of: "/")!])
    if !FileSystem.isDirectory(dir) { try FileSystem.makeDirectories(dir) }
    try AtomicFile.write(JSONWriter.serialize(.object(object), style: style), to: path)
  }

  func remove(_ relativePath: String) throws {
    let path = root + "/" + relativePath
    if FileSystem.fileExists(path, followSymlinks: false) { try AtomicFile.remove(path) }
  }

  func now() -> Double { Double(ids.clock.nowMilliseconds()) }
}

/// Entities of one kind, by id, in insertion order (as a JavaScript `Map`),
/// each with the file it lives in and that file's style.
struct EntityTable<Entity: MaestroEntity>: Sendable {
  struct Entry: Sendable {
    var entity: Entity
    var style: JSONStyle
    var file: String
  }

  private(set) var order: [String] = []
  private var entries: [String: Entry] = [:]

  var count: Int { entries.count }

  subscript(id: String) -> Entry? {
    get { entries[id] }
    set {
      if let newValue {
        if entries.updateValue(newValue, forKey: id) == nil { order.append(id) }
      } else if entries.removeValue(forKey: id) != nil {
        order.remove(at: order.firstIndex(of: id)!)
      }
    }
  }

  var values: [Entity] { order.map { entries[$0]!.entity } }
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
