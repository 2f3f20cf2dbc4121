import Glibc
import MaestroStorage

/// `backup restore`: puts a snapshot (or a plain tar of a data dir) in place
/// of a data dir so that the directory is, at every instant, either exactly
/// what it was or exactly the snapshot's content.
///
/// 1. Refuse a target that holds data unless `force`; with `ifMissing`, do
///    nothing (successfully) when it holds data. Take the target's
///    maintenance lock when it exists.
/// 2. Pass 1 over the archive (`SnapshotExtractor.scan`): nothing is written
///    before every member is judged safe. For an incremental snapshot, over
///    every snapshot of its chain (`SnapshotChain`), each of which must
///    match the link that names it.
/// 3. Extract into a staging dir beside the target
///    (`.<name>.restore-<id>`, mode 0700), checking every SHA-256; one
///    `syncfs`. A chain is extracted oldest first, each file from the
///    snapshot that holds its last version (`extractChain`).
/// 4. Swap: `renameat2(RENAME_EXCHANGE)` trades the staging dir and the
///    target in one step, then the old tree is renamed to
///    `<target>.pre-restore-<UTC time>` (or removed when it held no data). A
///    new target is renamed into place with `RENAME_NOREPLACE`. Where the
///    file system cannot exchange, two renames are used, and a crash
///    between them leaves the target missing with both trees beside it
///    (named in the error of the next restore); this is the only window.
///
/// The manifest is never written into the target.
public struct SnapshotRestorer: Sendable {
  /// What to restore where.
  public struct Options: Sendable {
    /// The snapshot or tar file.
    public var snapshot: String
    /// The data dir to create or replace.
    public var target: String
    /// Replace a target that holds data (moved aside, never deleted).
    public var force = false
    /// Do nothing, successfully, when the target holds data.
    public var ifMissing = false
    /// Most members accepted.
    public var maxMembers = 20_000_000
    /// Most bytes accepted.
    public var maxBytes: Int64 = 1 << 40
    /// Writer threads.
    public var workers = ParallelMap.defaultWorkers
    /// Draw progress on a terminal.
    public var showProgress = false
    /// The run's live-server guard: a target a server is running on is
    /// refused before anything is written.
    public var liveServer = LiveServerGuard()

    /// Options to restore `snapshot` into `target`.
    public init(snapshot: String, target: String) {
      self.snapshot = snapshot
      self.target = target
    }
  }

  /// What happened.
  public struct Report: Sendable {
    /// The target's absolute path.
    public var target: String
    /// `false` when `ifMissing` found data and did nothing.
    public var restored: Bool
    /// Where the old content went, if it held data.
    public var movedAside: String?
    /// The snapshot's manifest; `nil` for a plain tar (nothing verified).
    public var manifest: SnapshotManifest?
    /// The snapshots read, the full one first (an incremental's chain);
    /// empty for a full snapshot or a plain tar.
    public var chain: [String] = []
    /// Files and bytes written.
    public var files = 0
    public var bytes: Int64 = 0
    /// Wall time in seconds.
    public var seconds = 0.0
    /// Staging dirs that interrupted restores left beside the target (one
    /// killed right after the exchange holds the previous content): named
    /// for the operator, never deleted.
    public var leftovers: [String] = []
  }

  /// The options.
  public var options: Options

  /// A restorer with these options.
  public init(_ options: Options) {
    self.options = options
  }

  /// Restores.
  ///
  /// - Throws: `MaestroError`: `.targetNotEmpty` (refused without `force`),
  ///   `.snapshotInvalid` naming the member (unsafe, damaged or mismatching
  ///   archive: the target is untouched), `.serverLive` (a server runs on
  ///   the target), `.locked`, `.io`, `.cancelled`.
  public func run() throws -> Report {
    let clockStart = MonotonicClock.seconds()
    let target = DirectorySwap.absolute(options.target)
    var trimmed = target
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
    let parent = FileSystem.parentDirectory(of: trimmed)
    let baseName = FileSystem.lastComponent(of: trimmed)
    guard baseName != "/" && baseName != "." && baseName != ".." else {
      throw MaestroError(.usage, "cannot restore into this path", path: target)
    }
    var report = Report(target: trimmed, restored: false)
    let stagingPrefix = ".\(baseName).restore-"
    if FileSystem.isDirectory(parent) {
      report.leftovers = try FileSystem.listDirectory(parent).filter { $0.name.hasPrefix(stagingPrefix) }
        .map { FileSystem.join(parent, $0.name) }
    }

    // A data dir restored into another's server folder (DATA/tasks/x)
    // would become part of that server's data.
    try OutputLocation.refuseServerFolder(trimmed, option: "--to")
    try OutputLocation.checkWritable(parent, option: "--to")
    let exists = FileSystem.fileExists(trimmed, followSymlinks: false)
    var holdsData = false
    if exists {
      guard FileSystem.isDirectory(trimmed, followSymlinks: false) else {
        throw MaestroError(.io, "the target exists and is not a directory", path: trimmed)
      }
      holdsData = try Self.holdsData(trimmed)
      if holdsData && options.ifMissing { return report }
      // --force moves the old content aside; a folder that is not a data
      // dir (a home directory, a typo) is not moved, with or without it.
      if holdsData && !DataDirectory.isDataDirectory(trimmed) {
        throw MaestroError(
          .usage,
          "the target holds files but is not a Maestro data dir (none of projects/, tasks/, sessions/); restore into an empty or new folder, or into a data dir",
          path: trimmed)
      }
      if holdsData && !options.force {
        throw MaestroError(
          .targetNotEmpty,
          "the target holds data; pass --force to move it aside as \(baseName).pre-restore-<time> and restore, or --if-missing to leave it",
          path: trimmed)
      }
    }
    try options.liveServer.refuseIfLive(trimmed, command: "maestro-admin backup restore")
    let lock = exists
      ? try MaintenanceLock(
        dataDir: trimmed, command: "maestro-admin backup restore", requireDataDir: false, liveServer: options.liveServer)
      : nil
    defer { lock?.release() }

    let extractor = try SnapshotExtractor(
      path: options.snapshot, limits: .init(maxMembers: options.maxMembers, maxBytes: options.maxBytes))
    let plan = try extractor.source.preferringFetchFailure { try extractor.scan() }
    report.manifest = plan.manifest
    // An incremental needs every snapshot it builds on, all judged first.
    let chain = plan.manifest?.isIncremental == true ? try scanChain(head: extractor, plan: plan) : nil
    report.chain = chain?.chain.links.map(\.path) ?? []
    CrashPoint.reached("restore:scanned")
    try Cancellation.check()

    try FileSystem.makeDirectories(parent)
    let stamp = UTCTime(milliseconds: UTCTime.nowMilliseconds()).compact
    let staging = FileSystem.join(parent, stagingPrefix + SnapshotName.randomId())
    guard mkdir(staging, 0o700) == 0 else { throw MaestroError.system("cannot create staging dir", path: staging) }
    var swapped = false
    defer { if !swapped { DirectorySwap.removeTree(staging) } }

    let progress = ProgressBar(
      "restore", total: chain?.chain.tree.count ?? plan.files,
      enabled: options.showProgress && ProgressBar.stderrIsTerminal)
    let written =
      try chain.map { try extractChain($0, into: staging, progress: progress) }
      ?? extractor.source.preferringFetchFailure {
        try extractor.extract(plan, into: staging, workers: options.workers, progress: progress)
      }
    progress.finish()
    report.files = written.files
    report.bytes = written.bytes
    CrashPoint.reached("restore:extracted")
    try Cancellation.check()
    try DirectorySwap.syncFileSystem(of: staging)
    CrashPoint.reached("restore:before-swap")

    if exists {
      var aside = FileSystem.join(parent, "\(baseName).pre-restore-\(stamp)")
      var suffix = 1
      while FileSystem.fileExists(aside, followSymlinks: false) {
        suffix += 1
        aside = FileSystem.join(parent, "\(baseName).pre-restore-\(stamp)-\(suffix)")
      }
      if try DirectorySwap.exchange(staging, trimmed) {
        swapped = true
        CrashPoint.reached("restore:exchanged")
        // `staging` now holds the old tree.
        if holdsData {
          try DirectorySwap.renameNoReplace(staging, to: aside)
          report.movedAside = aside
        } else {
          DirectorySwap.removeTree(staging)
        }
      } else {
        try DirectorySwap.renameNoReplace(trimmed, to: aside)
        CrashPoint.reached("restore:moved-aside")
        try DirectorySwap.renameNoReplace(staging, to: trimmed)
        swapped = true
        if holdsData { report.movedAside = aside } else { DirectorySwap.removeTree(aside) }
      }
    } else {
      try DirectorySwap.renameNoReplace(staging, to: trimmed)
      swapped = true
    }
    try FileSystem.fsyncDirectory(parent)
    CrashPoint.reached("restore:after-swap")
    report.restored = true
    report.seconds = MonotonicClock.seconds() - clockStart
    return report
  }

  /// Whether `directory` holds anything but the toolkit's lock: an empty
  /// directory, or one whose only entry is `.maestro-admin/` with at most
  /// `lock` in it, holds no data.
  ///
  /// - Throws: `MaestroError` if it cannot be listed.
  public static func holdsData(_ directory: String) throws -> Bool {
    for entry in try FileSystem.listDirectory(directory) {
      guard entry.name == ".maestro-admin", entry.kind == .directory else { return true }
      let inner = try FileSystem.listDirectory(FileSystem.join(directory, entry.name))
      if inner.contains(where: { $0.name != "lock" }) { return true }
    }
    return false
  }
}
