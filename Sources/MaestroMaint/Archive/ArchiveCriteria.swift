import MaestroStorage

/// Which tasks `archive create` selects: statuses, an age cutoff on
/// `completedAt` (else `updatedAt`), and optionally one project.
public struct ArchiveCriteria: Sendable, Equatable {
  /// Task statuses that may be archived (default `completed`).
  public var statuses: [String]
  /// Tasks whose time is strictly before this (epoch ms) qualify.
  public var cutoffMs: Double
  /// Only tasks of this project, when set.
  public var projectId: String?
  /// The `--older-than` text given, for the manifest.
  public var olderThan: String?
  /// The `--before` text given, for the manifest.
  public var before: String?

  /// Criteria with an explicit cutoff.
  public init(
    statuses: [String] = ["completed"], cutoffMs: Double, projectId: String? = nil, olderThan: String? = nil,
    before: String? = nil
  ) {
    self.statuses = statuses
    self.cutoffMs = cutoffMs
    self.projectId = projectId
    self.olderThan = olderThan
    self.before = before
  }

  /// Builds criteria from the command-line texts. The cutoff is the earlier
  /// of `now - olderThan` and `before`; with neither, `30d`.
  ///
  /// - Throws: `MaestroError(.usage)` naming the text that cannot be read.
  public init(
    statuses: String?, olderThan: String?, before: String?, projectId: String?,
    now: Double = currentTimeMilliseconds()
  ) throws {
    let list = (statuses ?? "completed").split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
    guard !list.isEmpty else { throw MaestroError(.usage, "--status needs at least one status") }
    let known = TaskStatus.knownValues.map(\.rawValue)
    if let unknown = list.first(where: { !known.contains($0) }) {
      throw MaestroError(
        .usage, "--status: \"\(unknown)\" is not a task status; known: \(known.joined(separator: ", "))")
    }
    if let projectId { try EntityId.validate(projectId) }
    var cutoff = Double.infinity
    if let olderThan { cutoff = now - (try Self.duration(olderThan)) }
    if let before { cutoff = min(cutoff, try Self.date(before)) }
    if olderThan == nil && before == nil { cutoff = now - 30 * 86_400_000 }
    self.init(statuses: list, cutoffMs: cutoff, projectId: projectId, olderThan: olderThan, before: before)
  }

  /// Checks that `--project` names a project of the data dir at `root`:
  /// its `projects/<id>.json` or its `tasks/<id>/` folder exists (a typo
  /// would otherwise archive nothing and exit 0).
  /// - Throws: `MaestroError(.usage)` naming the project.
  public func validateProject(in root: String) throws {
    guard let projectId else { return }
    guard FileSystem.fileExists(root + "/projects/" + projectId + ".json")
      || FileSystem.isDirectory(root + "/tasks/" + projectId)
    else {
      throw MaestroError(
        .usage, "--project: no project \(EntityId.quoted(projectId)) in this data dir (neither projects/\(projectId).json nor tasks/\(projectId)/)",
        path: root)
    }
  }

  /// Whether a task with this status, project and time qualifies.
  public func matches(status: String?, projectId: String?, time: Double?) -> Bool {
    guard let status, statuses.contains(status), let time, time < cutoffMs else { return false }
    if let wanted = self.projectId, wanted != projectId { return false }
    return true
  }

  /// `30d`, `12h`, `90m`, `2w`, `0d` in milliseconds.
  public static func duration(_ text: String) throws -> Double {
    let units: [Character: Double] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000]
    guard let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value >= 0,
      value.isFinite
    else {
      throw MaestroError(.usage, "cannot read the duration \"\(text)\": use a number and s, m, h, d or w (30d)")
    }
    return value * factor
  }

  /// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ` in epoch ms.
  public static func date(_ text: String) throws -> Double {
    let bytes = Array(text.utf8)
    func number(_ range: Range<Int>) -> Int? {
      guard range.upperBound <= bytes.count else { return nil }
      var v = 0
      for b in bytes[range] {
        guard b >= 48 && b <= 57 else { return nil }
        v = v * 10 + Int(b - 48)
      }
      return v
    }
    let dashes = bytes.count >= 10 && bytes[4] == 0x2D && bytes[7] == 0x2D
    guard dashes, let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10), (1...12).contains(mo),
      (1...31).contains(d)
    else {
      throw MaestroError(.usage, "cannot read the date \"\(text)\": use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")
    }
    guard d <= UTCTime.daysInMonth(mo, year: y) else {
      throw MaestroError(
        .usage, "\"\(text)\" is not a date: \(y)-\(mo < 10 ? "0" : "")\(mo) has \(UTCTime.daysInMonth(mo, year: y)) days")
    }
    var time = UTCTime(year: y, month: mo, day: d, hour: 0, minute: 0, second: 0)
    if bytes.count > 10 {
      guard bytes.count == 20, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A, bytes[19] == 0x5A,
        let h = number(11..<13), let mi = number(14..<16), let s = number(17..<19), h < 24, mi < 60, s < 60
      else {
        throw MaestroError(.usage, "cannot read the date \"\(text)\": use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")
      }
      (time.hour, time.minute, time.second) = (h, mi, s)
    }
    return Double(time.milliseconds)
  }

  /// The criteria as the manifest records them.
  var json: JSONValue {
    var o: JSONObject = ["statuses": .array(statuses.map { .string($0) })]
    o["cutoff"] = cutoffMs.isFinite ? .string(UTCTime(milliseconds: Int64(cutoffMs)).iso8601) : .null
    o["cutoffMs"] = cutoffMs.isFinite ? .number(cutoffMs) : .null
    if let olderThan { o["olderThan"] = .string(olderThan) }
    if let before { o["before"] = .string(before) }
    if let projectId { o["project"] = .string(projectId) }
    return .object(o)
  }
}

extension String {
  fileprivate var trimmed: String {
    var s = Substring(self)
    while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
    return String(s)
  }
}
