import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `archive create`.
struct ArchiveCreateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "create",
    abstract: "Archive old completed tasks (with their whole subtrees) into one verified archive.",
    discussion: helpParagraphs("""
      Selects tasks whose status is in --status (default completed) and whose completedAt (else
      updatedAt) is older than the cutoff (--older-than, default 30d; --before DATE; the earlier
      wins). A task goes only with its whole subtree, and only if no live task that stays points at
      it (parentId, dependencies, referenceTaskIds); what is held back is reported with the reason.
      The archive is written, fsynced and read back before anything is removed; the removal is
      journaled (undo reverses the whole run). Takes the maintenance lock;
      refuses a data dir a server is running on (exit 75) unless
      --ignore-live-server. The filters are checked first: a day that does not
      exist (2026-02-30), a status that is not a task status or a --project the
      data dir does not have is a usage error (exit 16).
      """)
  )

  @OptionGroup var dataDir: DataDirOptions

  @Option(name: .long, help: ArgumentHelp("Age cutoff: 30d, 12h, 2w, 0d (every matching task).", valueName: "age"))
  var olderThan: String?

  @Option(name: .long, help: ArgumentHelp("Only tasks completed before this UTC date.", valueName: "YYYY-MM-DD"))
  var before: String?

  @Option(name: .long, help: ArgumentHelp("Only tasks of this project.", valueName: "id"))
  var project: String?

  @Option(name: .long, help: ArgumentHelp("Statuses to archive (default completed).", valueName: "list"))
  var status: String?

  @Flag(name: .long, help: "Print what would be archived and held back; change nothing.")
  var dryRun = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var liveServer: LiveServerOptions
  @OptionGroup var metrics: MetricsOptions

  func run() async throws {
    try await runArchive(metrics, command: "archive create", target: [("data_dir", dataDir.metricsLabel)], json: output.json) { measured in
      let root = try dataDir.resolve().root
      let criteria = try ArchiveCriteria(statuses: status, olderThan: olderThan, before: before, projectId: project)
      var job = ArchiveCreateJob(dataDir: root, criteria: criteria, dryRun: dryRun, showProgress: !output.json)
      job.liveServer = liveServer.makeGuard(json: output.json)
      let o = try await job.run()
      let out = Output(json: output.json, server: LiveServerReport(job.liveServer, dataDir: root))
      measured.bytes = Int64(o.bytes)
      measured.outputBytes = Int64(o.archiveSize)
      measured.tasks = (o.archived.count, o.holds.count)
      measured.serverLive = job.liveServer.status(of: root).isLive
      for id in o.recovered {
        out.text("finished journal \(id), which a crash had interrupted")
        out.record(["type": "recovered", "journal": .string(id)])
      }
      for p in o.problems {
        out.text("note: \(p)")
        out.record(["type": "problem", "message": .string(p)])
      }
      for id in o.settled {
        out.text("\(dryRun ? "would remove" : "removed") the live copy of \(id): already in a verified archive")
        out.record(["type": "settled", "id": .string(id)])
      }
      for h in o.holds {
        out.text("held back \(h.id) (\(h.path)): \(h.reason)")
        out.record([
          "type": "hold", "id": .string(h.id), "file": .string(h.path), "by": h.by.map { .string($0) } ?? .null,
          "field": .string(h.field), "reason": .string(h.reason),
        ])
      }
      for e in o.archived {
        out.text("\(dryRun ? "would archive" : "archived") \(describe(e))")
        var record = e.json
        record["type"] = "archived"
        out.record(record)
      }
      out.record([
        "type": "summary", "dryRun": .bool(dryRun), "archive": o.archive.map { .string("archive/" + $0) } ?? .null,
        "tasks": .number(Double(o.archived.count)), "held": .number(Double(o.holds.count)),
        "settled": .number(Double(o.settled.count)), "bytes": .number(Double(o.bytes)),
        "archiveBytes": .number(Double(o.archiveSize)), "journal": o.journal.map { .string($0) } ?? .null,
        "exitCode": .number(Double(o.exitStatus.rawValue)),
        "phasesMs": .object(JSONObject(o.phases.map { ($0.name, .number($0.ms.rounded())) })),
      ])
      if dryRun {
        out.verdict("dry run: \(grouped(o.archived.count)) task(s) would be archived, \(grouped(o.holds.count)) held back; nothing changed")
      } else if let journal = o.journal {
        let into = o.archive.map { " into archive/\($0) (\(humanBytes(o.archiveSize)))" } ?? ""
        out.verdict("archived \(grouped(o.archived.count)) task(s) (\(humanBytes(Int64(o.bytes))))\(into); \(grouped(o.holds.count)) held back")
        out.verdict("to undo: \(undoCommand(journals: [journal], dataDir: root))")
      } else {
        out.verdict("nothing to archive; \(grouped(o.holds.count)) held back")
      }
      return o.exitStatus
    }
  }
}
