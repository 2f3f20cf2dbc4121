import MaestroStorage

/// Where a data dir stands: what its history records, what its content
/// shows, and which migrations are pending.
public struct MigrationStatus: Sendable {
  /// `migrations.json`, when the data dir has one.
  public var history: MigrationHistory?
  /// The version the content shows: the highest version such that no file
  /// would be changed by any migration up to it (nil when not scanned).
  public var contentVersion: Int?
  /// The version migrations start from: the recorded one when a history
  /// exists, else the content's.
  public var currentVersion: Int
  /// Registered migrations above `currentVersion`, oldest first.
  public var pending: [Migration]
  /// Per migration version, how many files its rules would change (from
  /// the content scan).
  public var filesNeeding: [Int: Int] = [:]
  /// Flat `tasks/<id>.json` files.
  public var flatTasks: Int = 0
  /// Task and session files scanned.
  public var filesScanned: Int = 0
  /// Entity files that could not be parsed (left alone, `check` reports them).
  public var unreadable: Int = 0

  /// Whether any migration is pending (exit 4 from `status`).
  public var hasPending: Bool { !pending.isEmpty }

  /// Detects the version of scanned content: one below the first migration
  /// that changes any file (or moves a flat task); the newest version when
  /// none does.
  static func contentVersion(of files: [MigratedFile], migrations: [Migration]) -> Int {
    let first = files.lazy.flatMap(\.changedBy).min()
    return first.map { $0 - 1 } ?? (migrations.last?.version ?? 0)
  }

  /// Counts per migration version.
  static func counts(_ files: [MigratedFile]) -> [Int: Int] {
    var counts: [Int: Int] = [:]
    for f in files { for v in f.changedBy { counts[v, default: 0] += 1 } }
    return counts
  }

  /// The status as a JSON summary object.
  public var jsonObject: JSONObject {
    var o: JSONObject = ["type": "status"]
    o["currentVersion"] = .number(Double(currentVersion))
    o["latestVersion"] = .number(Double(Migrations.latestVersion))
    o["recordedVersion"] = history.map { .number(Double($0.version)) } ?? .null
    o["contentVersion"] = contentVersion.map { .number(Double($0)) } ?? .null
    o["applied"] = .array(
      (history?.applied ?? []).map { e in
        var a: JSONObject = [
          "version": .number(Double(e.version)), "name": .string(e.name), "checksum": .string(e.checksum),
          "appliedAtMs": .number(e.appliedAtMs),
        ]
        if e.baseline { a["baseline"] = true }
        return .object(a)
      })
    o["pending"] = .array(
      pending.map { m in
        .object([
          "version": .number(Double(m.version)), "name": .string(m.name), "checksum": .string(m.checksum),
          "summary": .string(m.summary), "files": .number(Double(filesNeeding[m.version] ?? 0)),
        ])
      })
    o["flatTasks"] = .number(Double(flatTasks))
    o["filesScanned"] = .number(Double(filesScanned))
    o["unreadable"] = .number(Double(unreadable))
    return o
  }

  /// Fills in what a scan with every migration showed: the content's
  /// version (the current one too, unless the history records one) and
  /// the file counts.
  mutating func describe(_ files: [MigratedFile]) {
    let version = Self.contentVersion(of: files, migrations: Migrations.all)
    contentVersion = version
    currentVersion = history?.version ?? version
    filesNeeding = Self.counts(files)
    flatTasks = files.count { $0.kind == .flatTask }
    filesScanned = files.count
    unreadable = files.count { $0.problem != nil }
  }

  /// The history `up` writes: the recorded one, or for a data dir without
  /// one the migrations its content already showed (as baseline), then
  /// `wanted`, all stamped `now`.
  func record(applying wanted: [Migration], goal: Int, at now: Double) -> MigrationHistory {
    var record = history ?? MigrationHistory()
    if history == nil, let content = contentVersion {
      for m in Migrations.all where m.version <= min(content, goal) {
        record.applied.append(.init(version: m.version, name: m.name, checksum: m.checksum, appliedAtMs: now, journal: nil, baseline: true))
      }
    }
    for m in wanted {
      record.applied.append(.init(version: m.version, name: m.name, checksum: m.checksum, appliedAtMs: now, journal: nil, baseline: false))
    }
    return record
  }
}
