import MaestroStorage

/// A short, member-level diff of one JSON object, for `migrate plan`.
enum MigrationDiff {
  /// Lines like `+ "skillIds": []`, `- "taskId": "t1"`, `~ "name": "" → "Session s1"`.
  static func lines(_ before: JSONObject, _ after: JSONObject, limit: Int = 72) -> [String] {
    var out: [String] = []
    for (key, value) in before where after[key] == nil {
      out.append("- \(quote(key)): \(short(value, limit))")
    }
    for (key, value) in after {
      if let old = before[key] {
        if old != value { out.append("~ \(quote(key)): \(short(old, limit)) → \(short(value, limit))") }
      } else {
        out.append("+ \(quote(key)): \(short(value, limit))")
      }
    }
    return out
  }

  private static func quote(_ key: String) -> String { JSONWriter.string(.string(key), style: .compact) }

  private static func short(_ value: JSONValue, _ limit: Int) -> String {
    let text = JSONWriter.string(value, style: .compact)
    guard text.count > limit else { return text }
    return String(text.prefix(limit - 1)) + "…"
  }
}
