import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin generate`: a deterministic synthetic data dir.
struct GenerateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Write a deterministic synthetic data dir, optionally with planted faults.",
    discussion: helpParagraphs("""
      Scales (projects / tasks / sessions): xs 3/30/10, s 10/1,000/250, m 100/20,000/5,000,
      l 1,000/200,000/50,000, xl 5,000/1,000,000/250,000; --projects/--tasks/--sessions
      override. The same arguments give a byte-identical tree on any machine and with any
      number of cores. The tree is built beside --out and renamed into place after one
      syncfs (--no-sync skips it: faster, about 0.9x instead of 1.3x the time of
      `bsdtar -xf` at scale l, but a crash soon after can leave empty files); a
      non-empty --out is refused unless --force (the old tree is removed only after the
      new one is in place). --force replaces only generate's own output, recognised by
      the <out>.faults.json beside it: --out equal to or inside a data dir generate did
      not write, or inside a server folder of any data dir (tasks/, sessions/ ...), is
      refused even with --force (exit 16). The first Ctrl-C stops the run before the
      rename (exit 32): the old tree stays, the staging folder is removed.

      --inject class=N,... plants N faults of each class (all=N: every class that applies)
      on entities of their own, and <out>.faults.json (beside --out, always written)
      records each fault with the findings a correct `check` reports for it. N is at most
      the clean task count (or the project count, if larger): xs 30, s 1,000, m 20,000;
      more is refused (exit 16). Classes:

      \(FaultClass.helpText)
      """) + "\n\n" + ExitStatus.helpText
  )

  @Option(name: .long, help: ArgumentHelp("The data dir to create.", valueName: "dir"))
  var out: String

  @Option(name: .long, help: "xs, s, m, l or xl (default: xs).")
  var scale: GenerateScale?

  @Option(name: .long, help: "Number of projects (overrides the scale).")
  var projects: Int?

  @Option(name: .long, help: "Number of tasks (overrides the scale).")
  var tasks: Int?

  @Option(name: .long, help: "Number of sessions (overrides the scale).")
  var sessions: Int?

  @Option(name: .long, help: "Every random choice derives from it (0 ..< 2^53).")
  var seed: UInt64 = 1

  @Option(name: .long, help: "seed (two-space, seed-era fields), current (compact, newer fields) or legacy.")
  var format: GenerateFormat = .seed

  @Option(name: .long, help: "pretty or compact (default: the format's).")
  var style: JSONStyle?

  @Option(name: .long, help: ArgumentHelp("Faults to plant: class=N,... or all=N.", valueName: "spec"))
  var inject: String?

  @Flag(name: .long, help: "Replace a non-empty --out.")
  var force = false

  @Flag(name: .long, help: "Skip the syncfs before the rename (faster; not crash-safe).")
  var noSync = false

  @Option(name: .long, help: .hidden)
  var docRoot: String?

  @Option(name: .long, help: .hidden)
  var workers: Int?

  @OptionGroup var output: OutputOptions
  @OptionGroup var liveServer: LiveServerOptions

  func run() async throws {
    try await runMapped {
      // Replacing a data dir (--force) a server runs on is refused.
      let live = liveServer.makeGuard(json: output.json)
      let replacing = FileSystem.fileExists(self.out)
      let out = Output(json: output.json, server: replacing ? LiveServerReport(live, dataDir: self.out) : nil)
      var counts = (scale ?? .xs).counts
      if let projects { counts.projects = projects }
      if let tasks { counts.tasks = tasks }
      if let sessions { counts.sessions = sessions }
      let explicit = projects != nil || tasks != nil || sessions != nil
      var options = GeneratorOptions(
        out: self.out, scale: scale ?? (explicit ? nil : .xs), counts: counts, seed: seed, format: format,
        style: style, faults: try FaultInjection(parsing: inject ?? ""), force: force, docRoot: docRoot,
        sync: !noSync, workers: max(1, workers ?? ParallelMap.defaultWorkers))
      options.liveServer = live
      let total = counts.projects + counts.tasks + counts.sessions
      let progress = ProgressBar("generate", total: total, enabled: !output.json && ProgressBar.stderrIsTerminal)
      let report = try await DataGenerator.run(options, progress: progress)
      progress.finish()
      out.record(report.json)
      out.verdict(
        "Wrote \(report.out): \(grouped(report.counts.projects)) projects, \(grouped(report.counts.tasks)) tasks, "
          + "\(grouped(report.counts.sessions)) sessions (\(options.format.rawValue), \(options.resolvedStyle.rawValue))")
      out.text(
        "  \(grouped(report.files)) files, \(humanBytes(report.bytes)), tree hash \(GeneratedTreeHash.hex(report.treeHash))")
      if !report.faults.isEmpty {
        out.text(
          "  \(grouped(report.faults.count)) planted faults on \(grouped(report.faultEntities)) extra entities; ground truth in \(report.faultsFile)")
      }
      let t = report.timings
      out.text(
        "  \(seconds(t.total)) (plan \(seconds(t.plan)), write \(seconds(t.write)), sync \(seconds(t.sync)), commit \(seconds(t.commit)))"
      )
      return .ok
    }
  }

  private func seconds(_ s: Double) -> String {
    let ms = Int((s * 1000).rounded())
    return "\(ms / 1000).\(String(repeating: "0", count: 3 - String(ms % 1000).count))\(ms % 1000) s"
  }
}

extension GenerateScale: ExpressibleByArgument {}
extension GenerateFormat: ExpressibleByArgument {}
extension JSONStyle: ExpressibleByArgument {}
