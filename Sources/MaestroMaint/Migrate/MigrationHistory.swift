import MaestroStorage

/// `DATA_DIR/.maestro-admin/migrations.json`: every migration applied to the
/// data dir, with the checksum of its definition and when it was applied.
///
/// Format (compact JSON, written only as the last change of an `up`
/// journal, so that it is on disk exactly when the data it describes is,
/// and `undo` takes it back with the data):
///
/// ```json
/// {"format":1,"applied":[{"version":1,"name":"phase-iv-a","checksum":"<sha256>",
///   "appliedAt":"2026-11-28T00:00:00Z","appliedAtMs":1795...,"journal":"<id>","tool":"maestro-admin x.y",
///   "baseline":true}]}
/// ```
///
/// `baseline` marks a migration whose effects the content already showed
/// when the first `up` ran (it changed nothing), like Flyway's baseline.
public struct MigrationHistory: Sendable, Equatable {
  /// One applied migration.
  public struct Entry: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var checksum: String
    /// Epoch milliseconds.
    public var appliedAtMs: Double
    /// The journal whose last change recorded it.
    public var journal: String?
    /// Whether the content was already at this version when it was recorded.
    public var baseline: Bool
    /// The tool that applied it.
    public var tool: String

    public init(
      version: Int, name: String, checksum: String, appliedAtMs: Double, journal: String?, baseline: Bool,
      tool: String = "maestro-admin \(MaestroAdminVersion.string)"
    ) {
      self.version = version
      self.name = name
      self.checksum = checksum
      self.appliedAtMs = appliedAtMs
      self.journal = journal
      self.baseline = baseline
      self.tool = tool
    }
  }

  /// The applied migrations, oldest first.
  public var applied: [Entry]

  public init(applied: [Entry] = []) {
    self.applied = applied
  }

  /// The file's path relative to the data dir.
  public static let relativePath = ".maestro-admin/migrations.json"

  /// The version the entries bring the data dir to (0 when none).
  public var version: Int { applied.map(\.version).max() ?? 0 }

  /// Reads the history of `dataDir`, or nil when it has none yet.
  /// - Throws: `MaestroError(.badEntity)` naming the file when it is not a
  ///   history this tool can read.
  public static func load(dataDir: String) throws -> MigrationHistory? {
    let path = dataDir + "/" + relativePath
    guard FileSystem.fileExists(path, followSymlinks: false) else { return nil }
    return try parse(try FileSystem.readFile(path), path: path)
  }

  /// Parses the bytes of a `migrations.json`.
  public static func parse(_ bytes: [UInt8], path: String) throws -> MigrationHistory {
    let value: JSONValue
    do {
      value = try JSONParser.parse(bytes)
    } catch {
      throw MaestroError(.badEntity, "not valid JSON (\(error)); restore it from the journal or a snapshot", path: path)
    }
    guard let root = value.objectValue, root["format"] == 1, let list = root["applied"]?.arrayValue else {
      throw MaestroError(.badEntity, "not a migrations file of format 1 (needs \"format\":1 and \"applied\":[...])", path: path)
    }
    var entries: [Entry] = []
    for (k, item) in list.enumerated() {
      guard let o = item.objectValue, let v = o["version"]?.numberValue, v == v.rounded(), v >= 1,
        let name = o["name"]?.stringValue, let checksum = o["checksum"]?.stringValue
      else {
        throw MaestroError(.badEntity, "entry \(k + 1) of \"applied\" lacks version, name or checksum", path: path)
      }
      entries.append(
        Entry(
          version: Int(v), name: name, checksum: checksum, appliedAtMs: o["appliedAtMs"]?.numberValue ?? 0,
          journal: o["journal"]?.stringValue, baseline: o["baseline"]?.boolValue ?? false,
          tool: o["tool"]?.stringValue ?? "?"))
    }
    return MigrationHistory(applied: entries)
  }

  /// The file's bytes (compact JSON, as the toolkit's own state files are).
  public func serialized() -> [UInt8] {
    var list: [JSONValue] = []
    for e in applied {
      var o: JSONObject = [
        "version": .number(Double(e.version)), "name": .string(e.name), "checksum": .string(e.checksum),
        "appliedAt": .string(UTCTime(milliseconds: Int64(e.appliedAtMs)).iso8601), "appliedAtMs": .number(e.appliedAtMs),
      ]
      if let journal = e.journal { o["journal"] = .string(journal) }
      o["tool"] = .string(e.tool)
      if e.baseline { o["baseline"] = true }
      list.append(.object(o))
    }
    return JSONWriter.serialize(.object(["format": 1, "applied": .array(list)]), style: .compact)
  }

  /// Checks every entry against the registered migrations, GRDB's
  /// `hasBeenSuperseded` and Flyway's checksum validation in one.
  /// - Throws: `MigrationRefusal` naming the first entry this tool does not
  ///   know (a newer tool wrote it) or whose checksum differs from the
  ///   definition this tool would apply.
  public func validate(against registry: [Migration] = Migrations.all, path: String) throws {
    for entry in applied {
      guard let known = registry.first(where: { $0.version == entry.version }), known.name == entry.name else {
        throw MigrationRefusal(
          reason: .unknownMigration, version: entry.version, name: entry.name, path: path,
          message:
            "records migration \(entry.version) \"\(entry.name)\", which this maestro-admin (\(MaestroAdminVersion.string), knows up to \(Migrations.latestVersion)) does not know: the data dir was migrated by a newer tool; use that tool or a newer maestro-admin")
      }
      guard known.checksum == entry.checksum else {
        throw MigrationRefusal(
          reason: .checksumMismatch, version: entry.version, name: entry.name, path: path,
          message:
            "records migration \(entry.version) \"\(entry.name)\" with checksum \(entry.checksum), but this tool's definition has checksum \(known.checksum): the migration was changed after it was applied (or the file was edited); restore migrations.json or use the tool that applied it")
      }
    }
  }
}
