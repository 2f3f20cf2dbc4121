import MaestroStorage

extension SnapshotTree {
  /// A full snapshot's tree read straight from its manifest's bytes.
  struct FullManifest {
    var tree: SnapshotTree
    var id: String
    var recordedSha256: String
  }

  /// Builds the tree of a full (version 1) manifest from its bytes as
  /// `create` writes them, one record at a time, without building the whole
  /// manifest: its JSON tree would take several times the memory of the
  /// packed one (about 300 MB at scale l). The `manifestSha256` is checked
  /// as by `SnapshotManifest(parsing:)`.
  ///
  /// - Returns: `nil` when the bytes are not in that form (another layout,
  ///   an incremental, records out of order): parse the manifest instead.
  /// - Throws: `MaestroError(.snapshotInvalid)` naming `path` when the hash
  ///   does not match or a record is malformed.
  static func readFullManifest(_ bytes: [UInt8], origin: UInt16, path: String) throws -> FullManifest? {
    func invalid(_ why: String) -> MaestroError {
      MaestroError(.snapshotInvalid, "\(SnapshotManifest.memberName): \(why)", path: path)
    }
    let key = Array(",\"manifestSha256\":\"".utf8)
    let tail = key.count + 64 + 2
    guard bytes.count > tail, bytes[(bytes.count - tail)..<(bytes.count - 66)].elementsEqual(key),
      bytes[bytes.count - 2] == UInt8(ascii: "\""), bytes[bytes.count - 1] == UInt8(ascii: "}")
    else { return nil }
    let recorded = String(decoding: bytes[(bytes.count - 66)..<(bytes.count - 2)], as: UTF8.self)
    let end = bytes.count - tail  // the body ends before this
    guard let header = firstIndex(of: Array(",\"root\":{\"mode\":".utf8), in: bytes, from: 0, before: end),
      let object = (try? JSONParser.parse(Array(bytes[..<header]) + [UInt8(ascii: "}")]))?.objectValue,
      object["format"]?.stringValue == SnapshotManifest.formatName,
      object["formatVersion"]?.numberValue == Double(SnapshotManifest.formatVersion), object["parent"] == nil,
      let id = object["id"]?.stringValue
    else { return nil }
    let actual = SHA256.hex(of: Array(bytes[..<end]) + [UInt8(ascii: "}")])
    guard actual == recorded else {
      throw invalid("manifestSha256 is \(recorded) but the manifest hashes to \(actual): the manifest was altered or damaged")
    }

    var tree = SnapshotTree()
    var i = header + ",\"root\":".utf8.count
    guard let rootEnd = objectEnd(bytes, from: i, limit: end),
      let root = (try? JSONParser.parse(Array(bytes[i..<rootEnd])))?.objectValue,
      let rootAttributes = attributes(root)
    else { return nil }
    tree.root = rootAttributes
    i = rootEnd
    guard expect(",\"directories\":[", in: bytes, at: &i) else { return nil }
    var ok = true
    try records(bytes, from: &i, limit: end, ok: &ok) { o in
      guard let path = o["path"]?.stringValue, let a = attributes(o) else { throw invalid("a directory record is malformed") }
      tree.directories[path] = a
      return true
    }
    guard ok, expect(",\"files\":[", in: bytes, at: &i) else { return nil }
    var previous: String?
    try records(bytes, from: &i, limit: end, ok: &ok) { o in
      guard let file = o["path"]?.stringValue, let size = o["size"]?.numberValue, size >= 0, size < 9.0e15,
        let mode = o["mode"]?.stringValue.flatMap({ UInt32($0, radix: 8) }), mode <= 0o7777,
        let mtime = o["mtime"]?.stringValue.flatMap({ Int64($0) }), let sha256 = o["sha256"]?.stringValue
      else { throw invalid("a file record is malformed") }
      if let previous {
        let order = compare(previous, file)
        if order == 0 { throw invalid("\(file) is listed twice") }
        if order > 0 { return false }
      }
      previous = file
      try tree.append(
        SnapshotManifest.File(
          path: file, size: Int64(size), mode: mode, mtime: mtime, sha256: sha256,
          torn: o["torn"]?.boolValue ?? false, invalidJSON: o["invalidJSON"]?.boolValue ?? false,
          changed: o["changed"]?.boolValue ?? false), origin: origin, snapshot: path)
      return true
    }
    guard ok, i == end else { return nil }
    return FullManifest(tree: tree, id: id, recordedSha256: recorded)
  }

  private static func attributes(_ o: JSONObject) -> Attributes? {
    guard let mode = o["mode"]?.stringValue.flatMap({ UInt32($0, radix: 8) }), mode <= 0o7777,
      let mtime = o["mtime"]?.stringValue.flatMap({ Int64($0) })
    else { return nil }
    return Attributes(mode: mode, mtime: mtime)
  }

  /// Calls `body` with each object of the array whose `[` is just before
  /// `i`, leaving `i` after its `]`; `ok` false when the layout is not the
  /// compact one or `body` returns false.
  private static func records(
    _ bytes: [UInt8], from i: inout Int, limit: Int, ok: inout Bool, _ body: (JSONObject) throws -> Bool
  ) throws {
    if i < limit && bytes[i] == UInt8(ascii: "]") {
      i += 1
      return
    }
    while ok {
      guard let close = objectEnd(bytes, from: i, limit: limit),
        let object = (try? JSONParser.parse(Array(bytes[i..<close])))?.objectValue
      else {
        ok = false
        return
      }
      guard try body(object) else {
        ok = false
        return
      }
      i = close
      guard i < limit else {
        ok = false
        return
      }
      if bytes[i] == UInt8(ascii: "]") {
        i += 1
        return
      }
      guard bytes[i] == UInt8(ascii: ",") else {
        ok = false
        return
      }
      i += 1
    }
  }

  /// The index after the `}` closing the object that starts at `start`.
  private static func objectEnd(_ bytes: [UInt8], from start: Int, limit: Int) -> Int? {
    guard start < limit, bytes[start] == UInt8(ascii: "{") else { return nil }
    var depth = 0
    var inString = false
    var escaped = false
    var i = start
    while i < limit {
      let c = bytes[i]
      if inString {
        if escaped {
          escaped = false
        } else if c == UInt8(ascii: "\\") {
          escaped = true
        } else if c == UInt8(ascii: "\"") {
          inString = false
        }
      } else if c == UInt8(ascii: "\"") {
        inString = true
      } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
        depth += 1
      } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
        depth -= 1
        if depth == 0 { return i + 1 }
      }
      i += 1
    }
    return nil
  }

  private static func expect(_ text: String, in bytes: [UInt8], at i: inout Int) -> Bool {
    let t = Array(text.utf8)
    guard i + t.count <= bytes.count, bytes[i..<(i + t.count)].elementsEqual(t) else { return false }
    i += t.count
    return true
  }

  /// Where `needle` first occurs in `haystack[from..<end]`.
  static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from: Int, before end: Int) -> Int? {
    var i = from
    while i + needle.count <= end {
      if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
      i += 1
    }
    return nil
  }
}
