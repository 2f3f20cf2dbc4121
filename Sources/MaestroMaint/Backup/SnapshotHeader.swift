import MaestroStorage

/// The keys of a snapshot's manifest that come before its listings (id,
/// time, source, counts, parent link), read without decompressing or
/// parsing the listings: what `prune` needs of every snapshot and `verify`
/// needs to tell an incremental from a full one.
///
/// The header is not checked against `manifestSha256` (that needs the whole
/// manifest); whoever then uses the snapshot reads the manifest in full.
public struct SnapshotHeader: Sendable {
  /// The snapshot id.
  public var id: String
  /// Creation time (ms since the epoch).
  public var createdAt: Int64
  /// The data dir it was taken of.
  public var source: String
  /// The host it was taken on.
  public var hostname: String
  /// The parent link of an incremental; `nil` for a full snapshot.
  public var parent: SnapshotManifest.Parent?

  /// Reads the header of the snapshot at `path` (a file or `s3://` address).
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` when the first member is
  ///   not a manifest or its header does not parse; `.io`/`.notFound` when
  ///   the snapshot cannot be opened; the store's errors.
  public static func read(_ path: String) throws -> SnapshotHeader {
    try BackupDestination.withManifestMember(of: path) { reader, _ in try parse(reader, path: path) }
  }

  /// Where `needle` first occurs in `haystack[from..<end]`.
  private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from: Int, before end: Int) -> Int? {
    var i = from
    while i + needle.count <= end {
      if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
      i += 1
    }
    return nil
  }

  private static func parse(_ reader: SnapshotArchiveReader, path: String) throws -> SnapshotHeader {
    // Every key before "root" is in the header; stop reading once it shows
    // (its value is an object with "mode", which tells it from a folder
    // named root in "folders").
    let marker = Array(",\"root\":{\"mode\":".utf8)
    var bytes: [UInt8] = []
    var end: Int?
    do {
      try reader.readData { chunk in
        let from = max(0, bytes.count - marker.count)
        bytes.append(contentsOf: chunk)
        if let found = Self.firstIndex(of: marker, in: bytes, from: from, before: bytes.count) {
          end = found
          throw Stop()
        }
      }
    } catch is Stop {}
    guard let end else {
      throw MaestroError(.snapshotInvalid, "\(SnapshotManifest.memberName) has no root record", path: path)
    }
    let text = Array(bytes[..<end]) + [UInt8(ascii: "}")]
    guard let object = (try? JSONParser.parse(text))?.objectValue,
      object["format"]?.stringValue == SnapshotManifest.formatName, let id = object["id"]?.stringValue,
      let created = object["createdAtMs"]?.numberValue, let source = object["source"]?.stringValue
    else {
      throw MaestroError(.snapshotInvalid, "\(SnapshotManifest.memberName): the header does not parse", path: path)
    }
    var parent: SnapshotManifest.Parent?
    if let link = object["parent"]?.objectValue {
      guard let name = link["name"]?.stringValue, let parentId = link["id"]?.stringValue,
        let digest = link["manifestSha256"]?.stringValue, let depth = link["depth"]?.numberValue
      else { throw MaestroError(.snapshotInvalid, "\(SnapshotManifest.memberName): parent link is incomplete", path: path) }
      parent = .init(name: name, id: parentId, manifestSha256: digest, depth: Int(depth))
    }
    return SnapshotHeader(
      id: id, createdAt: Int64(created), source: source, hostname: object["hostname"]?.stringValue ?? "",
      parent: parent)
  }

  private struct Stop: Error {}

}
