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
    version: MaestroAdminVersion.string,
    subcommands: [StatsCommand.self, FmtCommand.self, UndoCommand.self, CheckCommand.self, GenerateCommand.self, BackupCommand.self, RepairCommand.self, MigrateCommand.self, ArchiveCommand.self, JournalCommand.self]
  )

  /// Parses and runs, mapping argument errors to exit code 16 (ArgumentParser
  /// would use 64) so the whole tool keeps one exit-code scheme.
  static func main() async {
    Cancellation.installSignalHandler()
    do {
      var command = try parseAsRoot()
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      if exitCode(for: error) == .validationFailure {
        StandardError.write(fullMessage(for: error) + "\n")
        Glibc.exit(ExitStatus.usage.rawValue)
      }
      exit(withError: error)
    }
  }
}
