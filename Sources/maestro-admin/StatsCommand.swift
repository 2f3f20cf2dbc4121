import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin stats`: what a data dir holds.
struct StatsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats",
    abstract: "Count projects, tasks and sessions; bytes on disk; legacy and unparseable files.",
    discussion: "Read-only. Exit 0, or 8 when the data dir cannot be read.\n\n" + ExitStatus.helpText
  )

  @OptionGroup var dataDir: DataDirOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var serverProbe: ServerProbeOptions

  func run() async throws {
    try await runMapped {
      let root = try dataDir.resolve().root
      let stats = try await DataDirStats.compute(root: root, showProgress: !output.json)
      render(stats, Output(json: output.json, server: LiveServerReport(serverProbe.makeGuard(), dataDir: root)))
      return .ok
    }
  }

  func render(_ s: DataDirStats, _ out: Output) {
    func counts(_ d: [String: Int]) -> JSONValue {
      .object(JSONObject(d.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, .number(Double($0.value))) }))
    }
    out.record(["type": "statuses", "entity": "task", "counts": counts(s.tasksByStatus)])
    out.record(["type": "statuses", "entity": "session", "counts": counts(s.sessionsByStatus)])
    for p in s.topProjects {
      out.record([
        "type": "project", "id": .string(p.projectId), "name": p.name.map { .string($0) } ?? .null,
        "tasks": .number(Double(p.tasks)), "sessions": .number(Double(p.sessions)),
      ])
    }
    for u in s.unparseable {
      out.record(["type": "unparseable", "file": .string(u.file), "reason": .string(u.reason)])
    }
    out.record([
      "type": "summary", "dataDir": .string(s.root), "projects": .number(Double(s.projects)),
      "tasks": .number(Double(s.tasks)), "legacyTaskFiles": .number(Double(s.legacyTaskFiles)),
      "sessions": .number(Double(s.sessions)), "files": .number(Double(s.files)),
      "bytes": .number(Double(s.bytes)), "prettyFiles": .number(Double(s.prettyFiles)),
      "compactFiles": .number(Double(s.compactFiles)), "unparseableFiles": .number(Double(s.unparseable.count)),
      "strayFiles": .number(Double(s.strayFiles.count)), "symlinks": .number(Double(s.symlinks.count)),
      "oldest": s.oldest.map { .number($0) } ?? .null, "newest": s.newest.map { .number($0) } ?? .null,
    ])
    guard !out.json else { return }
    if OutputMode.quiet {
      out.verdict(
        "\(s.root): \(grouped(s.projects)) projects, \(grouped(s.tasks)) tasks, \(grouped(s.sessions)) sessions, \(grouped(s.files)) files, \(humanBytes(s.bytes))")
      return
    }
    out.text("Data dir: \(s.root)")
    out.text("  projects      \(grouped(s.projects))")
    out.text("  tasks         \(grouped(s.tasks))\(s.legacyTaskFiles > 0 ? " (\(grouped(s.legacyTaskFiles)) in the legacy flat layout)" : "")")
    out.text("  sessions      \(grouped(s.sessions))")
    out.text("  files         \(grouped(s.files)), \(humanBytes(s.bytes)) (\(grouped(s.prettyFiles)) two-space, \(grouped(s.compactFiles)) compact JSON)")
    if let oldest = s.oldest, let newest = s.newest {
      out.text("  time span     \(isoTime(oldest)) .. \(isoTime(newest))")
    }
    for (title, d) in [("Tasks by status", s.tasksByStatus), ("Sessions by status", s.sessionsByStatus)] where !d.isEmpty {
      out.text("\(title):")
      for (k, v) in d.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
        out.text("  \(k.padding(13)) \(grouped(v))")
      }
    }
    if !s.topProjects.isEmpty {
      out.text("Top projects (tasks, sessions):")
      for p in s.topProjects {
        out.text("  \(p.projectId)  \(grouped(p.tasks)) tasks, \(grouped(p.sessions)) sessions\(p.name.map { "  \"\($0)\"" } ?? "  (no project file)")")
      }
    }
    if !s.unparseable.isEmpty {
      out.text("Unparseable files (\(grouped(s.unparseable.count))):")
      for u in s.unparseable.prefix(20) { out.text("  \(u.file): \(u.reason)") }
    }
    if !s.strayFiles.isEmpty {
      out.text("Other files in entity folders (\(grouped(s.strayFiles.count))): \(s.strayFiles.prefix(5).joined(separator: ", "))\(s.strayFiles.count > 5 ? ", ..." : "")")
    }
    if !s.symlinks.isEmpty {
      out.text("Symlinks, never followed (\(s.symlinks.count)): \(s.symlinks.prefix(5).joined(separator: ", "))\(s.symlinks.count > 5 ? ", ..." : "")")
    }
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
