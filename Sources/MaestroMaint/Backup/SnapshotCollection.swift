import MaestroStorage

/// Where snapshots are kept, as `list` and `prune` see it: a backup folder
/// (`BackupDestination`) or an S3 prefix (`ObjectStoreSnapshots`).
public protocol SnapshotCollection: Sendable {
  /// The finished snapshots, oldest first.
  func snapshots() throws -> [BackupDestination.Snapshot]
  /// What interrupted `create` runs left (never listed as snapshots).
  func leftovers() throws -> [BackupDestination.Leftover]
  /// Removes a snapshot so that it stops counting first, then its bytes.
  func remove(_ snapshot: BackupDestination.Snapshot) throws
  /// Removes a leftover.
  func removeLeftover(_ leftover: BackupDestination.Leftover) throws
  /// Makes removals durable.
  func sync() throws
  /// The folder's path or the `s3://` address.
  var address: String { get }
}

/// The collection `--dest` names: an `s3://BUCKET/PREFIX` or a folder.
///
/// - Throws: `MaestroError(.usage)` for a bad address or missing credentials.
public func snapshotCollection(at destination: String) throws -> any SnapshotCollection {
  if S3Location.isObjectStoreAddress(destination) { return try ObjectStoreSnapshots(address: destination) }
  return BackupDestination(path: destination)
}

extension BackupDestination: SnapshotCollection {
  /// Removes the snapshot file.
  public func remove(_ snapshot: Snapshot) throws { try FileSystem.removeFile(snapshot.path) }

  /// Removes a `.partial` file.
  public func removeLeftover(_ leftover: Leftover) throws { try FileSystem.removeFile(leftover.path) }

  /// fsyncs the folder.
  public func sync() throws { try FileSystem.fsyncDirectory(path) }

  /// The folder's path.
  public var address: String { path }
}
