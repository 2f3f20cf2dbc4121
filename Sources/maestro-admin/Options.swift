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

func processEnvironment() -> [String: String] {
  var result: [String: String] = [:]
  var p = environ
  while let entry = p.pointee {
    let text = String(cString: entry)
    if let eq = text.firstIndex(of: "=") {
      result[String(text[..<eq])] = String(text[text.index(after: eq)...])
    }
    p += 1
  }
  return result
}
