import MaestroStorage
import Glibc

/// Writes one archive file: `MANIFEST.json`, then every selected task file
/// at its path in the data dir, as the bytes read (pax, zstd, mode 0600),
/// fsynced. The caller writes it under a temporary name and renames it only
/// after `ArchiveFileReader` has read it back and matched the manifest.
enum ArchiveFileWriter {
  /// The manifest for `records` (which carry bytes and SHA-256).
  static func manifest(
    for records: [ArchiveTaskRecord], id: String, createdAt: Double, source: String, criteria: ArchiveCriteria
  ) -> ArchiveManifest {
    ArchiveManifest(
      id: id, createdAt: createdAt, source: source, criteria: criteria.json,
      files: records.map { .init(path: $0.path, id: $0.id, size: $0.bytes?.count ?? 0, sha256: $0.sha256 ?? "") })
  }

  /// Writes and fsyncs the archive at `path`.
  /// - Returns: the manifest member's bytes (for the read-back).
  static func write(
    _ records: [ArchiveTaskRecord], manifest: ArchiveManifest, to path: String, progress: ProgressBar?
  ) throws -> [UInt8] {
    let manifestBytes = manifest.serialized()
    let writer = try TarWriter(
      path: path, compression: .zstd, mode: 0o600, threads: min(ParallelMap.defaultWorkers, 4))
    try writer.addFile(
      path: ArchiveManifest.memberName, bytes: manifestBytes, mode: 0o600, mtime: Int64(manifest.createdAt) * 1_000_000)
    for record in records {
      try Cancellation.check()
      try writer.addFile(path: record.path, bytes: record.bytes ?? [], mode: mode_t(record.mode), mtime: record.mtime)
      CrashPoint.reached("archive:member")
      progress?.advance()
    }
    try writer.finish()
    return manifestBytes
  }
}
