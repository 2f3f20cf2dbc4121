import MaestroStorage

/// One change of a repair plan, as people and scripts read it: the file it
/// touches, the finding code it answers and the change in words
/// (`remove task_x from sessions/sess_y.json taskIds`,
/// `move tasks/p1/t.json -> tasks/p2/t.json`).
public struct RepairStep: Sendable, Hashable, CustomStringConvertible {
  /// The finding code the change answers, e.g. `session.task.dangling`.
  public var code: String
  /// The file changed (for a move or quarantine, where it was), relative
  /// to the data dir.
  public var file: String
  /// The change, in words.
  public var change: String

  /// A step answering `code` in `file`.
  public init(code: String, file: String, change: String) {
    self.code = code
    self.file = file
    self.change = change
  }

  /// `code: change`, as the text output prints it.
  public var description: String { "\(code): \(change)" }

  /// The step as one JSON object (`--json`).
  public var jsonObject: JSONObject {
    ["type": "action", "code": .string(code), "file": .string(file), "change": .string(change)]
  }
}
