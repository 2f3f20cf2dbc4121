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
  /// packed one (about 300 MB at scale l). The hash check and the streamed
  /// `files` array are `SnapshotManifest(parsing:)`'s own
  /// (`canonicalHashes`, `JSONParser.parse(_:streamingArrayAt:)`).
  ///
  /// - Returns: `nil` when the bytes are not in that form (another layout,
  ///   an incremental, records out of order): parse the manifest instead.
  /// - Throws: `MaestroError(.snapshotInvalid)` naming `path` when the hash
  ///   does not match or a record is malformed.
  static func readFullManifest(_ bytes: [UInt8], origin: UInt16, path: String) throws -> FullManifest? {
    func invalid(_ why: String) -> MaestroError {
      MaestroError(.snapshotInvalid, "\(SnapshotManifest.memberName): \(why)", path: path)
    }
    // `create` writes a full manifest's keys in a fixed order: these first.
    let opening = Array("{\"format\":\"\(SnapshotManifest.formatName)\",\"formatVersion\":\(SnapshotManifest.formatVersion),".utf8)
    guard bytes.starts(with: opening), let hashes = SnapshotManifest.canonicalHashes(bytes) else { return nil }
    guard hashes.actual == hashes.recorded else {
      throw invalid(
        "manifestSha256 is \(hashes.recorded) but the manifest hashes to \(hashes.actual): the manifest was altered or damaged")
    }
    var tree = SnapshotTree()
    var previous: String?
    var inOrder = true
    var recordError: (any Error)?
    let value: JSONValue
    do {
      // The file records go into the tree as they are parsed.
      value = try JSONParser.parse(bytes, streamingArrayAt: "files") { v in
        guard inOrder, recordError == nil else { return }
        do {
          guard let o = v.objectValue, let file = o["path"]?.stringValue, let size = o["size"]?.numberValue, size >= 0,
            size < 9.0e15, let mode = o["mode"]?.stringValue.flatMap({ UInt32($0, radix: 8) }), mode <= 0o7777,
            let mtime = o["mtime"]?.stringValue.flatMap({ Int64($0) }), let sha256 = o["sha256"]?.stringValue
          else { throw invalid("a file record is malformed") }
          if let previous {
            let order = compare(previous, file)
            if order == 0 { throw invalid("\(file) is listed twice") }
            if order > 0 {
              inOrder = false
              return
            }
          }
          previous = file
          try tree.append(
            SnapshotManifest.File(
              path: file, size: Int64(size), mode: mode, mtime: mtime, sha256: sha256,
              torn: o["torn"]?.boolValue ?? false, invalidJSON: o["invalidJSON"]?.boolValue ?? false,
              changed: o["changed"]?.boolValue ?? false), origin: origin, snapshot: path)
        } catch { recordError = error }
      }
    } catch { return nil }
    if let recordError { throw recordError }
    guard inOrder, let object = value.objectValue, object["parent"] == nil, object["files"]?.arrayValue != nil,
      let id = object["id"]?.stringValue, let root = object["root"]?.objectValue.flatMap(attributes),
      let directories = object["directories"]?.arrayValue
    else { return nil }
    tree.root = root
    for d in directories {
      guard let o = d.objectValue, let dir = o["path"]?.stringValue, let a = attributes(o) else {
        throw invalid("a directory record is malformed")
      }
      tree.directories[dir] = a
    }
    return FullManifest(tree: tree, id: id, recordedSha256: hashes.recorded)
  }

  private static func attributes(_ o: JSONObject) -> Attributes? {
    guard let mode = o["mode"]?.stringValue.flatMap({ UInt32($0, radix: 8) }), mode <= 0o7777,
      let mtime = o["mtime"]?.stringValue.flatMap({ Int64($0) })
    else { return nil }
    return Attributes(mode: mode, mtime: mtime)
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
