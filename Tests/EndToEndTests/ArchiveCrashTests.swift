import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// SIGKILL at every kill point of `archive create` (each archive member,
/// after writing and after verifying, inside every atomic write, before and
/// after each journaled change), then `archive create` again — or, at every
/// third point, `undo` of every journal.
@Suite struct ArchiveCrashTests {
  /// Every task of `selected` is live with its original bytes, or listed
  /// in the catalog in an archive that verifies and holds those bytes.
  static func assertLiveOrArchived(_ dir: String, _ selected: [String: (member: String, bytes: [UInt8])], _ n: Int) throws {
    let catalog = try ArchiveCatalog(root: dir)
    var latest: [String: ArchiveCatalogEntry] = [:]
    for e in catalog.entries { latest[e.id] = e }
    var reads: [String: ArchiveFileReader.Result] = [:]
    for (id, task) in selected {
      if let live = try? FileSystem.readFile(dir + "/" + task.member) {
        #expect(live == task.bytes, "kill \(n): \(task.member) is live but changed")
        continue
      }
      guard let entry = latest[id], let archive = entry.archive else {
        Issue.record("kill \(n): \(id) is neither live nor in the catalog")
        continue
      }
      let path = dir + "/archive/" + archive
      if reads[path] == nil {
        reads[path] = try ArchiveFileReader(path: path).read(wanted: Set(selected.values.map(\.member)))
      }
      let read = reads[path]!
      #expect(read.isVerified, "kill \(n): \(archive) does not verify: \(read.problems)")
      #expect(read.contents[task.member]?.bytes == task.bytes, "kill \(n): \(task.member) not in \(archive)")
    }
  }

  @Test(.timeLimit(.minutes(5))) func archiveCreateSurvivesSIGKILLAtEveryPoint() throws {
    let work = try TemporaryDirectory(prefix: "archive-crash")
    let template = work.appending("template")
    try ArchiveEndToEndTests.makeDir(template)
    let original = try userTree(template)

    let reference = work.appending("reference")
    try copyTree(template, to: reference)
    let clean = try runMaestroAdmin(["archive", "create", "--data-dir", reference, "--older-than", "0d", "--json"])
    #expect(clean.status == 1, "\(clean.stderr)")
    var selected: [String: (member: String, bytes: [UInt8])] = [:]
    for a in try ArchiveEndToEndTests.records(clean, type: "archived") {
      let member = a["member"]?.stringValue ?? ""
      selected[a["id"]?.stringValue ?? ""] = (member, try FileSystem.readFile(template + "/" + member))
    }
    #expect(selected.count >= 5)
    let archivedTree = try ArchiveEndToEndTests.liveTree(reference)
    let catalogIds = try ArchiveCatalog(root: reference).ids

    var killPoints = 0
    var undone = 0
    var n = 1
    while n < 400 {
      let dir = work.appending("run\(n)")
      try copyTree(template, to: dir)
      defer { TemporaryDirectory.removeTree(dir) }
      let crashed = try runMaestroAdmin(
        ["archive", "create", "--data-dir", dir, "--older-than", "0d"], environment: ["MAESTRO_ADMIN_CRASH_AT": "any:\(n)"])
      if crashed.status != 137 {
        #expect(crashed.status == 1, "run \(n): \(crashed.stderr)")
        break
      }
      killPoints += 1
      try Self.assertLiveOrArchived(dir, selected, n)
      if n % 3 == 0 {
        // Undo finishes an interrupted journal first, then reverses it.
        for (_, u) in try undoEveryRun(dataDir: dir) {
          #expect(u.status == 0 || u.status == 1, "undo after kill \(n): \(u.stderr)")
        }
        #expect(try userTree(dir) == original, "undo after kill \(n)")
        undone += 1
      } else {
        let resumed = try runMaestroAdmin(["archive", "create", "--data-dir", dir, "--older-than", "0d"])
        #expect(resumed.status == 0 || resumed.status == 1, "after kill \(n): \(resumed.stderr)")
        try Self.assertLiveOrArchived(dir, selected, n)
        #expect(try ArchiveEndToEndTests.liveTree(dir) == archivedTree, "after kill \(n): live tasks not settled")
        #expect(try ArchiveCatalog(root: dir).ids == catalogIds, "after kill \(n)")
        for id in selected.keys { #expect(!FileSystem.fileExists(dir + "/" + selected[id]!.member)) }
        #expect(try runMaestroAdmin(["check", "--data-dir", dir]).status == 0, "after kill \(n)")
      }
      n += 1
    }
    #expect(killPoints >= 30, "only \(killPoints) kill points")
    print("archive crash test: \(killPoints) kill points, \(undone) followed by undo, all settled")
  }
}
