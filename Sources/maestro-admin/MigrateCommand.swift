import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin migrate`: versioned, planned, snapshotted, resumable
/// migrations of a data dir (status, plan, up).
struct MigrateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate",
    abstract: "Versioned migrations of a data dir: status, plan, up.",
    discussion: helpParagraphs("""
      Versions: 0 seed-era (flat tasks/*.json, no Phase IV-A fields); 1 Phase IV-A written down;
      2 the newer servers' fields written down. DATA_DIR/.maestro-admin/migrations.json records
      every applied migration with the SHA-256 of its definition; without it the version is
      detected from the content. Upgrade recipe: migrate status, migrate plan, migrate up, check.

      Exit codes: status 0 nothing pending, 4 pending; plan 0 nothing pending, 4 pending;
      up 0 nothing to do, 1 migrated (check finds no new error), 4 the check of the migrated data
      found new errors (nothing was changed; with --in-place: undo the journal) or, with --dry-run,
      anything pending. Every subcommand exits 4
      when migrations.json records a migration this tool does not know (a newer tool wrote it)
      or one whose checksum differs from this tool's definition, naming it; 8 when it is unreadable.

      """) + "\n" + ExitStatus.helpText,
    subcommands: [MigrateStatusCommand.self, MigratePlanCommand.self, MigrateUpCommand.self]
  )
}

/// Like `runMapped`, with a refused history mapped to exit 4.
private func runMigrate(json: Bool, _ body: () async throws -> ExitStatus) async throws {
  try await runMapped(json: json) {
    do {
      return try await body()
    } catch let refusal as MigrationRefusal {
      Output(json: json).record([
        "type": "refused", "reason": .string(refusal.reason.rawValue), "version": .number(Double(refusal.version)),
        "name": .string(refusal.name), "file": .string(refusal.path), "message": .string(refusal.message),
        "exitCode": 4,
      ])
      Output.failure("refused: " + refusal.description, exitCode: ExitStatus.problemsLeft.rawValue)
      return .problemsLeft
    } catch let changed as MigrationChangedUnderneath {
      // Every path named; nothing live was changed (exit 8, operational).
      let out = Output(json: json)
      for path in changed.paths {
        Output.error("\(changed.dataDir)/\(path): created, removed or changed while migrate read the data dir")
        out.record(["type": "conflict", "file": .string(path), "why": "created, removed or changed after the scan"])
      }
      Output.error("refused: " + changed.description)
      out.record([
        "type": "stopped", "conflicts": .array(changed.paths.map { .string($0) }), "changedNothing": true,
        "exit": .number(Double(ExitStatus.operationalError.rawValue)),
      ])
      return .operationalError
    }
  }
}

private func printStatus(_ status: MigrationStatus, _ out: Output) {
  out.text("version \(status.currentVersion) of \(Migrations.latestVersion) (\(status.history == nil ? "detected from content: no migrations.json yet" : "recorded in \(MigrationHistory.relativePath)"))")
  if let content = status.contentVersion, status.history != nil, content != status.currentVersion {
    out.text("  the content alone would read as version \(content)")
  }
  for e in status.history?.applied ?? [] {
    out.text("  applied  \(e.version) \(e.name)  \(isoTime(e.appliedAtMs))\(e.baseline ? " (baseline: already in effect)" : "")  sha256 \(e.checksum.prefix(12))…")
  }
  for m in status.pending {
    let files = status.filesNeeding[m.version].map { ", \(grouped($0)) file(s) to change" } ?? ""
    out.text("  pending  \(m.version) \(m.name): \(m.summary)\(files)")
  }
  if status.flatTasks > 0 { out.text("  \(grouped(status.flatTasks)) flat task file(s) in tasks/") }
  if status.unreadable > 0 { out.text("  \(grouped(status.unreadable)) file(s) not valid JSON objects: left alone (run check)") }
}

/// `migrate status`.
struct MigrateStatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show the data dir's version, the applied and the pending migrations (exit 4 when any is pending).")

  @OptionGroup var dataDir: DataDirOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var serverProbe: ServerProbeOptions

  func run() async throws {
    try await runMigrate(json: output.json) {
      let root = try dataDir.resolve().root
      let status = try await MigrateJob(dataDir: root, showProgress: !output.json).status()
      let out = Output(json: output.json, server: LiveServerReport(serverProbe.makeGuard(), dataDir: root))
      printStatus(status, out)
      let exit: ExitStatus = status.hasPending ? .problemsLeft : .ok
      out.verdict(status.hasPending ? "\(status.pending.count) migration(s) pending — exit 4" : "up to date — exit 0")
      var summary = status.jsonObject
      summary["type"] = "summary"
      summary["exitCode"] = .number(Double(exit.rawValue))
      out.record(summary)
      return exit
    }
  }
}

/// `migrate plan`.
struct MigratePlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Show, per pending migration, the files it would change and a short diff of each.")

  @OptionGroup var dataDir: DataDirOptions

  @Option(name: .long, help: ArgumentHelp("Plan up to this version (default: the newest).", valueName: "n"))
  var to: Int?

  @Option(name: .long, help: ArgumentHelp("Files shown per migration; the rest are counted.", valueName: "n"))
  var show = 10

  @OptionGroup var output: OutputOptions
  @OptionGroup var serverProbe: ServerProbeOptions

  func run() async throws {
    try await runMigrate(json: output.json) {
      let root = try dataDir.resolve().root
      let (status, migrations, plan) = try await MigrateJob(dataDir: root, showProgress: !output.json).plan(to: to)
      let out = Output(json: output.json, server: LiveServerReport(serverProbe.makeGuard(), dataDir: root))
      printStatus(status, out)
      var perMigration = JSONObject()
      for m in migrations {
        let steps = plan.steps.filter { $0.versions.contains(m.version) }
        out.text("")
        out.text("migration \(m.version) \(m.name): \(grouped(steps.count)) file(s)  (checksum \(m.checksum))")
        for step in steps.prefix(max(0, show)) {
          out.text("  \(step.summary)")
          for line in step.diffs.first(where: { $0.version == m.version })?.lines ?? [] { out.text("      \(line)") }
          var record = step.jsonObject
          record["migration"] = .number(Double(m.version))
          out.record(record)
        }
        if steps.count > show { out.text("  … and \(grouped(steps.count - show)) more file(s)") }
        perMigration[String(m.version)] = .object(["files": .number(Double(steps.count)), "shown": .number(Double(min(steps.count, max(0, show))))])
      }
      for conflict in plan.conflicts {
        out.text("conflict: \(conflict.message)")
        out.record(conflict.jsonObject)
      }
      let exit: ExitStatus = migrations.isEmpty ? .ok : .problemsLeft
      var summary = status.jsonObject
      summary["type"] = "summary"
      summary["files"] = .number(Double(plan.steps.count))
      summary["perMigration"] = .object(perMigration)
      summary["conflicts"] = .number(Double(plan.conflicts.count))
      summary["exitCode"] = .number(Double(exit.rawValue))
      out.record(summary)
      out.verdict(
        migrations.isEmpty
          ? "nothing to migrate — exit 0"
          : "\(migrations.count) migration(s) pending, \(grouped(plan.steps.count)) file(s) to change, \(grouped(plan.conflicts.count)) conflict(s) — exit 4")
      return exit
    }
  }
}

/// `migrate up`.
struct MigrateUpCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "up",
    abstract: "Migrate into a staging folder, check it, snapshot, then swap it in under one journal (undo reverses it).")

  @OptionGroup var dataDir: DataDirOptions

  @Option(name: .long, help: ArgumentHelp("Migrate up to this version (default: the newest).", valueName: "n"))
  var to: Int?

  @Flag(name: .long, help: "Print what would change; change nothing (no lock, no snapshot).")
  var dryRun = false

  @Flag(name: .long, help: "Do not take a backup snapshot first.")
  var noSnapshot = false

  @Option(name: .long, help: ArgumentHelp("Where the snapshot goes (default: DATA_DIR/../maestro-backups).", valueName: "dir"))
  var snapshotDest: String?

  @Flag(
    name: .long,
    help: "Replace changed files one by one instead of building the migrated tasks/ and sessions/ beside the live ones and swapping each folder in one step (slower; chosen by itself where the file system cannot swap folders).")
  var inPlace = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var liveServer: LiveServerOptions

  func run() async throws {
    try await runMigrate(json: output.json) {
      let root = try dataDir.resolve().root
      let job = MigrateJob(dataDir: root, showProgress: !output.json)
      var options = MigrateJob.UpOptions(
        target: to, dryRun: dryRun, snapshot: !noSnapshot, snapshotDestination: snapshotDest,
        strategy: inPlace ? .inPlace : .exchange)
      options.liveServer = liveServer.makeGuard(json: output.json)
      let outcome = try await job.up(options)
      let out = Output(json: output.json, server: LiveServerReport(options.liveServer, dataDir: root))
      for id in outcome.recovered {
        out.text("finished journal \(id), which a crash had interrupted")
        out.record(["type": "recovered", "journal": .string(id)])
      }
      for folder in outcome.removedStaging {
        out.text("removed \(folder), which a crash had left before its journal was written")
        out.record(["type": "removed-staging", "path": .string(folder)])
      }
      if let reason = outcome.fallbackReason {
        out.text("rewriting files one by one: \(reason)")
      }
      if let snapshot = outcome.snapshot {
        out.text("snapshot: \(snapshot)")
        out.record(["type": "snapshot", "path": .string(snapshot)])
      }
      let verb = dryRun ? "would " : ""
      // A real run lists its first 20 changes (the journal holds them all);
      // a dry run lists every one.
      for step in outcome.steps.prefix(dryRun ? Int.max : 20) {
        out.text("  \(verb)\(step.summary)  [migration \(step.versions.map(String.init).joined(separator: ","))]")
        out.record(step.jsonObject)
      }
      if !dryRun && outcome.steps.count > 20 { out.text("  … and \(grouped(outcome.steps.count - 20)) more file(s) (all in the journal)") }
      for conflict in outcome.conflicts {
        out.text("conflict: \(conflict.message)")
        out.record(conflict.jsonObject)
      }
      for finding in outcome.newErrors {
        out.text("new error after migrating: \(finding)")
        var record = finding.jsonObject
        record["type"] = "new-error"
        out.record(record)
      }
      let exit = outcome.exitStatus
      out.record([
        "type": "summary", "dryRun": .bool(dryRun), "from": .number(Double(outcome.status.currentVersion)),
        "to": .number(Double(outcome.applied.last?.version ?? outcome.status.currentVersion)),
        "applied": .array(outcome.applied.map { .string("\($0.version) \($0.name)") }),
        "files": .number(Double(outcome.steps.count)), "conflicts": .number(Double(outcome.conflicts.count)),
        "journal": outcome.journal.map(JSONValue.string) ?? .null,
        "snapshot": outcome.snapshot.map(JSONValue.string) ?? .null,
        "newErrors": .number(Double(outcome.newErrors.count)), "changedNothing": .bool(outcome.changedNothing),
        "strategy": .string(outcome.strategy.rawValue), "fallbackReason": outcome.fallbackReason.map(JSONValue.string) ?? .null,
        "phasesSeconds": .object(JSONObject(outcome.phases.map { ($0.name, .number(($0.seconds * 1000).rounded() / 1000)) })),
        "exitCode": .number(Double(exit.rawValue)),
      ])
      if outcome.applied.isEmpty {
        out.verdict("nothing to migrate: version \(outcome.status.currentVersion) is the newest this tool knows or the --to target")
      } else if outcome.changedNothing {
        out.verdict("the migrated data, checked before it went live, has \(grouped(outcome.newErrors.count)) error(s) the data dir does not have now; nothing was changed; fix what they point at (see check, repair) and run again")
      } else if dryRun {
        out.verdict("dry run: migrations \(outcome.applied.map { String($0.version) }.joined(separator: ", ")) would change \(grouped(outcome.steps.count)) file(s); nothing changed")
      } else {
        out.verdict("migrated from version \(outcome.status.currentVersion) to \(outcome.applied.last!.version): \(grouped(outcome.steps.count)) file(s), journal \(outcome.journal ?? "-")")
        if !outcome.newErrors.isEmpty {
          out.verdict("check found \(grouped(outcome.newErrors.count)) error(s) that were not there before; the migration is recorded — to put everything back: \(undoCommand(journals: outcome.journal.map { [$0] } ?? [], dataDir: root))")
        } else {
          out.verdict("to undo: \(undoCommand(journals: outcome.journal.map { [$0] } ?? [], dataDir: root))")
        }
      }
      return exit
    }
  }
}
