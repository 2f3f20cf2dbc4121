import MaestroStorage

/// `backup verify --deep`: `check` on a snapshot's content as the verifier
/// streams it past, without extracting anything.
///
/// The manifest gives the names (`ListedTree`), so the layout and the list
/// of entity files are known before the first member arrives; the check's
/// list of entity files reads its paths from the manifest's own path bytes
/// (`EntityFileList.rebased`), so no name is held twice; each entity
/// file is then judged by the verifier's worker that hashes it, and the few
/// other files check needs (the archive catalog, list files, both copies of
/// a legacy task) are kept in memory until the end. Session doc paths are
/// judged against the data dir the snapshot was taken from.
final class SnapshotContentCheck: @unchecked Sendable {
  /// Worker threads that will call `consume`.
  let workers: Int
  private var pass: CheckPass?
  /// Manifest file index → its entity file index, or -1.
  private var entityOf: [Int32] = []
  /// Manifest file index → whether `finish` needs its bytes.
  private var keeps: [Bool] = []
  /// The manifest's files.
  private var files = SnapshotFileList()
  /// One per worker; worker `k` touches only `partials[k]`.
  private let partials: SlotBuffer<EntityFileInspector.Partial>
  private let lock = ConditionLock()
  private var kept: [String: [UInt8]] = [:]
  private let started = ContinuousClock.now
  /// Files flagged `changed` in a snapshot taken live (empty otherwise).
  private var changed: Set<String> = []
  private var takenLive = false

  /// A check fed by `workers` threads.
  init(workers: Int) {
    self.workers = max(workers, 1)
    partials = SlotBuffer(count: self.workers, initial: EntityFileInspector.Partial())
  }

  /// Judges the names and sorts the files; call once, before `consume`.
  ///
  /// - Throws: `MaestroError` (not expected: the tree is in memory).
  func begin(manifest: SnapshotManifest) throws {
    files = manifest.files
    takenLive = manifest.live != nil
    changed = Set(files.indices.lazy.filter { self.files.isChanged($0) }.map { self.files.path($0) })
    let sorted = SnapshotFileList.InPathOrder(files)
    let tree = ListedTree(files: sorted, directories: manifest.directories.map(\.path))
    var pass = try CheckPass(root: manifest.source, aliases: [], tree: tree)
    pass.inspector.keepsMisnamedTasks = true
    // Each entity file's manifest index, and where its path's bytes sit.
    func listed(_ path: String) -> (index: Int, range: Range<Int>)? {
      guard let s = sorted.index(of: path) else { return nil }
      return (sorted.original?[s] ?? s, sorted.list.pathRange(s))
    }
    entityOf = Array(repeating: -1, count: files.count)
    var ranges: [Range<Int>] = []
    ranges.reserveCapacity(pass.scan.files.count)
    for e in pass.scan.files.indices {
      let path = pass.scan.files.relativePath(e)
      guard let (index, range) = listed(path) else {
        throw MaestroError(.snapshotInvalid, "\(path) is named by the check but not in the manifest", path: manifest.source)
      }
      entityOf[index] = Int32(e)
      ranges.append(range)
    }
    pass.shareFiles(pass.scan.files.rebased(onto: sorted.list.pathBuffer, ranges: ranges))
    keeps = Array(repeating: false, count: files.count)
    for path in pass.auxiliaryFiles {
      if let (index, _) = listed(path) { keeps[index] = true }
    }
    self.pass = pass
  }

  /// Judges manifest file `file`, read as `bytes`, on worker `worker`.
  func consume(worker: Int, file: Int, bytes: [UInt8]) {
    guard let pass, file < files.count else { return }
    if keeps[file] {
      let path = files.path(file)
      lock.withLock { kept[path] = bytes }
    }
    if entityOf[file] >= 0 {
      partials.modify(worker) { pass.inspector.inspect(Int(entityOf[file]), .success(bytes), into: &$0) }
    }
  }

  /// The report, once every member has been consumed.
  ///
  /// - Parameter name: what the report names as the data dir (the snapshot).
  /// - Throws: `MaestroError` when `begin` was not called.
  func finish(name: String) throws -> CheckReport {
    guard let pass else { throw MaestroError(.snapshotInvalid, "no manifest was read", path: name) }
    var gathered = partials.elements
    let kept = self.kept
    var report = try pass.finish(
      partials: &gathered,
      read: { path in
        if let bytes = kept[path] { return .success(bytes) }
        return .failure(MaestroError(.snapshotInvalid, "not in the snapshot", path: path))
      }, filter: FindingFilter(), started: started)
    report.root = name
    return takenLive ? report.markingTakenLive(changed: changed, files: pass.scan.files) : report
  }
}
