import MaestroStorage

/// What `archive create` keeps of one live task file: the fields selection
/// and the catalog need, and, for tasks that meet the criteria, the file's
/// bytes and SHA-256 as read (the archive holds exactly those bytes).
public struct ArchiveTaskRecord: Sendable {
  /// The task id (from the document).
  public var id: String
  /// The file, relative to the data dir.
  public var path: String
  /// `projectId`, if a string.
  public var projectId: String?
  /// `parentId`, if a string.
  public var parentId: String?
  /// `title`, if a string.
  public var title: String?
  /// `status`, if a string.
  public var status: String?
  /// `completedAt` (epoch ms), if a number.
  public var completedAt: Double?
  /// `updatedAt` (epoch ms), if a number.
  public var updatedAt: Double?
  /// `dependencies[]`, plus `blockedBy[]` where a server writes it.
  public var dependencies: [String]
  /// `referenceTaskIds[]`.
  public var referenceTaskIds: [String]
  /// Whether the file is in the legacy flat layout `tasks/<id>.json`.
  public var isLegacy: Bool
  /// Content, for tasks that meet the criteria.
  public var bytes: [UInt8]?
  /// SHA-256 of `bytes` (hex).
  public var sha256: String?
  /// Permission bits of the file.
  public var mode: UInt32 = 0o644
  /// Modification time, nanoseconds since the epoch (for the tar member).
  public var mtime: Int64 = 0

  /// A record built from parsed fields (tests build these directly).
  public init(
    id: String, path: String, projectId: String?, parentId: String? = nil, title: String? = nil,
    status: String?, completedAt: Double? = nil, updatedAt: Double? = nil, dependencies: [String] = [],
    referenceTaskIds: [String] = [], isLegacy: Bool = false
  ) {
    self.id = id
    self.path = path
    self.projectId = projectId
    self.parentId = parentId
    self.title = title
    self.status = status
    self.completedAt = completedAt
    self.updatedAt = updatedAt
    self.dependencies = dependencies
    self.referenceTaskIds = referenceTaskIds
    self.isLegacy = isLegacy
  }

  /// Reads the fields of a parsed task document; nil when it has no string id.
  init?(document: JSONObject, path: String, isLegacy: Bool) {
    guard let id = document["id"]?.stringValue else { return nil }
    func ids(_ key: String) -> [String] { document[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    self.init(
      id: id, path: path, projectId: document["projectId"]?.stringValue,
      parentId: document["parentId"]?.stringValue, title: document["title"]?.stringValue,
      status: document["status"]?.stringValue, completedAt: document["completedAt"]?.numberValue,
      updatedAt: document["updatedAt"]?.numberValue, dependencies: ids("dependencies") + ids("blockedBy"),
      referenceTaskIds: ids("referenceTaskIds"), isLegacy: isLegacy)
  }

  /// The time the age cutoff applies to: `completedAt`, else `updatedAt`.
  public var time: Double? { completedAt ?? updatedAt }

  /// Every task id this task points at, with the field that names it.
  var references: [(id: String, field: String)] {
    var out: [(String, String)] = []
    if let parentId { out.append((parentId, "parentId")) }
    for d in dependencies { out.append((d, "dependencies")) }
    for r in referenceTaskIds { out.append((r, "referenceTaskIds")) }
    return out
  }
}
