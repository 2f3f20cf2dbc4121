import MaestroStorage

/// `MANIFEST.json`, the first member of every snapshot: what was backed up,
/// from where, when, and each file's size, mode, mtime and SHA-256.
///
/// Format (version 1), compact JSON, keys in this order:
///
/// ```json
/// {"format":"maestro-admin-snapshot","formatVersion":1,"tool":"maestro-admin","toolVersion":"0.1.0",
///  "id":"3f9a0c1b","createdAt":"2026-11-27T21:50:00Z","createdAtMs":1795816200000,
///  "source":"/srv/maestro/data","hostname":"db1","label":"nightly","compression":"zstd",
///  "memberPrefix":"data/",
///  "counts":{"projects":3,"tasks":12,"legacyTaskFiles":0,"sessions":6,"files":27,"directories":9,
///            "bytes":14336,"excluded":1,"tornFiles":0,"invalidJSONFiles":0},
///  "folders":{"projects":3,"tasks":12,"sessions":6,"session-docs":4},
///  "excluded":[{"path":".maestro-admin/lock","reason":"lock"}],
///  "root":{"mode":"0755","mtime":"1795816199123456789"},
///  "directories":[{"path":"projects","mode":"0755","mtime":"1795816199123456789"}],
///  "files":[{"path":"projects/p1.json","size":412,"mode":"0644","mtime":"1795816199123456789",
///            "sha256":"9f86d0…"}],
///  "manifestSha256":"…"}
/// ```
///
/// - Paths are relative to the data dir; the member of a path is
///   `memberPrefix + path` (`data/projects/p1.json`), so a data dir holding a
///   file named `MANIFEST.json` cannot collide with the manifest.
/// - `mode` is octal text; `mtime` is nanoseconds since the Unix epoch as a
///   decimal string (it exceeds the 2^53 that a JSON number holds exactly),
///   with a minus sign before 1970.
///   Tar headers carry whole seconds; restore applies these exact times.
/// - A file may carry `"torn":true` (it kept changing while read; only with
///   `--allow-torn`) or `"invalidJSON":true` (a `.json` file that read the same
///   every time but does not parse: backed up as found).
/// - A snapshot taken while files changed (a running server) carries
///   `"live":{"changedFiles":N,"changedFolders":M}` after `excluded`, and
///   each file written shortly before or during the backup `"changed":true`:
///   links between such files can be caught half written. Both keys are
///   absent otherwise, so a quiet snapshot's manifest is as before; readers
///   that predate them ignore them (they read known keys only, and the
///   self-hash covers the bytes as written).
/// - `excluded` reasons: `lock` (the maintenance lock), `tmp` (`*.tmp`),
///   `symlink`, `special` (sockets, FIFOs, devices), `vanished` (deleted
///   between listing and reading), `journal` (the toolkit's undo data,
///   without `--include-journals`), `staging`, `backup folder`.
/// - Version 2 is an incremental snapshot's manifest, a delta against its
///   parent: `files` lists only the files added or changed since the parent
///   (with their whole records), `directories` only the directories added or
///   whose mode or mtime changed, and `removed` (after `files`) every file or
///   directory path the parent's tree held that this one does not. `counts`
///   and `folders` describe what this snapshot's own archive holds; `tree`
///   (after `excluded`/`live`) gives the counts of the whole tree it
///   restores, and `parent` names the snapshot it builds on:
///   `{"name":"maestro-….tar.zst","id":"…","manifestSha256":"…","depth":N}`,
///   N being this snapshot's place after the chain's full snapshot (1 for
///   the first incremental). A full snapshot stays version 1.
/// - `manifestSha256` is the SHA-256 of the compact serialization of the
///   manifest without that key (what the file holds minus
///   `,"manifestSha256":"…"`): a reader hashes exactly that (or, for a
///   manifest in any other form, re-serializes and compares), which catches
///   any edit or corruption of the manifest itself.
public struct SnapshotManifest: Sendable, Equatable {
  /// One directory: its mode and mtime.
  public struct Directory: Sendable, Equatable {
    /// Relative path (`projects`).
    public var path: String
    /// Permission bits.
    public var mode: UInt32
    /// Nanoseconds since the Unix epoch.
    public var mtime: Int64

    /// Creates a directory record.
    public init(path: String, mode: UInt32, mtime: Int64) {
      self.path = path
      self.mode = mode
      self.mtime = mtime
    }
  }

  /// One regular file.
  public struct File: Sendable, Equatable {
    /// Relative path (`tasks/p1/t1.json`).
    public var path: String
    /// Size in bytes.
    public var size: Int64
    /// Permission bits.
    public var mode: UInt32
    /// Nanoseconds since the Unix epoch.
    public var mtime: Int64
    /// SHA-256 of the content, lowercase hex.
    public var sha256: String
    /// It kept changing while read and went in anyway (`--allow-torn`).
    public var torn: Bool
    /// A `.json` file that does not parse although it read the same each time.
    public var invalidJSON: Bool
    /// Written shortly before or during a backup that saw files change.
    public var changed: Bool

    /// Creates a file record.
    public init(
      path: String, size: Int64, mode: UInt32, mtime: Int64, sha256: String, torn: Bool = false,
      invalidJSON: Bool = false, changed: Bool = false
    ) {
      self.changed = changed
      self.path = path
      self.size = size
      self.mode = mode
      self.mtime = mtime
      self.sha256 = sha256
      self.torn = torn
      self.invalidJSON = invalidJSON
    }
  }

  /// Something under the data dir that was left out, and why.
  public struct Excluded: Sendable, Equatable {
    /// Relative path.
    public var path: String
    /// `lock`, `tmp`, `symlink`, `special` or `vanished`.
    public var reason: String

    /// Creates a record.
    public init(path: String, reason: String) {
      self.path = path
      self.reason = reason
    }
  }

  /// What was seen changing while a snapshot was taken.
  public struct Live: Sendable, Equatable {
    /// Files flagged `changed`.
    public var changedFiles: Int
    /// Folders whose entries changed between the walk and the end.
    public var changedFolders: Int

    /// Creates a record.
    public init(changedFiles: Int, changedFolders: Int) {
      self.changedFiles = changedFiles
      self.changedFolders = changedFolders
    }
  }

  /// An incremental snapshot's link to the snapshot it builds on.
  public struct Parent: Sendable, Equatable {
    /// The parent's file name (in the same folder or prefix).
    public var name: String
    /// The parent's id.
    public var id: String
    /// The parent manifest's `manifestSha256`.
    public var manifestSha256: String
    /// Incrementals from the chain's full snapshot to this one (1: the
    /// parent is the full one).
    public var depth: Int

    /// Creates a link.
    public init(name: String, id: String, manifestSha256: String, depth: Int) {
      self.name = name
      self.id = id
      self.manifestSha256 = manifestSha256
      self.depth = depth
    }
  }

  /// Counts per entity and in total.
  public struct Counts: Sendable, Equatable {
    /// `projects/*.json`.
    public var projects = 0
    /// `tasks/<projectId>/*.json` plus legacy `tasks/*.json`.
    public var tasks = 0
    /// Legacy flat `tasks/*.json`.
    public var legacyTaskFiles = 0
    /// `sessions/*.json`.
    public var sessions = 0
    /// Regular files in the snapshot.
    public var files = 0
    /// Directories in the snapshot (not counting the data dir itself).
    public var directories = 0
    /// Sum of the files' sizes.
    public var bytes: Int64 = 0
    /// Entries left out (see `excluded`).
    public var excluded = 0
    /// Files flagged `torn`.
    public var tornFiles = 0
    /// Files flagged `invalidJSON`.
    public var invalidJSONFiles = 0

    /// Zero counts.
    public init() {}
  }

  /// `maestro-admin-snapshot`.
  public static let formatName = "maestro-admin-snapshot"
  /// The version of a full snapshot's manifest.
  public static let formatVersion = 1
  /// The version of an incremental snapshot's (delta) manifest.
  public static let incrementalFormatVersion = 2
  /// The manifest's member name.
  public static let memberName = "MANIFEST.json"
  /// The folder member holding the data dir's content.
  public static let dataFolder = "data"
  /// `data/`: prefix of every data member.
  public static let memberPrefix = dataFolder + "/"

  /// The tool version that wrote it.
  public var toolVersion: String
  /// The snapshot's short id (also in its file name).
  public var id: String
  /// Creation time, milliseconds since the Unix epoch.
  public var createdAt: Int64
  /// The data dir's absolute path.
  public var source: String
  /// The machine's host name.
  public var hostname: String
  /// The operator's label, if any.
  public var label: String?
  /// The archive's compression.
  public var compression: TarCompression
  /// Counts per entity and in total.
  public var counts: Counts
  /// Files per top-level entry of the data dir.
  public var folders: [(name: String, files: Int)]
  /// What was left out.
  public var excluded: [Excluded]
  /// The data dir's own mode and mtime.
  public var root: Directory
  /// Every directory below the data dir, parents first.
  public var directories: [Directory]
  /// Every regular file, packed (`SnapshotFileList`).
  public var files: SnapshotFileList
  /// Set when the snapshot was taken while files changed.
  public var live: Live?
  /// The snapshot an incremental builds on; `nil` for a full snapshot.
  public var parent: Parent?
  /// Paths (files and directories) the parent's tree held and this one
  /// does not; always empty for a full snapshot.
  public var removed: [String] = []
  /// Counts of the whole tree an incremental restores (`nil` for a full
  /// snapshot, whose `counts` are that).
  public var tree: Counts?
  /// The `manifestSha256` read with the manifest (`nil` for one built in
  /// memory: `serialized()` computes it); an incremental's `parent` link
  /// records it.
  public internal(set) var recordedSha256: String?

  /// Whether this is an incremental snapshot (a delta against `parent`).
  public var isIncremental: Bool { parent != nil }
  /// The counts of the tree a restore produces.
  public var restoredCounts: Counts { tree ?? counts }
  /// Snapshots a restore reads: 1 for a full one.
  public var chainLength: Int { (parent?.depth ?? 0) + 1 }
  /// The version this manifest is written as.
  public var version: Int { parent == nil ? Self.formatVersion : Self.incrementalFormatVersion }

  /// Creates a manifest; `counts` is computed from the other fields.
  public init(
    id: String, createdAt: Int64, source: String, hostname: String, label: String?,
    compression: TarCompression, excluded: [Excluded], root: Directory, directories: [Directory],
    files: SnapshotFileList, live: Live? = nil, parent: Parent? = nil, removed: [String] = [], tree: Counts? = nil,
    toolVersion: String = MaestroAdminVersion.string
  ) {
    self.live = live
    self.parent = parent
    self.removed = parent == nil ? [] : removed
    self.tree = parent == nil ? nil : tree
    self.toolVersion = toolVersion
    self.id = id
    self.createdAt = createdAt
    self.source = source
    self.hostname = hostname
    self.label = label
    self.compression = compression
    self.excluded = excluded
    self.root = root
    self.directories = directories
    self.files = files
    (counts, folders) = Self.count(files: files, directories: directories.count, excluded: excluded.count)
  }

  /// Creates a manifest from file records given one by one; `counts` is
  /// computed from the other fields.
  public init(
    id: String, createdAt: Int64, source: String, hostname: String, label: String?,
    compression: TarCompression, excluded: [Excluded], root: Directory, directories: [Directory],
    files: [File], live: Live? = nil, parent: Parent? = nil, removed: [String] = [], tree: Counts? = nil,
    toolVersion: String = MaestroAdminVersion.string
  ) {
    self.init(
      id: id, createdAt: createdAt, source: source, hostname: hostname, label: label, compression: compression,
      excluded: excluded, root: root, directories: directories, files: SnapshotFileList(files), live: live,
      parent: parent, removed: removed, tree: tree, toolVersion: toolVersion)
  }

  /// Manifests are equal when they serialize to the same bytes (the
  /// recorded hash aside).
  public static func == (a: SnapshotManifest, b: SnapshotManifest) -> Bool {
    a.serialized() == b.serialized()
  }

  // MARK: - Counting

  private static func count(files: SnapshotFileList, directories: Int, excluded: Int) -> (Counts, [(String, Int)]) {
    var counter = SnapshotCounter()
    for k in files.indices {
      files.withPathBytes(k) {
        counter.add(utf8: $0, size: files.size(k), torn: files.isTorn(k), invalidJSON: files.isInvalidJSON(k))
      }
    }
    return counter.finish(directories: directories, excluded: excluded)
  }

  // MARK: - Serialization

  /// The manifest as written: compact JSON ending with `manifestSha256`.
  ///
  /// Equal, byte for byte, to `JSONWriter`'s compact form of the manifest
  /// object with `manifestSha256` appended (which is what a reader
  /// re-serializes to check it); built directly because a data dir's
  /// manifest can list hundreds of thousands of files.
  public func serialized() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(files.count * 180 + directories.count * 80 + 4096)
    serialize { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// The size in bytes of `serialized()`, counted without holding them.
  func serializedSize() -> Int {
    var size = 0
    serialize { size += $0.count }
    return size
  }

  /// The bytes of `serialized()` fed to `write` in pieces of about
  /// `pieceSize` (1 MiB), so that the manifest of a million files (about
  /// 200 MB) is never held whole; returns the SHA-256 of all of them.
  @discardableResult
  func serialize<Failure: Error>(
    pieceSize: Int = 1 << 20, into write: (UnsafeRawBufferPointer) throws(Failure) -> Void
  ) throws(Failure) -> String {
    // `manifestSha256` hashes everything before it with a closing "}";
    // `whole` hashes the bytes as written.
    let selfHash = SHA256()
    let whole = SHA256()
    var out = JSONWriter.serialize(.object(header()), style: .compact)
    out.removeLast()  // the header object's "}"
    out.reserveCapacity(max(out.count, pieceSize) + 64 * 1024)
    func flush(selfHashed: Bool = true) throws(Failure) {
      var failure: Failure?
      out.withUnsafeBytes { raw in
        if selfHashed { selfHash.update(raw) }
        whole.update(raw)
        do throws(Failure) { try write(raw) } catch { failure = error }
      }
      if let failure { throw failure }
      out.removeAll(keepingCapacity: true)
    }
    func append(_ text: StaticString) {
      out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
    func appendDigits<T: BinaryInteger>(_ value: T, radix: T = 10, minimum: Int = 1) {
      var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
      var count = 0
      // A file can carry an mtime before 1970: a minus sign, then the
      // magnitude (whose digits are all a UInt64 needs).
      if value < 0 { append("-") }
      var v = UInt64(value.magnitude)
      let radix = UInt64(radix)
      withUnsafeMutableBytes(of: &digits) { buffer in
        repeat {
          buffer[23 - count] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v % radix)
          v /= radix
          count += 1
        } while v > 0 || count < minimum
        out.append(contentsOf: buffer[(24 - count)...])
      }
    }
    func appendString(_ text: String) { JSONWriter.serialize(.string(text), style: .compact, into: &out) }
    func appendDirectory(_ d: Directory, withPath: Bool) {
      append(withPath ? "{\"path\":" : "{")
      if withPath {
        appendString(d.path)
        append(",")
      }
      append("\"mode\":\"")
      appendDigits(d.mode, radix: 8, minimum: 4)
      append("\",\"mtime\":\"")
      appendDigits(d.mtime)
      append("\"}")
    }
    append(",\"root\":")
    appendDirectory(root, withPath: false)
    append(",\"directories\":[")
    for (k, d) in directories.enumerated() {
      if k > 0 { append(",") }
      appendDirectory(d, withPath: true)
      if out.count >= pieceSize { try flush() }
    }
    append("],\"files\":[")
    for k in files.indices {
      if k > 0 { append(",") }
      append("{\"path\":")
      appendString(files.path(k))
      append(",\"size\":")
      appendDigits(files.size(k))
      append(",\"mode\":\"")
      appendDigits(files.mode(k), radix: 8, minimum: 4)
      append("\",\"mtime\":\"")
      appendDigits(files.mtime(k))
      append("\",\"sha256\":")
      if let raw = files.rawDigest(k) {
        append("\"")
        SHA256.appendHex(raw, to: &out)
        append("\"")
      } else {
        appendString(files.sha256(k))
      }
      if files.isTorn(k) { append(",\"torn\":true") }
      if files.isInvalidJSON(k) { append(",\"invalidJSON\":true") }
      if files.isChanged(k) { append(",\"changed\":true") }
      append("}")
      if out.count >= pieceSize { try flush() }
    }
    append("]")
    if parent != nil {
      append(",\"removed\":[")
      for (k, path) in removed.enumerated() {
        if k > 0 { append(",") }
        appendString(path)
        if out.count >= pieceSize { try flush() }
      }
      append("]")
    }
    try flush()
    append("}")
    selfHash.update(out)
    let digest = selfHash.finalize()
    out.removeLast()
    append(",\"manifestSha256\":\"")
    out.append(contentsOf: digest.utf8)
    append("\"}")
    try flush(selfHashed: false)
    return whole.finalize()
  }

  /// Every key before `root`, in order.
  private func header() -> JSONObject {
    func n(_ v: Int) -> JSONValue { .number(Double(v)) }
    func n64(_ v: Int64) -> JSONValue { .number(Double(v)) }
    var header: JSONObject = [
      "format": .string(Self.formatName), "formatVersion": n(version), "tool": "maestro-admin",
      "toolVersion": .string(toolVersion), "id": .string(id),
      "createdAt": .string(UTCTime(milliseconds: createdAt).iso8601), "createdAtMs": n64(createdAt),
      "source": .string(source), "hostname": .string(hostname), "label": label.map { .string($0) } ?? .null,
      "compression": .string(compression.rawValue), "memberPrefix": .string(Self.memberPrefix),
      "counts": Self.countsObject(counts),
      "folders": .object(JSONObject(folders.map { ($0.name, n($0.files)) })),
      "excluded": .array(excluded.map { .object(["path": .string($0.path), "reason": .string($0.reason)]) }),
    ]
    if let live {
      header["live"] = ["changedFiles": n(live.changedFiles), "changedFolders": n(live.changedFolders)]
    }
    if let parent {
      header["tree"] = Self.countsObject(tree ?? counts)
      header["parent"] = [
        "name": .string(parent.name), "id": .string(parent.id), "manifestSha256": .string(parent.manifestSha256),
        "depth": n(parent.depth),
      ]
    }
    return header
  }

  /// `counts` (and `tree`) as JSON, keys in their documented order.
  static func countsObject(_ c: Counts) -> JSONValue {
    func n(_ v: Int) -> JSONValue { .number(Double(v)) }
    return [
      "projects": n(c.projects), "tasks": n(c.tasks), "legacyTaskFiles": n(c.legacyTaskFiles),
      "sessions": n(c.sessions), "files": n(c.files), "directories": n(c.directories),
      "bytes": .number(Double(c.bytes)), "excluded": n(c.excluded), "tornFiles": n(c.tornFiles),
      "invalidJSONFiles": n(c.invalidJSONFiles),
    ]
  }

  /// Parses a `counts` object (missing keys count 0).
  static func counts(from object: JSONObject) -> Counts {
    func n(_ key: String) -> Int { Int(object[key]?.numberValue ?? 0) }
    var c = Counts()
    c.projects = n("projects")
    c.tasks = n("tasks")
    c.legacyTaskFiles = n("legacyTaskFiles")
    c.sessions = n("sessions")
    c.files = n("files")
    c.directories = n("directories")
    c.bytes = Int64(object["bytes"]?.numberValue ?? 0)
    c.excluded = n("excluded")
    c.tornFiles = n("tornFiles")
    c.invalidJSONFiles = n("invalidJSONFiles")
    return c
  }

  // MARK: - Parsing

  /// Parses a manifest and checks its `manifestSha256`.
  ///
  /// - Parameters:
  ///   - bytes: The content of `MANIFEST.json`.
  ///   - origin: The snapshot's path, named in errors.
  /// - Throws: `MaestroError(.snapshotInvalid)` naming `origin` when the
  ///   bytes are not a manifest this version understands or fail the self-check.
  public init(parsing bytes: [UInt8], origin: String) throws {
    func invalid(_ why: String) -> MaestroError {
      MaestroError(.snapshotInvalid, "\(Self.memberName): \(why)", path: origin)
    }
    func string(_ o: JSONObject, _ key: String) throws -> String {
      guard let s = o[key]?.stringValue else { throw invalid("\(key) is missing or not a string") }
      return s
    }
    func int(_ o: JSONObject, _ key: String) throws -> Int64 {
      guard let d = o[key]?.numberValue, d >= 0, d == d.rounded(), d < 9.0e15 else {
        throw invalid("\(key) is missing or not a whole number")
      }
      return Int64(d)
    }
    func nanos(_ o: JSONObject) throws -> Int64 {
      guard let t = Int64(try string(o, "mtime")) else { throw invalid("mtime is not a whole number") }
      return t
    }
    func mode(_ o: JSONObject) throws -> UInt32 {
      guard let m = UInt32(try string(o, "mode"), radix: 8), m <= 0o7777 else { throw invalid("mode is not octal") }
      return m
    }
    func directory(_ v: JSONValue, path: String?) throws -> Directory {
      guard let o = v.objectValue else { throw invalid("a directory record is not an object") }
      return Directory(path: try path ?? string(o, "path"), mode: try mode(o), mtime: try nanos(o))
    }
    func file(_ v: JSONValue) throws -> File {
      guard let o = v.objectValue else { throw invalid("a file record is not an object") }
      return File(
        path: try string(o, "path"), size: try int(o, "size"), mode: try mode(o), mtime: try nanos(o),
        sha256: try string(o, "sha256"), torn: o["torn"]?.boolValue ?? false,
        invalidJSON: o["invalidJSON"]?.boolValue ?? false, changed: o["changed"]?.boolValue ?? false)
    }
    func checkFormat(_ value: JSONValue) throws -> JSONObject {
      guard let object = value.objectValue, object["format"]?.stringValue == Self.formatName else {
        throw invalid("not a maestro-admin snapshot manifest")
      }
      guard let version = object["formatVersion"]?.numberValue,
        Int(version) == Self.formatVersion || Int(version) == Self.incrementalFormatVersion
      else {
        throw invalid("format version \(object["formatVersion"].map { JSONWriter.string($0, style: .compact) } ?? "?") is not supported (this tool reads \(Self.formatVersion) and \(Self.incrementalFormatVersion))")
      }
      return object
    }
    var object: JSONObject
    let recorded: String
    var files = SnapshotFileList()
    var fileError: (any Error)?
    let hasFiles: Bool
    if let canonical = Self.canonicalSha256(bytes) {
      // As written, the manifest is its canonical form followed by the
      // hash, and that checked out: the file records are built as they
      // are parsed, never held as a JSON tree (hundreds of MB at 1M files).
      // Room for as many records as the bytes could hold (each takes over
      // 130 bytes, its path a third of them at most), so that no array is
      // copied as it grows; pages never written are not resident.
      files.reserveCapacity(bytes.count / 130, pathBytes: bytes.count / 3)
      let value: JSONValue
      do {
        value = try JSONParser.parse(bytes, streamingArrayAt: "files") { v in
          guard fileError == nil else { return }
          do { files.append(try file(v)) } catch { fileError = error }
        }
      } catch { throw invalid("not valid JSON (\(error))") }
      object = try checkFormat(value)
      guard case .string? = object.removeValue(forKey: "manifestSha256") else {
        throw invalid("manifestSha256 is missing")
      }
      recorded = canonical
      hasFiles = object["files"]?.arrayValue != nil
    } else {
      // Anything else (reformatted, reordered, damaged) is parsed whole,
      // re-serialized and compared.
      let value: JSONValue
      do { value = try JSONParser.parse(bytes) } catch { throw invalid("not valid JSON (\(error))") }
      object = try checkFormat(value)
      guard case .string(let written)? = object.removeValue(forKey: "manifestSha256") else {
        throw invalid("manifestSha256 is missing")
      }
      let actual = SHA256.hex(of: JSONWriter.serialize(.object(object), style: .compact))
      guard actual == written else {
        throw invalid("manifestSha256 is \(written) but the manifest hashes to \(actual): the manifest was altered or damaged")
      }
      recorded = written
      let fileValues = object["files"]?.arrayValue
      hasFiles = fileValues != nil
      files.reserveCapacity(fileValues?.count ?? 0, pathBytes: 0)
      for v in fileValues ?? [] {
        guard fileError == nil else { break }
        do { files.append(try file(v)) } catch { fileError = error }
      }
    }
    guard let compression = TarCompression(rawValue: try string(object, "compression")) else {
      throw invalid("unknown compression")
    }
    guard let rootValue = object["root"], let dirValues = object["directories"]?.arrayValue, hasFiles,
      let excludedValues = object["excluded"]?.arrayValue
    else { throw invalid("root, directories, files or excluded is missing") }
    if let fileError { throw fileError }
    let version = try int(object, "formatVersion")
    var parent: Parent?
    var removed: [String] = []
    var treeCounts: Counts?
    if Int(version) == Self.incrementalFormatVersion {
      guard let link = object["parent"]?.objectValue, let removedValues = object["removed"]?.arrayValue,
        let tree = object["tree"]?.objectValue
      else { throw invalid("an incremental manifest needs parent, tree and removed") }
      let depth = try int(link, "depth")
      guard depth >= 1 else { throw invalid("parent depth must be 1 or more") }
      parent = Parent(
        name: try string(link, "name"), id: try string(link, "id"),
        manifestSha256: try string(link, "manifestSha256"), depth: Int(depth))
      removed = try removedValues.map { v -> String in
        guard let path = v.stringValue else { throw invalid("a removed path is not a string") }
        return path
      }
      treeCounts = Self.counts(from: tree)
    }
    let excluded = try excludedValues.map { v -> Excluded in
      guard let o = v.objectValue else { throw invalid("an excluded record is not an object") }
      return Excluded(path: try string(o, "path"), reason: try string(o, "reason"))
    }
    self.init(
      id: try string(object, "id"), createdAt: try int(object, "createdAtMs"), source: try string(object, "source"),
      hostname: try string(object, "hostname"), label: object["label"]?.stringValue, compression: compression,
      excluded: excluded, root: try directory(rootValue, path: ""),
      directories: try dirValues.map { try directory($0, path: nil) }, files: files,
      live: object["live"]?.objectValue.map {
        Live(
          changedFiles: Int($0["changedFiles"]?.numberValue ?? 0),
          changedFolders: Int($0["changedFolders"]?.numberValue ?? 0))
      }, parent: parent, removed: removed, tree: treeCounts, toolVersion: try string(object, "toolVersion"))
    recordedSha256 = recorded
  }

  /// The recorded `manifestSha256` when `bytes` end with it as written
  /// (`,"manifestSha256":"<64 hex>"}`) and it is the hash of what comes
  /// before with a closing `}`; `nil` otherwise.
  private static func canonicalSha256(_ bytes: [UInt8]) -> String? {
    guard let hashes = canonicalHashes(bytes), hashes.actual == hashes.recorded else { return nil }
    return hashes.recorded
  }

  /// For bytes that end as `create` writes them (`…,"manifestSha256":"<64
  /// hex>"}`): the hash they record and the hash of what precedes it
  /// (closed with `}`); nil for any other ending.
  static func canonicalHashes(_ bytes: [UInt8]) -> (recorded: String, actual: String)? {
    let key = Array(",\"manifestSha256\":\"".utf8)
    let total = key.count + 64 + 2
    guard bytes.count > total, bytes[bytes.count - 1] == UInt8(ascii: "}"),
      bytes[bytes.count - 2] == UInt8(ascii: "\""), bytes[(bytes.count - total)...].starts(with: key)
    else { return nil }
    let recorded = String(decoding: bytes[(bytes.count - 66)..<(bytes.count - 2)], as: UTF8.self)
    let hash = SHA256()
    bytes.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - total)])) }
    hash.update([UInt8(ascii: "}")])
    return (recorded, hash.finalize())
  }

  /// `0644`.
  static func octal(_ mode: UInt32) -> String {
    let digits = String(mode, radix: 8)
    return digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
  }
}
