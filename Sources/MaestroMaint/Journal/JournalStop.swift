import MaestroStorage

/// A journaled run stopped because files changed under it: someone else
/// (a running server, a person) wrote them after the run read them. Nothing
/// of theirs was overwritten; the changes made before the stop stay made
/// and are undone with `undo` (`undoJournals`, newest first).
public struct JournalStop: Error, Sendable, CustomStringConvertible {
  /// One file that did not hold what the change was computed from.
  public struct Conflict: Sendable, Equatable {
    /// The path, relative to the data dir.
    public var path: String
    /// What was found, in words.
    public var why: String
    /// Where content that could be put neither back nor dropped was kept
    /// (relative to the data dir), if any.
    public var keptAt: String?

    /// A conflict on `path`.
    public init(path: String, why: String, keptAt: String? = nil) {
      self.path = path
      self.why = why
      self.keptAt = keptAt
    }
  }

  /// The data dir.
  public var dataDir: String
  /// The stopped journal.
  public var journal: String
  /// Every file found changed, the one that stopped the run first.
  public var conflicts: [Conflict]
  /// Changes the stopped journal made before the stop.
  public var applied: Int
  /// Journals of the same command run that committed before this one
  /// (earlier repair rounds), oldest first.
  public var earlierJournals: [String] = []

  /// The journals to undo to put everything back, newest first.
  public var undoJournals: [String] {
    ((applied > 0 ? [journal] : []) + earlierJournals.reversed())
  }

  /// The exact shell commands that undo `undoJournals`, in order.
  public var undoCommands: [String] {
    undoJournals.map { Self.undoCommand(dataDir: dataDir, journal: $0) }
  }

  /// `maestro-admin undo --data-dir '<dir>' <journal>`, quoted for a POSIX shell.
  public static func undoCommand(dataDir: String, journal: String) -> String {
    "maestro-admin undo --data-dir \(shellQuoted(dataDir)) \(shellQuoted(journal))"
  }

  /// `text` quoted for a POSIX shell (`ShellQuote.quote`).
  public static func shellQuoted(_ text: String) -> String { ShellQuote.quote(text) }

  public var description: String {
    let first = conflicts.first.map { "\(dataDir)/\($0.path): \($0.why)" } ?? dataDir
    let more = conflicts.count > 1 ? " (and \(conflicts.count - 1) more)" : ""
    return "\(first)\(more); changed while maestro-admin was changing the data dir, so journal \(journal) stopped"
      + (applied > 0 ? " after \(applied) change(s)" : " before changing anything")
  }
}
