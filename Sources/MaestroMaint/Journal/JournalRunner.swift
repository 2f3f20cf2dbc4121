import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Applies change plans under a journal, finishes journals a crash left
/// unfinished, and plans undos. The caller holds the maintenance lock.
///
/// Order of events for one run: the whole plan and every byte it needs are
/// durable in the journal first; then each change is checked against the
/// state it expects, made durably, and marked done. A crash at any point
/// leaves a journal that `recoverInterrupted()` finishes: a change already
/// made is recognised by its result and only marked, one not yet made is
/// made. So a run is never left half done.
public struct JournalRunner: Sendable {
  public let dataDir: String

  public init(dataDir: String) {
    self.dataDir = dataDir
  }

  /// Checks a folder an `exchange` has just swapped out (now at the
  /// action's `to`) against what the run read: the paths (relative to the
  /// data dir, as they were live) created, removed or changed since.
  public typealias ExchangeCheck = @Sendable (JournalAction) throws -> [String]

  /// Journals `plan` and applies it.
  /// - Parameter exchangeCheck: for plans with `exchange` actions, how to
  ///   tell that the folder swapped out changed since it was read (without
  ///   one, the folder is compared with the journal's manifest, hashing
  ///   every file).
  /// - Returns: the committed journal.
  /// - Throws: `JournalStop` naming every file that changed since the
  ///   plan's content was read (the journal is stopped; its done changes
  ///   stay made and can be undone); I/O errors.
  ///   Any other failure once a change was made records the journal as
  ///   the error's `partialRun` (the data dir changed; undo the journal).
  @discardableResult
  public func run(
    _ plan: ChangePlan, command: String, undoes: String? = nil, progress: ProgressBar? = nil,
    exchangeCheck: ExchangeCheck? = nil
  ) throws -> Journal {
    let journal = try Journal.create(
      dataDir: dataDir, command: command, actions: plan.actions, beforeBytes: plan.beforeBytes, undoes: undoes)
    do {
      try finish(journal, progress: progress, exchangeCheck: exchangeCheck)
    } catch let stop as JournalStop {
      throw stop
    } catch {
      throw journal.done.isEmpty ? error : MaestroError.afterChanges(error, dataDir: dataDir, journals: [journal.id])
    }
    return journal
  }

  /// Finishes every journal a crash left unfinished, oldest first (but
  /// `skipping`, which the caller deals with).
  /// - Returns: the journals it finished.
  /// - Throws: `JournalStop` when a file changed under an interrupted run
  ///   (that journal is stopped there); for a journal that cannot be
  ///   finished otherwise, an error naming it and the undo command that
  ///   puts back what it changed.
  public func recoverInterrupted(skipping: String? = nil) throws -> [Journal] {
    var finished: [Journal] = []
    try removeOwnTemporaryFiles(in: Journal.folder(dataDir))
    for journal in try Journal.list(dataDir: dataDir) where !journal.isFinished && journal.id != skipping {
      do {
        try recover(journal)
      } catch let error as MaestroError where error.code != .cancelled {
        throw Self.cannotFinish(journal, because: error, dataDir: dataDir)
      }
      finished.append(journal)
    }
    return finished
  }

  /// Finishes one journal a crash left unfinished.
  func recover(_ journal: Journal) throws {
    // A crash inside a change leaves our temp file beside its target: new
    // content never swapped in, or the old content swapped out and not yet
    // verified. Each is recognised and settled, never lost.
    try settleLeftovers(of: journal)
    try finish(journal, progress: nil)
  }

  /// Removes `maestro-admin`'s own temp files (never a server's) in `folder`.
  func removeOwnTemporaryFiles(in folder: String) throws {
    guard FileSystem.isDirectory(folder) else { return }
    for entry in try FileSystem.listDirectory(folder)
    where entry.kind == .file && AtomicFile.targetName(forTemporaryName: entry.name) != nil {
      try AtomicFile.remove(folder + "/" + entry.name)
    }
  }

  /// Where a run keeps content it could put neither back nor drop.
  static func keepFolder(_ journal: Journal) -> String { "lost+found/" + journal.id }

  /// Makes every change of `journal` not yet marked done, in order, then
  /// commits it (also used by `BulkJournalRunner` for the serial tail).
  func finish(_ journal: Journal, progress: ProgressBar?, exchangeCheck: ExchangeCheck? = nil) throws {
    let guarded = GuardedFileChange(root: dataDir, durable: true, keepFolder: Self.keepFolder(journal))
    let pending = journal.actions.filter { !journal.done.contains($0.seq) }
    var k = 0
    while k < pending.count {
      // A run of removals (an archive run's live files) goes in batches on
      // several threads: see `removeBatch`.
      var end = k
      while end < pending.count && end - k < Self.removalBatch && pending[end].operation == .remove { end += 1 }
      if end > k {
        try removeBatch(Array(pending[k..<end]), journal: journal, progress: progress, rest: Array(pending[end...]))
        k = end
        continue
      }
      let action = pending[k]
      k += 1
      CrashPoint.reached("journal:before-action")
      RaceHook.reached("journal:before-action", path: absolute(action.path))
      if action.operation == .exchange {
        if let conflicts = try exchange(action, journal: journal, check: exchangeCheck) {
          try stop(journal, at: action, conflicts: conflicts, rest: Array(pending[k...]))
        }
        CrashPoint.reached("journal:after-action")
        try journal.markDone(action.seq)
        progress?.advance()
        continue
      }
      let changed = try FileState.current(at: absolute(action.changedPath))
      let alreadyMade =
        changed.matches(action.after)
        && (action.operation != .move || !FileSystem.fileExists(absolute(action.path), followSymlinks: false))
        || (action.operation == .rmdir && changed.isDirectory && !isEmptyDirectory(absolute(action.path)))
      if !alreadyMade {
        let current = action.changedPath == action.path ? changed : try FileState.current(at: absolute(action.path))
        if let conflict = try Self.conflict(action, current: current) ?? apply(action, journal: journal, guarded: guarded) {
          try stop(journal, at: action, conflicts: [conflict], rest: Array(pending[k...]))
        }
      }
      CrashPoint.reached("journal:after-action")
      try journal.markDone(action.seq)
      progress?.advance()
    }
    try journal.commit()
  }

  /// Why `action` cannot be made on `current` (what its path holds now),
  /// or nil when `current` is what the change was computed from.
  static func conflict(_ action: JournalAction, current: FileState) -> JournalStop.Conflict? {
    if current.matches(action.before) { return nil }
    let why =
      !current.exists ? "it was removed"
      : !action.before.exists ? "a file was created there"
      : current.isDirectory != action.before.isDirectory ? "a folder and a file changed places"
      : "its content is not what the change was computed from"
    return JournalStop.Conflict(path: action.path, why: why)
  }

  /// Records that the run stopped at `action` because of `conflicts`, adds
  /// every later action's path that changed too (`rest`, looked at and not
  /// touched), and throws the stop.
  func stop(
    _ journal: Journal, at action: JournalAction, conflicts first: [JournalStop.Conflict], rest: [JournalAction]
  ) throws -> Never {
    var conflicts = first
    var named = Set(first.map(\.path))
    for later in rest where later.operation != .mkdir && later.operation != .rmdir && !named.contains(later.path) {
      let current: FileState
      if later.operation == .exchange {
        guard FileState.folder(at: absolute(later.path))?.inode != later.before.inode else { continue }
        conflicts.append(JournalStop.Conflict(path: later.path, why: "the folder was replaced"))
        named.insert(later.path)
        continue
      }
      guard let state = try? FileState.current(at: absolute(later.path)) else { continue }
      current = state
      if current.matches(later.after) && later.operation != .move { continue }
      if let conflict = Self.conflict(later, current: current) {
        conflicts.append(conflict)
        named.insert(later.path)
      }
    }
    let head = conflicts[0]
    let reason = "\(head.path) changed since it was read (\(head.why)); stopped before: \(action.summary)"
    try journal.stop(at: action.seq, reason: reason, conflicts: conflicts)
    throw JournalStop(dataDir: dataDir, journal: journal.id, conflicts: conflicts, applied: journal.done.count)
  }

  /// Swaps the two folders of an `exchange` unless that is done already:
  /// which folder is where is told by inode, so after a crash the swap is
  /// made exactly once. Then the folder swapped out is checked against
  /// what the run read (`check`, else the journal's manifest); if anything
  /// in it changed, the folders are swapped back.
  /// - Returns: the conflicts, when swapped back (or never swapped).
  private func exchange(_ action: JournalAction, journal: Journal, check: ExchangeCheck?) throws
    -> [JournalStop.Conflict]?
  {
    let path = absolute(action.path)
    let other = absolute(action.to ?? "")
    let here = FileState.folder(at: path)
    let there = FileState.folder(at: other)
    let made = here?.inode == action.after.inode && there?.inode == action.before.inode
    if !made {
      guard here?.inode == action.before.inode, there?.inode == action.after.inode else {
        return [JournalStop.Conflict(path: action.path, why: "the folder is not the one the run read")]
      }
      RaceHook.reached("journal:before-swap", path: path)
      guard try DirectorySwap.exchange(path, other) else {
        throw MaestroError(
          .io, "this file system cannot exchange two folders in one step (renameat2 RENAME_EXCHANGE)", path: path)
      }
      CrashPoint.reached("journal:exchanged")
      RaceHook.reached("journal:swapped", path: path)
    }
    let changed = try check?(action) ?? swappedOutDifferences(action, journal: journal)
    if !changed.isEmpty {
      // Swapped back: what was written into the old folder is live again.
      guard try DirectorySwap.exchange(path, other) else {
        throw MaestroError(.io, "cannot swap the folders back", path: path)
      }
      try syncParents(path, other)
      return changed.map { JournalStop.Conflict(path: $0, why: "changed after the run read it") }
    }
    try syncParents(path, other)
    return nil
  }

  private func syncParents(_ path: String, _ other: String) throws {
    try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    if FileSystem.parentDirectory(of: other) != FileSystem.parentDirectory(of: path) {
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: other))
    }
  }

  /// The paths in the folder swapped out (now at the action's `to`) that
  /// differ from the journal's manifest of it, as live paths.
  private func swappedOutDifferences(_ action: JournalAction, journal: Journal) throws -> [String] {
    guard let left = try journal.beforeBytes(action.seq) else { return [] }
    let expected = try TreeManifest(bytes: left, source: journal.path)
    let found = try TreeManifest.scan(absolute(action.to ?? ""))
    return expected.differences(from: found).map { action.path + "/" + $0 }
  }

  /// Makes one change through `guarded`.
  /// - Returns: the conflict when the path did not hold what the change
  ///   was computed from (nothing changed then).
  private func apply(_ action: JournalAction, journal: Journal, guarded: GuardedFileChange) throws
    -> JournalStop.Conflict?
  {
    let path = absolute(action.path)
    switch action.operation {
    case .write:
      guard let bytes = try action.newBytes ?? journal.afterBytes(action.seq) else {
        throw MaestroError(.badEntity, "journal holds no content for action \(action.seq)", path: journal.path)
      }
      let mode = mode_t(action.after.mode ?? 0o644)
      if action.before.exists, let expected = action.before.sha256 {
        return try guarded.replace(action.path, with: bytes, mode: mode, expected: expected)
      }
      return try guarded.create(action.path, with: bytes, mode: mode)
    case .move:
      return try guarded.move(action.path, to: action.to!, expected: action.before)
    case .remove:
      guard let expected = action.before.sha256 else { return nil }
      let conflict = try guarded.remove(action.path, expected: expected)
      if conflict == nil { try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path)) }
      return conflict
    case .mkdir:
      if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw MaestroError.system("cannot create folder", path: path)
      }
      try DataDirOwner.apply(path: path)
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    case .exchange:
      return nil
    case .rmdir:
      // A folder someone has since put files in is left alone: removing it
      // is tidiness, never worth touching their data.
      if rmdir(path) != 0 && errno != ENOENT && errno != ENOTEMPTY {
        throw MaestroError.system("cannot remove folder", path: path)
      }
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    }
    return nil
  }

  /// The plan that puts back what `journal` changed (its done changes, in
  /// reverse), and the paths that changed since it ran.
  ///
  /// A conflicting path is one whose content is no longer what the journal
  /// left there; `force` plans over it anyway (its current content then goes
  /// into the undo journal, so even that is reversible).
  public func undoPlan(for journal: Journal, force: Bool) throws -> (plan: ChangePlan, conflicts: [String]) {
    var plan = ChangePlan(dataDir: dataDir)
    var conflicts: [String] = []
    for action in journal.actions.reversed() where journal.done.contains(action.seq) {
      if action.operation == .exchange {
        try planUndo(ofExchange: action, in: journal, force: force, plan: &plan, conflicts: &conflicts)
        continue
      }
      // One read: the state compared and the bytes the undo is computed
      // from are the same, so a write after it is never replaced.
      let (current, bytes) = try FileState.currentWithBytes(at: absolute(action.changedPath))
      if !current.matches(action.after) {
        conflicts.append(action.changedPath)
        if !force { continue }
      }
      let reason = "undo \(journal.id)"
      func removeCurrent(_ path: String) throws {
        try plan.remove(
          path, content: bytes ?? [], sha256: current.sha256 ?? "", mode: current.mode ?? 0o644, reason: reason,
          summary: "remove \(path)")
      }
      switch action.operation {
      case .write where action.before.exists:
        guard let old = try journal.beforeBytes(action.seq) else {
          throw MaestroError(.badEntity, "journal lacks the old content of \(action.path)", path: journal.path)
        }
        try plan.write(
          action.path, old, mode: action.before.mode ?? 0o644, before: current, oldBytes: bytes, reason: reason,
          summary: "restore \(action.path)")
      case .write:
        if current.exists && !current.isDirectory { try removeCurrent(action.path) }
      case .move:
        if current.exists {
          try plan.move(
            action.to!, to: action.path, computedFrom: bytes, reason: reason,
            summary: "move \(action.to!) back to \(action.path)")
        }
      case .remove:
        guard let old = try journal.beforeBytes(action.seq) else {
          throw MaestroError(.badEntity, "journal lacks the content of \(action.path)", path: journal.path)
        }
        if current.exists && !current.isDirectory { try removeCurrent(action.path) }
        try plan.write(
          action.path, old, mode: action.before.mode ?? 0o644, before: .absent, oldBytes: nil, reason: reason,
          summary: "restore \(action.path)")
      case .mkdir:
        if current.isDirectory { try plan.removeDirectory(action.path, reason: reason) }
      case .exchange:
        continue
      case .rmdir:
        if !current.exists {
          plan.appendPrepared(
            JournalAction(
              operation: .mkdir, path: action.path, reason: reason, summary: "create folder \(action.path)",
              before: .absent, after: FileState(exists: true, isDirectory: true)),
            oldBytes: nil)
        }
      }
    }
    return (plan, conflicts)
  }

  /// The undo of an exchange is the same exchange again, planned when the
  /// live folder is still the one the run put there and holds exactly what
  /// its manifest says; every path that differs is a conflict. With
  /// `force`, the folders are swapped back whatever they hold (the live
  /// tree is kept, at the other name, and its manifest goes into the undo
  /// journal).
  private func planUndo(
    ofExchange action: JournalAction, in journal: Journal, force: Bool, plan: inout ChangePlan,
    conflicts: inout [String]
  ) throws {
    let reason = "undo \(journal.id)"
    guard let to = action.to else {
      throw MaestroError(.badEntity, "journal: an exchange lacks its other folder", path: journal.path)
    }
    guard let arrived = try journal.afterBytes(action.seq), let left = try journal.beforeBytes(action.seq) else {
      throw MaestroError(.badEntity, "journal lacks the tree manifests of \(action.path)", path: journal.path)
    }
    let expected = try TreeManifest(bytes: arrived, source: journal.path)
    let previous = try TreeManifest(bytes: left, source: journal.path)
    guard FileState.folder(at: absolute(to)) != nil else {
      throw MaestroError(.notFound, "the folder \(action.path) was swapped with is gone; cannot undo", path: absolute(to))
    }
    guard let here = FileState.folder(at: absolute(action.path)) else {
      throw MaestroError(.notFound, "the folder is gone; cannot undo its exchange", path: absolute(action.path))
    }
    let live = try TreeManifest.scan(absolute(action.path))
    let changed =
      here.inode == action.after.inode ? expected.differences(from: live).map { action.path + "/" + $0 } : [action.path]
    conflicts += changed
    if !changed.isEmpty && !force { return }
    try plan.exchange(
      action.path, with: to, leaving: live, arriving: previous, reason: reason,
      summary: "swap \(action.path) back with \(to)")
  }

  func absolute(_ relative: String) -> String { dataDir + "/" + relative }

  private func isEmptyDirectory(_ path: String) -> Bool {
    ((try? FileSystem.listDirectory(path)) ?? []).isEmpty
  }
}
