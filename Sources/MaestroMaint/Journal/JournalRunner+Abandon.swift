import MaestroStorage

extension JournalRunner {
  /// The error for a journal a crash left unfinished that recovery cannot
  /// finish: it names the journal and says what to do, so no journal state
  /// blocks every later command without a way out.
  static func cannotFinish(_ journal: Journal, because error: MaestroError, dataDir: String) -> MaestroError {
    var wrapped = error
    wrapped.message =
      "journal \(journal.id) (\(journal.command)) was left unfinished and cannot be finished: \(error.message). "
      + "Fix the cause and run the command again to finish it, or put back what that run changed with: "
      + "maestro-admin undo \(ShellQuote.quote(journal.id)) --data-dir \(ShellQuote.quote(dataDir))"
    return wrapped
  }

  /// Ends an unfinished `journal` without making its remaining changes, so
  /// that what it did make can be undone: the changes already made but not
  /// yet marked (told by their result, as recovery does) are marked done,
  /// then the journal is recorded stopped before the first change not made.
  func abandon(_ journal: Journal, reason: String) throws {
    var made: [Int] = []
    var firstPending: Int?
    for action in journal.actions where !journal.done.contains(action.seq) {
      let isMade: Bool
      if action.operation == .exchange {
        isMade = FileState.folder(at: absolute(action.path))?.inode == action.after.inode
      } else {
        let changed = try FileState.current(at: absolute(action.changedPath))
        isMade =
          changed.matches(action.after)
          && (action.operation != .move || !FileSystem.fileExists(absolute(action.path), followSymlinks: false))
      }
      if isMade {
        made.append(action.seq)
      } else if firstPending == nil {
        firstPending = action.seq
      }
    }
    try journal.markDone(made)
    try journal.stop(at: firstPending ?? (journal.actions.last?.seq ?? 0), reason: reason)
  }
}
