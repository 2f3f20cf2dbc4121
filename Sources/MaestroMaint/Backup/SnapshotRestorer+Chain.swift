import Glibc
import MaestroStorage

extension SnapshotRestorer {
  /// Pass 1 over every snapshot of an incremental's chain: what
  /// `extractChain` writes.
  struct ChainPlan {
    /// The chain and the tree it restores.
    var chain: SnapshotChain
    /// Each link's extractor and checked plan, the full snapshot first.
    var steps: [(extractor: SnapshotExtractor, plan: SnapshotExtractor.Plan)]
  }

  /// Resolves the chain of the incremental `head` (already scanned as
  /// `plan`) and scans every snapshot it builds on: nothing is written
  /// before every archive of the chain was judged safe and matches the
  /// link that names it.
  ///
  /// - Throws: `MaestroError(.snapshotInvalid)` naming a missing, damaged
  ///   or mismatching parent.
  func scanChain(head extractor: SnapshotExtractor, plan: SnapshotExtractor.Plan) throws -> ChainPlan {
    let limits = SnapshotExtractor.Limits(maxMembers: options.maxMembers, maxBytes: options.maxBytes)
    guard let head = plan.manifest, let headSha256 = plan.manifestDigest else {
      throw MaestroError(.snapshotInvalid, "not an incremental snapshot", path: options.snapshot)
    }
    let chain = try SnapshotChain.resolve(options.snapshot, head: (head, headSha256))
    var steps: [(extractor: SnapshotExtractor, plan: SnapshotExtractor.Plan)] = []
    for (k, link) in chain.links.enumerated().dropLast() {
      let step = try SnapshotExtractor(path: link.path, limits: limits)
      // The manifest the chain was resolved with, its member hashed again.
      let scanned = try step.source.preferringFetchFailure {
        try step.scan(known: (link.manifest, link.memberSha256))
      }
      guard let expected = chain.links[k + 1].manifest.parent?.manifestSha256,
        scanned.manifest?.recordedSha256 == expected
      else {
        throw MaestroError(
          .snapshotInvalid, "parent snapshot \(link.name) changed while it was read; nothing was restored",
          path: link.path)
      }
      steps.append((step, scanned))
    }
    steps.append((extractor, plan))
    // The caps hold for what the chain restores, not only for each archive.
    let tree = chain.tree
    if tree.count + tree.directories.count > options.maxMembers {
      throw MaestroError(
        .snapshotInvalid,
        "the chain restores \(tree.count + tree.directories.count) files and folders, past the cap of \(options.maxMembers) members; the whole chain is refused",
        path: options.snapshot)
    }
    if tree.bytes > options.maxBytes {
      throw MaestroError(
        .snapshotInvalid,
        "the chain restores \(tree.bytes) bytes, past the cap of \(options.maxBytes); the whole chain is refused",
        path: options.snapshot)
    }
    return ChainPlan(chain: chain, steps: steps)
  }

  /// Writes the chain's tree into `target`: its directories, then each
  /// file from the snapshot holding its last version (every SHA-256
  /// checked against that snapshot's manifest), then directory modes and
  /// mtimes as the newest snapshot records them.
  ///
  /// - Throws: as `SnapshotExtractor.extract`; `.snapshotInvalid` when the
  ///   archives did not yield every file of the tree.
  func extractChain(_ plan: ChainPlan, into target: String, progress: ProgressBar?) throws
    -> SnapshotExtractor.Result
  {
    let tree = plan.chain.tree
    let folders = tree.directories.keys.sorted { PathOrder.compare($0, $1) < 0 }
    var result = SnapshotExtractor.Result()
    for folder in folders {
      let path = FileSystem.join(target, folder)
      guard mkdir(path, 0o700) == 0 else { throw MaestroError.system("cannot create directory", path: path) }
      result.directories += 1
    }
    var owners: [String: (uid: UInt32, gid: UInt32)] = [:]
    for (k, step) in plan.steps.enumerated() {
      // The files this snapshot still holds, by their index in its manifest.
      let held = tree.filesHeld(by: k)
      let written = try step.extractor.source.preferringFetchFailure {
        try step.extractor.extract(
          step.plan, into: target, workers: options.workers, progress: progress,
          only: { entry in entry.manifestIndex.map { $0 < held.count && held[$0] >= 0 } ?? false }, layout: false)
      }
      result.files += written.files
      result.bytes += written.bytes
      for e in step.plan.entries where e.isDirectory { owners[e.path] = (e.uid, e.gid) }
    }
    guard result.files == tree.count else {
      throw MaestroError(
        .snapshotInvalid,
        "the chain yielded \(result.files) of its \(tree.count) files; nothing was restored", path: options.snapshot)
    }
    var attributes: [String: (mode: UInt32, mtime: Int64?, uid: UInt32?, gid: UInt32?)] = [:]
    for (path, a) in tree.directories {
      attributes[path] = (a.mode, a.mtime, owners[path]?.uid, owners[path]?.gid)
    }
    attributes[""] = (tree.root.mode, tree.root.mtime, owners[""]?.uid, owners[""]?.gid)
    try SnapshotExtractor.setDirectoryAttributes(attributes, target: target, asOwner: geteuid() == 0)
    return result
  }
}
