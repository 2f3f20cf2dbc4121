import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `archive restore`.
struct ArchiveRestoreCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "restore",
    abstract: "Put archived tasks back at their paths, byte for byte.",
    discussion: helpParagraphs("""
      Restores the given tasks, or every task of --archive FILE. Each member's SHA-256 is checked
      against the catalog and the manifest, and must hold the catalog's task; a catalog line whose id,
      project or member is unsafe, or that names any path but tasks/<projectId>/<id>.json, is refused
      (exit 4), and so is a live file that differs. All or nothing; journaled (undo reverses it); the
      restored tasks' catalog lines are dropped in the same journal.
      """)
  )

  @OptionGroup var dataDir: DataDirOptions

  @Argument(help: ArgumentHelp("Task ids to restore.", valueName: "task-id"))
  var ids: [String] = []

  @Option(name: .long, help: ArgumentHelp("Restore every task of this archive.", valueName: "file"))
  var archive: String?

  @Flag(name: .long, help: "Print what would be restored; change nothing.")
  var dryRun = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var liveServer: LiveServerOptions

  func validate() throws {
    if ids.isEmpty == (archive == nil) {
      throw ValidationError("give task ids or --archive FILE (one of them)")
    }
  }

  func run() async throws {
    try await runArchive(json: output.json) {
      let root = try dataDir.resolve().root
      var job = ArchiveRestoreJob(dataDir: root, ids: ids, archive: archive, dryRun: dryRun)
      job.liveServer = liveServer.makeGuard(json: output.json)
      let o = try job.run()
      let out = Output(json: output.json, server: LiveServerReport(job.liveServer, dataDir: root))
      for id in o.recovered {
        out.text("finished journal \(id), which a crash had interrupted")
        out.record(["type": "recovered", "journal": .string(id)])
      }
      for e in o.restored {
        out.text("\(dryRun ? "would restore" : "restored") \(describe(e))")
        var record = e.json
        record["type"] = "restored"
        out.record(record)
      }
      for id in o.alreadyLive {
        out.text("\(id) is live with identical content; only its catalog line \(dryRun ? "would go" : "went")")
        out.record(["type": "already-live", "id": .string(id)])
      }
      out.record([
        "type": "summary", "dryRun": .bool(dryRun), "restored": .number(Double(o.restored.count)),
        "alreadyLive": .number(Double(o.alreadyLive.count)), "journal": o.journal.map { .string($0) } ?? .null,
        "exitCode": .number(Double(o.exitStatus.rawValue)),
      ])
      if let journal = o.journal {
        out.verdict("restored \(grouped(o.restored.count)) task(s); to undo: \(undoCommand(journals: [journal], dataDir: root))")
      } else if dryRun {
        out.verdict("dry run: \(grouped(o.restored.count)) task(s) would be restored; nothing changed")
      } else {
        out.verdict("nothing to restore: \(grouped(o.alreadyLive.count)) task(s) already live")
      }
      return o.exitStatus
    }
  }
}
