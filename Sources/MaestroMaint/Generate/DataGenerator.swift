import Glibc
import MaestroStorage

/// `maestro-admin generate`: a deterministic synthetic data dir, optionally
/// with planted faults and their ground truth in `<out>.faults.json`.
///
/// The run has three phases:
/// 1. **Plan** (one thread): the `LinkGraph` (compact arrays: owners,
///    parents, session↔task links) and the planted faults' files.
/// 2. **Write** (`options.workers` workers, one target directory at a time;
///    see `WritePlan`): each worker builds one document at a time from its index,
///    serialises it and writes it into the staging tree, keeping only its
///    path and content hash, so memory stays at the graph plus a few
///    documents per worker (an xl tree is ~1.5 GB of files; the process
///    holds well under a tenth of that).
/// 3. **Commit**: `syncfs`, then the staged tree and `.faults.json` are
///    renamed into place (see `StagedDirectory`).
///
/// The same options give byte-identical files whatever the worker count:
/// every random choice comes from a `GeneratorRandom` keyed by the entity
/// it concerns, times come from a synthetic clock derived from the seed,
/// and nothing iterates a hashed collection.
public enum DataGenerator {
  /// The largest count of any entity kind (indices are stored as Int32).
  public static let maxCount = 50_000_000

  /// Generates the data dir `options` describe.
  ///
  /// - Parameters:
  ///   - options: What to generate and where.
  ///   - progress: Advanced once per entity written.
  /// - Returns: Counts, the tree hash and timings.
  /// - Throws: `MaestroError(.usage)` for impossible options (sessions
  ///   without tasks, an inapplicable fault class, a non-empty `--out`
  ///   without `force`, more faults of a class than `FaultInjection.limit`,
  ///   an `out` inside a data dir generate did not write);
  ///   `.cancelled` on the first SIGINT before the new tree is renamed into
  ///   place; `.io`/`.notFound` errors naming the file. On any error the
  ///   staging tree is removed and `out` is left as it was.
  public static func run(_ options: GeneratorOptions, progress: ProgressBar? = nil) async throws -> GenerateReport {
    let started = MonotonicClock.seconds()
    let c = options.counts
    for (name, value) in [("projects", c.projects), ("tasks", c.tasks), ("sessions", c.sessions)] {
      guard (0...maxCount).contains(value) else {
        throw MaestroError(.usage, "--\(name) must be between 0 and \(maxCount)")
      }
    }
    guard options.seed < 1 << 53 else {
      throw MaestroError(.usage, "--seed must be below 2^53 (it is recorded as a JSON number)")
    }
    guard c.projects >= 1 else { throw MaestroError(.usage, "--projects must be at least 1") }
    guard c.tasks > 0 || c.sessions == 0 else {
      throw MaestroError(.usage, "sessions need tasks to link to: --tasks must be at least 1")
    }
    let plan = try options.faults.resolved(for: options.format, projects: c.projects)
    try FaultInjection.checkBound(plan, counts: c)
    if FileSystem.fileExists(options.out) {
      try options.liveServer.refuseIfLive(options.out, command: "maestro-admin generate --force")
    }
    let stage = try StagedDirectory(target: options.out, force: options.force, companionSuffix: ".faults.json")
    do {
      return try await generate(options, plan: plan, stage: stage, progress: progress, started: started)
    } catch {
      stage.abandon()
      throw error
    }
  }

  private static func generate(
    _ options: GeneratorOptions, plan: [(FaultClass, Int)], stage: StagedDirectory, progress: ProgressBar?,
    started: Double
  ) async throws -> GenerateReport {
    var timings = GenerateReport.Timings()
    let graph = LinkGraph(seed: options.seed, format: options.format, counts: options.counts)
    let docRoot = options.docRoot.map(StagedDirectory.absolute) ?? stage.target
    let factory = EntityFactory(graph: graph, style: options.resolvedStyle, docRoot: docRoot)
    var planter = FaultPlanter(factory: factory)
    planter.plant(plan)

    // Directories, made up front so workers only create files (and the
    // per-session doc folders, which only they know about).
    var tree = GeneratedTreeHash()
    var directories = ["projects", "tasks", "sessions"]
    if options.format == .current { directories.append("session-docs") }
    let writePlan = WritePlan(factory: factory)
    for p in 0..<graph.projectCount where writePlan.hasFolder[p] { directories.append("tasks/" + factory.projectId(p)) }
    for d in directories {
      try stage.makeDirectory(d)
      tree.addDirectory(d)
    }
    var known = Set(directories)
    for (path, _) in planter.files {
      var prefix = ""
      for component in path.split(separator: "/").dropLast() {
        prefix += prefix.isEmpty ? String(component) : "/" + component
        if known.insert(prefix).inserted {
          try stage.makeDirectories(prefix)
          tree.addDirectory(prefix)
        }
      }
    }
    timings.plan = MonotonicClock.seconds() - started

    // Write every clean entity in parallel.
    let writeStart = MonotonicClock.seconds()
    let results = await writePlan.run(into: stage, workers: options.workers, progress: progress)
    var files = 0
    var bytes: Int64 = 0
    // The first Ctrl-C: stop before anything replaces the old tree (the
    // staging tree is removed by `run`).
    try Cancellation.check()
    for r in results {
      if let error = r.error { throw error }
      tree.append(contentsOf: r.tree)
      files += r.files
      bytes += r.bytes
    }
    for (path, content) in planter.files {
      try stage.writeFile(path, content)
      tree.addFile(path, contentHash: GeneratedTreeHash.contentHash(content))
      files += 1
      bytes += Int64(content.count)
    }
    try stage.writeCompanion(groundTruth(options, faults: planter.faults))
    timings.write = MonotonicClock.seconds() - writeStart

    if options.sync {
      let syncStart = MonotonicClock.seconds()
      try stage.sync()
      timings.sync = MonotonicClock.seconds() - syncStart
    }
    try Cancellation.check()
    let commitStart = MonotonicClock.seconds()
    let directoryCount = tree.count - files
    let hash = tree.value()
    try stage.commit()
    timings.commit = MonotonicClock.seconds() - commitStart
    timings.total = MonotonicClock.seconds() - started
    return GenerateReport(
      out: stage.target, faultsFile: stage.companionTarget, counts: options.counts,
      faultEntities: planter.entityCount, faults: planter.faults, files: files, directories: directoryCount,
      bytes: bytes, treeHash: hash, workers: options.workers, timings: timings)
  }

  /// The `.faults.json` document: the generator's parameters and every
  /// planted fault, two-space JSON.
  static func groundTruth(_ options: GeneratorOptions, faults: [PlantedFault]) -> [UInt8] {
    let c = options.counts
    let generator: JSONObject = [
      "version": .string(MaestroAdminVersion.string),
      "seed": .number(Double(options.seed)),
      "scale": options.scale.map { .string($0.rawValue) } ?? .null,
      "counts": .object([
        "projects": .number(Double(c.projects)), "tasks": .number(Double(c.tasks)),
        "sessions": .number(Double(c.sessions)),
      ]),
      "format": .string(options.format.rawValue),
      "style": .string(options.resolvedStyle.rawValue),
    ]
    let doc: JSONObject = ["generator": .object(generator), "faults": .array(faults.map { .object($0.json) })]
    return JSONWriter.serialize(.object(doc), style: .pretty)
  }
}
