import ArgumentParser
import MaestroMaint
import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The `maestro-admin` command: one thin subcommand per job.
@main
struct MaestroAdmin: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "maestro-admin",
    abstract: "Maintenance toolkit for a Maestro server's data directory.",
    discussion: ExitStatus.helpText,
    version: MaestroAdminVersion.long,
    subcommands: [StatsCommand.self, FmtCommand.self, UndoCommand.self, CheckCommand.self, GenerateCommand.self, BackupCommand.self, RepairCommand.self, MigrateCommand.self, ArchiveCommand.self, JournalCommand.self]
  )

  /// Parses and runs, mapping argument errors to exit code 16 (ArgumentParser
  /// would use 64) so the whole tool keeps one exit-code scheme; with
  /// `--json` they are JSON error objects on stdout too.
  static func main() async {
    Cancellation.installSignalHandler()
    do {
      var command = try parseAsRoot()
      if let options = outputOptions(of: command) {
        OutputMode.json = options.json
        OutputMode.quiet = options.quiet
        if options.quiet || options.noProgress { ProgressBar.suppressAll() }
      }
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      if exitCode(for: error) == .validationFailure {
        OutputMode.json = argumentsAskForJSON()
        let (text, short) = usageMessages(for: error)
        Output.failure(text, error: MaestroError(.usage, short), exitCode: ExitStatus.usage.rawValue)
        Glibc.exit(ExitStatus.usage.rawValue)
      }
      exit(withError: error)
    }
  }

  /// The `OutputOptions` among a parsed command's option groups.
  static func outputOptions(of command: ParsableCommand) -> OutputOptions? {
    for child in Mirror(reflecting: command).children {
      if let group = child.value as? OptionGroup<OutputOptions> { return group.wrappedValue }
    }
    return nil
  }

  /// Whether `--json` is among the arguments (before a `--`), for errors
  /// found while parsing, when no command exists yet.
  static func argumentsAskForJSON() -> Bool {
    CommandLine.arguments.dropFirst().prefix { $0 != "--" }.contains("--json")
  }

  /// The parser's message (in full, with the usage, and short, for JSON),
  /// or a clearer one where it misleads: a negative number after an option
  /// reads as a flag to the parser, which then reports a missing value.
  static func usageMessages(for error: Error) -> (text: String, short: String) {
    let args = Array(CommandLine.arguments.dropFirst())
    for (option, value) in zip(args, args.dropFirst())
    where option.hasPrefix("--") && !option.contains("=") && isNegativeNumber(value) {
      let text = "\(option) \(value): a negative number is not a valid value (\(option) takes 0 or more)"
      return (text, text)
    }
    return (fullMessage(for: error), message(for: error))
  }

  private static func isNegativeNumber(_ text: String) -> Bool {
    text.count > 1 && text.hasPrefix("-") && Double(text.dropFirst()) != nil
  }
}
