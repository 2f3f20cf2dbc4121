import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// A generated data dir read back file by file, for structural checks
/// that do not go through `Storage` (whose migrations would hide what is
/// on disk).
struct GeneratedDir {
  struct Doc {
    var path: String
    var json: JSONObject
  }

  let root: String
  var projects: [String: Doc] = [:]
  /// Task id → every file holding it.
  var tasks: [String: [Doc]] = [:]
  var sessions: [String: [Doc]] = [:]
  /// Every regular file, relative, with its bytes.
  var files: [String: [UInt8]] = [:]
  /// Entity files that do not parse.
  var unparsed: Set<String> = []

  init(_ root: String) throws {
    self.root = root
    try walk("")
    for (path, bytes) in files where path.hasSuffix(".json") {
      guard let value = try? JSONParser.parse(bytes), let object = value.objectValue,
        let id = object["id"]?.stringValue
      else {
        unparsed.insert(path)
        continue
      }
      let doc = Doc(path: path, json: object)
      if path.hasPrefix("projects/") {
        projects[id] = doc
      } else if path.hasPrefix("tasks/") {
        tasks[id, default: []].append(doc)
      } else if path.hasPrefix("sessions/") {
        sessions[id, default: []].append(doc)
      }
    }
  }

  private mutating func walk(_ relative: String) throws {
    let dir = relative.isEmpty ? root : root + "/" + relative
    for e in try FileSystem.listDirectory(dir) {
      let child = relative.isEmpty ? e.name : relative + "/" + e.name
      if e.kind == .directory {
        try walk(child)
      } else {
        files[child] = try FileSystem.readFile(root + "/" + child)
      }
    }
  }

  func task(_ id: String) -> JSONObject? { tasks[id]?.first?.json }
  func session(_ id: String) -> JSONObject? { sessions[id]?.first?.json }

  /// `taskIds`, or the legacy single `taskId` as servers read it.
  static func taskIds(_ s: JSONObject) -> [String] {
    if let ids = s["taskIds"]?.arrayValue { return ids.compactMap(\.stringValue) }
    if let id = s["taskId"]?.stringValue { return [id] }
    return []
  }

  static func strings(_ o: JSONObject, _ key: String) -> [String] {
    o[key]?.arrayValue?.compactMap(\.stringValue) ?? []
  }
}

/// Generates into a fresh temporary directory and returns the report and
/// the data dir path (kept alive by the returned `TemporaryDirectory`).
func generate(
  _ configure: (inout GeneratorOptions) -> Void = { _ in }
) async throws -> (report: GenerateReport, dir: TemporaryDirectory) {
  let tmp = try TemporaryDirectory(prefix: "maestro-generate-test")
  var options = GeneratorOptions(out: tmp.path + "/data", sync: false)
  configure(&options)
  return (try await DataGenerator.run(options), tmp)
}

/// What a fault-free generated dir promises: FORMAT.md §6 holds
/// everywhere, files are canonical, Storage loads them without an issue.
@Suite struct GenerateDataTests {
  static let startedStatuses: Set<String> = ["in_progress", "in_review", "completed"]
  static let knownTaskStatuses = Set(TaskStatus.knownValues.map(\.rawValue))
  static let knownSessionStatuses = Set(SessionStatus.knownValues.map(\.rawValue))
  static let knownTimelineTypes = Set(TimelineEventType.knownValues.map(\.rawValue))

  @Test(arguments: GenerateFormat.allCases)
  func cleanOutputHoldsEveryInvariant(format: GenerateFormat) async throws {
    let (report, tmp) = try await generate {
      $0.counts = .init(projects: 6, tasks: 400, sessions: 120)
      $0.scale = nil
      $0.format = format
      $0.seed = 7
    }
    let dir = try GeneratedDir(report.out)
    #expect(dir.unparsed.isEmpty)
    #expect(dir.projects.count == 6)
    #expect(dir.tasks.count == 400)
    #expect(dir.sessions.count == 120)
    #expect(report.faults.isEmpty && report.faultEntities == 0)
    #expect(report.files == dir.files.count)
    #expect(try TreeHash.hash(of: report.out) == report.treeHash)

    var flatTasks = 0
    for (id, docs) in dir.tasks {
      try #require(docs.count == 1, "task \(id) in \(docs.map(\.path))")
      let doc = docs[0]
      let t = doc.json
      #expect(Set(t.keys).isSubset(of: MaestroTask.knownFields), "\(doc.path): \(t.keys)")
      #expect(EntityId.isSafe(id) && Self.looksLikeServerId(id, prefix: "task"), "\(id)")
      let projectId = try #require(t["projectId"]?.stringValue)
      #expect(dir.projects[projectId] != nil)
      if doc.path == "tasks/\(id).json" {
        flatTasks += 1
      } else {
        #expect(doc.path == "tasks/\(projectId)/\(id).json")
      }
      // Timestamps agree with the status.
      let status = try #require(t["status"]?.stringValue)
      #expect(Self.knownTaskStatuses.contains(status))
      let created = try #require(t["createdAt"]?.numberValue)
      let updated = try #require(t["updatedAt"]?.numberValue)
      let started = t["startedAt"]?.numberValue
      let completed = t["completedAt"]?.numberValue
      #expect((started != nil) == Self.startedStatuses.contains(status), "\(doc.path) \(status)")
      #expect((completed != nil) == (status == "completed"), "\(doc.path) \(status)")
      let chain = [created, started, completed, updated].compactMap { $0 }
      #expect(chain == chain.sorted(), "\(doc.path): \(chain)")
      for e in t["timeline"]?.arrayValue ?? [] {
        let event = try #require(e.objectValue)
        #expect(Self.knownTimelineTypes.contains(event["type"]?.stringValue ?? ""))
        let ts = try #require(event["timestamp"]?.numberValue)
        #expect(created <= ts && ts <= updated, "\(doc.path)")
      }
      // Links: every session listed lists the task back, same project.
      let sessionIds = GeneratedDir.strings(t, "sessionIds")
      #expect(Set(sessionIds).count == sessionIds.count)
      for s in sessionIds {
        let session = try #require(dir.session(s), "\(doc.path) lists missing session \(s)")
        #expect(GeneratedDir.taskIds(session).contains(id))
        #expect(session["projectId"]?.stringValue == projectId)
      }
      if format == .legacy && t["sessionIds"] == nil { #expect(sessionIds.isEmpty) }
      if let statuses = t["taskSessionStatuses"]?.objectValue {
        #expect(statuses.keys == sessionIds)
      } else if format == .current {
        #expect(sessionIds.isEmpty)
      }
      for ref in GeneratedDir.strings(t, "dependencies") + GeneratedDir.strings(t, "referenceTaskIds") {
        #expect(dir.task(ref)?["projectId"]?.stringValue == projectId)
      }
      // Parent chains: existing, same project, at most four tasks long.
      var depth = 1
      var cursor = t
      while let parent = cursor["parentId"]?.stringValue {
        cursor = try #require(dir.task(parent), "\(doc.path): parent \(parent) missing")
        #expect(cursor["projectId"]?.stringValue == projectId)
        depth += 1
        try #require(depth <= 4, "\(doc.path): parent chain longer than 4")
      }
    }
    if format == .legacy { #expect(flatTasks > 0) } else { #expect(flatTasks == 0) }
    #expect(try Self.dependenciesAreAcyclic(dir))

    var docFiles = 0
    for (id, docs) in dir.sessions {
      try #require(docs.count == 1)
      let doc = docs[0]
      let s = doc.json
      #expect(doc.path == "sessions/\(id).json")
      #expect(Set(s.keys).isSubset(of: Session.knownFields), "\(doc.path): \(s.keys)")
      #expect(Self.looksLikeServerId(id, prefix: "sess"))
      let status = try #require(s["status"]?.stringValue)
      #expect(Self.knownSessionStatuses.contains(status))
      let terminal = SessionStatus(rawValue: status).isTerminal
      let startedAt = try #require(s["startedAt"]?.numberValue)
      let last = try #require(s["lastActivity"]?.numberValue)
      #expect(startedAt <= last)
      #expect(s["completedAt"]?.numberValue == (terminal ? last : nil), "\(doc.path)")
      let taskIds = GeneratedDir.taskIds(s)
      #expect((1...5).contains(taskIds.count) && Set(taskIds).count == taskIds.count)
      for t in taskIds {
        let task = try #require(dir.task(t), "\(doc.path) lists missing task \(t)")
        #expect(GeneratedDir.strings(task, "sessionIds").contains(id))
        #expect(task["projectId"] == s["projectId"])
        #expect(try #require(task["createdAt"]?.numberValue) <= startedAt)
      }
      if format == .legacy { #expect(s["taskId"] != nil && s["taskIds"] == nil) }
      if format == .current {
        if let parent = s["parentSessionId"]?.stringValue { #expect(dir.session(parent) != nil) }
        #expect(dir.session(try #require(s["rootSessionId"]?.stringValue)) != nil)
        for d in s["docs"]?.arrayValue ?? [] {
          let path = try #require(d["contentFilePath"]?.stringValue)
          #expect(path.hasPrefix(report.out + "/session-docs/\(id)/"), "\(path)")
          #expect(dir.files[String(path.dropFirst(report.out.count + 1))] != nil, "\(path)")
          docFiles += 1
        }
      }
    }
    if format == .current { #expect(docFiles > 0) }
    #expect(dir.files.keys.filter { $0.hasPrefix("session-docs/") }.count == docFiles)

    // Canonical for `fmt --check`, and Storage loads it without a word.
    let formatted = try await JSONFormatter(style: .auto, rewrite: false).run(try JSONFormatter.collectFiles([report.out])).results
    let odd = formatted.filter { $0.outcome != .canonical || $0.style != format.defaultStyle }
    let oddCount = odd.count
    #expect(oddCount == 0, "not canonical or not \(format.defaultStyle): \(odd.first.map(\.path) ?? "")")
    let store = Storage(root: report.out)
    try await store.load()
    #expect(await store.loadIssues == [])
    #expect(await store.listTasks().count == 400)
    withExtendedLifetime(tmp) {}
  }

  @Test func taskSizesAreSpreadLikeRealFiles() async throws {
    let (report, tmp) = try await generate { $0.counts = .init(projects: 3, tasks: 300, sessions: 60) }
    let dir = try GeneratedDir(report.out)
    let sizes = dir.files.filter { $0.key.hasPrefix("tasks/") }.map(\.value.count).sorted()
    #expect(sizes[sizes.count / 10] >= 500, "p10 \(sizes[sizes.count / 10])")
    #expect(sizes[sizes.count * 9 / 10] <= 3_500, "p90 \(sizes[sizes.count * 9 / 10])")
    let text = dir.files.values.map { String(decoding: $0, as: UTF8.self) }.joined()
    #expect(text.unicodeScalars.contains { $0.value > 0x7F })
    #expect(text.contains("\\\"") && text.contains("\\n") && text.contains("\\u001b"))
    withExtendedLifetime(tmp) {}
  }

  @Test func tasksPerProjectAreSkewed() async throws {
    let (report, tmp) = try await generate {
      $0.counts = .init(projects: 20, tasks: 2_000, sessions: 0)
    }
    let dir = try GeneratedDir(report.out)
    var perProject: [String: Int] = [:]
    for docs in dir.tasks.values { perProject[docs[0].json["projectId"]!.stringValue!, default: 0] += 1 }
    let counts = perProject.values.sorted(by: >)
    #expect(counts.count == 20 && counts.last! >= 1)
    #expect(counts[0] > 5 * counts[counts.count / 2], "\(counts)")
    withExtendedLifetime(tmp) {}
  }

  static func looksLikeServerId(_ id: String, prefix: String) -> Bool {
    let parts = id.split(separator: "_")
    guard parts.count == 3, parts[0] == prefix, parts[1].count == 13, parts[1].allSatisfy(\.isNumber),
      parts[2].count == 9
    else { return false }
    return parts[2].allSatisfy { ("0"..."9").contains($0) || ("a"..."z").contains($0) }
  }

  static func dependenciesAreAcyclic(_ dir: GeneratedDir) throws -> Bool {
    var state: [String: Int] = [:]  // 1 visiting, 2 done
    func visit(_ id: String) -> Bool {
      if state[id] == 2 { return true }
      if state[id] == 1 { return false }
      state[id] = 1
      for d in GeneratedDir.strings(dir.task(id) ?? [:], "dependencies") where !visit(d) { return false }
      state[id] = 2
      return true
    }
    return dir.tasks.keys.sorted().allSatisfy(visit)
  }
}
