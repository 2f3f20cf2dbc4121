import MaestroStorage

extension JournalRunner {
  /// Removals per batch: one journal append and one fsync per folder each.
  static let removalBatch = 1024
  /// Threads that remove files: unlink waits on the disk (ext4 with
  /// `discard` trims each file's blocks synchronously), so more threads
  /// than cores overlap those waits.
  static let removalThreads = 4

  private enum Removal {
    case removed
    case changed(JournalStop.Conflict)
    case failed(MaestroError)
  }

  /// Makes a run of `remove` actions: each file is checked against the state
  /// the plan expects, renamed aside, checked again there (content and no
  /// writer holding it open: `GuardedFileChange.remove`) and unlinked, on
  /// several threads; then every folder touched is fsynced and the removed
  /// ones are marked done in one append. A crash before the mark only
  /// means recovery finds them already made (or an aside file it settles).
  ///
  /// A file that changed since planning is left alone (put back if it was
  /// already set aside) and stops the journal after the batch, naming
  /// every changed file of the batch and of `rest` (after marking what was
  /// removed, so undo can put it back).
  func removeBatch(_ batch: [JournalAction], journal: Journal, progress: ProgressBar?, rest: [JournalAction]) throws {
    let results = SlotBuffer<Removal?>(count: batch.count, initial: nil)
    let threads = min(Self.removalThreads, batch.count)
    let root = dataDir
    // Not fsynced one by one: the folders are fsynced for the whole batch.
    let guarded = GuardedFileChange(root: root, durable: false, keepFolder: Self.keepFolder(journal))
    let work: @Sendable (Int) -> Void = { w in
      var k = w
      while k < batch.count {
        let action = batch[k]
        CrashPoint.reached("journal:before-action")
        let path = root + "/" + action.path
        RaceHook.reached("journal:before-action", path: path)
        do {
          // No read first: the file set aside is read and checked (gone
          // already: made before a crash).
          if let conflict = try guarded.remove(action.path, expected: action.before.sha256 ?? "") {
            results[k] = .changed(conflict)
          } else {
            results[k] = .removed
          }
        } catch let error as MaestroError {
          results[k] = .failed(error)
        } catch {
          results[k] = .failed(MaestroError(.io, "\(error)", path: path))
        }
        k += threads
      }
    }
    NativeThreads.run(threads - 1, work, main: { work(threads - 1) })

    var removed: [Int] = []
    var folders: Set<String> = []
    for (k, action) in batch.enumerated() {
      if case .removed = results[k] {
        removed.append(action.seq)
        folders.insert(FileSystem.parentDirectory(of: absolute(action.path)))
      }
    }
    for folder in folders.sorted() { try FileSystem.fsyncDirectory(folder) }
    for _ in removed { CrashPoint.reached("journal:after-action") }
    try journal.markDone(removed)
    progress?.advance(by: removed.count)
    var conflicts: [JournalStop.Conflict] = []
    var first: JournalAction?
    for (k, action) in batch.enumerated() {
      switch results[k] {
      case .changed(let conflict)?:
        conflicts.append(conflict)
        if first == nil { first = action }
      case .failed(let error)?: throw error
      default: continue
      }
    }
    if let first { try stop(journal, at: first, conflicts: conflicts, rest: rest) }
  }
}
