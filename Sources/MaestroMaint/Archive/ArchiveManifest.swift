import MaestroStorage

/// `MANIFEST.json`, the first member of every archive `archive create`
/// writes: what the archive holds and why it was selected.
///
/// Compact JSON: `{"format":"maestro-admin-archive","version":1,"id",
/// "createdAt","createdAtMs","tool","source","criteria":{...},
/// "counts":{"tasks","bytes"},"files":[{"path","id","size","sha256"}]}`.
/// Task files follow it as members at their paths in the data dir.
public struct ArchiveManifest: Sendable, Equatable {
  /// One archived file.
  public struct File: Sendable, Equatable {
    /// The member path, also the file's path in the data dir.
    public var path: String
    /// The task id.
    public var id: String
    /// Size in bytes.
    public var size: Int
    /// SHA-256 of the content (hex).
    public var sha256: String
  }

  /// The manifest's `format` value.
  public static let formatName = "maestro-admin-archive"
  /// The manifest's member name (always the first member).
  public static let memberName = "MANIFEST.json"

  /// The archive's short id (also in its file name).
  public var id: String
  /// Epoch ms.
  public var createdAt: Double
  /// The data dir it was taken from.
  public var source: String
  /// The selection criteria, as JSON.
  public var criteria: JSONValue
  /// The archived files, in member order.
  public var files: [File]

  public init(id: String, createdAt: Double, source: String, criteria: JSONValue, files: [File]) {
    self.id = id
    self.createdAt = createdAt
    self.source = source
    self.criteria = criteria
    self.files = files
  }

  /// The member's bytes.
  public func serialized() -> [UInt8] {
    let list: [JSONValue] = files.map {
      ["path": .string($0.path), "id": .string($0.id), "size": .number(Double($0.size)), "sha256": .string($0.sha256)]
    }
    let object: JSONObject = [
      "format": .string(Self.formatName), "version": 1, "id": .string(id),
      "createdAt": .string(UTCTime(milliseconds: Int64(createdAt)).iso8601), "createdAtMs": .number(createdAt),
      "tool": .string("maestro-admin \(MaestroAdminVersion.string)"), "source": .string(source),
      "criteria": criteria,
      "counts": ["tasks": .number(Double(files.count)), "bytes": .number(Double(files.reduce(0) { $0 + $1.size }))],
      "files": .array(list),
    ]
    return Array(JSONWriter.string(.object(object), style: .compact).utf8)
  }

  /// Parses a manifest member.
  /// - Throws: `MaestroError(.archiveRefused)` naming `origin`.
  public init(parsing bytes: [UInt8], origin: String) throws {
    func invalid(_ why: String) -> MaestroError {
      MaestroError(.archiveRefused, "\(Self.memberName) \(why)", path: origin)
    }
    guard let o = (try? JSONParser.parse(bytes))?.objectValue else { throw invalid("is not a JSON object") }
    guard o["format"]?.stringValue == Self.formatName, o["version"] == 1 else {
      throw invalid("is not a version 1 maestro-admin archive manifest")
    }
    var files: [File] = []
    for v in o["files"]?.arrayValue ?? [] {
      guard let f = v.objectValue, let path = f["path"]?.stringValue, let id = f["id"]?.stringValue,
        let size = f["size"]?.numberValue, let sha = f["sha256"]?.stringValue
      else { throw invalid("lists a file without path, id, size or sha256") }
      files.append(File(path: path, id: id, size: Int(size), sha256: sha))
    }
    self.init(
      id: o["id"]?.stringValue ?? "", createdAt: o["createdAtMs"]?.numberValue ?? 0,
      source: o["source"]?.stringValue ?? "", criteria: o["criteria"] ?? .null, files: files)
  }
}
