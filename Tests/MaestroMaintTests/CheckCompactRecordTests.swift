@testable import MaestroMaint
import MaestroStorage
import Testing

/// The compact forms check keeps per file: 32-byte ids (long ones
/// interned), records without padding, entity files as kind and path only.
@Suite struct CheckCompactRecordTests {
  @Test func idsRoundTripInlineAndInternedAndCompareByValue() {
    let short = "task_1795816199000_abcdefghi"
    let long = String(repeating: "x", count: 40) + "_ünï"
    let other = String(repeating: "x", count: 40) + "_uni"
    #expect(MemoryLayout<EntityKey>.size == 32)
    for id in ["", "p", short, String(repeating: "a", count: 31), String(repeating: "a", count: 32), long, other] {
      #expect(EntityKey(id).string == id)
      #expect(EntityKey(id) == EntityKey(id) && EntityKey(id).fastHash == EntityKey(id).fastHash)
    }
    #expect(EntityKey(long) != EntityKey(other) && EntityKey(long) != EntityKey(short))
    #expect(EntityKey(other).precedes(EntityKey(long)) && !EntityKey(long).precedes(EntityKey(other)))
    #expect(Set([EntityKey(long), EntityKey(long), EntityKey(other)]).count == 2)
  }

  @Test func recordsKeepTheirLinksAndProjectId() {
    #expect(MemoryLayout<EntityRecord>.stride == 96)
    var record = EntityRecord(kind: .task, fileIndex: 7, id: EntityKey("t1"))
    #expect(record.projectId == nil)
    record.projectId = EntityKey("p1")
    record.setTaskLinks(
      parentId: "t0", dependencies: ["t2", "t3"], referenceTaskIds: [], sessionIds: ["s1"],
      unlinkedStatusSessionIds: ["s9"])
    #expect(record.projectId == EntityKey("p1") && record.parentId == EntityKey("t0"))
    #expect(Array(record.dependencies) == [EntityKey("t2"), EntityKey("t3")])
    #expect(record.sessionIds.map(Array.init) == [EntityKey("s1")])
    #expect(Array(record.unlinkedStatusSessionIds) == [EntityKey("s9")])
    record.projectId = nil
    #expect(record.projectId == nil && record.fileIndex == 7)
  }

  @Test func entityFilesReadStemAndFolderFromTheirPath() throws {
    let task = EntityFileScan.File(kind: .task, relativePath: "tasks/proj_1/task_2.json")
    #expect(task.stem == "task_2" && task.folder == "proj_1")
    let flat = EntityFileScan.File(kind: .legacyTask, relativePath: "tasks/task_3.json")
    #expect(flat.stem == "task_3" && flat.folder == nil)
    let session = EntityFileScan.File(kind: .session, relativePath: "sessions/sess ü.json")
    #expect(session.stem == "sess ü" && session.folder == nil)
    let scan = try EntityFileScan.scan { folder in
      switch folder {
      case "projects": [DirectoryEntry(name: "p.json", kind: .file)]
      case "tasks": [DirectoryEntry(name: "p", kind: .directory), DirectoryEntry(name: "t0.json", kind: .file)]
      case "tasks/p": [DirectoryEntry(name: "t1.json", kind: .file)]
      default: nil
      }
    }
    #expect(scan.files.map(\.stem) == ["p", "t1", "t0"])
    #expect(scan.files.map(\.folder) == [nil, "p", nil])
  }
}
