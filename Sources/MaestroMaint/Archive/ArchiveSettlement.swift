import MaestroStorage

/// What the catalog says against what is live, settled at the start of
/// every `archive create`: a task that is both in a verified archive listed
/// in the catalog and still live with identical bytes (a run stopped before
/// its removals, an undo of a restore) loses its live copy; a live copy that
/// differs is kept and reported; a catalog line whose archive file is gone
/// is reported (its task cannot be restored).
struct ArchiveSettlement: Sendable {
  /// A live copy to remove: identical to a verified archived one.
  struct Duplicate: Sendable {
    var entry: ArchiveCatalogEntry
    var content: [UInt8]
    var mode: UInt32
  }

  var duplicates: [Duplicate] = []
  /// Problems in words, naming the task, file or catalog line.
  var problems: [String] = []
  /// Catalog ids that are live: not selected again.
  var liveIds: Set<String> = []

  /// Compares `catalog` with the data dir at `root`.
  init(root: String, catalog: ArchiveCatalog) throws {
    var latest: [String: ArchiveCatalogEntry] = [:]
    for entry in catalog.entries { latest[entry.id] = entry }
    var verified: [String: Bool] = [:]
    var missing: [String: Int] = [:]
    for id in latest.keys.sorted() {
      let entry = latest[id]!
      guard let member = entry.member, let archive = entry.archive, ArchiveLibrary.isArchiveName(archive),
        case .success = MemberPath.normalize(member, isDirectory: false)
      else {
        problems.append("catalog line for \(EntityId.quoted(id)) names no safe archive and member; left as it is")
        continue
      }
      let archivePath = ArchiveLibrary.folder(root) + "/" + archive
      let livePath = root + "/" + member
      let live = FileSystem.fileExists(livePath, followSymlinks: false)
      if live { liveIds.insert(id) }
      guard FileSystem.fileExists(archivePath) else {
        missing[archive, default: 0] += 1
        continue
      }
      guard live, let bytes = try? FileSystem.readFile(livePath) else { continue }
      guard SHA256.hex(of: bytes) == entry.sha256 else {
        problems.append("\(member) is live and differs from its archived copy in archive/\(archive); kept live")
        continue
      }
      if verified[archive] == nil {
        verified[archive] = (try? ArchiveFileReader(path: archivePath).read())?.isVerified ?? false
      }
      guard verified[archive] == true else {
        problems.append("archive/\(archive) does not verify; the live copy of \(member) is kept")
        continue
      }
      let mode = (try? FileSystem.stat(livePath, followSymlinks: false).mode).map { $0 & 0o7777 } ?? 0o644
      duplicates.append(Duplicate(entry: entry, content: bytes, mode: mode))
    }
    for (archive, count) in missing.sorted(by: { $0.key < $1.key }) {
      problems.append("archive/\(archive) is missing: the \(count) task(s) the catalog lists in it cannot be restored")
    }
  }
}
