import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `maestro-admin migrate` as operators run it: the upgrade recipe on
/// generated legacy data, fixtures and a real server's sample, refusals,
/// and SIGKILL at every crash point of `up`.
@Suite struct MigrateEndToEndTests {
  /// status → plan → up → check → fmt --check → second up → undo.
  @Test func upgradeRecipeOnGeneratedLegacyData() throws {
    let root = try TemporaryDirectory()
    let dir = root.appending("data")
    let gen = try runMaestroAdmin(["generate", "--out", dir, "--scale", "s", "--format", "legacy", "--seed", "3", "--no-sync"])
    #expect(gen.status == 0, "\(gen.stderr)")
    let original = try userTree(dir)

    let status = try runMaestroAdmin(["migrate", "status", "--data-dir", dir])
    #expect(status.status == 4, "\(status.stderr)")
    #expect(status.stdout.contains("version 0 of 3 (detected from content"))
    #expect(status.stdout.contains("pending  1 phase-iv-a"))
    let statusJSON = try runMaestroAdmin(["migrate", "status", "--data-dir", dir, "--json"])
    #expect(statusJSON.status == 4 && statusJSON.stdout.contains(#""type":"summary","currentVersion":0"#))

    let plan = try runMaestroAdmin(["migrate", "plan", "--data-dir", dir, "--show", "2"])
    #expect(plan.status == 4, "\(plan.stderr)")
    #expect(plan.stdout.contains("migration 1 phase-iv-a:") && plan.stdout.contains("migration 2 newer-server-fields:"))
    #expect(plan.stdout.contains("  move tasks/task_") && plan.stdout.contains("-> tasks/proj_"))
    #expect(plan.stdout.contains("      + \"referenceTaskIds\": []"), "\(plan.stdout)")
    #expect(plan.stdout.contains("more file(s)"))
    #expect(try userTree(dir) == original, "plan changes nothing")

    let up = try runMaestroAdmin(["migrate", "up", "--data-dir", dir, "--snapshot-dest", root.appending("backups")])
    #expect(up.status == 1, "\(up.stderr)")
    #expect(up.stdout.contains("snapshot: " + root.appending("backups") + "/maestro-"))
    #expect(up.stdout.contains("migrated from version 0 to 3"))
    let snapshots = try FileSystem.listDirectory(root.appending("backups")).map(\.name)
    #expect(snapshots.count == 1 && snapshots[0].hasSuffix(".tar.zst"))

    #expect(try runMaestroAdmin(["check", "--data-dir", dir]).status == 0)
    #expect(try runMaestroAdmin(["fmt", "--check", dir]).status == 0)
    let flat = try FileSystem.listDirectory(dir + "/tasks").filter { $0.kind == .file }
    #expect(flat.isEmpty)

    let migrated = try TreeHash.hash(of: dir)
    let again = try runMaestroAdmin(["migrate", "up", "--data-dir", dir, "--no-snapshot"])
    #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    #expect(try TreeHash.hash(of: dir) == migrated, "a second up changes nothing, its state files included")
    #expect(try runMaestroAdmin(["migrate", "status", "--data-dir", dir]).status == 0)

    let journals = try Journal.list(dataDir: dir).filter { $0.command == "migrate up" }
    #expect(journals.count == 1)
    let undo = try runMaestroAdmin(["undo", journals[0].id, "--data-dir", dir])
    #expect(undo.status == 1, "\(undo.stderr)")
    #expect(try userTree(dir) == original, "undo restores the original tree")
    #expect(!FileSystem.fileExists(dir + "/" + MigrationHistory.relativePath), "undo also un-records")
  }

  @Test(arguments: ["seed-legacy", "samples/upstream-2026-02-08"])
  func upOnFixtures(_ fixture: String) throws {
    let dir = try TemporaryDirectory()
    try copyTree(ProjectPaths.fixtures + "/" + fixture, to: dir.path)
    let original = try userTree(dir.path)
    let up = try runMaestroAdmin(["migrate", "up", "--data-dir", dir.path, "--no-snapshot", "--json"])
    #expect(up.status == 1, "\(up.stderr)")
    #expect(up.stdout.split(separator: "\n").last?.contains(#""type":"summary""#) == true)
    #expect(try runMaestroAdmin(["check", "--data-dir", dir.path]).status == 0)
    #expect(try runMaestroAdmin(["fmt", "--check", dir.path]).status == 0)
    try Self.expectNewestServerStartRewritesNothing(dir.path, original: ProjectPaths.fixtures + "/" + fixture)
    let tree = try TreeHash.hash(of: dir.path)
    #expect(try runMaestroAdmin(["migrate", "up", "--data-dir", dir.path, "--no-snapshot"]).status == 0)
    #expect(try TreeHash.hash(of: dir.path) == tree)
    let journal = try #require(try Journal.list(dataDir: dir.path).first)
    #expect(try runMaestroAdmin(["undo", journal.id, "--data-dir", dir.path]).status == 1)
    #expect(try userTree(dir.path) == original)
  }

  /// What the newest server does to each session file at start (FORMAT.md
  /// §7: the in-memory defaults, then `rootSessionId` when it lacks one)
  /// leaves every migrated file byte for byte as it is, so the server has
  /// nothing to rewrite; `strategy`, which early-2026 servers read, is kept.
  static func expectNewestServerStartRewritesNothing(_ dir: String, original: String) throws {
    let sessions = try FileSystem.listDirectory(dir + "/sessions").filter { $0.name.hasSuffix(".json") }
    #expect(!sessions.isEmpty)
    for entry in sessions {
      let bytes = try FileSystem.readFile(dir + "/sessions/" + entry.name)
      let document = try JSONDocument(parsing: bytes)
      var session = try #require(document.value.objectValue)
      let id = try #require(session["id"]?.stringValue)
      #expect(session["rootSessionId"]?.stringValue == id, "\(entry.name)")
      let before = try JSONParser.parse(FileSystem.readFile(original + "/sessions/" + entry.name))
      #expect(before["strategy"] != nil && session["strategy"] == before["strategy"], "\(entry.name)")
      for migration in Migrations.all { migration.apply(session: &session) }
      #expect(JSONWriter.serialize(.object(session), style: document.style) == bytes, "\(entry.name) would be rewritten")
    }
  }

  @Test func refusesUnknownOrChangedMigrationsNamingThem() throws {
    let dir = try TemporaryDirectory()
    try copyTree(ProjectPaths.fixtures + "/seed-legacy", to: dir.path)
    #expect(try runMaestroAdmin(["migrate", "up", "--data-dir", dir.path, "--no-snapshot"]).status == 1)
    let path = dir.path + "/" + MigrationHistory.relativePath
    let good = try text(path)

    try AtomicFile.write(Array(good.replacingFirst(Migrations.newerServerFields.checksum, with: String(repeating: "f", count: 64)).utf8), to: path)
    for sub in ["status", "plan", "up"] {
      let r = try runMaestroAdmin(["migrate", sub, "--data-dir", dir.path, "--no-snapshot"].filter { sub == "up" || $0 != "--no-snapshot" })
      #expect(r.status == 4, "\(sub): \(r.stderr)")
      #expect(r.stderr.contains("refused: " + path) && r.stderr.contains("migration 2 \"newer-server-fields\" with checksum ffff"))
    }
    let future = good.replacingFirst("]}", with: #",{"version":4,"name":"team-folders","checksum":"00"}]}"#)
    try AtomicFile.write(Array(future.utf8), to: path)
    let r = try runMaestroAdmin(["migrate", "up", "--data-dir", dir.path, "--json"])
    #expect(r.status == 4)
    #expect(r.stderr.contains("records migration 4 \"team-folders\", which this maestro-admin"))
    #expect(r.stdout.contains(#""type":"refused","reason":"unknown-migration","version":4"#))
    try AtomicFile.write(Array("[]".utf8), to: path)
    #expect(try runMaestroAdmin(["migrate", "status", "--data-dir", dir.path]).status == 8)
    #expect(try runMaestroAdmin(["migrate", "up", "--data-dir", dir.path, "--to", "7"]).status == 16)
  }

  /// SIGKILL at every crash point of `migrate up --no-snapshot` on small
  /// legacy data (journal writing, every file change, the flushes, the
  /// record), then `up` again — or, at every third point, undo newest
  /// first. The tree always ends as an uninterrupted run leaves it, or as it
  /// was before.
  @Test(.timeLimit(.minutes(5)), arguments: [[], ["--in-place"]])
  func upSurvivesSIGKILLAtEveryPoint(_ strategy: [String]) throws {
    let work = try TemporaryDirectory()
    let source = work.appending("source")
    let gen = try runMaestroAdmin([
      "generate", "--out", source, "--format", "legacy", "--projects", "2", "--tasks", "8", "--sessions", "3", "--seed", "5",
      "--no-sync",
    ])
    #expect(gen.status == 0, "\(gen.stderr)")
    let original = try userTree(source)
    let reference = work.appending("reference")
    try copyTree(source, to: reference)
    #expect(try runMaestroAdmin(["migrate", "up", "--data-dir", reference, "--no-snapshot"] + strategy).status == 1)
    let migrated = try userTree(reference)
    let history = try MigrationHistory.load(dataDir: reference)?.applied.map(\.version)

    var killPoints = 0
    var undone = 0
    var n = 1
    while n < 2000 {
      let dir = work.appending("run-\(n)")
      try copyTree(source, to: dir)
      let crashed = try runMaestroAdmin(
        ["migrate", "up", "--data-dir", dir, "--no-snapshot"] + strategy, environment: ["MAESTRO_ADMIN_CRASH_AT": "any:\(n)"])
      if crashed.status != 137 {
        #expect(crashed.status == 1, "run \(n): \(crashed.stderr)")
        #expect(try userTree(dir) == migrated)
        break
      }
      killPoints += 1
      if n % 3 == 0 {
        for (_, u) in try undoEveryRun(dataDir: dir) {
          #expect(u.status == 0 || u.status == 1, "undo after kill \(n): \(u.stderr)")
        }
        #expect(try userTree(dir) == original, "undo after kill \(n)")
        undone += 1
      } else {
        let resumed = try runMaestroAdmin(["migrate", "up", "--data-dir", dir, "--no-snapshot"] + strategy)
        #expect(resumed.status == 0 || resumed.status == 1, "after kill \(n): \(resumed.stderr)")
        #expect(try userTree(dir) == migrated, "after kill \(n)")
        // What a crash left before its journal existed is gone; what a
        // journal names stays (the old folders, for undo).
        let staging = dir + "/.maestro-admin/staging"
        let named = Set(try Journal.list(dataDir: dir).flatMap { $0.actions.compactMap(\.to) }.filter { $0.hasPrefix(".maestro-admin/staging/") }
          .map { $0.split(separator: "/")[2] }.map(String.init))
        let left = FileSystem.isDirectory(staging) ? try FileSystem.listDirectory(staging).map(\.name) : []
        #expect(Set(left).isSubset(of: named), "after kill \(n): staging \(left) vs journals \(named)")
        #expect(try MigrationHistory.load(dataDir: dir)?.applied.map(\.version) == history, "after kill \(n)")
      }
      TemporaryDirectory.removeTree(dir)
      n += 1
    }
    #expect(killPoints >= 30, "only \(killPoints) kill points")
    print("migrate crash test \(strategy): \(killPoints) kill points, \(undone) followed by undo")
  }

  /// Small legacy data whose flat task `T` is not valid JSON while a
  /// session lists it: migrating puts the file in lost+found, which leaves
  /// the session's link dangling — an error the data dir does not have now.
  private func legacyWithUnplaceableTask(_ dir: String) throws -> String {
    let gen = try runMaestroAdmin([
      "generate", "--out", dir, "--format", "legacy", "--projects", "2", "--tasks", "8", "--sessions", "3", "--seed", "5",
      "--no-sync",
    ])
    #expect(gen.status == 0, "\(gen.stderr)")
    let flat = try FileSystem.listDirectory(dir + "/tasks").filter { $0.kind == .file }.map(\.name)
    let listed = try FileSystem.listDirectory(dir + "/sessions").map { try text(dir + "/sessions/" + $0.name) }.joined()
    let name = try #require(flat.first { listed.contains("\"" + $0.dropLast(5) + "\"") })
    try AtomicFile.write(Array("{broken".utf8), to: dir + "/tasks/" + name)
    return name
  }

  /// The check of the staged data runs before anything live changes: a
  /// new error stops `up` with exit 4 and the data dir exactly as it was,
  /// no journal, no staging folder. The in-place way migrates first and
  /// reports the same error after, with a journal to undo.
  @Test func newErrorsInTheStagedDataChangeNothing() throws {
    let root = try TemporaryDirectory()
    let dir = root.appending("data")
    _ = try legacyWithUnplaceableTask(dir)
    let before = try TreeHash.entries(of: dir, includeModes: true)
    let up = try runMaestroAdmin(["migrate", "up", "--data-dir", dir, "--no-snapshot", "--json"])
    #expect(up.status == 4, "\(up.stderr)")
    #expect(up.stdout.contains(#""type":"new-error""#) && up.stdout.contains("session.task.dangling"), "\(up.stdout)")
    #expect(up.stdout.contains(#""changedNothing":true"#))
    let after = try TreeHash.entries(of: dir, includeModes: true).filter {
      !$0.path.hasPrefix(".maestro-admin")
    }
    #expect(after == before, "nothing changed")
    #expect(try Journal.list(dataDir: dir).isEmpty)
    #expect((try? FileSystem.listDirectory(dir + "/.maestro-admin/staging"))?.isEmpty ?? true)

    let inPlace = try runMaestroAdmin(["migrate", "up", "--data-dir", dir, "--no-snapshot", "--in-place"])
    #expect(inPlace.status == 4, "\(inPlace.stderr)")
    #expect(inPlace.stdout.contains("new error after migrating") && inPlace.stdout.contains("to put everything back: maestro-admin undo"))
    #expect(try Journal.list(dataDir: dir).count == 1)
  }

  /// Whatever else `tasks/` and `sessions/` hold (unknown files and
  /// folders, a symlink, an empty folder, odd modes) is in the swapped-in
  /// folders unchanged; undo gives back the exact tree, modes included.
  @Test func unknownEntriesAndModesSurviveTheSwap() throws {
    let root = try TemporaryDirectory()
    let dir = root.appending("data")
    let gen = try runMaestroAdmin(["generate", "--out", dir, "--scale", "s", "--format", "legacy", "--seed", "4", "--no-sync"])
    #expect(gen.status == 0, "\(gen.stderr)")
    let project = try #require(try FileSystem.listDirectory(dir + "/tasks").first { $0.kind == .directory }?.name)
    try AtomicFile.write(Array("notes".utf8), to: dir + "/tasks/NOTES.txt")
    try FileSystem.makeDirectories(dir + "/tasks/\(project)/attachments")
    try AtomicFile.write(Array(#"{"kept":true}"#.utf8), to: dir + "/tasks/\(project)/attachments/a.json")
    try FileSystem.makeDirectories(dir + "/tasks/empty")
    try FileSystem.makeDirectories(dir + "/sessions/.cache")
    #expect(symlink("../projects", dir + "/sessions/projects-link") == 0)
    #expect(chmod(dir + "/tasks/\(project)", 0o750) == 0)
    let session = try #require(try FileSystem.listDirectory(dir + "/sessions").first { $0.name.hasSuffix(".json") }?.name)
    #expect(chmod(dir + "/sessions/" + session, 0o600) == 0)
    let original = try userTree(dir)

    let up = try runMaestroAdmin(["migrate", "up", "--data-dir", dir, "--no-snapshot", "--json"])
    #expect(up.status == 1, "\(up.stderr)")
    #expect(up.stdout.contains(#""strategy":"exchange""#))
    let migrated = Dictionary(uniqueKeysWithValues: try userTree(dir).map { ($0.path, $0) })
    for entry in original where !entry.path.hasSuffix(".json") || entry.path.contains("/attachments/") {
      if entry.path.hasPrefix("tasks/task_") { continue }  // flat tasks move
      #expect(migrated[entry.path] == entry, "\(entry.path) kept as it was")
    }
    #expect(migrated["tasks/empty"]?.kind == .directory)
    #expect(migrated["sessions/" + session]?.mode == 0o600, "a rewritten file keeps its mode")
    #expect(try runMaestroAdmin(["check", "--data-dir", dir]).status == 0)

    let journal = try #require(try Journal.list(dataDir: dir).first)
    #expect(journal.actions.contains { $0.operation == .exchange && $0.path == "tasks" })
    let undo = try runMaestroAdmin(["undo", journal.id, "--data-dir", dir])
    #expect(undo.status == 1, "\(undo.stderr)")
    #expect(try userTree(dir) == original)
  }

  /// A folder the exchange cannot swap (here `sessions` is a symlink to a
  /// folder elsewhere) makes `up` rewrite files one by one, saying why.
  @Test func fallsBackToInPlaceWhereFoldersCannotBeSwapped() throws {
    let root = try TemporaryDirectory()
    let dir = root.appending("data")
    let gen = try runMaestroAdmin(["generate", "--out", dir, "--scale", "s", "--format", "legacy", "--seed", "6", "--no-sync"])
    #expect(gen.status == 0, "\(gen.stderr)")
    try FileSystem.rename(dir + "/sessions", to: root.appending("sessions-elsewhere"))
    #expect(symlink(root.appending("sessions-elsewhere"), dir + "/sessions") == 0)
    let up = try runMaestroAdmin(["migrate", "up", "--data-dir", dir, "--no-snapshot", "--json"])
    #expect(up.status == 1, "\(up.stderr)")
    #expect(up.stdout.contains(#""strategy":"in-place","fallbackReason":"sessions is not a plain folder""#), "\(up.stdout)")
    #expect(FileSystem.fileExists(dir + "/sessions", followSymlinks: false) && !FileSystem.isDirectory(dir + "/sessions", followSymlinks: false))
    #expect(try runMaestroAdmin(["migrate", "status", "--data-dir", dir]).status == 0)
  }
}

extension String {
  fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let range = range(of: target) else { return self }
    return replacingCharacters(in: range, with: replacement)
  }
}
