import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin undo`: put back what a journaled run changed.
struct UndoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "undo",
    abstract: "Undo a repair, archive, migrate or undo run from its journal.",
    discussion: helpParagraphs("""
      JOURNAL is a journal file (DATA_DIR/.maestro-admin/journal/<id>.jsonl) or its id
      with --data-dir. Undo first finishes any run a crash left unfinished, then puts
      every file the run changed back as it was (quarantined files back in place,
      created folders removed), under a journal of its own. It refuses, naming the
      files, when a file changed since the run (exit 4), unless --force: then the
      current content goes into the undo's journal too, so nothing is lost. A data dir
      a server is running on is refused before anything changes (exit 75).
      A journal file belongs to the data dir that holds it: with a --data-dir
      naming another directory it is refused (exit 16), and so is a file that
      is not in a data dir's .maestro-admin/journal/ folder.

      """) + "\n" + ExitStatus.helpText
  )

  @Argument(help: ArgumentHelp("The journal file or id.", valueName: "journal"))
  var journal: String

  @OptionGroup var dataDir: DataDirOptions

  @Flag(name: .long, help: "Print the plan; change nothing.")
  var dryRun = false

  @Flag(name: .long, help: "Undo even files that changed since the run.")
  var force = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var liveServer: LiveServerOptions

  func run() async throws {
    try await runMapped(json: output.json) {
      // A journal file names its data dir; an id needs one.
      let dir = journal.hasSuffix(".jsonl") && dataDir.dataDir == nil ? nil : try dataDir.resolve().root
      let job = try UndoJob(journal: journal, dataDir: dir)
      try DataDirectory.requireDataDirectory(job.dataDir, command: "undo")
      let live = liveServer.makeGuard(json: output.json)
      let out = Output(json: output.json, server: LiveServerReport(live, dataDir: job.dataDir))
      let lock = dryRun
        ? nil : try MaintenanceLock(dataDir: job.dataDir, command: "maestro-admin undo \(journal)", liveServer: live)
      defer { lock?.release() }
      let outcome = try job.run(dryRun: dryRun, force: force)
      for id in outcome.recovered {
        out.text("finished journal \(id), which a crash had interrupted")
        out.record(["type": "recovered", "journal": .string(id)])
      }
      if outcome.alreadyUndone {
        out.verdict("journal \(outcome.target) is already undone; nothing to do")
        out.record(["type": "summary", "journal": .string(outcome.target), "alreadyUndone": true, "changes": 0])
        return .ok
      }
      for action in outcome.actions {
        out.text("\(dryRun ? "would " : "")\(action.summary)")
        out.record(["type": "action", "op": .string(action.operation.rawValue), "path": .string(action.path),
          "to": action.to.map { .string($0) } ?? .null, "summary": .string(action.summary)])
      }
      for path in outcome.conflicts {
        Output.error("\(job.dataDir)/\(path): changed since journal \(outcome.target) was written\(force ? " (undone anyway: --force)" : "")")
      }
      out.record([
        "type": "summary", "journal": .string(outcome.target), "changes": .number(Double(outcome.actions.count)),
        "conflicts": .number(Double(outcome.conflicts.count)), "dryRun": .bool(dryRun),
        "undoJournal": outcome.journal.map { .string($0) } ?? .null,
      ])
      if !outcome.conflicts.isEmpty && !force {
        out.verdict("refused: \(grouped(outcome.conflicts.count)) file(s) changed since the run; see above, or use --force")
        return .problemsLeft
      }
      if dryRun || outcome.actions.isEmpty {
        out.verdict("\(dryRun ? "dry run: " : "")\(grouped(outcome.actions.count)) change(s) \(dryRun ? "would be undone" : "to undo"); nothing changed")
        return .ok
      }
      out.verdict("undone \(outcome.target): \(grouped(outcome.actions.count)) change(s), journal \(outcome.journal ?? "-")")
      return .changed
    }
  }
}
