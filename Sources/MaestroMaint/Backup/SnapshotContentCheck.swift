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
  /// File index (in the manifest, or in a chain's tree) → its entity
  /// file index, or -1.
  private var entityOf: [Int32] = []
  /// File index → whether `finish` needs its bytes.
  private var keeps: [Bool] = []
  /// File index → its path.
  private var pathOf: @Sendable (Int) -> String = { _ in "" }
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

  /// Judges the names of a full snapshot's tree and sorts its files; call
  /// once, before `consume`, whose file indices are the manifest's.
  ///
  /// - Throws: `MaestroError` (not expected: the tree is in memory).
  func begin(manifest: SnapshotManifest) throws {
    let files = manifest.files
    let sorted = SnapshotFileList.InPathOrder(files)
    try begin(
      sorted, indexOf: { sorted.original?[$0] ?? $0 }, source: manifest.source,
      directories: manifest.directories.map(\.path), takenLive: manifest.live != nil,
      changed: Set(files.indices.lazy.filter { files.isChanged($0) }.map { files.path($0) }),
      pathOf: { files.path($0) })
  }

  /// Judges the names of the tree `chain` restores; call once, before
  /// `consume`, whose file indices are the tree's.
  ///
  /// - Throws: `MaestroError` (not expected: the tree is in memory).
  func begin(chain: SnapshotChain) throws {
    let tree = chain.tree
    try begin(
      tree, indexOf: { $0 }, source: chain.head.source, directories: Array(tree.directories.keys),
      takenLive: chain.head.live != nil,
      changed: Set((0..<tree.count).lazy.filter { tree.isChanged($0) }.map { tree.path($0) }),
      pathOf: { tree.path($0) })
  }

  /// The names in path order: `indexOf` turns a position in `sorted` into
  /// the index `consume` is given. The check's list of entity files reads
  /// its paths from `sorted`'s own buffers.
  private func begin<Paths: SharedPathBytes>(
    _ sorted: Paths, indexOf: (Int) -> Int, source: String, directories: [String], takenLive: Bool,
    changed: Set<String>, pathOf: @escaping @Sendable (Int) -> String
  ) throws {
    self.takenLive = takenLive
    self.changed = changed
    self.pathOf = pathOf
    let tree = ListedTree(files: sorted, directories: directories)
    var pass = try CheckPass(root: source, aliases: [], tree: tree)
    pass.inspector.keepsMisnamedTasks = true
    entityOf = Array(repeating: -1, count: sorted.count)
    var locations: [(buffer: Int, range: Range<Int>)] = []
    locations.reserveCapacity(pass.scan.files.count)
    for e in pass.scan.files.indices {
      let path = pass.scan.files.relativePath(e)
      guard let s = sorted.index(of: path) else {
        throw MaestroError(.snapshotInvalid, "\(path) is named by the check but not in the manifest", path: source)
      }
      entityOf[indexOf(s)] = Int32(e)
      locations.append(sorted.pathLocation(s))
    }
    pass.shareFiles(pass.scan.files.rebased(onto: sorted.pathBuffers, locations: locations))
    // Room for every record on each worker: pages never written are not
    // resident, and no array is copied as it grows.
    let capacity = pass.scan.files.count
    for w in 0..<workers { partials.modify(w) { $0.records.reserveCapacity(capacity) } }
    keeps = Array(repeating: false, count: sorted.count)
    for path in pass.auxiliaryFiles {
      if let s = sorted.index(of: path) { keeps[indexOf(s)] = true }
    }
    self.pass = pass
  }

  /// Judges manifest file `file`, read as `bytes`, on worker `worker`.
  func consume(worker: Int, file: Int, bytes: [UInt8]) {
    guard let pass, file < entityOf.count else { return }
    if keeps[file] {
      let path = pathOf(file)
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
