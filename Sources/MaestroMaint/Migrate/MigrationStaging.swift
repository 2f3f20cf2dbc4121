import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The staging folders of `migrate up`: `.maestro-admin/staging/<name>/`.
///
/// One is made per run. Until its journal exists it is scratch (a crash
/// leaves it; the next run removes it). Once a journal swaps folders with
/// it, it holds the data dir's old `tasks/` and `sessions/` for `undo`, and
/// stays as long as that journal does.
enum MigrationStaging {
  /// The folder holding the staging folders, relative to the data dir.
  static let root = Journal.stateFolderName + "/staging"

  /// A new staging folder's path, relative to the data dir.
  static func newName(now: Double) -> String {
    let hex = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    return root + "/" + RepairJob.stamp(now) + "-" + String(repeating: "0", count: 8 - hex.count) + hex
  }

  /// Why whole folders cannot be swapped in this data dir (so `up` rewrites
  /// files one by one instead), or nil when they can: `tasks` and
  /// `sessions` must be plain folders on the data dir's own file system,
  /// and that file system must exchange two names in one step.
  static func exchangeUnavailable(dataDir: String) -> String? {
    var base = stat()
    guard stat(dataDir, &base) == 0 else { return "cannot stat the data dir" }
    for name in MigrationStager.folders {
      var s = stat()
      guard lstat(dataDir + "/" + name, &s) == 0 else { continue }
      if s.st_mode & S_IFMT != S_IFDIR { return "\(name) is not a plain folder" }
      if s.st_dev != base.st_dev { return "\(name) is on another file system than the data dir" }
    }
    let folder = dataDir + "/" + root
    do {
      try FileSystem.makeDirectories(folder, mode: 0o700)
    } catch {
      return "cannot create \(root): \(error)"
    }
    let a = folder + "/.probe-a-\(getpid())"
    let b = folder + "/.probe-b-\(getpid())"
    defer {
      rmdir(a)
      rmdir(b)
    }
    guard mkdir(a, 0o700) == 0, mkdir(b, 0o700) == 0 else { return "cannot create folders in \(root)" }
    do {
      return try DirectorySwap.exchange(a, b) ? nil : "the file system cannot exchange two folders in one step"
    } catch {
      return "\(error)"
    }
  }

  /// Removes the staging folders no journal names (what a crash before the
  /// journal was written leaves), and stray probes.
  /// - Returns: the folders removed, relative to the data dir.
  static func removeOrphans(dataDir: String) throws -> [String] {
    let folder = dataDir + "/" + root
    guard FileSystem.isDirectory(folder, followSymlinks: false) else { return [] }
    var named = Set<String>()
    for journal in try Journal.list(dataDir: dataDir) {
      for action in journal.actions {
        for path in [action.path, action.to].compactMap({ $0 }) where path.hasPrefix(root + "/") {
          named.insert(String(path.dropFirst(root.count + 1).prefix { $0 != "/" }))
        }
      }
    }
    var removed: [String] = []
    for entry in try FileSystem.listDirectory(folder) where !named.contains(entry.name) {
      DirectorySwap.removeTree(folder + "/" + entry.name)
      removed.append(root + "/" + entry.name)
    }
    return removed
  }
}
