@testable import MaestroMaint
import MaestroStorage
import Testing

/// The packed file records of a manifest: every field back as given, odd
/// digests kept as written, flags cleared on demand.
@Suite struct SnapshotFileListTests {
  static let records: [SnapshotManifest.File] = [
    .init(path: "projects/p1.json", size: 412, mode: 0o644, mtime: 1_795_816_199_123_456_789, sha256: String(repeating: "ab", count: 32)),
    .init(path: "tasks/p1/é t.json", size: 0, mode: 0o600, mtime: -5, sha256: String(repeating: "AB", count: 32), torn: true),
    .init(path: "sessions/s.json", size: 9, mode: 0o7777, mtime: 0, sha256: "not-a-digest", invalidJSON: true, changed: true),
  ]

  @Test func everyRecordComesBackAsGivenIncludingDigestsNotInCanonicalForm() {
    let list = SnapshotFileList(Self.records)
    #expect(Array(list) == Self.records)
    #expect(list.count == 3 && list.path(1) == "tasks/p1/é t.json" && list.pathEquals(1, "tasks/p1/é t.json".utf8))
    #expect(!list.pathEquals(0, "projects/p1.jso".utf8))
    #expect(list.hasDigest(0, String(repeating: "ab", count: 32)))
    // Uppercase hex is not what SHA256.hex gives: kept as written, never equal to a computed digest.
    #expect(list.sha256(1) == String(repeating: "AB", count: 32) && !list.hasDigest(1, String(repeating: "ab", count: 32)))
    #expect(list.rawDigest(1) == nil && list.rawDigest(2) == nil && list.sha256(2) == "not-a-digest")
    #expect(list.isTorn(1) && list.isInvalidJSON(2) && list.isChanged(2) && list.changedCount == 1)
  }

  @Test func aManifestWithOddDigestsSerializesBackToItsOwnBytes() throws {
    let manifest = SnapshotManifest(
      id: "0badf00d", createdAt: 1_795_816_200_000, source: "/srv/data", hostname: "db1", label: nil,
      compression: .zstd, excluded: [], root: .init(path: "", mode: 0o755, mtime: 7), directories: [],
      files: Self.records)
    let bytes = manifest.serialized()
    let back = try SnapshotManifest(parsing: bytes, origin: "s")
    #expect(back.serialized() == bytes && Array(back.files) == Self.records)
    #expect(back.counts.files == 3 && back.counts.tornFiles == 1 && back.counts.invalidJSONFiles == 1)
  }

  @Test func clearingChangedFlagsLeavesTheOtherFlags() {
    var list = SnapshotFileList(Self.records)
    list.clearChanged()
    #expect(list.changedCount == 0 && list.isInvalidJSON(2) && list.isTorn(1))
  }
}
