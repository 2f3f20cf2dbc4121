import Glibc
import MaestroStorage

extension SnapshotCreator {
  /// What an incremental snapshot builds on: its parent's chain, resolved.
  struct Base: Sendable {
    /// The parent's path or address.
    var path: String
    /// The link the new manifest records.
    var link: SnapshotManifest.Parent
    /// The tree the parent restores.
    var tree: SnapshotTree
    /// A file whose status change time (ctime) is older than this (ns) has
    /// not been touched since the parent read it: the parent's start, less
    /// `liveMargin` for the coarse clock.
    var untouchedBefore: Int64
  }

  /// The parent for this run: the newest snapshot in `collection` taken of
  /// the same data dir on this host whose chain resolves, or `nil` (a full
  /// snapshot) with `full`, `maxChain` reached, no such snapshot, or none of
  /// the newest three usable (each one's reason in `warnings`).
  ///
  /// Also waits, if need be, until the clock's second is past the newest
  /// snapshot's (at most a second), so that names order snapshots as they
  /// were taken even when two runs follow each other within a second:
  /// "newest" means the same to `create`, `list` and `prune`. `started`
  /// and `startNs` are then taken again.
  func chooseBase(
    in collection: any SnapshotCollection, root: String, started: inout Int64, startNs: inout Int64,
    warnings: inout [String]
  ) throws -> Base? {
    let snapshots = try collection.snapshots()
    if let newest = snapshots.last?.name.time, newest / 1000 >= started / 1000, newest / 1000 <= started / 1000 + 1 {
      let now = UTCTime.nowMilliseconds()
      usleep(useconds_t(1000 * (1000 - now % 1000) + 1000))
      started = UTCTime.nowMilliseconds()
      startNs = UTCTime.nowNanoseconds()
    }
    guard !options.full, options.maxChain > 0 else { return nil }
    let host = Self.hostname()
    var tried = 0
    for candidate in snapshots.reversed() {
      guard tried < 3 else { break }
      let header: SnapshotHeader
      do { header = try SnapshotHeader.read(candidate.path) } catch let error as MaestroError {
        tried += 1
        warnings.append("\(candidate.name.fileName) cannot be a parent: \(error.message)")
        continue
      }
      guard header.source == root, header.hostname == host else { continue }
      tried += 1
      let chainLength = (header.parent?.depth ?? 0) + 1
      if chainLength > options.maxChain {
        return nil
      }
      do {
        // The chain's manifests are read in full (and hash-checked) here.
        let chain = try SnapshotChain.resolve(candidate.path)
        return Base(
          path: candidate.path,
          link: .init(name: candidate.name.fileName, id: chain.headId, manifestSha256: chain.headSha256, depth: chainLength),
          tree: chain.tree, untouchedBefore: header.createdAt * 1_000_000 - Self.liveMargin)
      } catch let error as MaestroError where error.code == .snapshotInvalid {
        warnings.append("\(candidate.name.fileName) cannot be a parent: \(error.message)")
      }
    }
    return nil
  }

  /// The directories an incremental records: new ones and those whose mode
  /// or mtime changed (all of them for a full snapshot).
  static func changedDirectories(_ tree: SourceTree, base: Base?) -> [SourceTree.Directory] {
    guard let base else { return tree.directories }
    return tree.directories.filter {
      base.tree.directories[$0.path] != SnapshotTree.Attributes(mode: $0.mode, mtime: $0.mtime)
    }
  }

  /// Paths the parent's tree held that this run did not back up: files not
  /// `seen`, and directories the walk no longer found, in path order.
  static func removedPaths(base: Base, seen: [Bool], tree: SourceTree) -> [String] {
    var removed: [String] = []
    for k in 0..<base.tree.count where !seen[k] { removed.append(base.tree.path(k)) }
    let current = Set(tree.directories.map(\.path))
    for path in base.tree.directories.keys where !current.contains(path) { removed.append(path) }
    return removed.sorted { PathOrder.compare($0, $1) < 0 }
  }

  /// Whether the file at `path` is, by its status alone, the parent's file
  /// `k`: a regular file with the same size, mode and mtime (ns) whose
  /// status has not changed since before the parent began. A rewrite, even
  /// one that keeps size and mtime (or sets the mtime back), moves the
  /// ctime, which no program can set; such a file is read and compared by
  /// content instead.
  static func unchangedByStatus(_ path: String, base: Base, index k: Int) -> Bool {
    var info = Glibc.stat()
    guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
    let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    let ctime = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    return Int64(info.st_size) == base.tree.size(k) && UInt32(info.st_mode) & 0o7777 == base.tree.mode(k)
      && mtime == base.tree.mtime(k) && ctime < base.untouchedBefore && !base.tree.isTorn(k)
  }
}
