extension Finding {
  /// Why a finding is transient: what was seen of its files after it was
  /// first reported. In `check --json` it is the finding's `"transient"`
  /// field, beside `"severity":"transient"` and the severity the code has
  /// on data at rest (`"codeSeverity"`).
  public enum Transience: String, Sendable, Hashable {
    /// Its files changed during the run, and a settled re-read of them no
    /// longer shows it: a write was in flight (a link written on one side,
    /// a file caught empty or half-written by an in-place writer).
    case settled
    /// Its files kept changing on every re-read, so it could be judged
    /// neither way; run check again when the data dir is quiet.
    case stillChanging = "still-changing"
    /// In a snapshot taken while these files changed (`backup verify
    /// --deep`): a link one of whose files was written during the backup.
    case takenLive = "taken-live"

    /// Words for the text report.
    public var explanation: String {
      switch self {
      case .settled: return "gone once its files settled: a write was in flight"
      case .stillChanging: return "its files kept changing on every re-read"
      case .takenLive: return "one of its files was written while the snapshot was taken"
      }
    }
  }

  /// This finding marked transient for `reason`.
  public func marked(_ reason: Transience) -> Finding {
    var copy = self
    copy.transience = reason
    return copy
  }
}
