import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin archive`: move completed tasks into tar archives with a
/// catalog (create), find them (list, search, show) and put them back
/// (restore).
struct ArchiveCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "archive",
    abstract: "Move completed tasks into verified tar archives with a catalog; list, search, show, restore.",
    discussion: helpParagraphs("""
      Archives are DATA_DIR/archive/<UTC yyyyMMddTHHmmssZ>-<id>.tar.zst (pax, zstd, mode 0600):
      MANIFEST.json (criteria, every file's SHA-256), then the task files at their paths in the data
      dir. DATA_DIR/archive/catalog.jsonl lists every archived task (id, projectId, parentId, title,
      status, completedAt, archive, member, sha256). Sessions keep archived ids in taskIds; check
      reports them as ref.archived (info).

      Exit codes: create 1 archived (or settled), 0 nothing to do or --dry-run; list 0 (4 when the
      catalog names a missing archive); search 0; show 0, 4 not in the catalog or damaged; restore 1
      restored, 0 nothing to change or --dry-run, 4 refused (unsafe catalog line or member, checksum
      mismatch, differing live file; nothing changed).

      """) + "\n" + ExitStatus.helpText,
    subcommands: [
      ArchiveCreateCommand.self, ArchiveListCommand.self, ArchiveSearchCommand.self, ArchiveShowCommand.self,
      ArchiveRestoreCommand.self,
    ]
  )
}

/// Like `runMapped`, with a refused archive, member or catalog line mapped
/// to exit 4.
func runArchive(json: Bool = false, _ body: () async throws -> ExitStatus) async throws {
  try await runMapped(refusing: archiveRefusals, json: json, body)
}

/// `runArchive` with `--metrics-file`.
func runArchive(
  _ metrics: MetricsOptions, command: String, target: [(name: String, value: String)], json: Bool,
  _ body: (inout RunMeasurements) async throws -> ExitStatus
) async throws {
  try await runMeasured(metrics, command: command, target: target, refusing: archiveRefusals, json: json, body)
}

/// Errors that refuse an archive (naming the member): exit 4, not 8.
private let archiveRefusals: Set<MaestroError.Code> = [.archiveRefused, .hostileId]

/// A catalog entry for people: `task_1  tasks/p/task_1.json  "Title"  (completed 2026-10-01)`.
func describe(_ e: ArchiveCatalogEntry) -> String {
  let when = e.completedAt.map { String(isoTime($0).prefix(10)) } ?? "?"
  return "\(e.id)  \(e.member ?? "?")  \"\(e.title ?? "")\"  (\(e.status ?? "?") \(when), \(e.archive ?? "?"))"
}
