import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The journals of a data dir as `journal list` and `journal prune` see
/// them: each with its state, who undid it, and the disk it holds (the
/// journal, its pack of old and new file contents, the torn records kept
/// aside, and the old folders a migration swapped out for undo).
///
/// Reading only: nothing here changes the data dir (`JournalPruner` does).
public struct JournalCatalog: Sendable {
  /// Where a journal stands.
  public enum State: String, Sendable {
    /// The run finished.
    case committed
    /// The run stopped before its end (a file had changed under it); what
    /// it made stays made and can be undone.
    case stopped
    /// A crash interrupted it; the next changing command finishes it.
    case unfinished
    /// The file cannot be read as a journal.
    case unreadable
  }

  /// One journal.
  public struct Entry: Sendable {
    /// The id (the file name without `.jsonl`).
    public var id: String
    /// The command that wrote it (`?` when unreadable).
    public var command: String
    /// Epoch milliseconds when it began (0 when unreadable).
    public var createdAt: Double
    /// Where it stands.
    public var state: State
    /// Why it stopped, or why it cannot be read.
    public var note: String?
    /// For an undo run: the journal it undoes.
    public var undoes: String?
    /// The committed undo runs of this journal, oldest first.
    public var undoneBy: [String]
    /// Planned changes and those made.
    public var actions: Int
    /// Changes made.
    public var done: Int
    /// Whether it holds a torn last record not yet cut.
    public var torn: Bool
    /// Bytes of the `.jsonl` file.
    public var journalBytes: Int64
    /// Bytes of the `.pack` file.
    public var packBytes: Int64
    /// Bytes of what it keeps beside for undo: migrate's swapped-out
    /// folders, torn records kept aside.
    public var undoCopyBytes: Int64
    /// The files and folders that belong to it (absolute), removed with it.
    public var paths: [String]
    /// The kept-for-undo folders it names (relative to the data dir).
    public var folders: [String]

    /// Every byte it holds.
    public var totalBytes: Int64 { journalBytes + packBytes + undoCopyBytes }
  }

  /// The data dir.
  public let dataDir: String
  /// Its journals, oldest first.
  public let entries: [Entry]
  /// Packs no journal names (absolute): a crash between writing a pack and
  /// its journal leaves one; nothing can use it.
  public let orphanPacks: [String]

  /// The bytes of `orphanPacks`.
  public var orphanPackBytes: Int64 { orphanPacks.reduce(0) { $0 + Self.size($1) } }

  /// Reads every journal of `dataDir` (an unreadable one is listed as such,
  /// never fatal).
  /// - Throws: `MaestroError` when the journal folder cannot be listed.
  public init(dataDir: String) throws {
    self.dataDir = dataDir
    let folder = Journal.folder(dataDir)
    guard FileSystem.isDirectory(folder) else {
      entries = []
      orphanPacks = []
      return
    }
    let names = try FileSystem.listDirectory(folder).filter { $0.kind == .file }.map(\.name)
    let journalNames = names.filter { $0.hasSuffix(".jsonl") }.sorted()
    let ids = Set(journalNames.map { String($0.dropLast(".jsonl".count)) })
    orphanPacks = names.filter { $0.hasSuffix(".pack") && !ids.contains(String($0.dropLast(".pack".count))) }.sorted()
      .map { folder + "/" + $0 }
    var entries: [Entry] = []
    for name in journalNames {
      let id = String(name.dropLast(".jsonl".count))
      let path = folder + "/" + name
      var entry = Entry(
        id: id, command: "?", createdAt: 0, state: .unreadable, note: nil, undoes: nil, undoneBy: [], actions: 0,
        done: 0, torn: false, journalBytes: Self.size(path), packBytes: Self.size(folder + "/" + id + ".pack"),
        undoCopyBytes: 0, paths: [path], folders: [])
      if FileSystem.fileExists(folder + "/" + id + ".pack") { entry.paths.append(folder + "/" + id + ".pack") }
      for aside in names where aside.hasPrefix(name + ".torn-") {
        entry.paths.append(folder + "/" + aside)
        entry.undoCopyBytes += Self.size(folder + "/" + aside)
      }
      do {
        let journal = try Journal.open(path: path)
        entry.command = journal.command
        entry.createdAt = journal.createdAt
        entry.state = journal.committed ? .committed : journal.stopReason != nil ? .stopped : .unfinished
        entry.note = journal.stopReason
        entry.undoes = journal.undoes
        entry.actions = journal.actions.count
        entry.done = journal.done.count
        entry.torn = journal.isTorn
        entry.folders = Self.keptFolders(journal)
      } catch {
        entry.note = (error as? MaestroError)?.message ?? "\(error)"
      }
      entries.append(entry)
    }
    // Undo runs, and the folders each one keeps (a folder two journals
    // name is counted on the first).
    var counted = Set<String>()
    for k in entries.indices {
      if let undoes = entries[k].undoes, entries[k].state == .committed,
        let target = entries.firstIndex(where: { $0.id == undoes })
      {
        entries[target].undoneBy.append(entries[k].id)
      }
      for relative in entries[k].folders where counted.insert(relative).inserted {
        entries[k].undoCopyBytes += Self.treeBytes(dataDir + "/" + relative)
      }
    }
    self.entries = entries.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
  }

  /// The entry of `id` (a journal id, or its file name).
  public func entry(_ id: String) -> Entry? {
    let wanted = id.hasSuffix(".jsonl") ? String(FileSystem.lastComponent(of: id).dropLast(6)) : id
    return entries.first { $0.id == wanted }
  }

  /// The journals whose undo or redo involves `id`: the undo runs of it,
  /// the run it undoes, and theirs in turn. They are kept or pruned
  /// together, so that no kept journal refers to a removed one.
  public func group(of id: String) -> [String] {
    var group: Set<String> = [id]
    var changed = true
    while changed {
      changed = false
      for e in entries {
        let linked = group.contains(e.id) || (e.undoes.map(group.contains) ?? false)
        if linked && group.insert(e.id).inserted { changed = true }
        if linked, let undoes = e.undoes, group.insert(undoes).inserted { changed = true }
      }
    }
    return entries.map(\.id).filter(group.contains)
  }

  /// The folders below `.maestro-admin/staging/` a journal's actions name
  /// (migrate's swapped-out `tasks/` and `sessions/`), relative.
  static func keptFolders(_ journal: Journal) -> [String] {
    let root = MigrationStaging.root + "/"
    var folders: [String] = []
    for action in journal.actions {
      for path in [action.path, action.to].compactMap({ $0 }) where path.hasPrefix(root) {
        let name = path.dropFirst(root.count).prefix { $0 != "/" }
        let folder = root + name
        if !name.isEmpty && !folders.contains(folder) { folders.append(folder) }
      }
    }
    return folders
  }

  static func size(_ path: String) -> Int64 {
    (try? FileSystem.stat(path, followSymlinks: false).size) ?? 0
  }

  /// The bytes removing `path` would free: every regular file below it
  /// with no other name (migrate's kept folders share their unchanged files
  /// with the live data as hard links; those stay when the folder goes).
  static func treeBytes(_ path: String) -> Int64 {
    var info = stat()
    guard lstat(path, &info) == 0 else { return 0 }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return info.st_nlink == 1 ? Int64(info.st_size) : 0
    case S_IFDIR:
      var total: Int64 = 0
      for entry in (try? FileSystem.listDirectory(path)) ?? [] {
        total += treeBytes(path + "/" + entry.name)
      }
      return total
    default: return 0
    }
  }
}
