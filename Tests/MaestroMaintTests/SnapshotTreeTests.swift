@testable import MaestroMaint
import MaestroStorage
import Testing

/// The packed tree a chain builds: path order, a full manifest taken or
/// sorted, a delta applied, and the v2 manifest round trip.
@Suite struct SnapshotTreeTests {
  static func digest(_ n: Int) -> String { String(repeating: String(n % 10), count: 64) }

  static func full(_ paths: [String]) -> SnapshotManifest {
    SnapshotManifest(
      id: "0badf00d", createdAt: 1_795_816_200_000, source: "/srv/data", hostname: "db1", label: nil,
      compression: .zstd, excluded: [], root: .init(path: "", mode: 0o755, mtime: 7),
      directories: [.init(path: "a", mode: 0o755, mtime: 1), .init(path: "a/b", mode: 0o700, mtime: 2)],
      files: paths.enumerated().map { k, p in
        .init(path: p, size: Int64(k), mode: 0o644, mtime: Int64(k) * 1_000_000_007, sha256: digest(k))
      })
  }

  @Test func pathOrderPutsAFoldersContentRightAfterItsName() {
    #expect(PathOrder.compare("a/x", "a.json") < 0)
    #expect(PathOrder.compare("a-b", "a/b") > 0)
    #expect(PathOrder.compare("a", "a/b") < 0)
    #expect(PathOrder.compare("é", "z") > 0)
  }

  @Test func aFullManifestInPathOrderIsTakenAsItIsAndAnyOtherOrderIsSorted() throws {
    let manifest = try SnapshotManifest(
      parsing: Self.full(["a/b/c.json", "a/x", "a.json", "z"]).serialized(), origin: "s")
    let tree = try SnapshotTree(full: manifest, origin: 0, path: "s")
    #expect((0..<tree.count).map { tree.path($0) } == manifest.files.map(\.path) && tree.count == 4)
    #expect((0..<tree.count).allSatisfy { tree.sha256($0) == manifest.files.sha256($0) && tree.size($0) == manifest.files.size($0) })
    #expect(tree.index(of: "a/x") == 1 && tree.index(of: "a/y") == nil && tree.origin(3) == 0)
    #expect(tree.directories["a/b"] == SnapshotTree.Attributes(mode: 0o700, mtime: 2) && tree.root.mtime == 7)
    let shuffled = try SnapshotTree(full: Self.full(["z", "a.json", "a/x", "a/b/c.json"]), origin: 0, path: "s")
    #expect((0..<4).map { shuffled.path($0) } == ["a/b/c.json", "a/x", "a.json", "z"])
    #expect(shuffled.size(0) == 3 && shuffled.hasDigest(0, Self.digest(3)))
    // Records stay indices into the manifest as written.
    #expect(shuffled.filesHeld(by: 0) == [3, 2, 1, 0] && tree.filesHeld(by: 0) == [0, 1, 2, 3])
    #expect(throws: MaestroError.self) { try SnapshotTree(full: Self.full(["a", "b", "a"]), origin: 0, path: "s") }
  }

  @Test func aDeltaRemovesReplacesAndAddsAndRoundTripsAsVersion2() throws {
    let base = try SnapshotTree(full: Self.full(["a/b/c.json", "a/x", "a.json", "z"]), origin: 0, path: "s")
    let delta = SnapshotManifest(
      id: "00000001", createdAt: 1_795_816_300_000, source: "/srv/data", hostname: "db1", label: nil,
      compression: .zstd, excluded: [], root: .init(path: "", mode: 0o750, mtime: 9),
      directories: [.init(path: "n", mode: 0o755, mtime: 3)],
      files: [
        .init(path: "n/new", size: 1, mode: 0o600, mtime: 1, sha256: Self.digest(8)),
        .init(path: "a/x", size: 9, mode: 0o600, mtime: 2, sha256: Self.digest(9)),
      ],
      parent: .init(name: "maestro-20261127T215000Z-0badf00d.tar.zst", id: "0badf00d", manifestSha256: Self.digest(1), depth: 1),
      removed: ["a/b", "a/b/c.json"], tree: SnapshotManifest.Counts())
    let bytes = delta.serialized()
    let back = try SnapshotManifest(parsing: bytes, origin: "d")
    #expect(back.serialized() == bytes && back.parent == delta.parent && back.removed == ["a/b", "a/b/c.json"])
    #expect(String(decoding: bytes, as: UTF8.self).contains(#""formatVersion":2,"#))
    let next = try base.applying(back, origin: 1, path: "d")
    #expect((0..<next.count).map { next.path($0) } == ["a/x", "a.json", "n/new", "z"])
    #expect(next.size(0) == 9 && next.origin(0) == 1 && next.origin(1) == 0 && next.origin(2) == 1)
    // The full snapshot still holds a.json and z; a/x was replaced, a/b/c.json removed.
    #expect(next.filesHeld(by: 0) == [-1, -1, 1, 3] && next.filesHeld(by: 1) == [2, 0])
    #expect(Set(next.directories.keys) == ["a", "n"] && next.root.mode == 0o750)
  }
}
