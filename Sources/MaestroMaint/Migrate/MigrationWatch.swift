import MaestroStorage

/// What `migrate up` read under `tasks/` and `sessions/` (every entry's path
/// and `MigrationStager.Fingerprint`), kept after the staged content is
/// dropped, to tell whether anything was created, removed or changed since:
/// before the folders are swapped (live), and right after each swap (the
/// folder swapped out, now in the staging folder), so that a write landing
/// between the last look and the swap is caught too and the swap undone.
struct MigrationWatch: Sendable {
  /// Paths relative to the data dir, with what they looked like when read.
  private let paths: [String]
  private let prints: [MigrationStager.Fingerprint]
  /// The folders among `paths` (listed again to find new entries).
  private let folders: [Int]
  private let known: Set<String>

  /// What `staged` read.
  init(_ staged: MigrationStager.Staged) {
    var paths: [String] = []
    var prints: [MigrationStager.Fingerprint] = []
    var folders: [Int] = []
    for o in staged.folders + staged.others {
      if o.kind == .directory { folders.append(paths.count) }
      paths.append(o.path)
      prints.append(o.fingerprint)
    }
    for (file, print) in zip(staged.content.files, staged.fingerprints) {
      paths.append(file.path)
      prints.append(print)
    }
    self.paths = paths
    self.prints = prints
    self.folders = folders
    known = Set(paths)
  }

  /// The paths under the folders `names` (relative to the data dir, as
  /// they are live) created, removed or changed since they were read,
  /// sorted; `location` gives where each folder is now (default: live).
  func changes(
    dataDir: String, in names: [String], location: (String) -> String? = { _ in nil },
    workers: Int = ParallelMap.defaultWorkers
  ) -> [String] {
    let roots = Dictionary(uniqueKeysWithValues: names.map { ($0, location($0) ?? dataDir + "/" + $0) })
    let resolve: @Sendable (String) -> String? = { path in
      let top = String(path.prefix { $0 != "/" })
      guard let root = roots[top] else { return nil }
      return root + path.dropFirst(top.count)
    }
    let total = paths.count
    let changed = SlotBuffer<Bool>(count: total, initial: false)
    let threads = max(1, min(workers, total))
    let paths = paths
    let prints = prints
    let work: @Sendable (Int) -> Void = { w in
      var k = w
      while k < total {
        if let at = resolve(paths[k]) { changed[k] = MigrationStager.Fingerprint.current(at) != prints[k] }
        k += threads
      }
    }
    if total > 0 { NativeThreads.run(threads - 1, work, main: { work(threads - 1) }) }
    var result: [String] = []
    for k in 0..<total where changed[k] { result.append(paths[k]) }
    // Entries created since: anything listed now that was not read.
    for k in folders {
      guard let at = resolve(paths[k]), let entries = try? FileSystem.listDirectory(at) else { continue }
      for entry in entries where !known.contains(paths[k] + "/" + entry.name) {
        result.append(paths[k] + "/" + entry.name)
      }
    }
    return Array(Set(result)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }
}
