import MaestroStorage

/// One file-level change of a migration run, in words, for plans and logs.
public struct MigrationStep: Sendable {
  /// What happens to the file.
  public enum Kind: String, Sendable {
    /// Rewritten in place.
    case rewrite
    /// A flat task moved into its project folder (rewritten on the way when
    /// its content changes too).
    case move
    /// An identical flat copy of a project-folder task, removed.
    case dedupe
    /// Moved to lost+found (the losing side of a conflict, or a flat file
    /// that cannot be placed).
    case quarantine
  }

  public var kind: Kind
  /// The file, relative to the data dir.
  public var path: String
  /// The destination of a move or quarantine.
  public var destination: String?
  /// The migrations whose rules changed the file.
  public var versions: [Int]
  /// Per migration, a short member-level diff (plans only).
  public var diffs: [(version: Int, lines: [String])]

  /// The change in one line.
  public var summary: String {
    switch kind {
    case .rewrite: return "rewrite \(path)"
    case .move: return "move \(path) -> \(destination ?? "?")"
    case .dedupe: return "remove \(path) (identical to \(destination ?? "?"))"
    case .quarantine: return "quarantine \(path) -> \(destination ?? "?")"
    }
  }

  /// The step as a JSON object (`"type":"step"`).
  public var jsonObject: JSONObject {
    var o: JSONObject = ["type": "step", "kind": .string(kind.rawValue), "path": .string(path)]
    if let destination { o["to"] = .string(destination) }
    o["migrations"] = .array(versions.map { .number(Double($0)) })
    if !diffs.isEmpty {
      var d = JSONObject()
      for (v, lines) in diffs { d[String(v)] = .array(lines.map(JSONValue.string)) }
      o["diff"] = .object(d)
    }
    return o
  }
}
