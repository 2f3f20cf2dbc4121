import MaestroStorage

/// What one repair round will do: the steps in words, the journaled
/// `ChangePlan` that makes them, and the findings it leaves alone.
public struct RepairPlan: Sendable {
  /// The changes, in words, in the order they are made.
  public var steps: [RepairStep] = []
  /// The file operations, ready for `JournalRunner`.
  public var changes: ChangePlan
  /// Findings the policy leaves to a person (`manual`), or that the
  /// repair could not safely act on (a destination taken, an id that
  /// cannot be a file name); they keep `repair` exiting 4.
  public var manual: [Finding] = []
  /// Findings that are facts or belong to another command (`migrate`):
  /// reported, never changed.
  public var reportOnly: [Finding] = []
  /// Findings whose repair waits for the next round, because a file they
  /// need moves or is quarantined in this one.
  public var deferred: [Finding] = []
  /// Whether the data dir must be checked again after this round: a file
  /// moved, was quarantined or created, a cycle was broken, or a repair
  /// was deferred. A round of list edits alone cannot create findings.
  public var needsRecheck = false

  /// An empty plan for `dataDir`.
  public init(dataDir: String) {
    changes = ChangePlan(dataDir: dataDir)
  }

  /// Whether the round changes nothing.
  public var isEmpty: Bool { changes.isEmpty }
}
