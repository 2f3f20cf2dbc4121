import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin repair`: fix what check finds, planned and journaled.
struct RepairCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "repair",
    abstract: "Repair what check finds: planned, journaled, reversible with undo.",
    discussion: helpParagraphs("""
      Checks the data dir, plans a change for every finding the policy repairs
      (README, "maestro-admin repair"), writes the plan and every old byte to a
      journal under DATA_DIR/.maestro-admin/journal/, then makes the changes.
      Damaged files are never deleted: they move to
      DATA_DIR/lost+found/<UTC time>/<original path>. When a round quarantines
      or moves files, repair checks again and repairs what that left dangling
      (at most 5 rounds, one journal each); undo the journals newest first.
      --dry-run prints the first round's plan and changes nothing.

      Exit: 0 nothing to do; 1 repaired and now clean; 4 findings left (manual
      ones, or, with --dry-run, anything to repair); 8 I/O error; 75 locked, or a
      server is running on the data dir (refused before anything changes; a dry
      run only reports it).

      """) + "\n" + ExitStatus.helpText
  )

  @OptionGroup var dataDir: DataDirOptions

  @Flag(name: .long, help: "Print the plan; change nothing.")
  var dryRun = false

  @Option(name: .long, help: ArgumentHelp("Repair only these codes or families.", valueName: "codes"))
  var only: String?

  @Flag(name: .long, help: "Give orphans a placeholder project \"Recovered <id>\" instead of quarantining them.")
  var recreateMissingProjects = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var liveServer: LiveServerOptions

  func run() async throws {
    try await runMapped(json: output.json) {
      let filter = try FindingFilter(only: only, ignore: nil)
      let root = try dataDir.resolve().root
      var job = RepairJob(
        dataDir: root, filter: filter, dryRun: dryRun, recreateMissingProjects: recreateMissingProjects,
        showProgress: !output.json)
      job.liveServer = liveServer.makeGuard(json: output.json)
      let outcome = try await job.run()
      let out = Output(json: output.json, server: LiveServerReport(job.liveServer, dataDir: root))
      for id in outcome.recovered {
        out.text("finished journal \(id), which a crash had interrupted")
        out.record(["type": "recovered", "journal": .string(id)])
      }
      for (k, round) in outcome.rounds.enumerated() {
        if !dryRun { out.text("round \(k + 1): \(grouped(round.steps.count)) change(s), journal \(round.journal ?? "-")") }
        for step in round.steps {
          out.text("  \(dryRun ? "would " : "")\(step.change)  [\(step.code)]")
          var record = step.jsonObject
          record["round"] = .number(Double(k + 1))
          record["journal"] = round.journal.map { .string($0) } ?? .null
          out.record(record)
        }
      }
      for finding in outcome.remaining {
        out.text("left (\(finding.action)): \(finding)")
        var record = finding.jsonObject
        record["type"] = "left"
        out.record(record)
      }
      let journals = outcome.journals
      out.record([
        "type": "summary", "dryRun": .bool(dryRun), "changes": .number(Double(outcome.steps.count)),
        "rounds": .number(Double(outcome.rounds.count)), "journals": .array(journals.map { .string($0) }),
        "left": .number(Double(outcome.remaining.count)), "info": .number(Double(outcome.reportOnly.count)),
        "exitCode": .number(Double(outcome.exitStatus.rawValue)),
      ])
      if dryRun {
        out.verdict("dry run: \(grouped(outcome.steps.count)) change(s) planned, \(grouped(outcome.remaining.count)) finding(s) left to a person; nothing changed")
      } else if journals.isEmpty {
        out.verdict("nothing to repair; \(grouped(outcome.remaining.count)) finding(s) left to a person")
      } else {
        out.verdict(
          "repaired: \(grouped(outcome.steps.count)) change(s) in \(journals.count) journal(s); \(grouped(outcome.remaining.count)) finding(s) left")
        out.verdict("to undo: " + undoCommand(journals: journals, dataDir: root))
      }
      return outcome.exitStatus
    }
  }
}
