import ArgumentParser
import MaestroMaint
import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `--data-dir`, shared by every command that works on a data dir.
struct DataDirOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The Maestro data directory (default: $DATA_DIR, else ~/.maestro/data).", valueName: "dir"))
  var dataDir: String?

  /// The resolved data dir, which must be an existing directory.
  /// - Throws: `.usage` (exit 16) for an empty value; `.notFound`/`.io`
  ///   (exit 8) naming a path that is missing, a regular file or anything
  ///   but a directory.
  func resolve() throws -> DataDirectory {
    let dir = try DataDirectory.resolve(explicit: dataDir, environment: processEnvironment())
    try dir.requireExisting()
    return dir
  }
}

/// `--json`, `--quiet` and `--no-progress`, shared by every command.
struct OutputOptions: ParsableArguments {
  @Flag(name: .long, help: "Print JSON lines (one object per line, the last a summary or an error) instead of text.")
  var json = false

  @Flag(
    name: [.short, .long],
    help: "Print only errors and the final verdict (with --json: only the summary and errors); no progress bar.")
  var quiet = false

  @Flag(name: .long, help: "Draw no progress bar, even when stderr is a terminal.")
  var noProgress = false
}

/// `--server-url`, for every command that works on a data dir: a URL to
/// probe beside `DATA_DIR/server-url` when detecting a live server.
struct ServerProbeOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The server's URL, probed (GET URL/health) beside DATA_DIR/server-url to tell whether a server is running.",
      valueName: "url"))
  var serverUrl: String?

  func validate() throws {
    if let serverUrl, ServerURL(serverUrl) == nil {
      throw ValidationError("--server-url must be an http:// or https:// URL, e.g. http://localhost:3000")
    }
  }

  /// A guard that detects and never refuses (read-only commands).
  func makeGuard() -> LiveServerGuard {
    LiveServerGuard(detector: LiveServerDetector(explicitURL: serverUrl))
  }
}

/// `--server-url` and `--ignore-live-server`, for every command that changes
/// a data dir: it refuses a live one (exit 75) unless overridden.
struct LiveServerOptions: ParsableArguments {
  @OptionGroup var probe: ServerProbeOptions

  @Flag(
    name: .long,
    help: ArgumentHelp(
      "DANGEROUS: change the data dir even though a server seems to be running on it (only when the detection is wrong: a running server overwrites what this command changes)."))
  var ignoreLiveServer = false

  /// A guard that refuses a live data dir unless `--ignore-live-server`;
  /// with `--json`, a refusal prints its summary object first.
  func makeGuard(json: Bool) -> LiveServerGuard {
    let printRefusal: @Sendable (LiveServerStatus) -> Void = { Output(json: true).record(refusalSummary($0)) }
    return LiveServerGuard(
      detector: LiveServerDetector(explicitURL: probe.serverUrl), ignoreLiveServer: ignoreLiveServer,
      onRefusal: json ? printRefusal : nil)
  }
}

func processEnvironment() -> [String: String] { ProcessEnvironment.current() }

/// `--metrics-file`, for the commands a nightly job runs (`check`, `backup
/// create/verify/prune`, `archive create`): a Prometheus text file for
/// node_exporter's textfile collector, replaced on every run.
struct MetricsOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Write the run's metrics (Prometheus text format, replaced atomically, also on failure) to this file; name it *.prom in node_exporter's textfile folder.",
      valueName: "path"))
  var metricsFile: String?

  func validate() throws {
    guard let metricsFile else { return }
    let folder = FileSystem.parentDirectory(of: metricsFile)
    guard FileSystem.isDirectory(folder) else {
      throw ValidationError("--metrics-file: the folder \(folder) does not exist")
    }
  }
}

extension DataDirOptions {
  /// The data dir as the metrics' `data_dir` label: resolved when it can
  /// be, else as given (a run that fails to resolve it still reports).
  var metricsLabel: String { (try? resolve().root) ?? dataDir ?? "" }
}
