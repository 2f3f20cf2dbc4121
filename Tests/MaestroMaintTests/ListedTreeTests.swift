@testable import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// A snapshot's names listed from its sorted file list: every folder the
/// same as on disk, implied folders included, files found by path.
@Suite struct ListedTreeTests {
  static let files = [
    "a.json", "ordering/p1.json", "projects/p1.json", "projects/p2.json", "sessions/s1.json", "sessions/x.tmp",
    "tasks/legacy.json", "tasks/p1/t1.json", "tasks/p1/t2.json", "tasks/p1-x/t3.json", "tasks/p1.json",
    "tasks/p2/deep/er/t4.json",
  ]
  static let directories = ["empty", "ordering", "projects", "sessions", "tasks", "tasks/p1", "tasks/p1-x", "tasks/p2"]

  static func list(_ paths: [String]) -> SnapshotFileList {
    SnapshotFileList(
      paths.map { .init(path: $0, size: 1, mode: 0o644, mtime: 0, sha256: String(repeating: "0", count: 64)) })
  }

  @Test func everyFolderListsAsOnDiskIncludingImpliedOnes() throws {
    let dir = try TemporaryDirectory()
    for d in Self.directories { try FileSystem.makeDirectories(dir.path + "/" + d) }
    for f in Self.files {
      try FileSystem.makeDirectories(FileSystem.parentDirectory(of: dir.path + "/" + f))
      try AtomicFile.write(Array("{}".utf8), to: dir.path + "/" + f)
    }
    let disk = DirectoryTree(root: dir.path)
    // Shuffled: the list is sorted into path order first.
    let sorted = SnapshotFileList.InPathOrder(Self.list(Self.files.reversed()))
    #expect(sorted.original != nil)
    let listed = ListedTree(files: sorted, directories: Self.directories)
    for folder in ["", "empty", "ordering", "projects", "sessions", "tasks", "tasks/p1", "tasks/p1-x", "tasks/p2", "tasks/p2/deep", "tasks/p2/deep/er"] {
      let expected = try disk.entries(in: folder)
      #expect(try listed.entries(in: folder) == expected, "\(folder)")
    }
    for missing in ["nope", "tasks/p3", "a.json", "tasks/p1/t1.json"] {
      #expect(try listed.entries(in: missing) == nil, "\(missing)")
    }
    for path in ["a.json", "tasks/p1", "tasks/p2/deep", "tasks/p1/t2.json", "empty"] {
      #expect(listed.contains(path), "\(path)")
    }
    for path in ["", "tasks/p1/t9.json", "tasks/p", "tasks/p1/", "b.json"] {
      #expect(!listed.contains(path), "\(path)")
    }
  }

  @Test func aListAlreadyInPathOrderIsUsedAsItIs() {
    let files = Self.list(Self.files.sorted { PathOrder.compare($0, $1) < 0 })
    let sorted = SnapshotFileList.InPathOrder(files)
    #expect(sorted.original == nil && sorted.list == files)
    #expect(sorted.index(of: "tasks/p1-x/t3.json").map { files.path($0) } == "tasks/p1-x/t3.json")
    #expect(sorted.index(of: "tasks/p1-x") == nil)
  }
}
