@testable import MaestroMaint
import Testing

/// Retention with restic `forget` semantics, snapshot names and the UTC
/// calendar under them, on synthetic timestamps.
@Suite struct BackupPolicyTests {
  func at(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0) -> Int64 {
    UTCTime(year: y, month: mo, day: d, hour: h, minute: mi, second: 0).milliseconds
  }

  func kept(_ policy: RetentionPolicy, _ times: [Int64]) -> [Int64] {
    zip(times, policy.apply(to: times)).filter { $0.1.keep }.map(\.0).sorted()
  }

  @Test func dailyKeepsTheNewestOfEachOfTheLastNDaysThatHaveSnapshots() {
    let times = [at(2026, 3, 1, 8), at(2026, 3, 1, 20), at(2026, 3, 2, 9), at(2026, 3, 5, 10), at(2026, 3, 5, 11)]
    #expect(kept(RetentionPolicy(daily: 2), times) == [at(2026, 3, 2, 9), at(2026, 3, 5, 11)])
    // A gap in days does not use up a bucket: 3 buckets reach back to March 1.
    #expect(kept(RetentionPolicy(daily: 3), times) == [at(2026, 3, 1, 20), at(2026, 3, 2, 9), at(2026, 3, 5, 11)])
  }

  @Test func lastKeepsTheNNewestWhateverTheirTimes() {
    let times = [at(2026, 3, 5, 10), at(2026, 3, 5, 10), at(2026, 3, 5, 11), at(2026, 3, 1)]
    let decisions = RetentionPolicy(last: 2).apply(to: times)
    // Equal times: the later position counts as newer.
    #expect(decisions.map(\.keep) == [false, true, true, false])
    #expect(decisions[2].reasons == ["last snapshot (1 of 2)"])
  }

  @Test func rulesUniteAndEveryKeepingRuleIsAReason() {
    let times = (0..<10).map { at(2026, 3, 1 + $0, 12) }
    // March 1, 2026 is a Sunday: ISO weeks are [1], [2...8], [9, 10].
    let decisions = RetentionPolicy(last: 2, daily: 2, weekly: 3).apply(to: times)
    #expect(decisions[9].reasons == ["last snapshot (1 of 2)", "daily snapshot (1 of 2)", "weekly snapshot (1 of 3)"])
    #expect(decisions[8].reasons == ["last snapshot (2 of 2)", "daily snapshot (2 of 2)"])
    #expect(decisions[7].reasons == ["weekly snapshot (2 of 3)"])
    #expect(decisions[0].reasons == ["weekly snapshot (3 of 3)"])
    #expect(decisions.map(\.keep) == [true, false, false, false, false, false, false, true, true, true])
    #expect(decisions.filter { !$0.keep }.allSatisfy { $0.reasons.isEmpty })
  }

  @Test func weeklyUsesISOWeeksAcrossTheYearBoundary() {
    // 2026 has 53 ISO weeks; Sunday 2027-01-03 is still 2026-W53.
    let times = [at(2026, 12, 28), at(2027, 1, 3, 23), at(2027, 1, 4, 1)]
    #expect(kept(RetentionPolicy(weekly: 2), times) == [at(2027, 1, 3, 23), at(2027, 1, 4, 1)])
    #expect(UTCTime(milliseconds: at(2027, 1, 3)).isoWeek == (2026, 53))
    #expect(UTCTime(milliseconds: at(2021, 1, 3)).isoWeek == (2020, 53))
    #expect(UTCTime(milliseconds: at(2024, 12, 30)).isoWeek == (2025, 1))
  }

  @Test func hourlyMonthlyYearly() {
    let times = [at(2025, 6, 1), at(2025, 12, 31, 23), at(2026, 1, 31, 10, 5), at(2026, 1, 31, 10, 55), at(2026, 2, 1)]
    #expect(kept(RetentionPolicy(hourly: 2), times) == [at(2026, 1, 31, 10, 55), at(2026, 2, 1)])
    #expect(
      kept(RetentionPolicy(monthly: 3), times) == [at(2025, 12, 31, 23), at(2026, 1, 31, 10, 55), at(2026, 2, 1)])
    #expect(kept(RetentionPolicy(yearly: 5), times) == [at(2025, 12, 31, 23), at(2026, 2, 1)])
  }

  @Test func emptyPolicyIsEmptyAndZeroCountsAreIgnored() {
    #expect(RetentionPolicy().isEmpty)
    #expect(RetentionPolicy(last: 0, daily: 0).isEmpty)
    #expect(!RetentionPolicy(monthly: 1).isEmpty)
  }

  @Test func snapshotNamesRoundTripAndRejectLookalikes() throws {
    let name = SnapshotName(time: at(2026, 11, 27, 21, 50) + 1234, id: "3f9a0c1b", compression: .zstd)
    #expect(name.fileName == "maestro-20261127T215001Z-3f9a0c1b.tar.zst")
    #expect(SnapshotName(parsing: name.fileName) == name)
    #expect(name.temporaryFileName == ".maestro-20261127T215001Z-3f9a0c1b.tar.zst.partial")
    #expect(SnapshotName(parsing: "maestro-20261127T215001Z-3f9a0c1b.tar.gz")?.compression == .gzip)
    #expect(SnapshotName(parsing: "maestro-20261127T215001Z-3f9a0c1b.tar")?.compression == TarCompression.none)
    for bad in [
      name.temporaryFileName, "maestro-20261127T215001Z-3F9A0C1B.tar.zst", "maestro-20261327T215001Z-3f9a0c1b.tar.zst",
      "maestro-20261127T215001-3f9a0c1b.tar.zst", "maestro-20261127T215001Z-3f9a0c1.tar.zst", "notes.txt",
    ] {
      #expect(SnapshotName(parsing: bad) == nil, "\(bad)")
    }
  }

  @Test func utcCalendarMatchesKnownDates() {
    #expect(UTCTime(milliseconds: 0).iso8601 == "1970-01-01T00:00:00Z")
    #expect(UTCTime(milliseconds: 951_782_400_000).iso8601 == "2000-02-29T00:00:00Z")
    #expect(UTCTime(milliseconds: -1000).iso8601 == "1969-12-31T23:59:59Z")
    #expect(UTCTime(compact: "20000229T000000Z")?.milliseconds == 951_782_400_000)
  }
}
