import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// "The data reads the same in the newest real server as before": every
/// project, task and session is loaded before and after `up` with the
/// Storage models (which apply the seed's load-time defaults), then with the
/// defaults the newest server assumes for a missing field (FORMAT.md §7,
/// written here independently of the migrations), and compared member by
/// member, key order aside. The task↔session relation is compared as a set
/// of pairs: a legacy task's missing `sessionIds` reads as `[]` while its
/// sessions list it; migration 1 writes that link on the task's side too.
@Suite struct MigrationSemanticsTests {
  /// id → canonical text of each entity as the newest server reads it.
  static func newestServerView(_ dir: String) async throws -> [String: String] {
    let storage = Storage(root: dir)
    try await storage.load()
    let issues = await storage.loadIssues
    #expect(issues.isEmpty, "\(issues)")
    let sessions = await storage.listSessions()
    var listing: [String: Set<String>] = [:]
    for s in sessions { for t in s.json["taskIds"]?.arrayValue?.compactMap(\.stringValue) ?? [] { listing[t, default: []].insert(s.id) } }
    var view: [String: String] = [:]
    for p in await storage.listProjects() { view["project " + p.id] = canonical(.object(p.json)) }
    for t in await storage.listTasks() {
      var o = t.json
      if !(o["referenceTaskIds"]?.isTruthy ?? false) { o["referenceTaskIds"] = [] }
      if o["dueDate"] == nil { o["dueDate"] = .null }
      let ids = (o["sessionIds"]?.arrayValue ?? []).compactMap(\.stringValue)
      if o["taskSessionStatuses"] == nil || o["taskSessionStatuses"] == .null {
        var map = JSONObject()
        if let status = o["sessionStatus"], status.stringValue != nil, !ids.isEmpty {
          for id in ids { map[id] = status }
          o["sessionStatus"] = nil
        }
        o["taskSessionStatuses"] = .object(map)
      }
      let linked = Set(ids).union(listing[t.id] ?? [])
      o["sessionIds"] = .array(linked.sorted().map(JSONValue.string))
      view["task " + t.id] = canonical(.object(o))
    }
    for s in sessions {
      var o = s.json
      for key in ["events", "timeline", "docs"] where !(o[key]?.isTruthy ?? false) { o[key] = [] }
      // The newest server's start: a session without a root is its own root.
      if !(o["rootSessionId"]?.isTruthy ?? false) { o["rootSessionId"] = .string(s.id) }
      view["session " + s.id] = canonical(.object(o))
    }
    return view
  }

  /// Compact JSON with every object's keys sorted.
  static func canonical(_ value: JSONValue) -> String {
    func sorted(_ v: JSONValue) -> JSONValue {
      switch v {
      case .object(let o):
        return .object(JSONObject(o.keys.sorted().map { ($0, sorted(o[$0]!)) }))
      case .array(let a): return .array(a.map(sorted))
      default: return v
      }
    }
    return JSONWriter.string(sorted(value), style: .compact)
  }

  @Test(arguments: [
    "generated/xs-legacy", "seed-legacy", "seed-basic", "samples/upstream-2026-02-08", "samples/upstream-head",
    "generated/xs-seed", "generated/xs-current",
  ])
  func readsTheSameAfterMigrating(_ fixture: String) async throws {
    let dir = try TemporaryDirectory()
    try copyTree(ProjectPaths.fixtures + "/" + fixture, to: dir.path)
    let before = try await Self.newestServerView(dir.path)
    let outcome = try await MigrateJob(dataDir: dir.path).up(.init(snapshot: false))
    #expect(outcome.conflicts.isEmpty && outcome.newErrors.isEmpty)
    let after = try await Self.newestServerView(dir.path)
    #expect(before.count == after.count && !before.isEmpty)
    for (key, value) in before where after[key] != value {
      Issue.record("\(fixture): \(key) reads differently:\n before \(value)\n after  \(after[key] ?? "missing")")
    }
    // Defaults written down: the files now hold what the reader assumed.
    let scan = try EntityFileScan.scan(root: dir.path)
    #expect(!scan.files.contains { $0.kind == .legacyTask })
    #expect(try await DataDirCheck(root: dir.path).run().exitStatus == .ok)
  }
}
