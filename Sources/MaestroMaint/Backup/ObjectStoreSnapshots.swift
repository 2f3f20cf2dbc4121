import MaestroStorage

/// The snapshots under an `s3://BUCKET/PREFIX`: the object store's
/// counterpart of `BackupDestination`.
///
/// Layout, flat under the prefix: `PREFIX/<snapshot name>` is the snapshot
/// (the same tar a folder holds), uploaded by one multipart upload, and
/// `PREFIX/<snapshot name>.verified` is its marker, a small JSON object
/// written last, after the uploaded snapshot was read back and checked
/// against its manifest. The marker is what makes a snapshot exist:
/// `list`, `prune` and the snapshot count see only snapshots that have one.
/// A killed `create` therefore leaves either an incomplete multipart upload
/// (invisible to listings; the next `create` aborts it) or, killed during
/// the read-back, a snapshot object without a marker (never listed; `prune`
/// removes it after a day). Removal goes the other way: marker first.
///
/// Keys deeper under the prefix and names that are not snapshot names are
/// never listed or removed.
public struct ObjectStoreSnapshots: Sendable {
  /// The prefix.
  public var location: S3Location
  /// The store.
  public var configuration: S3Configuration

  /// `.verified`: the marker's suffix.
  public static let markerSuffix = ".verified"

  /// The snapshots under `location`.
  public init(location: S3Location, configuration: S3Configuration) {
    self.location = location
    self.configuration = configuration
  }

  /// The snapshots under `address` (`s3://BUCKET/PREFIX`), with the
  /// configuration from the environment.
  ///
  /// - Throws: `MaestroError(.usage)` for a bad address or missing credentials.
  public init(address: String) throws {
    self.init(location: try S3Location(parsing: address), configuration: try S3Configuration.fromEnvironment())
  }

  /// What a listing of the prefix holds, sorted out.
  struct Listing {
    var snapshots: [BackupDestination.Snapshot] = []
    /// Snapshot objects without a marker: left by a `create` killed during
    /// the read-back, or being verified by a `create` running now.
    var unverified: [S3Client.ObjectInfo] = []
  }

  func listing() throws -> Listing {
    let client = try S3Client(configuration)
    let prefix = location.listingPrefix
    var objects: [String: S3Client.ObjectInfo] = [:]
    var markers: Set<String> = []
    for object in try client.listObjects(bucket: location.bucket, prefix: prefix) {
      let name = String(object.key.dropFirst(prefix.count))
      guard !name.contains("/") else { continue }
      if name.hasSuffix(Self.markerSuffix) {
        markers.insert(String(name.dropLast(Self.markerSuffix.count)))
      } else if SnapshotName(parsing: name) != nil {
        objects[name] = object
      }
    }
    var result = Listing()
    for (name, object) in objects {
      guard let parsed = SnapshotName(parsing: name) else { continue }
      if markers.contains(name) {
        result.snapshots.append(
          BackupDestination.Snapshot(name: parsed, path: location.appending(name).description, size: object.size))
      } else {
        result.unverified.append(object)
      }
    }
    result.snapshots.sort { ($0.name.time, $0.name.id) < ($1.name.time, $1.name.id) }
    return result
  }

  /// Incomplete uploads of snapshot names directly under the prefix.
  func staleUploads() throws -> [S3Client.UploadInfo] {
    let client = try S3Client(configuration)
    let prefix = location.listingPrefix
    return try client.listMultipartUploads(bucket: location.bucket, prefix: prefix).filter {
      let name = String($0.key.dropFirst(prefix.count))
      return !name.contains("/") && SnapshotName(parsing: name) != nil
    }
  }

  /// Aborts every incomplete snapshot upload under the prefix: what killed
  /// `create` runs left. (Two `create` runs into one prefix at the same time
  /// are not supported: the second aborts the first's upload, which then
  /// fails without listing anything.)
  ///
  /// - Returns: The `s3://` address of each aborted upload's key.
  public func abortStaleUploads() throws -> [String] {
    let uploads = try staleUploads()
    let client = try S3Client(configuration)
    for upload in uploads {
      try client.abortMultipartUpload(bucket: location.bucket, key: upload.key, uploadId: upload.uploadId)
    }
    return uploads.map { S3Location(bucket: location.bucket, key: $0.key).description }
  }

  /// The marker's bytes for a verified snapshot.
  static func marker(name: SnapshotName, size: Int64, etag: String, manifest: SnapshotManifest) -> [UInt8] {
    let object: JSONValue = [
      "snapshot": .string(name.fileName), "size": .number(Double(size)), "etag": .string(etag),
      "snapshotId": .string(manifest.id), "files": .number(Double(manifest.files.count)),
      "verifiedAt": .number(Double(UTCTime.nowMilliseconds())),
    ]
    return Array(JSONWriter.string(object, style: .compact).utf8)
  }
}

extension ObjectStoreSnapshots: SnapshotCollection {
  /// The verified snapshots, oldest first.
  public func snapshots() throws -> [BackupDestination.Snapshot] { try listing().snapshots }

  /// Incomplete uploads and snapshot objects without a marker.
  public func leftovers() throws -> [BackupDestination.Leftover] {
    var result = try listing().unverified.map {
      BackupDestination.Leftover(path: S3Location(bucket: location.bucket, key: $0.key).description, mtime: $0.lastModified * 1_000_000)
    }
    for upload in try staleUploads() {
      result.append(
        BackupDestination.Leftover(
          path: S3Location(bucket: location.bucket, key: upload.key).description + " (incomplete upload)",
          mtime: upload.initiated * 1_000_000))
    }
    return result
  }

  /// Removes the marker, then the snapshot object.
  public func remove(_ snapshot: BackupDestination.Snapshot) throws {
    let client = try S3Client(configuration)
    let key = location.appending(snapshot.name.fileName).key
    try client.deleteObject(bucket: location.bucket, key: key + Self.markerSuffix)
    try client.deleteObject(bucket: location.bucket, key: key)
  }

  /// Removes an unverified object, or aborts an incomplete upload.
  public func removeLeftover(_ leftover: BackupDestination.Leftover) throws {
    let client = try S3Client(configuration)
    let suffix = " (incomplete upload)"
    if leftover.path.hasSuffix(suffix) {
      let key = try S3Location(parsing: String(leftover.path.dropLast(suffix.count))).key
      for upload in try staleUploads() where upload.key == key {
        try client.abortMultipartUpload(bucket: location.bucket, key: key, uploadId: upload.uploadId)
      }
    } else {
      try client.deleteObject(bucket: location.bucket, key: try S3Location(parsing: leftover.path).key)
    }
  }

  /// Nothing to flush: every S3 write is durable when acknowledged.
  public func sync() throws {}

  /// The `s3://` address.
  public var address: String { location.description }
}
