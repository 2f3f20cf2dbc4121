import MaestroStorage

/// One fault `generate --inject` planted, as recorded in `DIR.faults.json`.
public struct PlantedFault: Sendable, Equatable {
  /// A finding a correct checker reports for this fault.
  public struct ExpectedFinding: Sendable, Equatable {
    /// The finding code: the fault class's raw value.
    public var code: String
    /// The entity the finding is about (see `FaultClass` for the conventions).
    public var id: String
    /// The file, relative to the data dir.
    public var file: String

    /// A finding as given.
    public init(code: String, id: String, file: String) {
      self.code = code
      self.id = id
      self.file = file
    }
  }

  /// The class planted.
  public var faultClass: FaultClass
  /// Every id involved: the entities planted for the fault and the ids
  /// their bad references name.
  public var ids: [String]
  /// Every file planted for the fault, relative to the data dir.
  public var files: [String]
  /// Exactly the findings a correct checker reports for this fault, and no
  /// others: each fault is planted on entities of its own, so faults never
  /// add findings to each other or to the clean data around them.
  public var expected: [ExpectedFinding]

  /// A fault record as given.
  public init(faultClass: FaultClass, ids: [String], files: [String], expected: [ExpectedFinding]) {
    self.faultClass = faultClass
    self.ids = ids
    self.files = files
    self.expected = expected
  }

  /// The fault as a `.faults.json` entry.
  public var json: JSONObject {
    [
      "class": .string(faultClass.rawValue),
      "ids": .array(ids.map(JSONValue.string)),
      "files": .array(files.map(JSONValue.string)),
      "expected": .array(
        expected.map { .object(["code": .string($0.code), "id": .string($0.id), "file": .string($0.file)]) }),
    ]
  }
}
