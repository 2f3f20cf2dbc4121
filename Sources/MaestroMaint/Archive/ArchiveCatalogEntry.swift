import MaestroStorage

/// One line of `DATA_DIR/archive/catalog.jsonl`: a task that `archive
/// create` moved into an archive file, with what `search` filters on and
/// what `restore` checks.
///
/// Line format (compact JSON, one object per line, keys in this order):
/// `{"id","projectId","parentId","title","status","completedAt","archive",
/// "member","sha256","size","archivedAt"}`; `archive` is the archive's
/// file name inside `DATA_DIR/archive/`, `member` the task file's path in
/// the data dir and in the archive.
public struct ArchiveCatalogEntry: Sendable, Equatable {
  /// The task id.
  public var id: String
  /// The task's project.
  public var projectId: String?
  /// The task's parent task, if any.
  public var parentId: String?
  /// The task's title (what `search --text` matches).
  public var title: String?
  /// The task's status when it was archived.
  public var status: String?
  /// Epoch ms; `updatedAt` when the task had no `completedAt`.
  public var completedAt: Double?
  /// The archive file name, e.g. `20261128T001500Z-1a2b3c4d.tar.zst`.
  public var archive: String?
  /// The member path, e.g. `tasks/proj_1/task_2.json`.
  public var member: String?
  /// SHA-256 of the task file (hex), checked on restore.
  public var sha256: String?
  /// The task file's size in bytes.
  public var size: Int?
  /// Epoch ms of the run that archived it.
  public var archivedAt: Double?

  /// An entry for a task archived now.
  init(record: ArchiveTaskRecord, archive: String, archivedAt: Double) {
    id = record.id
    projectId = record.projectId
    parentId = record.parentId
    title = record.title
    status = record.status
    completedAt = record.time
    self.archive = archive
    member = record.path
    sha256 = record.sha256
    size = record.bytes?.count
    self.archivedAt = archivedAt
  }

  /// Reads a catalog line's object; nil without a string `id`.
  public init?(json o: JSONObject) {
    guard let id = o["id"]?.stringValue else { return nil }
    self.id = id
    projectId = o["projectId"]?.stringValue
    parentId = o["parentId"]?.stringValue
    title = o["title"]?.stringValue
    status = o["status"]?.stringValue
    completedAt = o["completedAt"]?.numberValue
    archive = o["archive"]?.stringValue
    member = o["member"]?.stringValue
    sha256 = o["sha256"]?.stringValue
    size = o["size"]?.numberValue.map { Int($0) }
    archivedAt = o["archivedAt"]?.numberValue
  }

  /// The entry as a JSON object (also the `--json` record of search).
  public var json: JSONObject {
    func s(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
    func n(_ v: Double?) -> JSONValue { v.map { .number($0) } ?? .null }
    return [
      "id": .string(id), "projectId": s(projectId), "parentId": s(parentId), "title": s(title),
      "status": s(status), "completedAt": n(completedAt), "archive": s(archive), "member": s(member),
      "sha256": s(sha256), "size": n(size.map(Double.init)), "archivedAt": n(archivedAt),
    ]
  }

  /// The catalog line (without its newline).
  var catalogLine: ArchiveCatalog.Line {
    var out: [UInt8] = []
    JSONWriter.serialize(.object(json), style: .compact, into: &out)
    return ArchiveCatalog.Line(bytes: out, entry: self)
  }
}
