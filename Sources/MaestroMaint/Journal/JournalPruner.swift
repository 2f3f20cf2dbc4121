import MaestroStorage

/// `journal prune`: removes old journals with everything they keep for
/// undo (the pack of old file contents, torn records kept aside, migrate's
/// swapped-out folders), by age or by count, and packs no journal names.
///
/// Never removed: an unfinished journal (the next changing command
/// finishes it), an unreadable one (left for a person to look at), and any
/// journal linked by undo to one that is kept (an undo run and the run it
/// undoes go together, so no kept journal names a removed one). The caller
/// holds the maintenance lock unless it is a dry run.
public struct JournalPruner: Sendable {
  /// What happens to one journal, and why.
  public struct Decision: Sendable {
    /// The journal.
    public var entry: JournalCatalog.Entry
    /// Whether it is (or, in a dry run, would be) removed.
    public var prune: Bool
    /// Why it is kept or removed, for people.
    public var reason: String
  }

  /// What a prune did.
  public struct Report: Sendable {
    /// Every journal, oldest first.
    public var decisions: [Decision]
    /// Bytes freed (or that would be).
    public var freedBytes: Int64
    /// Files and folders removed (or that would be), absolute.
    public var removedPaths: [String]
  }

  /// The data dir.
  public let dataDir: String
  /// Remove only journals older than this many milliseconds.
  public var olderThan: Double?
  /// Keep the newest `keep` journals whatever their age.
  public var keep: Int?
  /// Decide, remove nothing.
  public var dryRun: Bool

  /// A pruner; at least one of `olderThan` and `keep` must be given.
  public init(dataDir: String, olderThan: Double?, keep: Int?, dryRun: Bool) {
    self.dataDir = dataDir
    self.olderThan = olderThan
    self.keep = keep
    self.dryRun = dryRun
  }

  /// A duration like `30d`, `12h`, `2w`, `90m` or `45s`, in milliseconds.
  /// - Throws: `MaestroError(.usage)` for anything else.
  public static func parseAge(_ text: String) throws -> Double {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
    guard let unit = text.last, let seconds = units[unit], let n = Int(text.dropLast()), n >= 0 else {
      throw MaestroError(.usage, "--older-than '\(text)': give a whole number and a unit: s, m, h, d or w (e.g. 30d)")
    }
    return Double(n) * seconds * 1000
  }

  /// Decides, and unless a dry run removes.
  /// - Throws: `MaestroError(.usage)` when neither rule is given; I/O
  ///   errors naming the file that cannot be removed.
  public func run(now: Double = currentTimeMilliseconds()) throws -> Report {
    guard olderThan != nil || keep != nil else {
      throw MaestroError(.usage, "journal prune needs --older-than AGE or --keep N (or both)")
    }
    if let keep, keep < 0 { throw MaestroError(.usage, "--keep must be 0 or more") }
    let catalog = try JournalCatalog(dataDir: dataDir)
    let newestFirst = catalog.entries.reversed().map(\.id)
    var wanted: [String: (Bool, String)] = [:]
    for entry in catalog.entries {
      let rank = newestFirst.firstIndex(of: entry.id) ?? 0
      if entry.state == .unfinished {
        wanted[entry.id] = (false, "unfinished: the next changing command finishes it")
      } else if entry.state == .unreadable {
        wanted[entry.id] = (false, "unreadable; left for a person to look at")
      } else if let keep, rank < keep {
        wanted[entry.id] = (false, "among the \(keep) newest")
      } else if let olderThan, entry.createdAt > now - olderThan {
        wanted[entry.id] = (false, "newer than the age given")
      } else {
        wanted[entry.id] = (true, olderThan == nil ? "beyond the \(keep ?? 0) newest" : "older than the age given")
      }
    }
    var decisions: [Decision] = []
    for entry in catalog.entries {
      var (prune, reason) = wanted[entry.id] ?? (false, "")
      if prune, let holder = catalog.group(of: entry.id).first(where: { wanted[$0]?.0 == false }) {
        let undoesEntry = holder == entry.undoes
        let undoneByHolder = catalog.entry(holder)?.undoes == entry.id
        let relation = undoesEntry ? "the run it undoes" : undoneByHolder ? "its undo run" : "a run linked to it by undo"
        prune = false
        reason = "\(relation) \(holder) is kept, and they go together"
      }
      decisions.append(Decision(entry: entry, prune: prune, reason: reason))
    }
    let keptFolders = Set(decisions.filter { !$0.prune }.flatMap(\.entry.folders))
    var removed: [String] = []
    var freed: Int64 = 0
    for decision in decisions where decision.prune {
      freed += decision.entry.journalBytes + decision.entry.packBytes
      removed += decision.entry.paths
      for folder in decision.entry.folders where !keptFolders.contains(folder) {
        let path = dataDir + "/" + folder
        if FileSystem.fileExists(path, followSymlinks: false) && !removed.contains(path) {
          removed.append(path)
          freed += JournalCatalog.treeBytes(path)
        }
      }
      freed += decision.entry.paths.dropFirst().filter { $0.contains(".jsonl.torn-") }.reduce(0) {
        $0 + JournalCatalog.size($1)
      }
    }
    // Packs no journal names (a crash before their journal was written).
    removed += catalog.orphanPacks
    freed += catalog.orphanPackBytes
    if !dryRun { try remove(removed) }
    return Report(decisions: decisions, freedBytes: freed, removedPaths: removed)
  }

  /// Removes the journal files first (durably: from then on nothing names
  /// the rest), then packs, kept records and folders.
  private func remove(_ paths: [String]) throws {
    // Nothing to remove: a data dir without journals may have no folder.
    guard !paths.isEmpty else { return }
    let journals = paths.filter { $0.hasSuffix(".jsonl") }
    for path in journals { try FileSystem.removeFile(path) }
    if !journals.isEmpty { try FileSystem.fsyncDirectory(Journal.folder(dataDir)) }
    for path in paths where !path.hasSuffix(".jsonl") {
      if FileSystem.isDirectory(path, followSymlinks: false) {
        DirectorySwap.removeTree(path)
      } else if FileSystem.fileExists(path, followSymlinks: false) {
        try FileSystem.removeFile(path)
      }
    }
    try FileSystem.fsyncDirectory(Journal.folder(dataDir))
  }
}
