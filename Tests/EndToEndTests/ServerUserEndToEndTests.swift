import Foundation
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// What runs as the server's own (non-root) user: the scheduled jobs of
/// contrib/ and a run that a permission error stops part-way.
@Suite(.enabled(if: NonRootUser.available, "needs a non-root user: \(NonRootUser.shared)"))
struct ServerUserEndToEndTests {
  private var user: NonRootUser { try! NonRootUser.shared.get() }

  /// A temporary folder owned by the user, with the binary, the job script
  /// and a stand-in for systemctl that records its arguments.
  private struct Setup {
    let root: TemporaryDirectory
    let binary: String
    let job: String
    let systemctlCalls: String

    init(user: NonRootUser) throws {
      root = try TemporaryDirectory(prefix: "maestro-admin-job")
      try FileSystem.makeDirectories(root.appending("bin"))
      try FileSystem.makeDirectories(root.appending("metrics"))
      binary = try user.copyOfBinary(in: root.appending("bin"))
      job = root.appending("bin/maestro-admin-job")
      try AtomicFile.write(try FileSystem.readFile(ProjectPaths.root + "/contrib/maestro-admin-job"), to: job, mode: 0o755)
      systemctlCalls = root.appending("systemctl.calls")
      try AtomicFile.write(
        Array("#!/bin/sh\necho \"$*\" >> \(systemctlCalls)\n".utf8), to: root.appending("bin/fake-systemctl"), mode: 0o755)
      try user.own(root.path)
      // mkdtemp made it 0700; the user owns it now.
    }

    /// Writes the settings file; `settings` override the defaults here.
    func configure(_ settings: [String: String]) throws -> String {
      var all: [String: String] = [
        "MAESTRO_DATA_DIR": root.appending("data"), "MAESTRO_BACKUP_DEST": root.appending("backups"),
        "MAESTRO_LOG_DIR": root.appending("logs"), "MAESTRO_LOG_KEEP": "2", "MAESTRO_ARCHIVE_OLDER_THAN": "0d",
        "MAESTRO_SERVER_UNIT": "maestro-test.service", "MAESTRO_SYSTEMCTL": root.appending("bin/fake-systemctl"),
        "MAESTRO_ADMIN": binary, "MAESTRO_METRICS_DIR": root.appending("metrics"),
      ]
      for (k, v) in settings { all[k] = v }
      let path = root.appending("config")
      let text = all.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'\n" }.joined()
      try AtomicFile.write(Array(text.utf8), to: path, mode: 0o644)
      return path
    }

    func logs(_ job: String) throws -> [String] {
      guard FileSystem.isDirectory(root.appending("logs")) else { return [] }
      return try FileSystem.listDirectory(root.appending("logs")).map(\.name).filter {
        $0.hasPrefix(job + "-") && $0.hasSuffix(".log")
      }.sorted()
    }
  }

  private func runJob(_ setup: Setup, _ job: String, _ settings: [String: String] = [:]) async throws -> CommandResult {
    try await user.run("/bin/sh", [setup.job, job], environment: ["MAESTRO_ADMIN_CONFIG": try setup.configure(settings)])
  }

  @Test func nightlyBackupAndMonthlyArchiveJobsAsTheServerUser() async throws {
    let setup = try Setup(user: user)
    let data = setup.root.appending("data")
    let generated = try await user.run(setup.binary, ["generate", "--out", data, "--scale", "xs", "--no-sync"])
    #expect(generated.status == 0, "\(generated.stderr)")

    // A destination the user cannot create: exit 8, said in the log.
    let locked = setup.root.appending("locked")
    try FileSystem.makeDirectories(locked)
    try user.own(locked)
    #expect(chmod(locked, 0o555) == 0)
    let refused = try await runJob(setup, "backup", ["MAESTRO_BACKUP_DEST": locked + "/backups"])
    #expect(refused.status == 8, "\(refused.stderr)")
    let refusedLog = try text(setup.root.appending("logs/" + (try #require(try setup.logs("backup").last))))
    #expect(refusedLog.contains("cannot write snapshots to \(locked)/backups as \(user.name)"))
    #expect(refusedLog.hasSuffix("exit 8\n"))

    // The nightly backup: a verified snapshot owned by the user, a log, exit 0.
    let backup = try await runJob(setup, "backup")
    #expect(backup.status == 0, "\(backup.stderr)")
    let snapshots = try FileSystem.listDirectory(setup.root.appending("backups")).map(\.name).filter {
      $0.hasPrefix("maestro-") && $0.hasSuffix(".tar.zst")
    }
    #expect(snapshots.count == 1)
    let snapshot = setup.root.appending("backups/" + (try #require(snapshots.first)))
    #expect(try FileSystem.stat(snapshot).uid == user.uid)
    #expect(try await runMaestroAdminDetached(["backup", "verify", snapshot]).status == 0)
    let backupLogs = try setup.logs("backup")
    #expect(backupLogs.count == 2)  // the refused run's and this one's
    let backupLog = try text(setup.root.appending("logs/" + backupLogs.last!))
    #expect(backupLog.contains(#"{"type":"summary","snapshot":""# + snapshot))
    #expect(backupLog.contains("$ \(setup.binary) backup verify \(snapshot)"))
    #expect(backupLog.hasSuffix("exit 0\n"))
    #expect(try text(setup.root.appending("logs/backup.status")).contains("exit=0 log=\(setup.root.appending("logs/" + backupLogs.last!))"))
    // Each step left its metrics: a success.
    let backups = setup.root.appending("backups")
    for (file, labels) in [
      ("backup-create", #"command="backup create",data_dir="\#(data)""#),
      ("backup-verify", #"command="backup verify",dest="\#(backups)""#),
      ("backup-prune", #"command="backup prune",dest="\#(backups)""#),
    ] {
      let prom = try text(setup.root.appending("metrics/maestro-\(file).prom"))
      #expect(prom.contains("maestro_admin_exit_code{\(labels)} 0\n"), "\(file): \(prom)")
    }

    // The monthly archive: server stopped and started around it, the
    // archive and catalog written, the journal id kept in this run's log.
    let archive = try await runJob(setup, "archive")
    #expect(archive.status == 0, "\(archive.stderr)")
    #expect(try text(setup.systemctlCalls) == "stop maestro-test.service\nstart maestro-test.service\n")
    let archives = try FileSystem.listDirectory(data + "/archive").map(\.name)
    #expect(archives.contains("catalog.jsonl") && archives.contains { $0.hasSuffix(".tar.zst") })
    #expect(try FileSystem.stat(data + "/archive/catalog.jsonl").uid == user.uid)
    let firstLog = try #require(try setup.logs("archive").first)
    let firstText = try text(setup.root.appending("logs/" + firstLog))
    let journal = try #require(firstText.split(separator: "\n").first { $0.hasPrefix("journal ") }?.split(separator: " ")[1])
    #expect(FileSystem.fileExists(data + "/.maestro-admin/journal/\(journal).jsonl"))
    #expect(firstText.hasSuffix("exit 0\n"))
    #expect(try text(setup.root.appending("metrics/maestro-archive.prom")).contains(#"maestro_admin_exit_code{command="archive create",data_dir="\#(data)"} 1"#))
    #expect(try text(setup.root.appending("metrics/maestro-check.prom")).contains(#"maestro_admin_exit_code{command="check",data_dir="\#(data)"} 0"#))

    // Later runs: each its own log, the first (with its journal id) kept
    // until MAESTRO_LOG_KEEP=2 newer ones exist.
    #expect(try await runJob(setup, "archive").status == 0)
    #expect(try setup.logs("archive").contains(firstLog))
    try await Task.sleep(for: .milliseconds(1100))  // log names carry the second
    #expect(try await runJob(setup, "archive").status == 0)
    let kept = try setup.logs("archive")
    #expect(kept.count == 2 && !kept.contains(firstLog), "\(kept)")

    // The tool's failure passes through, and the server is started again.
    let failed = try await runJob(setup, "archive", ["MAESTRO_DATA_DIR": setup.root.appending("nosuch")])
    #expect(failed.status == 8)
    #expect(failed.stderr.contains("archive failed with exit 8"))
    #expect(try text(setup.systemctlCalls).hasSuffix("stop maestro-test.service\nstart maestro-test.service\n"))
    #expect(try text(setup.root.appending("logs/archive.status")).contains("exit=8"))

    // A log folder the user cannot write: exit 8 before anything runs.
    let noLogs = try await runJob(setup, "backup", ["MAESTRO_LOG_DIR": locked + "/logs"])
    #expect(noLogs.status == 8)
    #expect(noLogs.stderr.contains("cannot write logs to \(locked)/logs"))
    #expect(try await runJob(setup, "nightly").status == 16)
  }

  /// A repair that a permission error stops after it changed files says so,
  /// in text and JSON, with the exact undo command, which puts it back.
  @Test func aRunStoppedPartWaySaysTheDataDirChangedAndHowToUndo() async throws {
    let root = try TemporaryDirectory(prefix: "maestro-admin-partial")
    let data = root.appending("data dir")  // a space: the command must be quoted
    try copyTree(ProjectPaths.fixtures + "/generated/xs-seed-faults", to: data)
    let binary = try user.copyOfBinary(in: root.path)
    try user.own(root.path)
    let before = try userTree(data)

    // The plan runs in the order the dry run prints; the folder of the
    // first change to another folder than the first change's is made
    // read-only, so the run stops after changing something.
    let dry = try await user.run(binary, ["repair", "--data-dir", data, "--dry-run", "--json"])
    let folders = dry.lines.compactMap { try? JSONParser.parse(Array($0.utf8)) }
      .filter { $0["type"] == "action" }.compactMap { $0["file"]?.stringValue }
      .map { FileSystem.parentDirectory(of: $0) }
    let blocked = try #require(folders.first { $0 != folders.first })
    #expect(chmod(data + "/" + blocked, 0o555) == 0)

    let r = try await user.run(binary, ["repair", "--data-dir", data, "--json"])
    #expect(r.status == 8, "\(r.stderr)")
    let error = try #require(try? JSONParser.parse(Array((r.lines.last ?? "").utf8)))
    #expect(error["type"] == "error" && error["exitCode"] == 8 && error["dataDirChanged"] == true)
    let undo = try #require(error["undo"]?.stringValue)
    let journal = try #require(error["journals"]?.arrayValue?.first?.stringValue)
    #expect(undo == "maestro-admin undo \(journal) --data-dir '\(data)'")
    #expect(r.stderr.contains("the data dir WAS CHANGED before the run stopped"))
    #expect(r.stderr.contains(undo))
    #expect(try userTree(data) != before)

    // The text output says the same.
    #expect(chmod(data + "/" + blocked, 0o755) == 0)
    #expect(try await user.run(binary, ["undo", journal, "--data-dir", data]).status == 1)
    #expect(try userTree(data) == before)
  }
}
