import MaestroStorage

/// A real conflict the migration met and how it settled it (never silently).
public struct MigrationConflict: Sendable {
  /// The task id.
  public var id: String
  /// The flat file.
  public var flatPath: String
  /// The project-folder file (or the reason the flat file could not be placed).
  public var otherPath: String?
  /// The copy that stays live.
  public var kept: String?
  /// Where the other copy went.
  public var quarantinedTo: String
  /// The finding in words.
  public var message: String

  /// As a JSON object (`"type":"conflict"`).
  public var jsonObject: JSONObject {
    var o: JSONObject = ["type": "conflict", "id": .string(id), "flat": .string(flatPath)]
    if let otherPath { o["other"] = .string(otherPath) }
    o["kept"] = kept.map(JSONValue.string) ?? .null
    o["quarantinedTo"] = .string(quarantinedTo)
    o["message"] = .string(message)
    return o
  }
}
