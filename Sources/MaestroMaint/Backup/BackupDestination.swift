import Glibc
import MaestroStorage

/// A backup folder: the snapshots in it (by name, newest last), what
/// interrupted runs left, and each snapshot's manifest for `list`.
///
/// Only names that `SnapshotName` parses count; anything else in the folder
/// is never listed, verified or removed.
public struct BackupDestination: Sendable {
  /// One snapshot file.
  public struct Snapshot: Sendable {
    /// Its parsed name.
    public var name: SnapshotName
    /// Its path.
    public var path: String
    /// Its size in bytes.
    public var size: Int64
  }

  /// A `.partial` file a killed `create` left.
  public struct Leftover: Sendable {
    /// Its path.
    public var path: String
    /// Its mtime (ns).
    public var mtime: Int64
  }

  /// The folder.
  public var path: String

  /// The folder at `path`.
  public init(path: String) {
    self.path = path
  }

  /// The snapshots, oldest first (by time in the name, then id).
  ///
  /// - Throws: `MaestroError` if the folder cannot be listed.
  public func snapshots() throws -> [Snapshot] {
    var result: [Snapshot] = []
    for entry in try FileSystem.listDirectory(path) where entry.kind == .file {
      guard let name = SnapshotName(parsing: entry.name) else { continue }
      let full = FileSystem.join(path, entry.name)
      let size = (try? FileSystem.stat(full, followSymlinks: false).size) ?? 0
      result.append(Snapshot(name: name, path: full, size: size))
    }
    return result.sorted { ($0.name.time, $0.name.id) < ($1.name.time, $1.name.id) }
  }

  /// `.partial` files left by interrupted `create` runs.
  public func leftovers() throws -> [Leftover] {
    try FileSystem.listDirectory(path).compactMap { entry in
      guard entry.kind == .file, entry.name.hasPrefix(".maestro-"),
        entry.name.hasSuffix(SnapshotName.partialSuffix)
      else { return nil }
      let full = FileSystem.join(path, entry.name)
      return Leftover(path: full, mtime: (try? FileSystem.stat(full, followSymlinks: false).mtime) ?? 0)
    }
  }

  /// Reads a snapshot's manifest: only its first member is decompressed.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` when the first member is not
  ///   a valid manifest; `.io`/`.notFound` when the file cannot be opened.
  public static func manifest(of snapshot: String) throws -> SnapshotManifest {
    try SnapshotManifest(parsing: try manifestBytes(of: snapshot), origin: snapshot)
  }

  /// A snapshot's manifest member, unparsed.
  static func manifestBytes(of snapshot: String) throws -> [UInt8] {
    try withManifestMember(of: snapshot) { reader, member in try reader.readAll(expected: member.size) }
  }

  /// Runs `body` on the reader positioned at a snapshot's first member,
  /// which must be its manifest.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` when it is not;
  ///   `.io`/`.notFound` when the snapshot cannot be opened.
  static func withManifestMember<T>(
    of snapshot: String, _ body: (SnapshotArchiveReader, SnapshotArchiveReader.Member) throws -> T
  ) throws -> T {
    let source = try SnapshotSource(snapshot)
    defer { try? source.finish() }
    let reader = try SnapshotArchiveReader(fd: source.fd, origin: snapshot)
    guard let first = try reader.next(), first.name == SnapshotManifest.memberName, first.kind == .regular else {
      throw MaestroError(
        .snapshotInvalid, "the first member is not \(SnapshotManifest.memberName): not a maestro-admin snapshot",
        path: snapshot)
    }
    return try body(reader, first)
  }
}
