import MaestroStorage

/// A snapshot and every snapshot it builds on, back to a full one: what
/// `restore`, `verify` and an incremental `create` follow.
///
/// Each incremental's manifest names its parent (file name, id,
/// `manifestSha256`, depth); the parent is looked up beside it (same
/// folder, or same S3 prefix, where it must also carry its `.verified`
/// marker). A parent that is missing, or whose manifest does not match the
/// link (id, hash or depth), breaks the chain: `.snapshotInvalid` naming the
/// parent and the snapshot that needs it.
struct SnapshotChain {
  /// One snapshot of the chain.
  struct Link {
    /// Its path or `s3://` address.
    var path: String
    /// Its file name.
    var name: String
    /// Its manifest (a full one's file list is shared with `tree`).
    var manifest: SnapshotManifest
    /// The SHA-256 of its manifest member as read: verify and restore
    /// stream the member again and compare, instead of parsing it twice.
    var memberSha256: String

    /// Reads the snapshot at `path`'s manifest.
    static func load(_ path: String) throws -> Link {
      let bytes = try BackupDestination.manifestBytes(of: path)
      return Link(
        path: path, name: FileSystem.lastComponent(of: path),
        manifest: try SnapshotManifest(parsing: bytes, origin: path), memberSha256: SHA256.hex(of: bytes))
    }
  }

  /// The full snapshot first, the requested snapshot last.
  var links: [Link]
  /// The tree the requested snapshot restores; each file's `origin` is its
  /// link's index.
  var tree: SnapshotTree
  /// The requested snapshot's manifest.
  var head: SnapshotManifest { links[links.count - 1].manifest }
  /// The requested snapshot's id and `manifestSha256` (what a child's
  /// link records).
  var headId: String { head.id }
  var headSha256: String { head.recordedSha256 ?? "" }

  /// Follows `path`'s parents and builds its tree.
  ///
  /// - Parameters:
  ///   - path: The snapshot.
  ///   - head: Its manifest and the SHA-256 of its member, when already read.
  /// - Throws: `MaestroError(.snapshotInvalid)` for a broken chain or a
  ///   manifest that fails its checks; `.io`/`.notFound` when `path` itself
  ///   cannot be read; the store's errors.
  static func resolve(_ path: String, head: (manifest: SnapshotManifest, memberSha256: String)? = nil) throws
    -> SnapshotChain
  {
    let first =
      try head.map {
        Link(path: path, name: FileSystem.lastComponent(of: path), manifest: $0.manifest, memberSha256: $0.memberSha256)
      } ?? Link.load(path)
    var newestFirst = [first]
    var child = first
    while let link = child.manifest.parent {
      let parentPath = try sibling(of: child.path, named: link.name)
      let parent: Link
      do {
        try requireListed(parentPath)
        parent = try Link.load(parentPath)
      } catch let error as MaestroError where error.code == .notFound || error.code == .objectStoreNoSuchKey {
        throw MaestroError(
          .snapshotInvalid,
          "parent snapshot \(link.name) is missing: \(child.name) builds on it and cannot be restored without it",
          path: parentPath)
      } catch let error as MaestroError where error.code == .snapshotInvalid {
        throw MaestroError(
          .snapshotInvalid, "parent snapshot \(link.name) of \(child.name) is unreadable: \(error.message)",
          path: parentPath)
      }
      let found = parent.manifest
      guard found.id == link.id, found.recordedSha256 == link.manifestSha256, found.chainLength == link.depth else {
        throw MaestroError(
          .snapshotInvalid,
          "parent snapshot \(link.name) does not match the link in \(child.name) (id \(found.id), manifest \(found.recordedSha256 ?? "?"), chain \(found.chainLength); the link says id \(link.id), manifest \(link.manifestSha256), chain \(link.depth))",
          path: parentPath)
      }
      guard newestFirst.count <= UInt16.max else {
        throw MaestroError(.snapshotInvalid, "the chain of parents is too long", path: path)
      }
      newestFirst.append(parent)
      child = parent
    }
    let links = Array(newestFirst.reversed())
    var tree = try SnapshotTree(full: links[0].manifest, origin: 0, path: links[0].path)
    for (k, link) in links.enumerated().dropFirst() {
      tree = try tree.applying(link.manifest, origin: UInt16(k), path: link.path)
    }
    return SnapshotChain(links: links, tree: tree)
  }

  /// The snapshot `name` in the same folder or S3 prefix as `path`.
  static func sibling(of path: String, named name: String) throws -> String {
    guard !name.contains("/"), SnapshotName(parsing: name) != nil else {
      throw MaestroError(.snapshotInvalid, "the parent name \(name) is not a snapshot name", path: path)
    }
    if S3Location.isObjectStoreAddress(path) {
      let location = try S3Location(parsing: path)
      var parts = location.key.split(separator: "/", omittingEmptySubsequences: false)
      parts.removeLast()
      return S3Location(bucket: location.bucket, key: (parts + [Substring(name)]).joined(separator: "/")).description
    }
    return FileSystem.join(FileSystem.parentDirectory(of: path), name)
  }

  /// On S3, a parent counts only with its `.verified` marker (prune removes
  /// the marker first); a file just has to exist.
  private static func requireListed(_ path: String) throws {
    guard S3Location.isObjectStoreAddress(path) else { return }
    let location = try S3Location(parsing: path)
    let client = try S3Client(try S3Configuration.fromEnvironment())
    guard try client.headObject(bucket: location.bucket, key: location.key + ObjectStoreSnapshots.markerSuffix) != nil
    else {
      throw MaestroError(.notFound, "no \(ObjectStoreSnapshots.markerSuffix) marker", path: path)
    }
  }
}
