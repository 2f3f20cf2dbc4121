/// The exit codes of every maestro-admin command, modelled on e2fsck's: bits
/// that a script or a monitoring system can test.
public enum ExitStatus: Int32, Sendable, CaseIterable {
  /// Success; nothing found, nothing left to do.
  case ok = 0
  /// Changes were made and the result is clean.
  case changed = 1
  /// Problems were found and left: check findings of warning or error
  /// severity, `fmt --check` differences, verify mismatches, pending
  /// migrations.
  case problemsLeft = 4
  /// An operational error: I/O, permissions, an unreadable file or archive.
  case operationalError = 8
  /// The command line was wrong.
  case usage = 16
  /// Cancelled (SIGINT).
  case cancelled = 32
  /// Busy: another maintenance run holds the data dir's lock, or a server
  /// is running on the data dir (a changing command refused it).
  case locked = 75

  /// One line per code, for `--help` and README.
  public static let helpText = """
    Exit codes (the same for every command):
      0   success; nothing found and nothing left to do
      1   changes were made and the result is clean
      4   problems found and left (findings, fmt --check differences,
          verify mismatches, pending migrations)
      8   operational error (I/O, permissions, unreadable input)
      16  usage error
      32  cancelled (SIGINT)
      75  busy: another maintenance run holds the lock, or a server is
          running on the data dir (changing commands refuse a live one)
    """
}
