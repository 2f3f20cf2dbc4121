import Foundation
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `maestro-admin archive` as operators run it: create, check, list,
/// search, show, restore, undo and dry runs on a generated data dir.
@Suite struct ArchiveEndToEndTests {
  /// A generated xs data dir (seed 7: 11 tasks archivable, 5 held back).
  static func makeDir(_ dir: String, format: String = "seed") throws {
    let r = try runMaestroAdmin(["generate", "--out", dir, "--scale", "xs", "--seed", "7", "--format", format, "--no-sync"])
    #expect(r.status == 0, "\(r.stderr)")
  }

  /// The user tree without `archive/`: what restore and undo must bring
  /// back exactly.
  static func liveTree(_ dir: String) throws -> [TreeHash.Entry] {
    try userTree(dir).filter { !$0.path.hasPrefix("archive") }
  }

  static func records(_ r: CommandResult, type: String) throws -> [JSONObject] {
    try r.lines.compactMap { try JSONParser.parse($0).objectValue }.filter { $0["type"]?.stringValue == type }
  }

  @Test func createCheckListSearchShowRestore() throws {
    let work = try TemporaryDirectory(prefix: "archive-e2e")
    let dir = work.appending("d")
    try Self.makeDir(dir, format: "current")
    let original = try userTree(dir)
    var originalText: [String: String] = [:]
    for e in original where e.path.hasPrefix("tasks/") && e.path.hasSuffix(".json") {
      originalText[e.path] = try text(dir + "/" + e.path)
    }

    let create = try runMaestroAdmin(["archive", "create", "--data-dir", dir, "--older-than", "0d", "--json"])
    #expect(create.status == 1, "\(create.stderr)")
    let archived = try Self.records(create, type: "archived")
    let summary = try #require(try Self.records(create, type: "summary").first)
    #expect(!archived.isEmpty)
    #expect(summary["tasks"]?.numberValue == Double(archived.count))
    let holds = try Self.records(create, type: "hold")
    #expect(holds.allSatisfy { $0["reason"]?.stringValue?.isEmpty == false && $0["field"] != nil })
    let archiveName = try #require(summary["archive"]?.stringValue)
    #expect(try FileSystem.stat(dir + "/" + archiveName).mode & 0o777 == 0o600)
    for a in archived {
      #expect(!FileSystem.fileExists(dir + "/" + (a["member"]?.stringValue ?? "")))
    }
    // Any tar reads it: MANIFEST.json first, then the files at their paths.
    let listing = try runProcess("/usr/bin/env", ["bsdtar", "-tf", dir + "/" + archiveName])
    #expect(listing.lines.first == "MANIFEST.json")
    #expect(listing.lines.count == archived.count + 1)

    // check: archived references are info, nothing dangles.
    let check = try runMaestroAdmin(["check", "--data-dir", dir, "--json"])
    #expect(check.status == 0, "\(check.stdout)")
    #expect(check.stdout.contains(#""code":"ref.archived""#))
    #expect(!check.stdout.contains("dangling"))

    let list = try runMaestroAdmin(["archive", "list", "--data-dir", dir, "--json"])
    #expect(list.status == 0)
    let entry = try #require(try Self.records(list, type: "archive").first)
    #expect(entry["tasks"]?.numberValue == Double(archived.count))
    #expect(entry["size"]?.numberValue ?? 0 > 0)
    #expect(entry["oldest"]?.stringValue != nil)
    #expect(try runMaestroAdmin(["archive", "list", "--data-dir", dir]).stdout.contains("\(archived.count) task(s)"))

    let first = archived[0]
    let id = try #require(first["id"]?.stringValue)
    let title = try #require(first["title"]?.stringValue)
    let word = String(title.split(separator: " ").last ?? "")
    let search = try runMaestroAdmin([
      "archive", "search", "--data-dir", dir, "--text", word.uppercased(), "--project",
      first["projectId"]?.stringValue ?? "", "--json",
    ])
    #expect(search.status == 0)
    #expect(try Self.records(search, type: "task").contains { $0["id"]?.stringValue == id })
    let none = try runMaestroAdmin(["archive", "search", "--data-dir", dir, "--after", "2100-01-01", "--json"])
    #expect(try Self.records(none, type: "task").isEmpty)

    let member = try #require(first["member"]?.stringValue)
    let show = try runMaestroAdmin(["archive", "show", "--data-dir", dir, id])
    #expect(show.status == 0)
    #expect(show.stdout == originalText[member], "show prints the file exactly as stored")
    #expect(try runMaestroAdmin(["archive", "show", "--data-dir", dir, "task_nope"]).status == 4)

    // Restore one task, then the rest of the archive: byte-identical tree.
    let one = try runMaestroAdmin(["archive", "restore", "--data-dir", dir, id])
    #expect(one.status == 1, "\(one.stderr)")
    #expect(FileSystem.fileExists(dir + "/" + member))
    let rest = try runMaestroAdmin(["archive", "restore", "--data-dir", dir, "--archive", dir + "/" + archiveName, "--json"])
    #expect(rest.status == 1, "\(rest.stderr)")
    #expect(try Self.records(rest, type: "restored").count == archived.count - 1)
    #expect(try Self.liveTree(dir) == original)
    #expect(try runMaestroAdmin(["check", "--data-dir", dir]).status == 0)
    #expect(try text(dir + "/archive/catalog.jsonl").isEmpty)
  }

  /// Real server data (both samples, both JSON styles): the samples hold
  /// no completed task, so every open one is archived by status; check
  /// passes with the sessions' references reported as archived, and
  /// restoring them all gives back the exact tree.
  @Test(arguments: ["upstream-head", "upstream-2026-02-08"])
  func samplesArchiveAndRestoreByteIdentical(_ sample: String) throws {
    let work = try TemporaryDirectory(prefix: "archive-sample")
    let dir = work.appending("data")
    try copyTree(ProjectPaths.samples + "/" + sample, to: dir)
    let original = try Self.liveTree(dir)

    let create = try runMaestroAdmin(
      ["archive", "create", "--data-dir", dir, "--older-than", "0d", "--status", "todo,in_progress", "--json"])
    #expect(create.status == 1, "\(create.stderr)")
    let ids = try Self.records(create, type: "archived").compactMap { $0["id"]?.stringValue }
    #expect(ids.count == 12)
    #expect(try FileSystem.listDirectory(dir + "/tasks").allSatisfy { entry in
      (try? FileSystem.listDirectory(dir + "/tasks/" + entry.name).isEmpty) ?? true
    })
    let check = try runMaestroAdmin(["check", "--data-dir", dir, "--json"])
    #expect(check.status == 0, "\(check.stdout)")
    #expect(check.stdout.contains(FindingCode.refArchived.rawValue))

    let restore = try runMaestroAdmin(["archive", "restore", "--data-dir", dir] + ids)
    #expect(restore.status == 1, "\(restore.stderr)")
    #expect(try Self.liveTree(dir) == original)
    #expect(try runMaestroAdmin(["check", "--data-dir", dir]).status == 0)
  }

  @Test func undoOfCreateRestoresTheExactTreeAndDryRunChangesNothing() throws {
    let work = try TemporaryDirectory(prefix: "archive-undo")
    let dir = work.appending("d")
    try Self.makeDir(dir)
    let original = try userTree(dir)
    let hash = try TreeHash.hash(of: dir, includeModes: true)

    let dry = try runMaestroAdmin(["archive", "create", "--data-dir", dir, "--older-than", "0d", "--dry-run"])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains("would archive "))
    #expect(dry.stdout.contains("held back "))
    #expect(try TreeHash.hash(of: dir, includeModes: true) == hash)
    #expect(!FileSystem.fileExists(dir + "/.maestro-admin"))
    let restoreDry = try runMaestroAdmin(["archive", "restore", "--data-dir", dir, "task_x", "--dry-run"])
    #expect(restoreDry.status == 4, "not in the catalog")

    let create = try runMaestroAdmin(["archive", "create", "--data-dir", dir, "--older-than", "0d", "--json"])
    #expect(create.status == 1)
    let journal = try #require(try Self.records(create, type: "summary").first?["journal"]?.stringValue)
    let undo = try runMaestroAdmin(["undo", journal, "--data-dir", dir])
    #expect(undo.status == 1, "\(undo.stderr)")
    #expect(try userTree(dir) == original)
    #expect(try runMaestroAdmin(["check", "--data-dir", dir]).status == 0)
    // The next run archives the same tasks again (the abandoned staging
    // copy is dropped).
    let again = try runMaestroAdmin(["archive", "create", "--data-dir", dir, "--older-than", "0d", "--json"])
    #expect(try Self.records(again, type: "archived").count == (try Self.records(create, type: "archived")).count)
  }

  @Test func refusalsLockAndUsage() throws {
    let work = try TemporaryDirectory(prefix: "archive-refuse")
    let dir = work.appending("d")
    try Self.makeDir(dir)
    let create = try runMaestroAdmin(["archive", "create", "--data-dir", dir, "--older-than", "0d", "--json"])
    let first = try #require(try Self.records(create, type: "archived").first)
    let id = first["id"]?.stringValue ?? ""
    let member = dir + "/" + (first["member"]?.stringValue ?? "")
    // A live file that differs is never overwritten.
    try AtomicFile.write(Array("{}".utf8), to: member)
    let differ = try runMaestroAdmin(["archive", "restore", "--data-dir", dir, id])
    #expect(differ.status == 4)
    #expect(differ.stderr.contains(first["member"]?.stringValue ?? "?"))
    #expect(try text(member) == "{}")
    try FileSystem.removeFile(member)
    // A hostile catalog line is refused, naming the member.
    let catalog = dir + "/archive/catalog.jsonl"
    let hostile = try text(catalog).replacingOccurrences(
      of: #""member":"\#(first["member"]?.stringValue ?? "")""#, with: #""member":"../../../etc/evil.json""#)
    try AtomicFile.write(Array(hostile.utf8), to: catalog)
    let refused = try runMaestroAdmin(["archive", "restore", "--data-dir", dir, id])
    #expect(refused.status == 4)
    #expect(refused.stderr.contains("../../../etc/evil.json"))
    #expect(!FileSystem.fileExists(work.appending("etc")))

    let lock = try MaintenanceLock(dataDir: dir, command: "maestro-admin repair")
    #expect(try runMaestroAdmin(["archive", "create", "--data-dir", dir]).status == 75)
    #expect(try runMaestroAdmin(["archive", "restore", "--data-dir", dir, id]).status == 75)
    #expect(try runMaestroAdmin(["archive", "list", "--data-dir", dir]).status == 0, "read-only: no lock")
    lock.release()
    #expect(try runMaestroAdmin(["archive", "create", "--data-dir", dir, "--older-than", "soon"]).status == 16)
    #expect(try runMaestroAdmin(["archive", "restore", "--data-dir", dir]).status == 16)
    #expect(try runMaestroAdmin(["archive", "create", "--data-dir", dir + "/nope"]).status == 8)
  }
}
