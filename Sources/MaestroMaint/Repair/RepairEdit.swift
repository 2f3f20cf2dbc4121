import MaestroStorage

/// The in-memory edit of one JSON file: read once, changed by every action
/// the plan names for it, written once.
///
/// The document keeps its key order and style (`JSONDocument`); each change
/// touches only the member it names, so the written bytes differ from the
/// old ones exactly there. A change that finds nothing to do (the id is
/// already gone, already listed) records nothing.
struct RepairEdit {
  /// The file, relative to the data dir.
  let file: String
  /// The parsed document.
  private(set) var document: JSONDocument
  /// What changed, one step per change, for the plan.
  private(set) var steps: [RepairStep] = []
  /// The file's bytes as read.
  let original: [UInt8]

  /// Reads and parses `file` under `dataDir`.
  /// - Throws: `MaestroError(.badEntity)` naming the file when it holds
  ///   no JSON object or array (check reports such files; repair
  ///   quarantines them before it edits anything in them).
  init(dataDir: String, file: String) throws {
    self.file = file
    let path = dataDir + "/" + file
    original = try FileSystem.readFile(path)
    do {
      document = try JSONDocument(parsing: original)
    } catch {
      throw MaestroError(.badEntity, "cannot parse the file to edit it: \(error)", path: path)
    }
    // Entity files hold objects; `ordering/` files may hold a bare array.
    guard document.value.objectValue != nil || document.value.arrayValue != nil else {
      throw MaestroError(.badEntity, "the file to edit holds neither a JSON object nor an array", path: path)
    }
  }

  /// The bytes to write: the edited document in the file's own style.
  var newBytes: [UInt8] { JSONWriter.serialize(document.value, style: document.style) }

  /// Whether any change was made.
  var isChanged: Bool { !steps.isEmpty }

  /// The top-level object (empty for a bare-array list file).
  var object: JSONObject { document.value.objectValue ?? JSONObject() }

  private mutating func update(_ body: (inout JSONObject) -> Void) {
    var o = object
    body(&o)
    document.value = .object(o)
  }

  private mutating func note(_ code: FindingCode, _ change: String) {
    steps.append(RepairStep(code: code.rawValue, file: file, change: change))
  }

  // MARK: Lists

  /// Removes every `id` from the string array `field`.
  mutating func remove(_ id: String, from field: String, code: FindingCode) {
    guard let list = object[field]?.arrayValue, list.contains(.string(id)) else { return }
    update { $0[field] = .array(list.filter { $0 != .string(id) }) }
    note(code, "remove \(id) from \(file) \(field)")
  }

  /// Appends `id` to the string array `field` unless it is listed; creates
  /// the array (after the legacy `seed` values, if any) when it is missing.
  mutating func add(_ id: String, to field: String, seed: [String] = [], code: FindingCode) {
    var list = object[field]?.arrayValue ?? seed.map(JSONValue.string)
    guard !list.contains(.string(id)) else { return }
    list.append(.string(id))
    update { $0[field] = .array(list) }
    note(code, "add \(id) to \(file) \(field)")
  }

  /// Keeps the first occurrence of every value of the array `field`.
  mutating func dedupe(_ field: String, code: FindingCode) {
    guard let list = object[field]?.arrayValue else { return }
    var kept: [JSONValue] = []
    var removed: [String] = []
    for value in list {
      if kept.contains(value) {
        removed.append(value.stringValue ?? JSONWriter.string(value, style: .compact))
      } else {
        kept.append(value)
      }
    }
    guard !removed.isEmpty else { return }
    update { $0[field] = .array(kept) }
    note(code, "remove repeated \(removed.joined(separator: ", ")) from \(file) \(field) (first kept)")
  }

  /// Removes the key `key` from the object `field`.
  mutating func removeKey(_ key: String, from field: String, code: FindingCode) {
    guard var inner = object[field]?.objectValue, inner.contains(key) else { return }
    inner.removeValue(forKey: key)
    update { $0[field] = .object(inner) }
    note(code, "remove key \(key) from \(file) \(field)")
  }

  /// Sets `field` to null when it holds `id`.
  mutating func clear(_ field: String, ifItIs id: String, code: FindingCode) {
    guard object[field]?.stringValue == id else { return }
    update { $0[field] = .null }
    note(code, "set \(file) \(field) to null (was \(id))")
  }

  // MARK: Special shapes

  /// Removes `id` from a list file (`ordering/`, `task-lists/`,
  /// `task-graphs/`): from the top-level array, `orderedIds` or
  /// `orderedTaskIds`, or the `nodes[]` whose `taskId` it is, with the
  /// `edges[]` that touch them.
  mutating func removeFromListFile(_ id: String, code: FindingCode) {
    if let list = document.value.arrayValue {
      guard list.contains(.string(id)) else { return }
      document.value = .array(list.filter { $0 != .string(id) })
      note(code, "remove \(id) from \(file)")
      return
    }
    for field in ["orderedIds", "orderedTaskIds"] where object[field]?.arrayValue != nil {
      remove(id, from: field, code: code)
    }
    guard let nodes = object["nodes"]?.arrayValue else { return }
    let gone = nodes.filter { $0["taskId"]?.stringValue == id }
    guard !gone.isEmpty else { return }
    let goneIds = Set(gone.compactMap { $0["id"]?.stringValue } + [id])
    update { o in
      o["nodes"] = .array(nodes.filter { $0["taskId"]?.stringValue != id })
      if let edges = o["edges"]?.arrayValue {
        o["edges"] = .array(
          edges.filter { edge in
            !["from", "to", "source", "target", "sourceId", "targetId"].contains { key in
              edge[key]?.stringValue.map(goneIds.contains) ?? false
            }
          })
      }
    }
    note(code, "remove the node of task \(id) (and its edges) from \(file) nodes")
  }

  /// Rewrites every `docs[].contentFilePath` that names another data dir
  /// onto `root` (FORMAT.md §6, relocated references).
  mutating func rebaseDocPaths(root: String, aliases: [String], code: FindingCode) {
    guard let docs = object["docs"]?.arrayValue else { return }
    var changed: [String] = []
    let rebased = docs.map { doc -> JSONValue in
      guard var d = doc.objectValue, let path = d["contentFilePath"]?.stringValue,
        case .relocated(let relative) = SessionDocLocation.locate(path, root: root, aliases: aliases)
      else { return doc }
      d["contentFilePath"] = .string(root + "/" + relative)
      changed.append(relative)
      return .object(d)
    }
    guard !changed.isEmpty else { return }
    update { $0["docs"] = .array(rebased) }
    for relative in changed {
      note(code, "rebase \(file) docs contentFilePath onto \(root)/\(relative)")
    }
  }
}
