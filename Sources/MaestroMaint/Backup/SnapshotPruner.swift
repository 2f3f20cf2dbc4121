import Glibc
import MaestroStorage

/// `backup prune`: applies a `RetentionPolicy` to a backup folder or an S3
/// prefix, removing the snapshots no rule keeps (or, with `dryRun`, only
/// saying so), and what interrupted `create` runs left more than a day ago
/// (`.partial` files; incomplete uploads and unverified objects).
///
/// Incremental snapshots need their chain: every snapshot a kept one builds
/// on, back to its full snapshot, is kept too ("kept as parent of X"), so
/// pruning never breaks a retained snapshot. Snapshots go newest first, so
/// that a prune killed part way never leaves a snapshot whose parent is
/// gone while it remains (a parent outlives its children). When a kept
/// snapshot's manifest cannot be read (damaged, unreadable file), its
/// parents are unknown and every older snapshot is kept.
public struct SnapshotPruner: Sendable {
  /// One snapshot's fate.
  public struct Decision: Sendable {
    /// The snapshot.
    public var snapshot: BackupDestination.Snapshot
    /// Kept or removed.
    public var keep: Bool
    /// Why: the rules that keep it, or why it goes.
    public var reasons: [String]
  }

  /// What prune decided and did.
  public struct Report: Sendable {
    /// Every snapshot, oldest first.
    public var decisions: [Decision]
    /// Leftovers removed (or to remove, in a dry run).
    public var leftovers: [String]
    /// Whether anything was removed for real.
    public var dryRun: Bool
    /// How many snapshots go.
    public var removed: Int { decisions.filter { !$0.keep }.count }
  }

  /// The folder or prefix.
  public var destination: any SnapshotCollection
  /// The policy.
  public var policy: RetentionPolicy
  /// Decide and report only.
  public var dryRun: Bool
  /// Leftovers older than this (ns) are removed.
  public var leftoverAge: Int64 = 24 * 3600 * 1_000_000_000

  /// A pruner.
  public init(destination: any SnapshotCollection, policy: RetentionPolicy, dryRun: Bool) {
    self.destination = destination
    self.policy = policy
    self.dryRun = dryRun
  }

  /// Decides and (unless `dryRun`) removes.
  ///
  /// - Throws: `MaestroError(.usage)` for an empty policy (it would remove
  ///   every snapshot); `.io` naming the snapshot that cannot be removed.
  public func run() throws -> Report {
    guard !policy.isEmpty else {
      throw MaestroError(.usage, "no --keep-* rule given: refusing to remove every snapshot")
    }
    let snapshots = try destination.snapshots()
    let verdicts = policy.apply(to: snapshots.map(\.name.time))
    var decisions: [Decision] = []
    for (snapshot, verdict) in zip(snapshots, verdicts) {
      decisions.append(Decision(snapshot: snapshot, keep: verdict.keep, reasons: verdict.keep ? verdict.reasons : []))
    }
    try Self.keepParents(&decisions)
    for k in decisions.indices where !decisions[k].keep { decisions[k].reasons = ["no rule keeps it"] }
    let now = Int64(UTCTime.nowMilliseconds()) * 1_000_000
    let stale = try destination.leftovers().filter { now - $0.mtime > leftoverAge }
    if !dryRun {
      for decision in decisions.reversed() where !decision.keep {
        try Cancellation.check()
        try destination.remove(decision.snapshot)
        CrashPoint.reached("backup:pruned")
      }
      for leftover in stale { try? destination.removeLeftover(leftover) }
      try destination.sync()
    }
    return Report(decisions: decisions, leftovers: stale.map(\.path), dryRun: dryRun)
  }

  /// Marks every snapshot a kept one builds on as kept, following the
  /// parent links from each kept snapshot (each manifest header read once).
  static func keepParents(_ decisions: inout [Decision]) throws {
    var byName: [String: Int] = [:]
    for (k, d) in decisions.enumerated() { byName[d.snapshot.name.fileName] = k }
    var pending = decisions.indices.filter { decisions[$0].keep }
    var followed = Set<Int>()
    while let k = pending.popLast() {
      guard followed.insert(k).inserted else { continue }
      try Cancellation.check()
      let name = decisions[k].snapshot.name.fileName
      let header: SnapshotHeader
      do { header = try SnapshotHeader.read(decisions[k].snapshot.path) } catch let error as MaestroError
      where [.snapshotInvalid, .io, .notFound].contains(error.code) {
        for older in 0..<k where !decisions[older].keep {
          decisions[older].keep = true
          decisions[older].reasons.append("kept: the manifest of \(name) is unreadable, so its parents are unknown")
        }
        continue
      }
      guard let parent = header.parent, let p = byName[parent.name] else { continue }
      decisions[p].keep = true
      decisions[p].reasons.append("kept as parent of \(name)")
      pending.append(p)
    }
  }
}
