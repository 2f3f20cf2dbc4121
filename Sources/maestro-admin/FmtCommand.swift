import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin fmt`: rewrite JSON files exactly as a Maestro server would.
struct FmtCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fmt",
    abstract: "Re-emit JSON files exactly as a Maestro server writes them.",
    discussion: helpParagraphs("""
      Directories are walked for *.json files (not .maestro-admin/ or lost+found/).
      --style auto keeps each file's own style (two-space or compact). Rewrites are
      atomic and touch only files that differ. Files inside a data dir (a folder
      holding projects/, tasks/ or sessions/, PATH or above it) are rewritten under
      its maintenance lock (exit 75 if another run holds it) and a journal, so
      `maestro-admin undo` reverses the run; a file changed by someone else while
      fmt runs is left as it is, named, and the run exits 8. A rewrite of any path
      inside a data dir a server is running on is refused first (exit 75). --check
      rewrites nothing, lists the
      files that differ and exits 4 if there are any (like gofmt -l); --dry-run
      lists them and exits 0. A file that is not valid JSON is reported with its
      line and column, left alone, and makes the run exit 8.

      """) + "\n" + ExitStatus.helpText
  )

  @Flag(name: .long, help: "Rewrite nothing; list files that differ and exit 4 if any.")
  var check = false

  @Flag(name: .long, help: "Rewrite nothing; list files that would be rewritten.")
  var dryRun = false

  @Option(name: .long, help: "auto (keep each file's style), pretty (two-space) or compact.")
  var style: JSONFormatter.StyleChoice = .auto

  @OptionGroup var output: OutputOptions
  @OptionGroup var liveServer: LiveServerOptions

  @Argument(help: ArgumentHelp("Files or directories.", valueName: "path"))
  var paths: [String]

  func run() async throws {
    try await runMapped(json: output.json) {
      let files = try JSONFormatter.collectFiles(paths)
      let rewrite = !(check || dryRun)
      // Every data dir a file lies in: refused while a server runs on it,
      // else locked before anything is read.
      let live = liveServer.makeGuard(json: output.json)
      let dataDirs = JSONFormatter.dataDirectories(of: files)
      if rewrite { try dataDirs.forEach { try live.refuseIfLive($0, command: "maestro-admin fmt") } }
      let out = Output(json: output.json, server: dataDirs.isEmpty ? nil : LiveServerReport(live, dataDirs: dataDirs))
      let locks = try rewrite
        ? dataDirs.map { try MaintenanceLock(dataDir: $0, command: "maestro-admin fmt", liveServer: live) }
        : []
      defer { locks.forEach { $0.release() } }
      let progress = ProgressBar("fmt", total: files.count, enabled: !output.json && ProgressBar.stderrIsTerminal)
      let (results, journals) = try await JSONFormatter(style: style, rewrite: rewrite).run(files, progress: progress)
      progress.finish()
      var differing = 0
      var failed = 0
      for r in results {
        switch r.outcome {
        case .canonical, .skipped: continue
        case .reformatted:
          differing += 1
          out.text(r.path)
        case .failed:
          failed += 1
          Output.error("\(r.path): \(r.error ?? "failed")")
        }
        out.record([
          "type": "file", "path": .string(r.path), "outcome": .string(r.outcome.rawValue),
          "style": r.style.map { .string($0.rawValue) } ?? .null, "error": r.error.map { .string($0) } ?? .null,
        ])
      }
      out.record([
        "type": "summary", "files": .number(Double(files.count)), "differing": .number(Double(differing)),
        "rewritten": .number(Double(rewrite ? differing : 0)), "failed": .number(Double(failed)),
        "mode": .string(check ? "check" : dryRun ? "dry-run" : "rewrite"),
        "journals": .array(journals.map { .string($0.id) }),
      ])
      if !journals.isEmpty {
        let undo = journals.reversed().map { JournalStop.undoCommand(dataDir: $0.dataDir, journal: $0.id) }
        out.verdict("journaled: \(journals.map(\.id).joined(separator: ", ")); to undo: " + undo.joined(separator: " && "))
      }
      if OutputMode.quiet {
        let what = check || dryRun ? "differ" : "rewritten"
        out.verdict(
          "\(grouped(differing)) of \(grouped(files.count)) file(s) \(what)\(failed > 0 ? ", \(grouped(failed)) not valid JSON" : "")")
      }
      if Cancellation.isRequested { return .cancelled }
      if failed > 0 { return .operationalError }
      if check && differing > 0 { return .problemsLeft }
      if rewrite && differing > 0 { return .changed }
      return .ok
    }
  }
}

extension JSONFormatter.StyleChoice: ExpressibleByArgument {}
