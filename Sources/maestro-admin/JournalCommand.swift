import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin journal`: the journals of a data dir (list, show, prune).
struct JournalCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "journal",
    abstract: "List, show and prune the journals of changing runs.",
    discussion: helpParagraphs("""
      Every changing run (repair, archive, migrate, undo) writes a journal in
      DATA_DIR/.maestro-admin/journal: <id>.jsonl (the plan and its progress) and
      <id>.pack (the old and new content of every file it changed, for undo and
      for finishing after a crash); a migration also keeps the tasks/ and
      sessions/ folders it swapped out under .maestro-admin/staging/. Nothing is
      removed on its own: `journal prune` removes old journals and what they keep.
      A pruned run can no longer be undone. A journal a crash left unfinished is
      finished by the next changing command; one that cannot be (the command says
      why and names it) is undone with `undo`, or ended with `journal abandon`.

      """) + "\n" + ExitStatus.helpText,
    subcommands: [
      JournalListCommand.self, JournalShowCommand.self, JournalPruneCommand.self, JournalAbandonCommand.self,
    ]
  )
}

private func number(_ n: Int) -> JSONValue { .number(Double(n)) }
private func number(_ n: Int64) -> JSONValue { .number(Double(n)) }

private func entryJSON(_ e: JournalCatalog.Entry, type: String) -> JSONObject {
  [
    "type": .string(type), "id": .string(e.id), "command": .string(e.command), "createdAt": .string(isoTime(e.createdAt)),
    "state": .string(e.state.rawValue), "note": e.note.map { .string($0) } ?? .null,
    "undoes": e.undoes.map { .string($0) } ?? .null, "undoneBy": .array(e.undoneBy.map { .string($0) }),
    "actions": number(e.actions), "done": number(e.done), "torn": .bool(e.torn),
    "journalBytes": number(e.journalBytes), "packBytes": number(e.packBytes),
    "undoCopyBytes": number(e.undoCopyBytes), "folders": .array(e.folders.map { .string($0) }),
  ]
}

private func entryLine(_ e: JournalCatalog.Entry) -> String {
  var parts = [e.id, e.command, isoTime(e.createdAt), e.state.rawValue]
  if e.torn { parts.append("torn last record") }
  if let undoes = e.undoes { parts.append("undoes \(undoes)") }
  if !e.undoneBy.isEmpty { parts.append("undone by \(e.undoneBy.joined(separator: ", "))") }
  parts.append(
    "\(humanBytes(e.totalBytes)) (journal \(humanBytes(e.journalBytes)), pack \(humanBytes(e.packBytes)), "
      + "kept for undo \(humanBytes(e.undoCopyBytes)))")
  return parts.joined(separator: "  ")
}

/// `journal list`.
struct JournalListCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the journals, oldest first, with their state and the disk they use.",
    discussion: helpParagraphs("""
      State: committed (finished), stopped (a file changed under the run; what it
      made stays made and can be undone), unfinished (a crash interrupted it; the
      next changing command finishes it) or unreadable. Reads only; exit 0.
      """)
  )

  @OptionGroup var dataDir: DataDirOptions
  @OptionGroup var output: OutputOptions

  func run() async throws {
    try await runMapped {
      let (out, root) = try start(dataDir, output)
      let catalog = try JournalCatalog(dataDir: root)
      for e in catalog.entries {
        out.text(entryLine(e))
        out.record(entryJSON(e, type: "journal"))
      }
      for pack in catalog.orphanPacks {
        out.text("\(pack): a pack no journal names (a crash before its journal was written); prune removes it")
        out.record(["type": "orphanPack", "path": .string(pack)])
      }
      let total = catalog.entries.reduce(catalog.orphanPackBytes) { $0 + $1.totalBytes }
      out.verdict(
        catalog.entries.isEmpty && catalog.orphanPacks.isEmpty
          ? "no journals in \(Journal.folder(root))"
          : "\(grouped(catalog.entries.count)) journal(s), \(humanBytes(total)) in all")
      out.record([
        "type": "summary", "journals": number(catalog.entries.count), "orphanPacks": number(catalog.orphanPacks.count),
        "bytes": number(total),
      ])
      return .ok
    }
  }
}

/// `journal show`.
struct JournalShowCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show one journal: its state and every planned change.",
    discussion: "JOURNAL is an id (see `journal list`). Reads only; exit 0, 8 when there is no such journal."
  )

  @Argument(help: ArgumentHelp("The journal id.", valueName: "journal"))
  var journal: String

  @OptionGroup var dataDir: DataDirOptions
  @OptionGroup var output: OutputOptions

  func run() async throws {
    try await runMapped {
      let (out, root) = try start(dataDir, output)
      let catalog = try JournalCatalog(dataDir: root)
      guard let entry = catalog.entry(journal) else {
        throw MaestroError(.notFound, "no such journal", path: Journal.folder(root) + "/" + journal + ".jsonl")
      }
      out.text(entryLine(entry))
      if let note = entry.note { out.text("  \(entry.state == .stopped ? "stopped" : "note"): \(note)") }
      for folder in entry.folders { out.text("  keeps \(folder)") }
      if entry.state != .unreadable {
        let opened = try Journal.open(path: Journal.folder(root) + "/" + entry.id + ".jsonl")
        for action in opened.actions {
          let made = opened.done.contains(action.seq)
          out.text("  \(action.seq). \(made ? "done" : "not done")  \(action.summary)")
          out.record([
            "type": "action", "seq": number(action.seq), "op": .string(action.operation.rawValue),
            "path": .string(action.path), "to": action.to.map { .string($0) } ?? .null,
            "reason": .string(action.reason), "summary": .string(action.summary), "done": .bool(made),
          ])
        }
      }
      out.record(entryJSON(entry, type: "summary"))
      return .ok
    }
  }
}

/// `journal prune`.
struct JournalPruneCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prune",
    abstract: "Remove old journals and what they keep for undo.",
    discussion: helpParagraphs("""
      Removes the journals older than --older-than (s, m, h, d or w: 30d) and/or
      beyond the --keep newest, each with its pack, torn records kept aside and the
      folders a migration kept for its undo. Never removes an unfinished journal, an
      unreadable one, or one linked by undo to a journal that is kept (an undo run
      and the run it undoes go together). Takes the maintenance lock (not with
      --dry-run). Exit 1 journals removed, 0 nothing removed or --dry-run, 16 no rule.
      """)
  )

  @OptionGroup var dataDir: DataDirOptions

  @Option(name: .long, help: ArgumentHelp("Remove journals older than this (30d, 12h, 2w).", valueName: "age"))
  var olderThan: String?

  @Option(name: .long, help: ArgumentHelp("Keep the N newest journals.", valueName: "n"))
  var keep: Int?

  @Flag(name: .long, help: "Say what would be removed; remove nothing.")
  var dryRun = false

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard olderThan != nil || keep != nil else {
      throw ValidationError("journal prune needs --older-than AGE or --keep N (or both)")
    }
    if let keep, keep < 0 { throw ValidationError("--keep must be 0 or more") }
  }

  func run() async throws {
    try await runMapped {
      let (out, root) = try start(dataDir, output)
      let age = try olderThan.map(JournalPruner.parseAge)
      let pruner = JournalPruner(dataDir: root, olderThan: age, keep: keep, dryRun: dryRun)
      // Prune changes only the toolkit's own state, never what a server
      // reads: a live server does not stop it.
      let lock =
        dryRun
        ? nil
        : try MaintenanceLock(
          dataDir: root, command: "maestro-admin journal prune", liveServer: LiveServerGuard(ignoreLiveServer: true))
      defer { lock?.release() }
      let report = try pruner.run()
      for d in report.decisions {
        let verb = d.prune ? (dryRun ? "would remove" : "removed") : "kept"
        out.text("\(verb) \(d.entry.id) (\(d.entry.command), \(d.entry.state.rawValue)): \(d.reason)")
        out.record([
          "type": "journal", "id": .string(d.entry.id), "state": .string(d.entry.state.rawValue),
          "pruned": .bool(d.prune), "reason": .string(d.reason),
        ])
      }
      let orphans = report.removedPaths.filter { path in
        path.hasSuffix(".pack") && !report.decisions.contains { $0.prune && $0.entry.paths.contains(path) }
      }
      for pack in orphans {
        out.text("\(dryRun ? "would remove" : "removed") \(pack) (a pack no journal names)")
        out.record(["type": "orphanPack", "path": .string(pack), "pruned": true])
      }
      let count = report.decisions.filter(\.prune).count
      out.verdict("\(dryRun ? "would remove" : "removed") \(grouped(count)) journal(s), \(humanBytes(report.freedBytes))")
      out.record([
        "type": "summary", "pruned": number(count), "kept": number(report.decisions.count - count),
        "freedBytes": number(report.freedBytes), "dryRun": .bool(dryRun),
      ])
      return count + orphans.count > 0 && !dryRun ? .changed : .ok
    }
  }
}

/// The output and the data dir every journal subcommand starts with.
private func start(_ dataDir: DataDirOptions, _ output: OutputOptions) throws -> (Output, String) {
  let root = try dataDir.resolve().root
  try requireDataDir(root)
  return (Output(json: output.json), root)
}

/// A missing data dir is an error (8), not an empty list.
private func requireDataDir(_ root: String) throws {
  try DataDirectory.requireDirectory(root)
}

/// `journal abandon`.
struct JournalAbandonCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "abandon",
    abstract: "End an unfinished journal where it stands (a way out when it cannot be finished).",
    discussion: helpParagraphs("""
      For a journal that recovery cannot finish (the message of the failing command
      names it): the changes it made are marked (told by their result), the rest are
      not made, and the journal is recorded stopped, so later commands go on and the
      made changes can still be undone. A journal file that cannot be read is renamed
      <id>.jsonl.unreadable-<UTC time>. Run `maestro-admin check` afterwards. Takes
      the maintenance lock. Exit 1 abandoned, 0 already finished, 8 no such journal.
      """)
  )

  @Argument(help: ArgumentHelp("The journal id.", valueName: "journal"))
  var journal: String

  @OptionGroup var dataDir: DataDirOptions
  @OptionGroup var output: OutputOptions

  func run() async throws {
    try await runMapped {
      let (out, root) = try start(dataDir, output)
      // Abandoning changes only the journal, never what a server reads.
      let lock = try MaintenanceLock(
        dataDir: root, command: "maestro-admin journal abandon \(journal)",
        liveServer: LiveServerGuard(ignoreLiveServer: true))
      defer { lock.release() }
      let id = journal.hasSuffix(".jsonl") ? String(FileSystem.lastComponent(of: journal).dropLast(6)) : journal
      switch try JournalRunner(dataDir: root).abandon(id: id) {
      case .alreadyFinished:
        out.verdict("journal \(id) is finished already; nothing to do")
        out.record(["type": "summary", "journal": .string(id), "outcome": "alreadyFinished"])
        return .ok
      case .stopped(let made, let notMade):
        out.verdict("journal \(id) stopped: \(grouped(made)) change(s) made (undoable), \(grouped(notMade)) not made")
        out.verdict("check the data dir: maestro-admin check --data-dir \(ShellQuote.quote(root))")
        out.record([
          "type": "summary", "journal": .string(id), "outcome": "stopped", "made": number(made),
          "notMade": number(notMade),
        ])
        return .changed
      case .setAside(let path):
        out.verdict("journal \(id) cannot be read; set aside as \(path)")
        out.record(["type": "summary", "journal": .string(id), "outcome": "setAside", "path": .string(path)])
        return .changed
      }
    }
  }
}
