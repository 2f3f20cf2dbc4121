import ArgumentParser
#if canImport(Glibc)
  import Glibc
#endif
import MaestroMaint
import MaestroStorage

/// `archive list`.
struct ArchiveListCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List archives with their task counts, date range and size (from the catalog).")

  @OptionGroup var dataDir: DataDirOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var serverProbe: ServerProbeOptions

  func run() async throws {
    try await runArchive {
      let root = try dataDir.resolve().root
      let library = ArchiveLibrary(root: root)
      let (archives, missing) = try library.list()
      let out = Output(json: output.json, server: LiveServerReport(serverProbe.makeGuard(), dataDir: root))
      for a in archives {
        let range = a.oldest.map { "\(isoTime($0).prefix(10)) .. \(isoTime(a.newest ?? $0).prefix(10))" } ?? "-"
        out.text("\(a.name)  \(grouped(a.tasks)) task(s)  completed \(range)  \(humanBytes(a.size))")
        out.record([
          "type": "archive", "name": .string(a.name), "path": .string("archive/" + a.name),
          "tasks": .number(Double(a.tasks)), "size": .number(Double(a.size)),
          "oldest": a.oldest.map { .string(isoTime($0)) } ?? .null,
          "newest": a.newest.map { .string(isoTime($0)) } ?? .null,
          "archivedAt": a.archivedAt.map { .string(isoTime($0)) } ?? .null,
        ])
      }
      for name in missing {
        out.text("missing: archive/\(name) is named in the catalog but not on disk")
        out.record(["type": "missing", "name": .string(name)])
      }
      let tasks = archives.reduce(0) { $0 + $1.tasks }
      out.record([
        "type": "summary", "archives": .number(Double(archives.count)),
        "tasks": .number(Double(tasks)), "missing": .number(Double(missing.count)),
      ])
      out.verdict(
        archives.isEmpty && missing.isEmpty
          ? "no archives"
          : "\(grouped(archives.count)) archive(s), \(grouped(tasks)) archived task(s)\(missing.isEmpty ? "" : "; \(grouped(missing.count)) missing")")
      return missing.isEmpty ? .ok : .problemsLeft
    }
  }
}

/// `archive search`.
struct ArchiveSearchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "search", abstract: "Find archived tasks in the catalog, without opening archives.")

  @OptionGroup var dataDir: DataDirOptions

  @Option(name: .long, help: ArgumentHelp("Only tasks of this project.", valueName: "id"))
  var project: String?

  @Option(name: .long, help: ArgumentHelp("Words that must all appear in the id or title.", valueName: "words"))
  var text: String?

  @Option(name: .long, help: ArgumentHelp("Completed at or after this UTC date.", valueName: "date"))
  var after: String?

  @Option(name: .long, help: ArgumentHelp("Completed before this UTC date.", valueName: "date"))
  var before: String?

  @OptionGroup var output: OutputOptions
  @OptionGroup var serverProbe: ServerProbeOptions

  func run() async throws {
    try await runArchive {
      let query = ArchiveLibrary.Query(
        projectId: project, text: text, after: try after.map(ArchiveCriteria.date),
        before: try before.map(ArchiveCriteria.date))
      let root = try dataDir.resolve().root
      let found = try ArchiveLibrary(root: root).search(query)
      let out = Output(json: output.json, server: LiveServerReport(serverProbe.makeGuard(), dataDir: root))
      for e in found {
        out.text(describe(e))
        var record = e.json
        record["type"] = "task"
        out.record(record)
      }
      out.record(["type": "summary", "found": .number(Double(found.count))])
      out.verdict("\(grouped(found.count)) archived task(s) found")
      return .ok
    }
  }
}

/// `archive show`.
struct ArchiveShowCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "Print an archived task's JSON as stored.")

  @OptionGroup var dataDir: DataDirOptions

  @Argument(help: ArgumentHelp("The task id.", valueName: "task-id"))
  var id: String

  @OptionGroup var output: OutputOptions
  @OptionGroup var serverProbe: ServerProbeOptions

  func run() async throws {
    try await runArchive {
      let root = try dataDir.resolve().root
      let (entry, bytes) = try ArchiveLibrary(root: root).show(id)
      if output.json {
        var record = entry.json
        record["type"] = "summary"
        record["task"] = (try? JSONParser.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
        Output(json: true, server: LiveServerReport(serverProbe.makeGuard(), dataDir: root)).record(record)
      } else {
        // The bytes exactly as stored (no newline added), like `cat`.
        fflush(nil)
        var offset = 0
        while offset < bytes.count {
          let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
          if n < 0 && errno == EINTR { continue }
          guard n > 0 else { throw MaestroError.system("cannot write to stdout", path: "stdout") }
          offset += n
        }
      }
      return .ok
    }
  }
}
