import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The catalog line format (shared with check), search filters and the
/// command-line criteria.
@Suite struct ArchiveCatalogTests {
  static let line1 =
    #"{"id":"task_1","projectId":"p1","parentId":null,"title":"Fix the Login flow","status":"completed","completedAt":1000,"archive":"20261128T000000Z-0badf00d.tar.zst","member":"tasks/p1/task_1.json","sha256":"aa","size":10,"archivedAt":5000}"#
  static let line2 =
    #"{"id":"task_2","projectId":"p2","parentId":"task_1","title":"Cache images","status":"cancelled","completedAt":3000,"archive":"20261128T000000Z-0badf00d.tar.zst","member":"tasks/p2/task_2.json","sha256":"bb","size":20,"archivedAt":5000,"future":1}"#

  @Test func linesRoundTripAndUnknownLinesAreKept() throws {
    let bytes = Array((Self.line1 + "\n" + "not json\n" + Self.line2 + "\n\n").utf8)
    let catalog = ArchiveCatalog(bytes: bytes)
    #expect(catalog.ids == ["task_1", "task_2"])
    #expect(catalog.entries.count == 2)
    #expect(catalog.lines.count == 3)
    #expect(catalog.findings.count == 1)
    #expect(catalog.findings.first?.message.contains("line 2") == true)
    let e = try #require(catalog.entries.first)
    #expect(e.title == "Fix the Login flow")
    #expect(e.completedAt == 1000)
    #expect(e.member == "tasks/p1/task_1.json")
    #expect(catalog.entries[1].parentId == "task_1")
    // The entry's own JSON is the line format, key for key.
    #expect(JSONWriter.string(.object(e.json), style: .compact) == Self.line1)
    // Rewriting keeps every line byte for byte, the unknown one and the
    // unknown field included (blank lines are dropped).
    #expect(ArchiveCatalog.serialize(catalog.lines) == Array((Self.line1 + "\nnot json\n" + Self.line2 + "\n").utf8))
  }

  @Test func searchFilters() {
    let entries = ArchiveCatalog(bytes: Array((Self.line1 + "\n" + Self.line2).utf8)).entries
    func ids(_ q: ArchiveLibrary.Query) -> [String] { entries.filter(q.matches).map(\.id) }
    #expect(ids(.init()) == ["task_1", "task_2"])
    #expect(ids(.init(projectId: "p2")) == ["task_2"])
    #expect(ids(.init(text: "login FIX")) == ["task_1"])
    #expect(ids(.init(text: "login images")) == [])
    #expect(ids(.init(text: "task_2")) == ["task_2"])
    #expect(ids(.init(after: 2000)) == ["task_2"])
    #expect(ids(.init(before: 3000)) == ["task_1"])
    #expect(ids(.init(after: 1000, before: 3001)) == ["task_1", "task_2"])
  }

  @Test func criteriaFromTheCommandLine() throws {
    let now = 100 * 86_400_000.0
    let c = try ArchiveCriteria(statuses: "completed, cancelled", olderThan: "30d", before: nil, projectId: nil, now: now)
    #expect(c.statuses == ["completed", "cancelled"])
    #expect(c.cutoffMs == 70 * 86_400_000)
    #expect(try ArchiveCriteria(statuses: nil, olderThan: nil, before: nil, projectId: nil, now: now).cutoffMs == 70 * 86_400_000)
    #expect(try ArchiveCriteria(statuses: nil, olderThan: "0d", before: nil, projectId: nil, now: now).cutoffMs == now)
    let both = try ArchiveCriteria(statuses: nil, olderThan: "1d", before: "1970-01-02", projectId: "p1", now: now)
    #expect(both.cutoffMs == 86_400_000, "the earlier cutoff wins")
    #expect(try ArchiveCriteria.date("2026-11-28T01:02:03Z") == 1_795_827_723_000)
    #expect(try ArchiveCriteria.duration("2w") == 14 * 86_400_000)
    #expect(try ArchiveCriteria.duration("12h") == 12 * 3_600_000)
    for bad in ["30", "d", "-1d", "3y"] {
      #expect(throws: MaestroError.self) { try ArchiveCriteria.duration(bad) }
    }
    for bad in ["2026-13-01", "2026/11/28", "2026-11-28T25:00:00Z", "yesterday"] {
      #expect(throws: MaestroError.self) { try ArchiveCriteria.date(bad) }
    }
    #expect(throws: MaestroError.self) {
      try ArchiveCriteria(statuses: nil, olderThan: nil, before: nil, projectId: "../p")
    }
  }

  /// Only calendar dates (leap years counted), known statuses and a
  /// project the data dir has: anything else is a usage error, not a
  /// silently empty selection.
  @Test func criteriaAreValidated() throws {
    func usage(_ body: () throws -> Void) -> Bool {
      do { try body() } catch let e as MaestroError { return e.code == .usage } catch { return false }
      return false
    }
    for bad in ["2026-02-29", "2026-02-30", "2026-04-31", "2100-02-29", "2026-06-31T00:00:00Z", "2026-00-10", "2026-01-00"] {
      #expect(usage { _ = try ArchiveCriteria.date(bad) }, "\(bad)")
    }
    #expect(try ArchiveCriteria.date("2028-02-29") == ArchiveCriteria.date("2028-03-01") - 86_400_000)
    #expect(try ArchiveCriteria.date("2000-02-29") == 951_782_400_000)
    #expect(try ArchiveCriteria.date("2026-12-31") > 0)
    #expect(usage { _ = try ArchiveCriteria(statuses: "completed,done", olderThan: nil, before: nil, projectId: nil) })
    #expect(usage { _ = try ArchiveCriteria(statuses: "Completed", olderThan: nil, before: nil, projectId: nil) })
    #expect(try ArchiveCriteria(statuses: "todo,pending,in_progress,in_review,completed,cancelled,blocked,archived", olderThan: nil, before: nil, projectId: nil).statuses.count == 8)

    let dir = try TemporaryDirectory()
    try FileSystem.makeDirectories(dir.appending("projects"))
    try FileSystem.makeDirectories(dir.appending("tasks/p_orphans"))
    try AtomicFile.write(Array(#"{"id":"p1"}"#.utf8), to: dir.appending("projects/p1.json"))
    for (project, known) in [("p1", true), ("p_orphans", true), ("p2", false)] {
      let c = try ArchiveCriteria(statuses: nil, olderThan: nil, before: nil, projectId: project)
      #expect(usage { try c.validateProject(in: dir.path) } == !known, "\(project)")
    }
    try ArchiveCriteria(statuses: nil, olderThan: nil, before: nil, projectId: nil).validateProject(in: dir.path)
  }
}
