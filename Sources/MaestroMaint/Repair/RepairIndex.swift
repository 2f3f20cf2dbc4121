import MaestroStorage

/// Where the entity files of a data dir are, by the id their names claim,
/// and the few fields of them repair decisions need (read on demand).
///
/// Check's findings name the file that holds the offending data; a repair
/// that completes a link must also find the other side's file, which is
/// what this index is for.
struct RepairIndex {
  /// The data dir.
  let dataDir: String
  /// The scan everything is found in.
  let scan: EntityFileScan
  private var tasks: [String: [EntityFileScan.File]] = [:]
  private var sessions: [String: [EntityFileScan.File]] = [:]
  private var projects: Set<String> = []

  /// Lists the entity files of `dataDir`.
  init(dataDir: String) throws {
    self.dataDir = dataDir
    scan = try EntityFileScan.scan(root: dataDir)
    for file in scan.files {
      switch file.kind {
      case .task, .legacyTask: tasks[file.stem, default: []].append(file)
      case .session: sessions[file.stem, default: []].append(file)
      case .project: projects.insert(file.stem)
      }
    }
  }

  /// The one file of task `id`: its project-folder file, else its flat
  /// legacy file; nil when there is none, or more than one in project
  /// folders (a duplicate a later round settles first).
  func taskFile(_ id: String) -> String? {
    let files = tasks[id] ?? []
    let current = files.filter { $0.kind == .task }
    if current.count == 1 { return current[0].relativePath }
    if current.isEmpty, files.count == 1 { return files[0].relativePath }
    return nil
  }

  /// The one file of session `id`, if exactly one.
  func sessionFile(_ id: String) -> String? {
    let files = sessions[id] ?? []
    return files.count == 1 ? files[0].relativePath : nil
  }

  /// Whether `projects/<id>.json` exists.
  func hasProject(_ id: String) -> Bool { projects.contains(id) }

  /// Every task file, project-folder files first.
  var taskFiles: [EntityFileScan.File] {
    scan.files.filter { $0.kind == .task } + scan.files.filter { $0.kind == .legacyTask }
  }

  /// The JSON object in `file`, or nil when it cannot be read as one.
  func object(_ file: String) -> JSONObject? { Self.object(dataDir: dataDir, file) }

  /// The JSON object in `file` under `dataDir`, or nil when it cannot be
  /// read as one.
  static func object(dataDir: String, _ file: String) -> JSONObject? {
    guard let bytes = try? FileSystem.readFile(dataDir + "/" + file),
      let document = try? JSONDocument(parsing: bytes)
    else { return nil }
    return document.value.objectValue
  }

  /// The style most of the data dir's project files (else task files)
  /// are written in, for files the repair creates; pretty when there are
  /// none, as the seed server writes.
  func majorityStyle() -> JSONStyle {
    let projectFiles = scan.files.filter { $0.kind == .project }
    let sample = projectFiles.isEmpty ? Array(scan.files.prefix(101)) : Array(projectFiles.prefix(101))
    var pretty = 0
    var compact = 0
    for file in sample {
      guard let bytes = try? FileSystem.readFile(dataDir + "/" + file.relativePath), bytes.count > 2 else { continue }
      if JSONStyle.detect(bytes) == .pretty { pretty += 1 } else { compact += 1 }
    }
    return compact > pretty ? .compact : .pretty
  }

  /// `updatedAt` as a number to compare: epoch milliseconds as servers
  /// write them, or an ISO 8601 string's digits; -infinity when absent.
  static func updatedAt(_ object: JSONObject?) -> Double {
    guard let value = object?["updatedAt"] else { return -.infinity }
    if let n = value.numberValue { return n }
    guard let s = value.stringValue else { return -.infinity }
    // yyyy-MM-ddTHH:mm:ss(.sss)Z → yyyyMMddHHmmsssss: same order as time.
    var digits = ""
    for c in s where c.isNumber { digits.append(c) }
    while digits.count < 17 { digits.append("0") }
    return Double(digits.prefix(17)) ?? -.infinity
  }
}
