/// Which snapshots to keep, with restic `forget` semantics.
///
/// Snapshots are taken newest first. Each rule with a count N walks them
/// and keeps a snapshot when it falls in a different bucket (hour, day, ISO
/// week, month, year; for `last`, every snapshot is its own bucket) than the
/// previous one that rule kept, until it has kept N. So each rule keeps the
/// newest snapshot of each of its N most recent buckets that hold one. A
/// snapshot kept by any rule is kept, with every rule that kept it as a
/// reason; the rest are removed. Buckets are computed in UTC (the time in
/// the snapshot's name), not the local time zone, so every host agrees.
public struct RetentionPolicy: Sendable, Equatable {
  /// A rule's period.
  public enum Rule: String, Sendable, CaseIterable {
    case last, hourly, daily, weekly, monthly, yearly
  }

  /// How many buckets each rule keeps (rules not set keep nothing).
  public var counts: [Rule: Int]

  /// A policy from per-rule counts; zero and `nil` counts are ignored.
  public init(
    last: Int? = nil, hourly: Int? = nil, daily: Int? = nil, weekly: Int? = nil, monthly: Int? = nil,
    yearly: Int? = nil
  ) {
    var counts: [Rule: Int] = [:]
    for (rule, n) in [(Rule.last, last), (.hourly, hourly), (.daily, daily), (.weekly, weekly), (.monthly, monthly), (.yearly, yearly)] {
      if let n, n > 0 { counts[rule] = n }
    }
    self.counts = counts
  }

  /// Whether no rule is set (such a policy would remove everything; callers refuse it).
  public var isEmpty: Bool { counts.isEmpty }

  /// The decision for one snapshot.
  public struct Decision: Sendable, Equatable {
    /// Whether it is kept.
    public var keep: Bool
    /// The rules that keep it, e.g. `daily snapshot (3 of 7)`; empty when removed.
    public var reasons: [String]
  }

  /// Decides for each snapshot time (ms since the epoch, any order).
  ///
  /// - Parameter times: Snapshot times; equal times are ordered by position
  ///   (later position counts as newer).
  /// - Returns: One decision per input, in input order.
  public func apply(to times: [Int64]) -> [Decision] {
    let order = times.indices.sorted { times[$0] != times[$1] ? times[$0] > times[$1] : $0 > $1 }
    var decisions = Array(repeating: Decision(keep: false, reasons: []), count: times.count)
    for rule in Rule.allCases {
      guard let limit = counts[rule] else { continue }
      var kept = 0
      var lastBucket: Int?
      for index in order where kept < limit {
        let bucket = Self.bucket(rule, time: times[index], position: index)
        guard bucket != lastBucket else { continue }
        lastBucket = bucket
        kept += 1
        decisions[index].keep = true
        decisions[index].reasons.append("\(rule.rawValue) snapshot (\(kept) of \(limit))")
      }
    }
    return decisions
  }

  static func bucket(_ rule: Rule, time: Int64, position: Int) -> Int {
    let t = UTCTime(milliseconds: time)
    switch rule {
    case .last: return -1 - position
    case .hourly: return t.epochDay * 24 + t.hour
    case .daily: return t.epochDay
    case .weekly:
      let w = t.isoWeek
      return w.year * 100 + w.week
    case .monthly: return t.year * 100 + t.month
    case .yearly: return t.year
    }
  }
}
