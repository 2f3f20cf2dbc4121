import Glibc
import MaestroStorage

/// `backup prune`: applies a `RetentionPolicy` to a backup folder or an S3
/// prefix, removing the snapshots no rule keeps (or, with `dryRun`, only
/// saying so), and what interrupted `create` runs left more than a day ago
/// (`.partial` files; incomplete uploads and unverified objects).
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
      decisions.append(
        Decision(
          snapshot: snapshot, keep: verdict.keep,
          reasons: verdict.keep ? verdict.reasons : ["no rule keeps it"]))
    }
    let now = Int64(UTCTime.nowMilliseconds()) * 1_000_000
    let stale = try destination.leftovers().filter { now - $0.mtime > leftoverAge }
    if !dryRun {
      for decision in decisions where !decision.keep {
        try Cancellation.check()
        try destination.remove(decision.snapshot)
      }
      for leftover in stale { try? destination.removeLeftover(leftover) }
      try destination.sync()
    }
    return Report(decisions: decisions, leftovers: stale.map(\.path), dryRun: dryRun)
  }
}
