/// A project: `projects/<id>.json`.
///
/// Fields (FORMAT.md §4): `id`, `name`, `workingDir`, `description?`,
/// `createdAt`, `updatedAt`; newer servers add `isMaster?`.
public struct Project: MaestroEntity {
  /// The document; accessors below read and write it in place.
  public var json: JSONObject

  /// Wraps an object already known to carry a string `id`.
  public init(checkedObject: JSONObject) {
    json = checkedObject
  }

  /// Fields of every server age.
  public static let knownFields: Set<String> = [
    "id", "name", "workingDir", "description", "createdAt", "updatedAt", "isMaster",
  ]

  /// "project".
  public static let entityName = "project"

  /// `name`.
  public var name: String? {
    get { json.string("name") }
    set { json.setOptional("name", .from(newValue)) }
  }

  /// `workingDir`: the directory the project's agents run in.
  public var workingDir: String? {
    get { json.string("workingDir") }
    set { json.setOptional("workingDir", .from(newValue)) }
  }

  /// `description?`; nil removes it.
  public var description: String? {
    get { json.string("description") }
    set { json.setOptional("description", .from(newValue)) }
  }

  /// `createdAt`, epoch milliseconds.
  public var createdAt: Double? {
    get { json.number("createdAt") }
    set { json.setOptional("createdAt", .from(newValue)) }
  }

  /// `updatedAt`, epoch milliseconds.
  public var updatedAt: Double? {
    get { json.number("updatedAt") }
    set { json.setOptional("updatedAt", .from(newValue)) }
  }

  /// `isMaster?` (newer servers); nil removes it.
  public var isMaster: Bool? {
    get { json.bool("isMaster") }
    set { json.setOptional("isMaster", .from(newValue)) }
  }
}
