import MaestroMaint
import MaestroStorage
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A writer that behaves like a running Maestro server towards its data dir
/// (FORMAT.md §8): it loads every project, task and session into memory
/// once, then, at a set rate, changes an entity in memory and rewrites the
/// entity's whole file from that copy — never reading it again, so whatever
/// someone else wrote to the file meanwhile is overwritten, as a real
/// server does. A link is written on both sides one file after the other
/// (task, then session), so for an instant it is half written. Now and then
/// it creates a session (linked to a task) or a task.
///
/// Every write is appended to a JSON-lines log (`ImitatorWrite`) so that
/// `LostWriteVerifier` can tell afterwards whether a maintenance command
/// destroyed one. It stops by itself after `duration` or `maxWrites`, or
/// when `stop` is asked (SIGTERM in the `maestro-server-imitator` tool),
/// always after finishing the operation at hand: it never leaves a link
/// half written when it stops.
public final class ServerImitator {
  /// How to run.
  public struct Options: Sendable {
    /// The data dir.
    public var dataDir: String
    /// Target writes per second.
    public var writesPerSecond: Double = 300
    /// The write style.
    public var style: ImitatorWrite.Style = .rename
    /// Stop after this many seconds (nil: no time bound).
    public var duration: Double?
    /// Stop after this many writes (nil: no count bound).
    public var maxWrites: Int?
    /// Seeds the choice of entities and operations.
    public var seed: UInt64 = 1
    /// Where the log goes (nil: no log).
    public var logPath: String?
    /// In place, write the bytes in pieces of this size (0: one `write`).
    public var inPlaceChunk = 0
    /// Percent of operations that create a session or a task.
    public var createPercent = 6

    /// Options for the data dir at `dataDir`.
    public init(dataDir: String) {
      self.dataDir = dataDir
    }
  }

  /// What a run did.
  public struct Summary: Sendable {
    /// Files written.
    public var writes = 0
    /// Operations per name.
    public var operations: [String: Int] = [:]
    /// Seconds from the first write to the end.
    public var seconds = 0.0
    /// Writes that failed (the file's folder gone, ...), with why.
    public var failures: [String] = []
  }

  private struct Entity {
    var path: String
    var object: JSONObject
  }

  /// The options.
  public let options: Options
  private var tasks: [Entity] = []
  private var sessions: [Entity] = []
  private var tasksByProject: [String: [Int]] = [:]
  private var taskById: [String: Int] = [:]
  private var random: SplitMix
  private var log: Int32 = -1
  private let stopRequested = Atomic<Bool>(false)

  /// Loads the data dir's tasks (project-folder layout) and sessions.
  ///
  /// - Throws: `MaestroError` when the data dir cannot be listed or read.
  public init(_ options: Options) throws {
    self.options = options
    random = SplitMix(seed: options.seed)
    let scan = try EntityFileScan.scan(root: options.dataDir)
    for file in scan.files where file.kind == .task || file.kind == .session {
      guard let bytes = try? FileSystem.readFile(options.dataDir + "/" + file.relativePath),
        let object = (try? JSONParser.parse(bytes))?.objectValue, object["id"]?.stringValue == file.stem
      else { continue }
      let entity = Entity(path: file.relativePath, object: object)
      if file.kind == .task {
        guard object["sessionIds"]?.arrayValue != nil, let project = object["projectId"]?.stringValue,
          file.folder == project
        else { continue }
        taskById[file.stem] = tasks.count
        tasksByProject[project, default: []].append(tasks.count)
        tasks.append(entity)
      } else if object["taskIds"]?.arrayValue != nil, object["projectId"]?.stringValue != nil {
        sessions.append(entity)
      }
    }
    guard !tasks.isEmpty else {
      throw MaestroError(.notFound, "no task in the project-folder layout to write", path: options.dataDir)
    }
    if let logPath = options.logPath {
      log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
      guard log >= 0 else { throw MaestroError.system("cannot open the log", path: logPath) }
    }
  }

  deinit {
    if log >= 0 { close(log) }
  }

  /// Asks the run to stop after the operation at hand (signal-safe to call
  /// from another thread).
  public func stop() {
    stopRequested.store(true, ordering: .relaxed)
  }

  /// Writes until a bound is reached or `stop` is called.
  ///
  /// - Parameter shouldStop: Polled between operations (a signal flag).
  /// - Returns: What was done.
  public func run(shouldStop: () -> Bool = { false }) -> Summary {
    var summary = Summary()
    let start = Self.monotonic()
    let interval = options.writesPerSecond > 0 ? 1 / options.writesPerSecond : 0
    while !stopRequested.load(ordering: .relaxed) && !shouldStop() {
      if let max = options.maxWrites, summary.writes >= max { break }
      if let duration = options.duration, Self.monotonic() - start >= duration { break }
      let due = start + Double(summary.writes) * interval
      let wait = due - Self.monotonic()
      if wait > 0 { usleep(useconds_t(min(wait, 0.5) * 1_000_000)) }
      if Self.monotonic() < due { continue }
      let (name, changed) = nextOperation()
      guard !changed.isEmpty else { continue }
      summary.operations[name, default: 0] += 1
      for target in changed {
        do {
          try write(target, operation: name)
          summary.writes += 1
        } catch {
          summary.failures.append("\(error)")
        }
      }
    }
    summary.seconds = Self.monotonic() - start
    return summary
  }

  // MARK: Operations

  private enum Target {
    case task(Int)
    case session(Int)
  }

  /// Picks and applies one change in memory; returns the files to write, in order.
  private func nextOperation() -> (String, [Target]) {
    let roll = random.below(100)
    if roll < options.createPercent / 2 { return ("create-task", createTask()) }
    if roll < options.createPercent { return ("create-session", createSession()) }
    switch random.below(100) {
    case 0..<40:
      if random.below(2) == 0 || sessions.isEmpty {
        let t = random.below(tasks.count)
        bump(&tasks[t].object, "updatedAt")
        return ("touch", [.task(t)])
      }
      let s = random.below(sessions.count)
      bump(&sessions[s].object, "lastActivity")
      return ("touch", [.session(s)])
    case 40..<55:
      let t = random.below(tasks.count)
      appendTimeline(&tasks[t].object)
      bump(&tasks[t].object, "updatedAt")
      return ("timeline", [.task(t)])
    case 55..<80:
      return ("link", link())
    default:
      return ("unlink", unlink())
    }
  }

  /// Links a random session to a task of its project it does not list yet.
  private func link() -> [Target] {
    guard !sessions.isEmpty else { return [] }
    let s = random.below(sessions.count)
    guard let project = sessions[s].object["projectId"]?.stringValue, let candidates = tasksByProject[project],
      !candidates.isEmpty
    else { return [] }
    let t = candidates[random.below(candidates.count)]
    let sessionId = sessions[s].object["id"]?.stringValue ?? ""
    let taskId = tasks[t].object["id"]?.stringValue ?? ""
    let listed = sessions[s].object["taskIds"]?.arrayValue ?? []
    let back = tasks[t].object["sessionIds"]?.arrayValue ?? []
    guard !listed.contains(.string(taskId)), !back.contains(.string(sessionId)) else { return [] }
    tasks[t].object["sessionIds"] = .array(back + [.string(sessionId)])
    sessions[s].object["taskIds"] = .array(listed + [.string(taskId)])
    bump(&tasks[t].object, "updatedAt")
    bump(&sessions[s].object, "lastActivity")
    return [.task(t), .session(s)]
  }

  /// Unlinks a random linked pair on both sides (and the task's status for it).
  private func unlink() -> [Target] {
    guard !sessions.isEmpty else { return [] }
    let s = random.below(sessions.count)
    let listed = sessions[s].object["taskIds"]?.arrayValue ?? []
    guard !listed.isEmpty, let taskId = listed[random.below(listed.count)].stringValue, let t = taskById[taskId]
    else { return [] }
    let sessionId = sessions[s].object["id"]?.stringValue ?? ""
    let back = tasks[t].object["sessionIds"]?.arrayValue ?? []
    guard back.contains(.string(sessionId)) else { return [] }
    tasks[t].object["sessionIds"] = .array(back.filter { $0 != .string(sessionId) })
    if var statuses = tasks[t].object["taskSessionStatuses"]?.objectValue {
      _ = statuses.removeValue(forKey: sessionId)
      tasks[t].object["taskSessionStatuses"] = .object(statuses)
    }
    sessions[s].object["taskIds"] = .array(listed.filter { $0 != .string(taskId) })
    bump(&tasks[t].object, "updatedAt")
    bump(&sessions[s].object, "lastActivity")
    return [.task(t), .session(s)]
  }

  /// A new task, a copy of a random one with a new id and no links.
  private func createTask() -> [Target] {
    var object = tasks[random.below(tasks.count)].object
    let id = newId("task")
    let project = object["projectId"]?.stringValue ?? ""
    let now = Double(Self.nowMilliseconds())
    object["id"] = .string(id)
    for key in ["sessionIds", "dependencies", "referenceTaskIds", "timeline"] where object[key] != nil {
      object[key] = .array([])
    }
    if object["taskSessionStatuses"] != nil { object["taskSessionStatuses"] = .object(JSONObject()) }
    if object["parentId"] != nil { object["parentId"] = .null }
    // Times the copy had move to now, so they agree with its status as before.
    for key in ["createdAt", "updatedAt"] { object[key] = .number(now) }
    for key in ["startedAt", "completedAt"] where object[key]?.numberValue != nil { object[key] = .number(now) }
    let t = tasks.count
    tasks.append(Entity(path: "tasks/\(project)/\(id).json", object: object))
    taskById[id] = t
    tasksByProject[project, default: []].append(t)
    return [.task(t)]
  }

  /// A new session linked to a random task: the session's file first, then the task's.
  private func createSession() -> [Target] {
    guard !sessions.isEmpty else { return [] }
    let t = random.below(tasks.count)
    var object = sessions[random.below(sessions.count)].object
    let id = newId("sess")
    let taskId = tasks[t].object["id"]?.stringValue ?? ""
    let now = Double(Self.nowMilliseconds())
    object["id"] = .string(id)
    object["projectId"] = tasks[t].object["projectId"] ?? .null
    object["taskIds"] = .array([.string(taskId)])
    for key in ["events", "timeline", "docs"] where object[key] != nil { object[key] = .array([]) }
    if object["parentSessionId"] != nil { object["parentSessionId"] = .null }
    if object["rootSessionId"] != nil { object["rootSessionId"] = .string(id) }
    if object["teamSessionId"] != nil { object["teamSessionId"] = .null }
    for key in ["startedAt", "lastActivity"] { object[key] = .number(now) }
    if object["completedAt"]?.numberValue != nil { object["completedAt"] = .number(now) }
    let s = sessions.count
    sessions.append(Entity(path: "sessions/\(id).json", object: object))
    let back = tasks[t].object["sessionIds"]?.arrayValue ?? []
    tasks[t].object["sessionIds"] = .array(back + [.string(id)])
    bump(&tasks[t].object, "updatedAt")
    return [.session(s), .task(t)]
  }

  private func appendTimeline(_ object: inout JSONObject) {
    guard let timeline = object["timeline"]?.arrayValue else { return }
    let event: JSONObject = [
      "id": .string(newId("evt")), "type": "progress", "timestamp": .number(Double(Self.nowMilliseconds())),
      "message": "imitated progress",
    ]
    object["timeline"] = .array(timeline + [.object(event)])
  }

  /// Sets `key` to now, or one more than before when the clock has not moved.
  private func bump(_ object: inout JSONObject, _ key: String) {
    let previous = object[key]?.numberValue ?? 0
    object[key] = .number(max(Double(Self.nowMilliseconds()), previous + 1))
  }

  private func newId(_ prefix: String) -> String {
    let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    let suffix = String((0..<9).map { _ in alphabet[random.below(alphabet.count)] })
    return "\(prefix)_\(Self.nowMilliseconds())_\(suffix)"
  }

  // MARK: Writing

  private func write(_ target: Target, operation: String) throws {
    let entity: Entity
    let markerKey: String
    switch target {
    case .task(let t):
      entity = tasks[t]
      markerKey = "updatedAt"
    case .session(let s):
      entity = sessions[s]
      markerKey = "lastActivity"
    }
    let bytes = JSONWriter.serialize(.object(entity.object), style: options.style == .rename ? .compact : .pretty)
    let path = options.dataDir + "/" + entity.path
    switch options.style {
    case .rename:
      let temporary = path + "." + String(format8Hex: UInt32(truncatingIfNeeded: random.next())) + ".tmp"
      try Self.writeFile(temporary, bytes, flags: O_EXCL, chunk: 0)
      try FileSystem.rename(temporary, to: path)
    case .inPlace:
      try Self.writeFile(path, bytes, flags: O_TRUNC, chunk: options.inPlaceChunk)
    }
    guard log >= 0 else { return }
    let record = ImitatorWrite(
      time: Double(Self.nowMicroseconds()) / 1000, path: entity.path, sha256: SHA256.hex(of: bytes),
      size: bytes.count, style: options.style, operation: operation,
      marker: entity.object[markerKey]?.numberValue ?? 0)
    let line = Array((record.jsonLine + "\n").utf8)
    _ = line.withUnsafeBytes { Glibc.write(log, $0.baseAddress, $0.count) }
  }

  /// `open(O_WRONLY | O_CREAT | flags)` and write, like Node's `writeFile`
  /// (no fsync).
  private static func writeFile(_ path: String, _ bytes: [UInt8], flags: Int32, chunk: Int) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0o644)
    guard fd >= 0 else { throw MaestroError.system("cannot open for writing", path: path) }
    defer { close(fd) }
    var offset = 0
    let piece = chunk > 0 ? chunk : max(bytes.count, 1)
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, min(piece, bytes.count - offset)) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw MaestroError.system("cannot write", path: path) }
      offset += n
    }
  }

  static func monotonic() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
  }

  static func nowMicroseconds() -> Int64 {
    var t = timespec()
    clock_gettime(CLOCK_REALTIME, &t)
    return Int64(t.tv_sec) * 1_000_000 + Int64(t.tv_nsec) / 1000
  }

  static func nowMilliseconds() -> Int64 { nowMicroseconds() / 1000 }
}

/// A small seeded generator (SplitMix64): the same seed gives the same run.
struct SplitMix {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in `0..<n` (`n` > 0).
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

extension String {
  /// Eight lowercase hex digits.
  init(format8Hex value: UInt32) {
    let digits = String(value, radix: 16)
    self = String(repeating: "0", count: 8 - digits.count) + digits
  }
}
