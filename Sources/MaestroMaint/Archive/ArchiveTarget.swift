import MaestroStorage

/// A catalog entry judged safe to act on: its id and project id are safe
/// file names, its member is exactly the task's own path
/// `tasks/<projectId>/<id>.json`, and its archive is a plain file name in
/// `DATA_DIR/archive/`. A hostile catalog line therefore cannot make
/// `restore` or `show` read or write anywhere else.
struct ArchiveTarget: Sendable {
  var entry: ArchiveCatalogEntry
  /// The member path, also the path in the data dir.
  var member: String
  var archivePath: String
  var sha256: String

  /// - Throws: `MaestroError(.archiveRefused)` naming the line's member and
  ///   what is wrong with it.
  init(entry: ArchiveCatalogEntry, root: String) throws {
    func refuse(_ why: String) -> MaestroError {
      MaestroError(
        .archiveRefused, "catalog line for \(EntityId.quoted(entry.id)) (member \(entry.member ?? "none")) refused: \(why)",
        path: root + "/" + ArchiveCatalog.relativePath, id: entry.id)
    }
    if let problem = EntityId.problem(with: entry.id) { throw refuse("unsafe task id: \(problem)") }
    guard let project = entry.projectId else { throw refuse("no projectId") }
    if let problem = EntityId.problem(with: project) { throw refuse("unsafe projectId: \(problem)") }
    guard let member = entry.member else { throw refuse("no member path") }
    if case .failure(let refusal) = MemberPath.normalize(member, isDirectory: false) {
      throw refuse("the member name \(refusal.reason)")
    }
    guard member == "tasks/\(project)/\(entry.id).json" else {
      throw refuse("the member is not the task's own path tasks/\(project)/\(entry.id).json")
    }
    guard let archive = entry.archive, ArchiveLibrary.isArchiveName(archive) else {
      throw refuse("the archive \(EntityId.quoted(entry.archive ?? "none")) is not a file name in archive/")
    }
    guard let sha = entry.sha256, sha.utf8.count == 64 else { throw refuse("no SHA-256") }
    self.entry = entry
    self.member = member
    self.archivePath = ArchiveLibrary.folder(root) + "/" + archive
    self.sha256 = sha
  }
}
