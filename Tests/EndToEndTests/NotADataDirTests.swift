import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The binary pointed at a folder that is not a data dir: `check` exits 4
/// with `datadir.not-a-data-dir`; every changing command exits 16 and
/// leaves the folder exactly as it was (no `.maestro-admin/`).
@Suite struct NotADataDirTests {
  @Test func checkReportsAndChangingCommandsRefuse() throws {
    let work = try TemporaryDirectory()
    let dir = work.appending("home")
    try FileSystem.makeDirectories(dir + "/Documents")
    try AtomicFile.write(Array(#"{"id":"x"}"#.utf8), to: dir + "/settings.json")
    let before = try TreeHash.hash(of: dir, includeModes: true)

    let check = try runMaestroAdmin(["check", "--data-dir", dir, "--json"])
    #expect(check.status == 4, "\(check.stderr)")
    #expect(check.lines.count == 2 && check.lines[0].contains(#""code":"datadir.not-a-data-dir","severity":"error""#))
    let text = try runMaestroAdmin(["check", "--data-dir", dir])
    #expect(text.status == 4 && text.stdout.contains("datadir.not-a-data-dir  error"))

    // A snapshot of a real data dir, to try restoring over the folder.
    let snapshot = try runMaestroAdmin([
      "backup", "create", "--data-dir", ProjectPaths.samples + "/upstream-head", "--dest", work.appending("backups"), "--json",
    ])
    #expect(snapshot.status == 0, "\(snapshot.stderr)")
    let snapshotPath = try #require(try FileSystem.listDirectory(work.appending("backups")).first?.name)

    let refused: [[String]] = [
      ["repair", "--data-dir", dir], ["repair", "--data-dir", dir, "--dry-run"],
      ["migrate", "up", "--data-dir", dir, "--no-snapshot"], ["migrate", "up", "--data-dir", dir, "--dry-run"],
      ["migrate", "status", "--data-dir", dir], ["migrate", "plan", "--data-dir", dir],
      ["archive", "create", "--data-dir", dir, "--older-than", "0d"],
      ["archive", "restore", "--data-dir", dir, "task_1_abc"],
      ["undo", "20260101T000000Z-repair-0000", "--data-dir", dir],
      ["backup", "restore", work.appending("backups/" + snapshotPath), "--to", dir, "--force"],
    ]
    for args in refused {
      let r = try runMaestroAdmin(args)
      // undo finds no journal in a folder without .maestro-admin/ (exit 8),
      // which also writes nothing.
      let expected: Int32 = args[0] == "undo" ? 8 : 16
      #expect(r.status == expected, "\(args): \(r.stderr)")
      if expected == 16 { #expect(r.stderr.contains("not a Maestro data dir"), "\(args): \(r.stderr)") }
      #expect(try TreeHash.hash(of: dir, includeModes: true) == before, "\(args) changed the folder")
      #expect(!FileSystem.fileExists(dir + "/.maestro-admin"), "\(args)")
    }
    // An undo whose journal sits in a folder that is no longer a data dir.
    let journals = dir + "/.maestro-admin/journal"
    try FileSystem.makeDirectories(journals)
    try AtomicFile.write(Array("{}\n".utf8), to: journals + "/20260101T000000Z-repair-0000.jsonl")
    let undo = try runMaestroAdmin(["undo", journals + "/20260101T000000Z-repair-0000.jsonl"])
    #expect(undo.status == 16 && undo.stderr.contains("not a Maestro data dir"), "\(undo.stderr)")

    // Restoring into an empty folder is fine: it becomes a data dir.
    let empty = work.appending("empty")
    try FileSystem.makeDirectories(empty)
    let restore = try runMaestroAdmin(["backup", "restore", work.appending("backups/" + snapshotPath), "--to", empty])
    #expect(restore.status == 1, "\(restore.stderr)")
    #expect(try runMaestroAdmin(["check", "--data-dir", empty]).status == 0)
  }
}
