@testable import MaestroMaint
import MaestroStorage
import Testing

/// `backup create` writes the manifest without holding it whole: it is
/// measured in one pass and streamed in pieces in a second, straight into
/// the compressed frame, whose tar header is made for the final size.
@Suite struct ManifestStreamingTests {
  static func manifest(files count: Int, incremental: Bool) -> SnapshotManifest {
    var files: [SnapshotManifest.File] = []
    for k in 0..<count {
      files.append(
        SnapshotManifest.File(
          path: "tasks/p/task_\(k).json", size: Int64(k), mode: 0o644, mtime: Int64(k) * 1_000_000_007,
          sha256: SHA256.hex(of: [UInt8(truncatingIfNeeded: k)]), changed: k % 9 == 0))
    }
    let parent = SnapshotManifest.Parent(
      name: "snapshot-x.tar.zst", id: "cafe", manifestSha256: String(repeating: "ab", count: 32), depth: 1)
    return SnapshotManifest(
      id: "0badf00d", createdAt: 1_795_816_200_000, source: "/srv/data", hostname: "h", label: "nightly \"n\"",
      compression: .zstd, excluded: [SnapshotManifest.Excluded(path: ".maestro-admin/lock", reason: "lock")],
      root: .init(path: "", mode: 0o755, mtime: 1), directories: [.init(path: "tasks", mode: 0o755, mtime: 2)],
      files: files, parent: incremental ? parent : nil,
      removed: incremental ? (0..<count).map { "tasks/p/gone_\($0).json" } : [], tree: incremental ? .init() : nil)
  }

  @Test(arguments: [0, 1, 5_000], [false, true])
  func streamedBytesAreTheSerializedOnes(count: Int, incremental: Bool) throws {
    let m = Self.manifest(files: count, incremental: incremental)
    let whole = m.serialized()
    #expect(m.serializedSize() == whole.count)
    var streamed: [UInt8] = []
    var pieces = 0
    let digest = m.serialize(pieceSize: 1000) {
      streamed.append(contentsOf: $0)
      pieces += 1
    }
    #expect(streamed == whole)
    #expect(digest == SHA256.hex(of: whole))
    if count == 5_000 { #expect(pieces > 100) }
    // The self-hash still checks out when read back.
    #expect(try SnapshotManifest(parsing: streamed, origin: "t") == m)
  }

  @Test(arguments: [0, 1, 511, 512, 513, 100_000, 3_000_001])
  func theHeaderIsLibarchivesAndTheStreamedMemberMatchesTheWholeOne(size: Int) throws {
    let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    let mtime: Int64 = 1_795_816_200_123_000_000
    let whole = try SnapshotArchiveWriter.plainManifestMember(bytes, mtime: mtime, origin: "t")
    let header = try SnapshotArchiveWriter.manifestHeader(size: size, mtime: mtime, origin: "t")
    #expect(header == Array(whole.prefix(512)))
    let streamed = try SnapshotArchiveWriter.manifestFrame(size: size, mtime: mtime, compression: .none, origin: "t") {
      write in
      var offset = 0
      while offset < bytes.count {
        let end = min(bytes.count, offset + 4093)
        try bytes[offset..<end].withUnsafeBytes { try write($0) }
        offset = end
      }
    }
    #expect(streamed == whole)
  }

  @Test(arguments: [9, 11])
  func aBodyThatFeedsTheWrongSizeIsRefused(fed: Int) {
    #expect(throws: MaestroError.self) {
      try SnapshotArchiveWriter.manifestFrame(size: 10, mtime: 0, compression: .zstd, origin: "t") { write in
        try [UInt8](repeating: 1, count: fed).withUnsafeBytes { try write($0) }
      }
    }
  }

  /// Read back, the canonical bytes stream their file records (no JSON
  /// tree); a reformatted manifest takes the whole-tree path; both agree.
  @Test(arguments: [false, true])
  func canonicalAndReformattedManifestsParseToTheSame(incremental: Bool) throws {
    let m = Self.manifest(files: 300, incremental: incremental)
    let bytes = m.serialized()
    let back = try SnapshotManifest(parsing: bytes, origin: "s")
    #expect(back.files == m.files && back.removed == m.removed && back.parent == m.parent)
    #expect(back.serialized() == bytes)
    let pretty = JSONWriter.serialize(try JSONParser.parse(bytes), style: .pretty)
    #expect(pretty != bytes)
    let reparsed = try SnapshotManifest(parsing: pretty, origin: "s")
    #expect(reparsed.files == back.files && reparsed.serialized() == bytes)
    #expect(reparsed.recordedSha256 == back.recordedSha256 && back.recordedSha256 != nil)
  }

  @Test func aDamagedFileRecordInACanonicalManifestIsRefused() throws {
    var bytes = Self.manifest(files: 3, incremental: false).serialized()
    // Same length, different digest: the self-hash no longer holds.
    let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "task_1.json", with: "task_9.json")
    bytes = Array(text.utf8)
    #expect(throws: MaestroError.self) { try SnapshotManifest(parsing: bytes, origin: "s") }
  }
}
