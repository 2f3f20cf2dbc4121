import MaestroStorage

/// Everything that decides what `generate` writes. Equal options give a
/// byte-identical tree, whatever the worker count.
public struct GeneratorOptions: Sendable {
  /// How many entities of each kind the data holds (before faults, which
  /// add their own entities on top).
  public struct Counts: Sendable, Equatable {
    /// Projects (`projects/<id>.json`).
    public var projects: Int
    /// Tasks (`tasks/<projectId>/<id>.json`, some flat in `--format legacy`).
    public var tasks: Int
    /// Sessions (`sessions/<id>.json`); they need at least one task.
    public var sessions: Int

    /// Counts as given.
    public init(projects: Int, tasks: Int, sessions: Int) {
      self.projects = projects
      self.tasks = tasks
      self.sessions = sessions
    }
  }

  /// The data dir to create (or, with `force`, replace).
  public var out: String
  /// The scale named on the command line, recorded in `.faults.json`
  /// (`nil` when only explicit counts were given).
  public var scale: GenerateScale?
  /// What to generate (the scale's counts unless overridden).
  public var counts: Counts
  /// Every random choice derives from it; below 2^53 (it is recorded in
  /// `.faults.json` as a JSON number).
  public var seed: UInt64
  /// Which server age the data looks like.
  public var format: GenerateFormat
  /// The JSON style; nil for the format's own (`resolvedStyle`).
  public var style: JSONStyle?
  /// The faults to plant.
  public var faults: FaultInjection
  /// Replace a non-empty `out`.
  public var force: Bool
  /// The directory `docs[].contentFilePath` values point into (format
  /// `current`); defaults to the absolute `out`. The checked-in fixtures
  /// use `/home/maestro/.maestro/data` so that they do not depend on where
  /// the repository is, which makes their doc paths "relocated" exactly as
  /// in the real `upstream-head` sample (FORMAT.md §6).
  public var docRoot: String?
  /// `syncfs` the new tree before renaming it into place (default). Without
  /// it a crash soon after `generate` returns can leave files empty.
  public var sync: Bool
  /// Worker count; the output does not depend on it.
  public var workers: Int
  /// The run's live-server guard: replacing (`force`) a data dir a server
  /// is running on is refused before anything is written.
  public var liveServer = LiveServerGuard()

  /// The style files are written in: `style`, else the format's.
  public var resolvedStyle: JSONStyle { style ?? format.defaultStyle }

  /// Options with the defaults of the command line.
  public init(
    out: String, scale: GenerateScale? = .xs, counts: Counts? = nil, seed: UInt64 = 1,
    format: GenerateFormat = .seed, style: JSONStyle? = nil, faults: FaultInjection = FaultInjection(),
    force: Bool = false, docRoot: String? = nil, sync: Bool = true, workers: Int = ParallelMap.defaultWorkers
  ) {
    self.out = out
    self.scale = scale
    self.counts = counts ?? (scale ?? .xs).counts
    self.seed = seed
    self.format = format
    self.style = style
    self.faults = faults
    self.force = force
    self.docRoot = docRoot
    self.sync = sync
    self.workers = workers
  }
}
