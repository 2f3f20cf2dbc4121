import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `undo`: puts a data dir back as it was before a journaled run (repair,
/// archive, migrate, or an undo), itself under a new journal so that the
/// undo can be finished after a crash, and undone in turn.
public struct UndoJob: Sendable {
  /// What undo found and did.
  public struct Outcome: Sendable {
    /// The journal being undone.
    public var target: String
    /// Journals a crash had left unfinished, finished first.
    public var recovered: [String]
    /// The changes planned (made, unless a dry run).
    public var actions: [JournalAction]
    /// Files changed since the run; undo refuses them without `force`.
    public var conflicts: [String]
    /// The undo's own journal, when changes were made.
    public var journal: String?
    /// Whether the target had been undone already.
    public var alreadyUndone: Bool
  }

  public let dataDir: String
  public let journalPath: String

  /// Locates `journal`: a path to a journal file, or an id of a journal in
  /// `dataDir`'s journal folder.
  /// - Throws: `MaestroError(.usage)` (exit 16) when a journal file is not
  ///   in a data dir's `.maestro-admin/journal/` folder, or is in another
  ///   data dir than `dataDir`: undo changes the data dir the journal
  ///   belongs to, so a mismatch means the wrong journal or the wrong dir.
  ///   `.notFound` when there is no such journal.
  public init(journal: String, dataDir: String?) throws {
    if journal.hasSuffix(".jsonl") && FileSystem.fileExists(journal) {
      // Where the file really is (a relative path, or one through symlinks).
      let absolute = realpath(journal, nil).map { p in defer { free(p) }; return String(cString: p) } ?? journal
      let folder = FileSystem.parentDirectory(of: absolute)
      let state = FileSystem.parentDirectory(of: folder)
      guard folder.split(separator: "/").last == "journal",
        state.split(separator: "/").last.map(String.init) == Journal.stateFolderName
      else {
        throw MaestroError(
          .usage, "not a journal of a data dir: journals live in DATA_DIR/\(Journal.stateFolderName)/journal/",
          path: journal)
      }
      journalPath = journal
      self.dataDir = FileSystem.parentDirectory(of: state)
      if let dataDir, !Self.sameDirectory(dataDir, self.dataDir) {
        throw MaestroError(
          .usage,
          "this journal belongs to the data dir \(self.dataDir), not to --data-dir \(dataDir); nothing was changed",
          path: journal)
      }
    } else if let dataDir {
      let path = Journal.folder(dataDir) + "/" + journal + (journal.hasSuffix(".jsonl") ? "" : ".jsonl")
      guard FileSystem.fileExists(path) else {
        throw MaestroError(.notFound, "no such journal", path: path)
      }
      journalPath = path
      self.dataDir = dataDir
    } else {
      throw MaestroError(.notFound, "no such journal file", path: journal)
    }
  }

  /// Whether two paths name the same directory (same device and inode;
  /// a path that cannot be read is compared as written).
  static func sameDirectory(_ a: String, _ b: String) -> Bool {
    var sa = stat()
    var sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return DataDirectory(root: a) == DataDirectory(root: b) }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
  }

  /// Plans and (unless `dryRun`) makes the undo. The caller holds the lock.
  public func run(dryRun: Bool, force: Bool, progress: ProgressBar? = nil) throws -> Outcome {
    let runner = JournalRunner(dataDir: dataDir)
    var target = try Journal.open(path: journalPath)
    var recovered = dryRun ? [] : try runner.recoverInterrupted(skipping: target.id).map(\.id)
    if !dryRun && !target.isFinished {
      // Finished first when it can be; one that cannot (the error that
      // stops it would stop it again) is ended where it stands, so that
      // what it did make is undone.
      do {
        try runner.recover(target)
        recovered.append(target.id)
      } catch let error as MaestroError where error.code != .cancelled {
        target = try Journal.open(path: journalPath)
        if !target.isFinished { try runner.abandon(target, reason: "abandoned for undo: \(error.description)") }
      }
    }
    var outcome = Outcome(
      target: target.id, recovered: recovered, actions: [], conflicts: [], journal: nil, alreadyUndone: false)
    if try Journal.list(dataDir: dataDir).contains(where: { $0.undoes == target.id && $0.committed }) {
      outcome.alreadyUndone = true
      return outcome
    }
    if !target.isFinished && dryRun {
      throw MaestroError(.usage, "journal \(target.id) is unfinished; run undo without --dry-run to finish it first")
    }
    let (plan, conflicts) = try runner.undoPlan(for: target, force: force)
    outcome.actions = plan.actions
    outcome.conflicts = conflicts
    guard !dryRun, conflicts.isEmpty || force, !plan.isEmpty else { return outcome }
    outcome.journal = try runner.run(plan, command: "undo \(target.id)", undoes: target.id, progress: progress).id
    return outcome
  }
}
