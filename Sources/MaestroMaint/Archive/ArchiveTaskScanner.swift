import MaestroStorage

/// Reads every live task file of a data dir on every core and reduces each
/// to an `ArchiveTaskRecord`; tasks that meet the criteria keep their bytes,
/// SHA-256, mode and mtime, computed on the worker that read them.
///
/// Files that cannot be read or parsed, or hold no string id, are skipped:
/// they cannot point at anything, and `check` reports them.
struct ArchiveTaskScanner: Sendable {
  let root: String
  let criteria: ArchiveCriteria
  /// Whether to draw a progress bar (on a terminal only).
  var showProgress = false

  /// The records, in scan order (project folders, then legacy flat files).
  func scan() async throws -> [ArchiveTaskRecord] {
    let files = try EntityFileScan.scan(root: root).files.filter { $0.kind == .task || $0.kind == .legacyTask }
    let root = self.root
    let criteria = self.criteria
    let progress = ProgressBar("scan", total: files.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    defer { progress.finish() }
    let records = await ParallelMap.map(files) { file -> ArchiveTaskRecord? in
      progress.advance()
      let path = root + "/" + file.relativePath
      guard let bytes = try? FileSystem.readFile(path),
        let document = TaskFieldSkimmer.skim(bytes) ?? (try? JSONParser.parse(bytes))?.objectValue,
        var record = ArchiveTaskRecord(
          document: document, path: file.relativePath, isLegacy: file.kind == .legacyTask)
      else { return nil }
      if criteria.matches(status: record.status, projectId: record.projectId, time: record.time) {
        // What goes into an archive must be a whole JSON document (restore
        // parses it): candidates are parsed fully, and the full parse's
        // members are the ones that count.
        guard let full = (try? JSONParser.parse(bytes))?.objectValue,
          let parsed = ArchiveTaskRecord(document: full, path: file.relativePath, isLegacy: file.kind == .legacyTask)
        else { return nil }
        record = parsed
        guard criteria.matches(status: record.status, projectId: record.projectId, time: record.time) else {
          return record
        }
        guard let status = try? FileSystem.stat(path, followSymlinks: false), status.kind == .file else { return nil }
        record.bytes = bytes
        record.sha256 = SHA256.hex(of: bytes)
        record.mode = status.mode & 0o7777
        record.mtime = status.mtime
      }
      return record
    }
    try Cancellation.check()
    return records.compactMap { $0 }
  }
}
