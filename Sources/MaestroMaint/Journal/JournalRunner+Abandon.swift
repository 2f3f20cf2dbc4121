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
      + "maestro-admin undo \(ShellQuote.quote(journal.id)) --data-dir \(ShellQuote.quote(dataDir)); "
      + "if neither can be done, end it where it stands with: maestro-admin journal abandon "
      + "\(ShellQuote.quote(journal.id)) --data-dir \(ShellQuote.quote(dataDir)) (then run maestro-admin check)"
    return wrapped
  }

  /// What `journal abandon` did.
  public enum Abandonment: Sendable, Equatable {
    /// The journal was recorded stopped; its made changes stay undoable.
    case stopped(made: Int, notMade: Int)
    /// The journal could not be read; its file was set aside at this path.
    case setAside(String)
    /// The journal was finished already; nothing was done.
    case alreadyFinished
  }

  /// `journal abandon`: ends the unfinished journal `id` where it stands (a
  /// journal that cannot be read is renamed `<id>.jsonl.unreadable-<UTC
  /// time>` instead), so that it no longer stops every changing command.
  /// The caller holds the lock.
  /// - Throws: `MaestroError(.notFound)` when there is no such journal.
  public func abandon(id: String, now: Double = currentTimeMilliseconds()) throws -> Abandonment {
    let path = Journal.folder(dataDir) + "/" + id + ".jsonl"
    guard FileSystem.fileExists(path, followSymlinks: false) else {
      throw MaestroError(.notFound, "no such journal", path: path)
    }
    let journal: Journal
    do {
      journal = try Journal.open(path: path)
    } catch let error as MaestroError where error.code == .badEntity {
      let aside = path + ".unreadable-" + Journal.stamp(now)
      try FileSystem.rename(path, to: aside)
      try FileSystem.fsyncDirectory(Journal.folder(dataDir))
      return .setAside(aside)
    }
    if journal.isFinished { return .alreadyFinished }
    try abandon(journal, reason: "abandoned with maestro-admin journal abandon")
    let reread = try Journal.open(path: path)
    return .stopped(made: reread.done.count, notMade: reread.actions.count - reread.done.count)
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
