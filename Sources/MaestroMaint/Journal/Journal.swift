import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The record of one mutating run (repair, archive, migrate, undo), written
/// before anything changes: `DATA_DIR/.maestro-admin/journal/<id>.jsonl`.
///
/// Format, one JSON object per line:
/// 1. `{"type":"begin", "version":1, "id", "command", "tool", "createdAt", "undoes"?}`
/// 2. `{"type":"action", "seq", "op", "path", "to"?, "reason", "summary",
///    "before":{exists, sha256, mode}, "after":{...}, "data":{...}}` per change
/// 3. `{"type":"planned", "count"}`
/// 4. then, as the run goes, `{"type":"done", "seq"}` after each change is
///    durable, and `{"type":"commit"}` at the end — or `{"type":"stopped",
///    "seq", "reason", "conflicts":[{"path","why","keptAt"?}]}` when files
///    changed under the run.
///
/// Lines 1–3 are streamed to a temp file that is fsynced and renamed into
/// place, so a journal either holds the whole plan or does not exist. The bytes an action needs (a file's old
/// content for undo, its new content for finishing) are in `<id>.pack`
/// beside it, written and fsynced first; `data` gives offsets into it.
///
/// A crash while appending can tear only the last line. Reading ignores a
/// torn last line (bytes after the last newline) and any line after the plan
/// that is not a JSON object (what older versions left by appending after a
/// fragment); before anything is appended, the journal is cut back to its
/// last complete record, the cut bytes kept aside in
/// `<id>.jsonl.torn-<UTC time>` (`mendTornRecords()`).
public final class Journal {
  /// The data dir the journal belongs to.
  public let dataDir: String
  public let id: String
  /// The command that wrote it, e.g. `repair`.
  public let command: String
  /// Epoch milliseconds when it was begun.
  public let createdAt: Double
  /// For an undo run: the journal it undoes.
  public let undoes: String?
  /// Every planned change, in order.
  public private(set) var actions: [JournalAction]
  /// Sequence numbers of the changes made durable.
  public private(set) var done: Set<Int>
  /// Whether the run finished.
  public private(set) var committed: Bool
  /// Why the run stopped before its end, if it did (a file had changed
  /// under it); the changes marked done stay made and can be undone.
  public private(set) var stopReason: String?
  /// Whether nothing more will happen under this journal: committed or
  /// stopped. An unfinished journal is what a crash leaves.
  public var isFinished: Bool { committed || stopReason != nil }
  private var blobRanges: [Int: (before: Range<Int>?, after: Range<Int>?)]
  private var reader: JournalPackReader?
  /// What reading skipped, to be cut before the next append: the length
  /// of the complete lines, the damaged lines among them, and the skipped
  /// bytes (damaged records, then the torn tail).
  private var torn: (length: Int, damaged: [Range<Int>], cut: [UInt8])?

  /// Whether the file holds a torn last record or damaged records after
  /// its plan, which the next append (or `mendTornRecords`) cuts away.
  public var isTorn: Bool { torn != nil }

  /// The journal folder of `dataDir`.
  public static func folder(_ dataDir: String) -> String {
    MaintenanceLock.stateFolder(dataDir) + "/journal"
  }

  /// This journal's file.
  public var path: String { Self.folder(dataDir) + "/" + id + ".jsonl" }
  var packPath: String { Self.folder(dataDir) + "/" + id + ".pack" }

  /// The file written and the folder, relative to the data dir, that no
  /// tree comparison should count: the toolkit's own state.
  public static let stateFolderName = ".maestro-admin"

  private init(
    dataDir: String, id: String, command: String, createdAt: Double, undoes: String?, actions: [JournalAction],
    done: Set<Int>, committed: Bool, blobRanges: [Int: (before: Range<Int>?, after: Range<Int>?)]
  ) {
    self.dataDir = dataDir
    self.id = id
    self.command = command
    self.createdAt = createdAt
    self.undoes = undoes
    self.actions = actions
    self.done = done
    self.committed = committed
    self.blobRanges = blobRanges
    self.stopReason = nil
  }

  // MARK: Writing

  /// Writes a new journal holding `actions` (numbered here), with the bytes
  /// undo and roll-forward need, durably, before any change is made.
  ///
  /// - Parameter beforeBytes: the current content of each action's path for
  ///   `write` and `remove` actions that replace or delete a file, by seq.
  ///   New content comes from each action's `newBytes`.
  public static func create(
    dataDir: String, command: String, actions: [JournalAction], beforeBytes: [Int: [UInt8]],
    undoes: String? = nil, now: Double = currentTimeMilliseconds()
  ) throws -> Journal {
    let pack = try JournalPackWriter(folder: Self.folder(dataDir))
    for (k, action) in actions.enumerated() {
      try pack.add(seq: k + 1, before: beforeBytes[k + 1] ?? beforeBytes[action.seq], after: action.newBytes)
    }
    return try create(dataDir: dataDir, command: command, actions: actions, pack: pack, undoes: undoes, now: now)
  }

  /// Writes a new journal holding `actions` (numbered here) whose blobs
  /// the caller has streamed into `pack` by seq: the pack is made durable
  /// first, then the plan is streamed to a temp file and renamed into place.
  static func create(
    dataDir: String, command: String, actions planned: [JournalAction], pack: JournalPackWriter,
    undoes: String? = nil, now: Double = currentTimeMilliseconds()
  ) throws -> Journal {
    let folder = Self.folder(dataDir)
    try FileSystem.makeDirectories(folder, mode: 0o700)
    let id = Self.makeId(now: now, command: command)
    // Renumbered only when needed: a big plan's array is then shared, not copied.
    var actions = planned
    if actions.indices.contains(where: { actions[$0].seq != $0 + 1 }) {
      for k in actions.indices { actions[k].seq = k + 1 }
    }
    try pack.finish(to: folder + "/" + id + ".pack")
    let ranges = pack.ranges
    let journal = Journal(
      dataDir: dataDir, id: id, command: command, createdAt: now, undoes: undoes, actions: actions, done: [],
      committed: false, blobRanges: ranges)

    // The plan, streamed to a temp file and renamed into place: a journal
    // either holds the whole plan or does not exist.
    let plan = try StreamedFile(folder: folder, name: id + ".jsonl")
    var text: [UInt8] = []
    var begin: JSONObject = [
      "type": "begin", "version": 1, "id": .string(id), "command": .string(command),
      "tool": .string("maestro-admin \(MaestroAdminVersion.string)"), "createdAt": .number(now),
    ]
    if let undoes { begin["undoes"] = .string(undoes) }
    appendLine(begin, to: &text)
    for action in actions {
      var line = action.json
      var data = JSONObject()
      if let r = ranges[action.seq] {
        if let b = r.before { data["before"] = [.number(Double(b.lowerBound)), .number(Double(b.count))] }
        if let a = r.after { data["after"] = [.number(Double(a.lowerBound)), .number(Double(a.count))] }
      }
      if !data.isEmpty { line["data"] = .object(data) }
      appendLine(line, to: &text)
      if text.count >= 1 << 20 {
        try plan.append(text)
        text.removeAll(keepingCapacity: true)
      }
    }
    appendLine(["type": "planned", "count": .number(Double(actions.count))], to: &text)
    try plan.append(text)
    try plan.finish(to: journal.path)
    return journal
  }

  /// Records that action `seq` is durable.
  public func markDone(_ seq: Int) throws {
    try append(["type": "done", "seq": .number(Double(seq))])
    done.insert(seq)
  }

  /// Records that the actions `seqs` are durable, in one append and one
  /// fsync (a bulk run, or a batch of removals whose folders were fsynced
  /// together).
  public func markDone(_ seqs: [Int]) throws {
    guard !seqs.isEmpty else { return }
    var bytes: [UInt8] = []
    for seq in seqs { Self.appendLine(["type": "done", "seq": .number(Double(seq))], to: &bytes) }
    try appendBytes(bytes)
    done.formUnion(seqs)
  }

  /// Records that the run finished.
  public func commit() throws {
    try append(["type": "commit"])
    committed = true
  }

  /// Records that the run stopped at action `seq` without making it.
  /// `conflicts` names every file found changed under the run.
  public func stop(at seq: Int, reason: String, conflicts: [JournalStop.Conflict] = []) throws {
    var line: JSONObject = ["type": "stopped", "seq": .number(Double(seq)), "reason": .string(reason)]
    if !conflicts.isEmpty {
      line["conflicts"] = .array(
        conflicts.map { c in
          var o: JSONObject = ["path": .string(c.path), "why": .string(c.why)]
          if let kept = c.keptAt { o["keptAt"] = .string(kept) }
          return .object(o)
        })
    }
    try append(line)
    stopReason = reason
  }

  private func append(_ line: JSONObject) throws {
    var bytes: [UInt8] = []
    Self.appendLine(line, to: &bytes)
    try appendBytes(bytes)
  }

  private func appendBytes(_ bytes: [UInt8]) throws {
    try mendTornRecords()
    let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
    guard fd >= 0 else { throw MaestroError.system("cannot open journal", path: path) }
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count, fsync(fd) == 0 else {
      throw MaestroError.system("cannot append to journal", path: path)
    }
  }

  /// Cuts a torn last record (and damaged records after the plan) away, so
  /// that what is appended next starts on a line of its own; the cut bytes
  /// are kept in `<id>.jsonl.torn-<UTC time>` beside the journal.
  /// - Returns: the file the cut bytes were kept in, or nil when the
  ///   journal was whole.
  /// - Throws: `MaestroError` naming the journal when it cannot be rewritten.
  @discardableResult
  public func mendTornRecords(now: Double = currentTimeMilliseconds()) throws -> String? {
    guard let torn else { return nil }
    var aside = path + ".torn-" + Self.stamp(now)
    var k = 1
    while FileSystem.fileExists(aside, followSymlinks: false) {
      aside = path + ".torn-" + Self.stamp(now) + "-\(k)"
      k += 1
    }
    try AtomicFile.write(torn.cut, to: aside, mode: 0o600)
    if torn.damaged.isEmpty {
      // Only the tail: cut the file back to its last newline.
      let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
      guard fd >= 0 else { throw MaestroError.system("cannot open journal", path: path) }
      defer { close(fd) }
      guard ftruncate(fd, off_t(torn.length)) == 0, fsync(fd) == 0 else {
        throw MaestroError.system("cannot cut the torn record off the journal", path: path)
      }
    } else {
      let bytes = try FileSystem.readFile(path)
      var whole: [UInt8] = []
      whole.reserveCapacity(torn.length)
      var at = 0
      for range in torn.damaged {
        whole += bytes[at..<range.lowerBound]
        at = range.upperBound
      }
      whole += bytes[at..<torn.length]
      try AtomicFile.write(whole, to: path, mode: 0o600)
    }
    self.torn = nil
    return aside
  }

  private static func appendLine(_ object: JSONObject, to bytes: inout [UInt8]) {
    JSONWriter.serialize(.object(object), style: .compact, into: &bytes)
    bytes.append(0x0A)
  }

  // MARK: Reading

  /// Reads the journal at `path` (`…/.maestro-admin/journal/<id>.jsonl`).
  /// - Throws: `MaestroError(.badEntity)` naming the file and line when it is
  ///   not a journal this tool can read.
  public static func open(path: String) throws -> Journal {
    let bytes = try FileSystem.readFile(path)
    // Bytes after the last newline are a record a crash cut short.
    let end = (bytes.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
    var cut: [UInt8] = []
    var damaged: [Range<Int>] = []
    let lines = bytes[..<end].split(separator: 0x0A, omittingEmptySubsequences: true)
    var header: JSONObject? = nil
    var actions: [JournalAction] = []
    var ranges: [Int: (before: Range<Int>?, after: Range<Int>?)] = [:]
    var done = Set<Int>()
    var planned = false
    var committed = false
    var stopReason: String? = nil
    for (n, line) in lines.enumerated() {
      guard let object = (try? JSONParser.parse(Array(line)))?.objectValue else {
        // After the plan only appended records follow: one that is not
        // JSON is a fragment an older version appended after (the record
        // it held is lost; recovery checks that action again).
        if planned {
          cut += line
          cut.append(0x0A)
          damaged.append(line.startIndex..<min(end, line.endIndex + 1))
          continue
        }
        throw MaestroError(.badEntity, "journal line \(n + 1) is not a JSON object", path: path)
      }
      switch object["type"]?.stringValue {
      case "begin":
        guard object["version"] == 1 else {
          throw MaestroError(.badEntity, "journal version \(object["version"].map { "\($0)" } ?? "?") is not supported", path: path)
        }
        header = object
      case "action":
        let action = try JournalAction(json: object)
        actions.append(action)
        let data = object["data"]?.objectValue
        ranges[action.seq] = (range(data?["before"]), range(data?["after"]))
      case "planned": planned = true
      case "done": if let seq = object["seq"]?.numberValue { done.insert(Int(seq)) }
      case "commit": committed = true
      case "stopped": stopReason = object["reason"]?.stringValue ?? "stopped"
      default:
        throw MaestroError(.badEntity, "journal line \(n + 1) has an unknown type", path: path)
      }
    }
    guard let header, let id = header["id"]?.stringValue, planned else {
      throw MaestroError(.badEntity, "not a complete maestro-admin journal (no begin or plan)", path: path)
    }
    let folder = FileSystem.parentDirectory(of: path)
    let dataDir = FileSystem.parentDirectory(of: FileSystem.parentDirectory(of: folder))
    let journal = Journal(
      dataDir: dataDir, id: id, command: header["command"]?.stringValue ?? "?",
      createdAt: header["createdAt"]?.numberValue ?? 0, undoes: header["undoes"]?.stringValue, actions: actions,
      done: done, committed: committed, blobRanges: ranges)
    journal.stopReason = stopReason
    cut += bytes[end...]
    if !cut.isEmpty { journal.torn = (end, damaged, cut) }
    return journal
  }

  private static func range(_ value: JSONValue?) -> Range<Int>? {
    guard let a = value?.arrayValue, a.count == 2, let start = a[0].numberValue, let count = a[1].numberValue else {
      return nil
    }
    return Int(start)..<(Int(start) + Int(count))
  }

  /// The journals of `dataDir`, oldest first.
  public static func list(dataDir: String) throws -> [Journal] {
    let folder = Self.folder(dataDir)
    guard FileSystem.isDirectory(folder) else { return [] }
    return try FileSystem.listDirectory(folder)
      .filter { $0.kind == .file && $0.name.hasSuffix(".jsonl") }
      .map { entry in
        do {
          return try open(path: folder + "/" + entry.name)
        } catch var error as MaestroError where error.code == .badEntity {
          // Say how to get past it: nothing can be finished or undone from
          // a journal that cannot be read.
          let id = String(entry.name.dropLast(".jsonl".count))
          error.message +=
            "; set it aside with: maestro-admin journal abandon \(ShellQuote.quote(id)) --data-dir "
            + ShellQuote.quote(dataDir) + " (then run maestro-admin check)"
          throw error
        }
      }
  }

  /// The saved old content of action `seq`'s path.
  public func beforeBytes(_ seq: Int) throws -> [UInt8]? {
    try blob(blobRanges[seq]?.before)
  }

  /// The saved new content of write action `seq`.
  public func afterBytes(_ seq: Int) throws -> [UInt8]? {
    try blob(blobRanges[seq]?.after)
  }

  /// Where action `seq`'s new content lies in the pack.
  func afterRange(_ seq: Int) -> Range<Int>? { blobRanges[seq]?.after }

  /// The pack, opened once (blobs are read by range, never all at once).
  func packReader() throws -> JournalPackReader {
    if let reader { return reader }
    let opened = try JournalPackReader(path: packPath)
    reader = opened
    return opened
  }

  private func blob(_ range: Range<Int>?) throws -> [UInt8]? {
    guard let range else { return nil }
    return try packReader().read(range)
  }

  // MARK: Ids and time

  static func makeId(now: Double, command: String) -> String {
    let stamp = Self.stamp(now)
    let hex = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    let word = command.split(separator: " ").first.map(String.init) ?? "run"
    return "\(stamp)-\(word)-\(String(repeating: "0", count: 8 - hex.count))\(hex)"
  }

  /// `yyyyMMddTHHmmssZ` in UTC.
  static func stamp(_ now: Double) -> String { RepairJob.stamp(now) }
}

/// The wall clock in epoch milliseconds.
public func currentTimeMilliseconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_REALTIME, &ts)
  return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec / 1_000_000)
}
