import MaestroStorage

/// The read-only side of `maestro-admin archive`: where archives live, and
/// `list`, `search` and `show`, answered from the catalog (`show` alone
/// opens an archive).
public struct ArchiveLibrary: Sendable {
  /// One archive file, as `list` reports it.
  public struct Summary: Sendable {
    /// The file name in `DATA_DIR/archive/`.
    public var name: String
    /// The file's size in bytes.
    public var size: Int64
    /// Catalog lines naming it (tasks archived and not restored).
    public var tasks: Int
    /// Earliest and latest `completedAt` of those tasks (epoch ms).
    public var oldest: Double?
    /// Latest `completedAt` of its listed tasks (epoch ms).
    public var newest: Double?
    /// When it was written (epoch ms), from the catalog.
    public var archivedAt: Double?
  }

  /// What `search` filters on; nil fields do not filter.
  public struct Query: Sendable {
    /// Only tasks of this project.
    public var projectId: String?
    /// Words that must all appear (case-insensitive) in the id or title.
    public var words: [String] = []
    /// `completedAt` at or after / strictly before (epoch ms).
    public var after: Double?
    /// `completedAt` strictly before this (epoch ms).
    public var before: Double?

    public init(projectId: String? = nil, text: String? = nil, after: Double? = nil, before: Double? = nil) {
      self.projectId = projectId
      self.words = (text ?? "").lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      self.after = after
      self.before = before
    }

    /// Whether `entry` matches.
    public func matches(_ entry: ArchiveCatalogEntry) -> Bool {
      if let projectId, entry.projectId != projectId { return false }
      if let after, (entry.completedAt ?? -.infinity) < after { return false }
      if let before, (entry.completedAt ?? .infinity) >= before { return false }
      if words.isEmpty { return true }
      let haystack = (entry.id + " " + (entry.title ?? "")).lowercased()
      return words.allSatisfy { haystack.contains($0) }
    }
  }

  /// The data dir.
  public let root: String

  public init(root: String) {
    self.root = root
  }

  /// `DATA_DIR/archive`.
  public static func folder(_ root: String) -> String { root + "/" + ArchiveCatalog.folderName }

  /// Whether `name` is a file name `archive create` writes: a safe single
  /// component ending in `.tar.zst`, not hidden.
  public static func isArchiveName(_ name: String) -> Bool {
    EntityId.isSafe(name) && name.hasSuffix(".tar.zst") && !name.hasPrefix(".")
  }

  /// The catalog's entries, the latest line per id, in line order.
  /// - Throws: `.notFound`/`.io` (exit 8) when the data dir is missing or
  ///   not a directory: an empty answer would pass for "nothing archived".
  public func entries() throws -> [ArchiveCatalogEntry] {
    try DataDirectory.requireDirectory(root)
    let all = try ArchiveCatalog(root: root).entries
    var last: [String: Int] = [:]
    for (k, e) in all.enumerated() { last[e.id] = k }
    return all.enumerated().filter { last[$0.element.id] == $0.offset }.map(\.element)
  }

  /// Every archive file and every archive the catalog names, by name, with
  /// the names the catalog lists but that are missing on disk.
  public func list() throws -> (archives: [Summary], missing: [String]) {
    try DataDirectory.requireDirectory(root)
    var byName: [String: Summary] = [:]
    let folder = Self.folder(root)
    if FileSystem.isDirectory(folder) {
      for e in try FileSystem.listDirectory(folder) where e.kind == .file && Self.isArchiveName(e.name) {
        let size = (try? FileSystem.stat(folder + "/" + e.name).size) ?? 0
        byName[e.name] = Summary(name: e.name, size: size, tasks: 0)
      }
    }
    var missing: Set<String> = []
    for entry in try entries() {
      guard let name = entry.archive else { continue }
      guard var s = byName[name] else {
        missing.insert(name)
        continue
      }
      s.tasks += 1
      if let t = entry.completedAt {
        s.oldest = min(s.oldest ?? t, t)
        s.newest = max(s.newest ?? t, t)
      }
      if let a = entry.archivedAt { s.archivedAt = min(s.archivedAt ?? a, a) }
      byName[name] = s
    }
    return (byName.keys.sorted().map { byName[$0]! }, missing.sorted())
  }

  /// The catalog entries that match `query`.
  public func search(_ query: Query) throws -> [ArchiveCatalogEntry] {
    try entries().filter(query.matches)
  }

  /// The archived task `id`: its catalog entry and its file's bytes as
  /// stored, after checking them against the catalog's SHA-256.
  ///
  /// - Throws: `MaestroError(.archiveRefused)` when the id is not in the
  ///   catalog or the member is unsafe, missing or damaged (exit 4); `.io`
  ///   when the archive cannot be opened (exit 8).
  public func show(_ id: String) throws -> (entry: ArchiveCatalogEntry, bytes: [UInt8]) {
    try DataDirectory.requireDirectory(root)
    try EntityId.validate(id)
    guard let entry = try entries().last(where: { $0.id == id }) else {
      throw MaestroError(.archiveRefused, "task \(EntityId.quoted(id)) is not in the archive catalog", id: id)
    }
    let target = try ArchiveTarget(entry: entry, root: root)
    let result = try ArchiveFileReader(path: target.archivePath).read(wanted: [target.member])
    if let problem = result.problems.first(where: { $0.member == target.member }) ?? result.problems.first {
      throw MaestroError(.archiveRefused, problem.description, path: target.archivePath, id: id)
    }
    guard let content = result.contents[target.member], SHA256.hex(of: content.bytes) == target.sha256 else {
      throw MaestroError(
        .archiveRefused, "member \(target.member) is missing or does not match the catalog's SHA-256",
        path: target.archivePath, id: id)
    }
    return (entry, content.bytes)
  }
}
