import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin check`: integrity of files, layout, links and references.
struct CheckCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check a data dir's files, layout, links and references (read-only).",
    discussion: helpParagraphs("""
      Reads every entity file (both cores), keeps only ids and link lists, and reports
      findings with a stable dotted code, a severity (error, warning, info), the entity,
      the file and the action `repair` will take. Never writes inside the data dir.

      Text output groups findings by code (the first --max-examples of each) and ends
      with a verdict; --json prints one finding per line, then a summary object.
      --only and --ignore take comma-separated codes or families (`link.`, `task.parent.*`).

      On a live data dir (a server writing), errors and warnings whose files changed during
      the run are judged again on fresh reads of those files; those that were a write in
      flight (a link written on one side, a file caught empty) come out with severity
      `transient` and never set the exit code; the summary says `changing`.

      Exit: 0 no error or warning finding (info, transient may remain); 4 error or warning findings
      remain; 8 the data dir cannot be read; 16 usage (e.g. an unknown code); 32 SIGINT.

      Codes:
      \(FindingCode.catalogue.map { "  \($0.rawValue) (\($0.severity.rawValue))" }.joined(separator: "\n"))

      """) + "\n" + ExitStatus.helpText
  )

  @OptionGroup var dataDir: DataDirOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var serverProbe: ServerProbeOptions
  @OptionGroup var metrics: MetricsOptions

  @Option(name: .long, help: ArgumentHelp("Report only these codes or families.", valueName: "codes"))
  var only: String?

  @Option(name: .long, help: ArgumentHelp("Do not report these codes or families.", valueName: "codes"))
  var ignore: String?

  @Option(name: .long, help: ArgumentHelp("Examples shown per code in text output.", valueName: "n"))
  var maxExamples: Int = 5

  func validate() throws {
    guard maxExamples >= 0 else { throw ValidationError("--max-examples must be 0 or more") }
  }

  func run() async throws {
    try await runMeasured(metrics, command: "check", target: [("data_dir", dataDir.metricsLabel)]) { measured in
      let filter = try FindingFilter(only: only, ignore: ignore)
      let root = try dataDir.resolve().root
      let report = try await DataDirCheck(root: root, filter: filter, showProgress: !output.json).run()
      let liveServer = serverProbe.makeGuard()
      let out = Output(json: output.json, server: LiveServerReport(liveServer, dataDir: root))
      measured.files = report.filesRead
      measured.bytes = Int64(report.bytesRead)
      measured.findings = Dictionary(uniqueKeysWithValues: Finding.Severity.allCases.map { ($0, report.count($0)) })
      measured.serverLive = liveServer.status(of: root).isLive
      if output.json {
        for finding in report.findings { out.record(finding.jsonObject) }
      } else {
        let lines = report.textLines(maxExamples: maxExamples)
        for line in lines.dropLast() { out.text(line) }
        if let verdict = lines.last { out.verdict(verdict) }
      }
      out.record(report.summaryObject)
      return report.exitStatus
    }
  }
}
