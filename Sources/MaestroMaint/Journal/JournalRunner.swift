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

  /// Journals `plan` and applies it.
  /// - Returns: the committed journal, or the stopped one when a file had
  ///   changed since planning (its done changes stay made).
  /// - Throws: I/O errors; `MaestroError(.io)` naming the file that changed.
  @discardableResult
  public func run(
    _ plan: ChangePlan, command: String, undoes: String? = nil, progress: ProgressBar? = nil
  ) throws -> Journal {
    let journal = try Journal.create(
      dataDir: dataDir, command: command, actions: plan.actions, beforeBytes: plan.beforeBytes, undoes: undoes)
    try finish(journal, progress: progress)
    return journal
  }

  /// Finishes every journal a crash left unfinished, oldest first (but
  /// `skipping`, which the caller deals with).
  /// - Returns: the journals it finished.
  /// - Throws: for a journal that cannot be finished, an error naming it
  ///   and the undo command that puts back what it changed.
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
    // A crash inside an atomic write leaves our temp file beside its
    // target; the target itself is whole (old or new), so the temp goes.
    let folders = Set(journal.actions.flatMap { [$0.path, $0.to].compactMap { $0 } }.map {
      FileSystem.parentDirectory(of: absolute($0))
    })
    for folder in folders.sorted() { try removeOwnTemporaryFiles(in: folder) }
    try finish(journal, progress: nil)
  }

  /// Removes `maestro-admin`'s own temp files (never a server's) in `folder`.
  private func removeOwnTemporaryFiles(in folder: String) throws {
    guard FileSystem.isDirectory(folder) else { return }
    for entry in try FileSystem.listDirectory(folder)
    where entry.kind == .file && AtomicFile.targetName(forTemporaryName: entry.name) != nil {
      try AtomicFile.remove(folder + "/" + entry.name)
    }
  }

  /// Makes every change of `journal` not yet marked done, in order, then
  /// commits it (also used by `BulkJournalRunner` for the serial tail).
  func finish(_ journal: Journal, progress: ProgressBar?) throws {
    let pending = journal.actions.filter { !journal.done.contains($0.seq) }
    var k = 0
    while k < pending.count {
      // A run of removals (an archive run's live files) goes in batches on
      // several threads: see `removeBatch`.
      var end = k
      while end < pending.count && end - k < Self.removalBatch && pending[end].operation == .remove { end += 1 }
      if end > k {
        try removeBatch(Array(pending[k..<end]), journal: journal, progress: progress)
        k = end
        continue
      }
      let action = pending[k]
      k += 1
      CrashPoint.reached("journal:before-action")
      if action.operation == .exchange {
        try exchange(action, journal: journal)
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
        guard current.matches(action.before) else { try stop(journal, before: action) }
        try apply(action, journal: journal)
      }
      CrashPoint.reached("journal:after-action")
      try journal.markDone(action.seq)
      progress?.advance()
    }
    try journal.commit()
  }

  /// Records that `action`'s path changed since planning and stops there.
  func stop(_ journal: Journal, before action: JournalAction) throws -> Never {
    let reason = "\(action.path) changed since the plan was made; stopped before: \(action.summary)"
    try journal.stop(at: action.seq, reason: reason)
    throw MaestroError(.io, reason + " (journal \(journal.id))", path: absolute(action.path))
  }

  /// Swaps the two folders of an `exchange` unless that is done already:
  /// which folder is where is told by inode, so after a crash the swap is
  /// made exactly once.
  private func exchange(_ action: JournalAction, journal: Journal) throws {
    let path = absolute(action.path)
    let other = absolute(action.to ?? "")
    let here = FileState.folder(at: path)
    let there = FileState.folder(at: other)
    if here?.inode == action.after.inode && there?.inode == action.before.inode { return }
    guard here?.inode == action.before.inode, there?.inode == action.after.inode else {
      try stop(journal, before: action)
    }
    guard try DirectorySwap.exchange(path, other) else {
      throw MaestroError(
        .io, "this file system cannot exchange two folders in one step (renameat2 RENAME_EXCHANGE)", path: path)
    }
    try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    if FileSystem.parentDirectory(of: other) != FileSystem.parentDirectory(of: path) {
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: other))
    }
  }

  private func apply(_ action: JournalAction, journal: Journal) throws {
    let path = absolute(action.path)
    switch action.operation {
    case .write:
      guard let bytes = try action.newBytes ?? journal.afterBytes(action.seq) else {
        throw MaestroError(.badEntity, "journal holds no content for action \(action.seq)", path: journal.path)
      }
      try AtomicFile.write(bytes, to: path, mode: mode_t(action.after.mode ?? 0o644))
    case .move:
      let destination = absolute(action.to!)
      try FileSystem.rename(path, to: destination)
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: destination))
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    case .remove:
      try AtomicFile.remove(path)
    case .mkdir:
      if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw MaestroError.system("cannot create folder", path: path)
      }
      try DataDirOwner.apply(path: path)
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    case .exchange:
      try exchange(action, journal: journal)
    case .rmdir:
      // A folder someone has since put files in is left alone: removing it
      // is tidiness, never worth touching their data.
      if rmdir(path) != 0 && errno != ENOENT && errno != ENOTEMPTY {
        throw MaestroError.system("cannot remove folder", path: path)
      }
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    }
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
      let current = try FileState.current(at: absolute(action.changedPath))
      if !current.matches(action.after) {
        conflicts.append(action.changedPath)
        if !force { continue }
      }
      let reason = "undo \(journal.id)"
      switch action.operation {
      case .write where action.before.exists:
        guard let old = try journal.beforeBytes(action.seq) else {
          throw MaestroError(.badEntity, "journal lacks the old content of \(action.path)", path: journal.path)
        }
        try plan.write(action.path, old, mode: action.before.mode ?? 0o644, reason: reason, summary: "restore \(action.path)")
      case .write:
        if current.exists { try plan.remove(action.path, reason: reason, summary: "remove \(action.path)") }
      case .move:
        if current.exists {
          try plan.move(action.to!, to: action.path, reason: reason, summary: "move \(action.to!) back to \(action.path)")
        }
      case .remove:
        guard let old = try journal.beforeBytes(action.seq) else {
          throw MaestroError(.badEntity, "journal lacks the content of \(action.path)", path: journal.path)
        }
        if current.exists { try plan.remove(action.path, reason: reason, summary: "remove \(action.path)") }
        try plan.write(action.path, old, mode: action.before.mode ?? 0o644, reason: reason, summary: "restore \(action.path)")
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
