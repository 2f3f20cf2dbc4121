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

  /// The resolved data dir.
  func resolve() throws -> DataDirectory {
    try DataDirectory.resolve(explicit: dataDir, environment: processEnvironment())
  }
}

/// `--json`, shared by every command.
struct OutputOptions: ParsableArguments {
  @Flag(name: .long, help: "Print JSON lines (one object per line, the last a summary) instead of text.")
  var json = false
}

func processEnvironment() -> [String: String] { ProcessEnvironment.current() }
