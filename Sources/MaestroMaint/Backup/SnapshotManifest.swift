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
///   decimal string (it exceeds the 2^53 that a JSON number holds exactly).
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
  /// The version this code writes and reads.
  public static let formatVersion = 1
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
  /// Every regular file.
  public var files: [File]
  /// Set when the snapshot was taken while files changed.
  public var live: Live?

  /// Creates a manifest; `counts` is computed from the other fields.
  public init(
    id: String, createdAt: Int64, source: String, hostname: String, label: String?,
    compression: TarCompression, excluded: [Excluded], root: Directory, directories: [Directory],
    files: [File], live: Live? = nil, toolVersion: String = MaestroAdminVersion.string
  ) {
    self.live = live
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

  /// Manifests are equal when they serialize to the same bytes.
  public static func == (a: SnapshotManifest, b: SnapshotManifest) -> Bool {
    a.serialized() == b.serialized()
  }

  // MARK: - Counting

  private static func count(files: [File], directories: Int, excluded: Int) -> (Counts, [(String, Int)]) {
    var counts = Counts()
    var folders: [String: Int] = [:]
    counts.directories = directories
    counts.excluded = excluded
    // Files come in walk order, so a top-level folder's files are adjacent:
    // count runs and touch the dictionary once per run.
    var runFolder: [UInt8] = []
    var runName = ""
    var runCount = 0
    for file in files {
      counts.files += 1
      counts.bytes += file.size
      if file.torn { counts.tornFiles += 1 }
      if file.invalidJSON { counts.invalidJSONFiles += 1 }
      var path = file.path
      let (slashes, isJSON, sameFolder, top) = path.withUTF8 { bytes -> (Int, Bool, Bool, Int) in
        var slashes = 0
        var top = bytes.count
        for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "/") {
          if slashes == 0 { top = i }
          slashes += 1
        }
        let n = bytes.count
        let isJSON =
          n > 5 && bytes[n - 5] == UInt8(ascii: ".") && bytes[n - 4] == UInt8(ascii: "j")
          && bytes[n - 3] == UInt8(ascii: "s") && bytes[n - 2] == UInt8(ascii: "o") && bytes[n - 1] == UInt8(ascii: "n")
        let same = top == runFolder.count && runFolder.withUnsafeBufferPointer { $0.elementsEqual(bytes[..<top]) }
        if !same { runFolder = Array(bytes[..<top]) }
        return (slashes, isJSON, same, top)
      }
      if sameFolder {
        runCount += 1
      } else {
        if runCount > 0 { folders[runName, default: 0] += runCount }
        runName = String(decoding: runFolder, as: UTF8.self)
        runCount = 1
      }
      _ = top
      guard isJSON else { continue }
      switch (runName, slashes) {
      case ("projects", 1): counts.projects += 1
      case ("sessions", 1): counts.sessions += 1
      case ("tasks", 2): counts.tasks += 1
      case ("tasks", 1):
        counts.tasks += 1
        counts.legacyTaskFiles += 1
      default: break
      }
    }
    if runCount > 0 { folders[runName, default: 0] += runCount }
    let ordered = folders.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
    return (counts, ordered)
  }

  // MARK: - Serialization

  /// The manifest as written: compact JSON ending with `manifestSha256`.
  ///
  /// Equal, byte for byte, to `JSONWriter`'s compact form of the manifest
  /// object with `manifestSha256` appended (which is what a reader
  /// re-serializes to check it); built directly because a data dir's
  /// manifest can list hundreds of thousands of files.
  public func serialized() -> [UInt8] {
    var out = JSONWriter.serialize(.object(header()), style: .compact)
    out.removeLast()  // the header object's "}"
    out.reserveCapacity(out.count + files.count * 180 + directories.count * 80)
    func append(_ text: StaticString) {
      out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
    func appendDigits<T: BinaryInteger>(_ value: T, radix: T = 10, minimum: Int = 1) {
      var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
      var count = 0
      var v = value
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
    }
    append("],\"files\":[")
    for (k, f) in files.enumerated() {
      if k > 0 { append(",") }
      append("{\"path\":")
      appendString(f.path)
      append(",\"size\":")
      appendDigits(f.size)
      append(",\"mode\":\"")
      appendDigits(f.mode, radix: 8, minimum: 4)
      append("\",\"mtime\":\"")
      appendDigits(f.mtime)
      append("\",\"sha256\":")
      appendString(f.sha256)
      if f.torn { append(",\"torn\":true") }
      if f.invalidJSON { append(",\"invalidJSON\":true") }
      if f.changed { append(",\"changed\":true") }
      append("}")
    }
    append("]}")
    let digest = SHA256.hex(of: out)
    out.removeLast()
    append(",\"manifestSha256\":\"")
    out.append(contentsOf: digest.utf8)
    append("\"}")
    return out
  }

  /// Every key before `root`, in order.
  private func header() -> JSONObject {
    func n(_ v: Int) -> JSONValue { .number(Double(v)) }
    func n64(_ v: Int64) -> JSONValue { .number(Double(v)) }
    let c = counts
    var header: JSONObject = [
      "format": .string(Self.formatName), "formatVersion": n(Self.formatVersion), "tool": "maestro-admin",
      "toolVersion": .string(toolVersion), "id": .string(id),
      "createdAt": .string(UTCTime(milliseconds: createdAt).iso8601), "createdAtMs": n64(createdAt),
      "source": .string(source), "hostname": .string(hostname), "label": label.map { .string($0) } ?? .null,
      "compression": .string(compression.rawValue), "memberPrefix": .string(Self.memberPrefix),
      "counts": [
        "projects": n(c.projects), "tasks": n(c.tasks), "legacyTaskFiles": n(c.legacyTaskFiles),
        "sessions": n(c.sessions), "files": n(c.files), "directories": n(c.directories), "bytes": n64(c.bytes),
        "excluded": n(c.excluded), "tornFiles": n(c.tornFiles), "invalidJSONFiles": n(c.invalidJSONFiles),
      ],
      "folders": .object(JSONObject(folders.map { ($0.name, n($0.files)) })),
      "excluded": .array(excluded.map { .object(["path": .string($0.path), "reason": .string($0.reason)]) }),
    ]
    if let live {
      header["live"] = ["changedFiles": n(live.changedFiles), "changedFolders": n(live.changedFolders)]
    }
    return header
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
    let value: JSONValue
    do { value = try JSONParser.parse(bytes) } catch { throw invalid("not valid JSON (\(error))") }
    guard var object = value.objectValue, object["format"]?.stringValue == Self.formatName else {
      throw invalid("not a maestro-admin snapshot manifest")
    }
    guard let version = object["formatVersion"]?.numberValue, Int(version) == Self.formatVersion else {
      throw invalid("format version \(object["formatVersion"].map { JSONWriter.string($0, style: .compact) } ?? "?") is not supported (this tool reads \(Self.formatVersion))")
    }
    guard case .string(let recorded)? = object.removeValue(forKey: "manifestSha256") else {
      throw invalid("manifestSha256 is missing")
    }
    // As written, the manifest is its canonical form followed by the hash:
    // hashing those bytes spares a re-serialization (tens of MB at l).
    // Anything else (reformatted, reordered) is re-serialized and compared.
    let suffix = Array(",\"manifestSha256\":\"\(recorded)\"}".utf8)
    var actual = ""
    if bytes.count > suffix.count, bytes.suffix(suffix.count).elementsEqual(suffix) {
      actual = SHA256.hex(of: Array(bytes.prefix(bytes.count - suffix.count)) + [UInt8(ascii: "}")])
    }
    if actual != recorded {
      actual = SHA256.hex(of: JSONWriter.serialize(.object(object), style: .compact))
    }
    guard actual == recorded else {
      throw invalid("manifestSha256 is \(recorded) but the manifest hashes to \(actual): the manifest was altered or damaged")
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
    guard let compression = TarCompression(rawValue: try string(object, "compression")) else {
      throw invalid("unknown compression")
    }
    guard let rootValue = object["root"], let dirValues = object["directories"]?.arrayValue,
      let fileValues = object["files"]?.arrayValue, let excludedValues = object["excluded"]?.arrayValue
    else { throw invalid("root, directories, files or excluded is missing") }
    var files: [File] = []
    files.reserveCapacity(fileValues.count)
    for v in fileValues {
      guard let o = v.objectValue else { throw invalid("a file record is not an object") }
      files.append(
        File(
          path: try string(o, "path"), size: try int(o, "size"), mode: try mode(o), mtime: try nanos(o),
          sha256: try string(o, "sha256"), torn: o["torn"]?.boolValue ?? false,
          invalidJSON: o["invalidJSON"]?.boolValue ?? false, changed: o["changed"]?.boolValue ?? false))
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
      }, toolVersion: try string(object, "toolVersion"))
  }

  /// `0644`.
  static func octal(_ mode: UInt32) -> String {
    let digits = String(mode, radix: 8)
    return digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
  }
}
