import MaestroMaint
import MaestroStorage
import Testing

/// Which tasks one archive run takes: criteria, whole subtrees, and the
/// live tasks that hold a task back (with the reason).
@Suite struct ArchiveSelectionTests {
  static let cutoff = ArchiveCriteria(cutoffMs: 1000)

  static func task(
    _ id: String, _ status: String = "completed", at time: Double = 10, parent: String? = nil,
    deps: [String] = [], refs: [String] = [], project: String = "p1"
  ) -> ArchiveTaskRecord {
    ArchiveTaskRecord(
      id: id, path: "tasks/\(project)/\(id).json", projectId: project, parentId: parent, status: status,
      completedAt: time, dependencies: deps, referenceTaskIds: refs)
  }

  static func select(_ records: [ArchiveTaskRecord], _ criteria: ArchiveCriteria = cutoff) -> (
    ids: [String], holds: [String: ArchiveSelection.Hold]
  ) {
    let s = ArchiveSelection(records: records, criteria: criteria)
    return (s.selected.map { records[$0].id }, Dictionary(s.holds.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }))
  }

  @Test func criteriaStatusAgeAndProject() {
    let records = [
      Self.task("old"), Self.task("new", at: 5000), Self.task("open", "in_progress"),
      Self.task("gone", "cancelled"), Self.task("other", project: "p2"),
      ArchiveTaskRecord(id: "upd", path: "tasks/p1/upd.json", projectId: "p1", status: "completed", updatedAt: 5),
      ArchiveTaskRecord(id: "notime", path: "tasks/p1/notime.json", projectId: "p1", status: "completed"),
    ]
    #expect(Self.select(records).ids == ["old", "other", "upd"])
    let both = ArchiveCriteria(statuses: ["completed", "cancelled"], cutoffMs: 1000, projectId: "p1")
    #expect(Self.select(records, both).ids == ["old", "gone", "upd"])
  }

  @Test func aTaskGoesOnlyWithItsWholeSubtree() {
    let done = [Self.task("root"), Self.task("kid", parent: "root"), Self.task("grandkid", parent: "kid")]
    #expect(Self.select(done).ids == ["root", "kid", "grandkid"])

    let open = [Self.task("root"), Self.task("kid", parent: "root"), Self.task("grandkid", "in_progress", parent: "kid")]
    let r = Self.select(open)
    #expect(r.ids.isEmpty)
    #expect(r.holds["kid"]?.by == "grandkid")
    #expect(r.holds["kid"]?.field == "parentId")
    #expect(r.holds["kid"]?.reason.contains("stays live (status in_progress)") == true)
    #expect(r.holds["root"]?.by == "kid")
    #expect(r.holds["root"]?.reason.contains("held back itself") == true)
    #expect(r.holds["grandkid"] == nil, "a task that does not qualify is not a hold")
  }

  @Test func aSubtaskMayGoWithoutItsParent() {
    let r = Self.select([Self.task("root", "in_progress"), Self.task("kid", parent: "root")])
    #expect(r.ids == ["kid"])
  }

  @Test func liveDependentsAndReferencesHoldATaskBack() {
    let records = [
      Self.task("dep"), Self.task("ref"), Self.task("free"),
      Self.task("live", "todo", deps: ["dep"], refs: ["ref"]),
      Self.task("archivedToo", deps: ["free"]),
    ]
    let r = Self.select(records)
    #expect(r.ids == ["free", "archivedToo"], "a dependency inside the selection holds nothing")
    #expect(r.holds["dep"]?.field == "dependencies")
    #expect(r.holds["dep"]?.by == "live")
    #expect(r.holds["ref"]?.field == "referenceTaskIds")
    #expect(r.holds["ref"]?.reason == "live task \"live\" lists it in referenceTaskIds")
  }

  @Test func aHeldTaskHoldsWhatItPointsAt() {
    let records = [Self.task("a", deps: ["b"]), Self.task("b"), Self.task("c", "in_progress", refs: ["a"])]
    let r = Self.select(records)
    #expect(r.ids.isEmpty)
    #expect(r.holds["a"]?.by == "c")
    #expect(r.holds["b"]?.by == "a")
  }

  @Test func layoutProblemsAreHeldNotArchived() {
    var legacy = Self.task("flat")
    legacy.path = "tasks/flat.json"
    legacy.isLegacy = true
    var misplaced = Self.task("moved")
    misplaced.path = "tasks/p2/moved.json"
    var dup2 = Self.task("dup")
    dup2.path = "tasks/p2/dup.json"
    dup2.projectId = "p2"
    let hostile = ArchiveTaskRecord(id: "../x", path: "tasks/p1/x.json", projectId: "p1", status: "completed", completedAt: 1)
    let r = Self.select([legacy, misplaced, Self.task("dup"), dup2, hostile, Self.task("fine")])
    #expect(r.ids == ["fine"])
    #expect(r.holds["flat"]?.reason.contains("run migrate first") == true)
    #expect(r.holds["moved"]?.field == "layout")
    #expect(r.holds["dup"]?.reason.contains("in 2 files") == true)
    #expect(r.holds["../x"]?.field == "id")
  }

  @Test func excludedIdsAreNotSelected() {
    let s = ArchiveSelection(records: [Self.task("a"), Self.task("b")], criteria: Self.cutoff, exclude: ["a"])
    #expect(s.selected == [1])
  }
}
