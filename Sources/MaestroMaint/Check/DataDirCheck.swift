import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `maestro-admin check`: the integrity of a data dir's files, layout,
/// links and references (FORMAT.md §6–§8), reported as `Finding`s.
///
/// Read-only: it opens files for reading and lists folders, nothing else,
/// so it works on a directory the user cannot write. It streams: entity
/// files are read and parsed on every core, each reduced to an
/// `EntityRecord` (ids and link lists) before the next is read; the
/// cross-file analysis then works on the records alone.
///
/// ```swift
/// let report = try await DataDirCheck(root: "/srv/maestro/data").run()
/// print(report.verdict)
/// ```
public struct DataDirCheck: Sendable {
  /// The data dir.
  public var root: String
  /// Which codes to report.
  public var filter: FindingFilter
  /// How many files to read and parse at once.
  public var workers: Int
  /// Whether to draw a progress bar on stderr (only when it is a terminal).
  public var showProgress: Bool

  /// A check of the data dir at `root`.
  public init(
    root: String, filter: FindingFilter = FindingFilter(), workers: Int = ParallelMap.defaultWorkers,
    showProgress: Bool = false
  ) {
    self.root = root
    self.filter = filter
    self.workers = workers
    self.showProgress = showProgress
  }

  /// Runs the check.
  ///
  /// - Returns: the report; its `exitStatus` is 0 or 4.
  /// - Throws: `MaestroError` `.notFound` when the data dir does not exist,
  ///   `.io` when it or one of its folders cannot be listed (exit 8), and
  ///   `.cancelled` after SIGINT (exit 32).
  public func run() async throws -> CheckReport {
    let started = ContinuousClock.now
    guard FileSystem.isDirectory(root) else {
      if FileSystem.fileExists(root) {
        throw MaestroError(.io, "the data dir is not a directory", path: root)
      }
      throw MaestroError(.notFound, "the data dir does not exist", path: root)
    }
    var findings = try LayoutFindings.topLevel(root: root)
    let scan = try EntityFileScan.scan(root: root)
    findings += LayoutFindings.strays(scan.otherFiles)

    let inspector = EntityFileInspector(
      root: root, rootAliases: Self.realPath(root).map { [$0] } ?? [], files: scan.files)
    let progress = ProgressBar(
      "check", total: scan.files.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    var partials = await ParallelMap.reduce(
      Array(0..<scan.files.count), workers: workers,
      initial: { [count = scan.files.count, workers] in
        EntityFileInspector.Partial(capacity: count / max(workers, 1) + 1)
      }
    ) { partial, index in
      guard !Cancellation.isRequested else { return }
      inspector.inspect(index, into: &partial)
      progress.advance()
    }
    progress.finish()
    try Cancellation.check()
    // The records stay in their workers' arrays (no copy at the peak).
    var chunks: [[EntityRecord]] = []
    var merged = EntityFileInspector.Partial()
    for k in partials.indices {
      chunks.append(partials[k].records)
      partials[k].records = []
      merged.merge(partials[k])
    }
    partials = []
    findings += merged.findings
    for (key, tally) in merged.unknownFields {
      let noun = tally.count == 1 ? "\(key.entity) carries" : "\(key.entity)s carry"
      findings.append(
        Finding(
          .fieldUnknown, key.entity, id: nil, file: scan.files[Int(tally.firstFile)].relativePath,
          ref: key.field, count: tally.count,
          "\(CheckReport.grouped(tally.count)) \(noun) the field \(Finding.quoted(key.field)), which no known server writes (kept as found)"
        ))
    }

    let catalog = try ArchiveCatalog(root: root)
    findings += catalog.findings
    let lists = try ListReferences.scan(root: root)
    findings += lists.findings

    let index = EntityIndex(
      records: RecordList(chunks), files: scan.files, unloadable: merged.unloadable,
      archived: Set(catalog.ids.map(EntityKey.init)), root: root)
    findings += index.findings
    var analysis = LinkAnalysis(index: index)
    analysis.run(lists: lists.lists, taskListIds: lists.taskListIds)
    findings += analysis.findings
    try Cancellation.check()

    let elapsed = ContinuousClock.now - started
    let ms =
      Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    return CheckReport(
      root: root, findings: findings.filter { filter.includes($0.code) },
      filesRead: scan.files.count + lists.filesRead, bytesRead: merged.bytesRead + lists.bytesRead,
      durationMs: ms)
  }

  /// The canonical absolute path of `path`, if it differs from `path`
  /// (a data dir reached through a symlink).
  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    let real = String(cString: resolved)
    return real == path ? nil : real
  }
}
