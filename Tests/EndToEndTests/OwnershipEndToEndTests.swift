import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Run as root on a data dir the server's user owns, every entry the tool
/// creates or rewrites inside it keeps that owner; run as that user, a
/// migration whose snapshot folder it cannot write fails before any work.
/// Both need root (to give files away, and to become another user): the
/// suite is skipped otherwise.
@Suite(.enabled(if: geteuid() == 0, "needs root: run the tests as root to check ownership"))
struct OwnershipEndToEndTests {
  static let serverUser: uid_t = 65534

  private func chownTree(_ path: String, to uid: uid_t) throws {
    guard lchown(path, uid, uid) == 0 else { throw MaestroError.system("cannot chown", path: path) }
    if FileSystem.isDirectory(path, followSymlinks: false) {
      for entry in try FileSystem.listDirectory(path) { try chownTree(path + "/" + entry.name, to: uid) }
    }
  }

  /// Every entry below `path` (itself included) not owned by `uid`:`uid`.
  private func foreignEntries(_ path: String, uid: uid_t) throws -> [String] {
    var s = stat()
    guard lstat(path, &s) == 0 else { return [] }
    var found = s.st_uid == uid && s.st_gid == uid ? [] : [path]
    if s.st_mode & S_IFMT == S_IFDIR {
      for entry in try FileSystem.listDirectory(path) { found += try foreignEntries(path + "/" + entry.name, uid: uid) }
    }
    return found
  }

  @Test func repairMigrateArchiveAndUndoKeepTheDataDirsOwner() throws {
    try withTemporaryDirectory { dir in
      let data = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--format", "legacy", "--inject", "all=1"]).status == 0)
      try chownTree(data, to: Self.serverUser)
      let repair = try runMaestroAdmin(["repair", "--data-dir", data])
      #expect(repair.status == 4 || repair.status == 1, "\(repair.stderr)")
      #expect(FileSystem.isDirectory(data + "/lost+found"))
      #expect(try foreignEntries(data, uid: Self.serverUser) == [])

      let up = try runMaestroAdmin(["migrate", "up", "--data-dir", data, "--snapshot-dest", dir + "/snapshots"])
      #expect(up.status == 0 || up.status == 1, "\(up.stderr)")
      #expect(try foreignEntries(data, uid: Self.serverUser) == [])

      let archive = try runMaestroAdmin(["archive", "create", "--data-dir", data, "--status", "completed"])
      #expect(archive.status == 1, "\(archive.stderr)")
      #expect(FileSystem.isDirectory(data + "/archive"))
      #expect(try foreignEntries(data, uid: Self.serverUser) == [])

      // Undo everything, newest first: restored files and folders too.
      for (journal, undo) in try undoEveryRun(dataDir: data) {
        #expect(undo.status == 1, "\(journal): \(undo.stderr)")
      }
      #expect(try foreignEntries(data, uid: Self.serverUser) == [])
    }
  }

  @Test(.enabled(if: FileSystem.fileExists("/usr/bin/setpriv"), "needs setpriv (util-linux) to run as another user"))
  func asTheServerUserAnUnwritableSnapshotFolderFailsBeforeAnyWork() throws {
    try withTemporaryDirectory { dir in
      // The parent stays root's (as /var/lib/maestro's parent would be),
      // but the server's user may pass through it.
      guard chmod(dir, 0o755) == 0 else { throw MaestroError.system("cannot chmod", path: dir) }
      let data = dir + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--format", "legacy"]).status == 0)
      try chownTree(data, to: Self.serverUser)
      let before = try TreeHash.entries(of: data, includeModes: true)
      let r = try runProcess(
        "/usr/bin/setpriv",
        ["--reuid=\(Self.serverUser)", "--regid=\(Self.serverUser)", "--clear-groups", ProjectPaths.binary,
         "migrate", "up", "--data-dir", data])
      #expect(r.status == 8, "\(r.stderr)")
      #expect(r.stderr.contains("--snapshot-dest") && r.stderr.contains(dir) && r.stderr.contains("--no-snapshot"))
      #expect(try TreeHash.entries(of: data, includeModes: true) == before)
    }
  }
}
