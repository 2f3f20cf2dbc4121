import Glibc
import MaestroStorage
import Synchronization

/// `backup create`: writes one snapshot of a data dir into a backup folder,
/// consistently while a server runs, and proves it readable before it gets
/// its final name.
///
/// 1. Choose the parent (`chooseBase`: the newest usable snapshot of this
///    data dir at the destination, unless `full`); walk the data dir
///    (`SourceTree`).
/// 2. Read every file on `workers` threads (`ConsistentFileReader`: stat
///    before and after, JSON must be complete, bounded re-reads), hashing
///    each, while this thread feeds the files in walk order to libarchive,
///    whose zstd workers compress them into an unlinked spool file. With a
///    parent, only new and changed files are read and spooled (see
///    `SnapshotCreator+Incremental`), and the manifest is a delta.
/// 3. Build the manifest from what was read, then write
///    `.<name>.partial` = the manifest's frame + the spool, fsync it.
/// 4. Read the whole file back with `SnapshotVerifier`; only a snapshot
///    that matches its manifest is renamed to its final name (then the
///    folder is fsynced). A crash at any point leaves at most a `.partial`.
///
/// The data dir is only read; no lock is taken (like `stats`), so backups
/// also run from an account that cannot write the data dir.
///
/// On a live data dir each file is a version that existed, but the files
/// are not all of one instant: a server writes a link's two files one after
/// the other. When the backup sees files change (a read that had to be
/// repeated, a file written after the walk began, a file gone, a folder
/// whose entries changed), the manifest says so (`live`) and flags every
/// file written from `liveMargin` before the start on (`changed`), so that
/// `backup verify --deep` can tell a link caught half written from damage.
public struct SnapshotCreator: Sendable {
  /// What to back up and how.
  public struct Options: Sendable {
    /// The data dir.
    public var dataDir: String
    /// The backup folder (created 0700 if missing), or an
    /// `s3://BUCKET/PREFIX` (see `SnapshotCreator+ObjectStore`).
    public var destination: String
    /// zstd (default), gzip or none.
    public var compression: TarCompression = .zstd
    /// Compression level (default: zstd 3, gzip 6).
    public var level: Int?
    /// A free-text label stored in the manifest.
    public var label: String?
    /// Keep files that never read consistently, flagged, instead of failing.
    public var allowTorn = false
    /// Reader threads.
    public var workers = ParallelMap.defaultWorkers
    /// Draw progress on a terminal.
    public var showProgress = false
    /// Folders to leave out (relative to the data dir): a migration's
    /// staging folder, which holds the data a second time.
    public var leftOut: [String] = []
    /// How the command line names `destination`, for messages.
    public var destinationOption = "--dest"
    /// Keep the journals' packs and undo copies under
    /// `.maestro-admin/journal` (left out by default: they hold old copies
    /// of files, and migrate's replaced folders).
    public var includeJournals = false
    /// The re-read policy.
    var reader = ConsistentFileReader()
    /// Bytes per part of an S3 upload (memory holds up to four).
    public var objectPartSize = 8 << 20
    /// Upload bytes per second at most to S3 (0: no limit).
    public var uploadRateLimit: Int64 = 0
    /// Write a full snapshot even when an incremental one could be made.
    public var full = false
    /// Incrementals allowed after a full snapshot before the next one is
    /// made full (0: every snapshot is full).
    public var maxChain = 31

    /// Options for backing up `dataDir` into `destination`.
    public init(dataDir: String, destination: String) {
      self.dataDir = dataDir
      self.destination = destination
    }
  }

  /// What `create` did.
  public struct Report: Sendable {
    /// The snapshot's final path.
    public var path: String
    /// Its manifest.
    public var manifest: SnapshotManifest
    /// The snapshot file's size.
    public var archiveBytes: Int64
    /// Files that went in flagged torn (only with `allowTorn`), with why.
    public var torn: [(path: String, reason: String)]
    /// Wall time in seconds.
    public var seconds: Double
    /// Incomplete uploads that killed runs had left under an S3 prefix,
    /// aborted before this one started.
    public var abortedUploads: [String] = []
    /// The parent an incremental snapshot builds on (`nil`: full).
    public var parent: String?
    /// Why newer snapshots of this data dir could not be parents.
    public var warnings: [String] = []
  }

  /// What the data pass produced.
  struct DataOutcome {
    /// The manifest's file records (for an incremental: changed files only).
    var records = SnapshotFileList()
    /// Files that left the tree meanwhile.
    var excluded: [SnapshotManifest.Excluded] = []
    /// Torn files kept, with why.
    var torn: [(path: String, reason: String)] = []
    /// Whether any file was seen changing.
    var sawChange = false
    /// Counts of the whole tree (an incremental's `tree`).
    var counter = SnapshotCounter()
    /// For an incremental: which of the parent's files are still there.
    var seen: [Bool] = []
  }

  /// The options.
  public var options: Options
  /// How long before the start a file's change still counts as part of the
  /// backup's window when it turns out live: a server's debounced save
  /// (about 500 ms) writes many files in a row.
  static let liveMargin: Int64 = 1_000_000_000

  /// A creator with these options.
  public init(_ options: Options) {
    self.options = options
  }

  private enum Item: Sendable {
    case file(String, ConsistentFileReader.Outcome, sha256: String, parentIndex: Int?)
    /// The parent's file `parentIndex`, unchanged; `sawChange` when it had
    /// to be read to tell and the read saw the data dir change.
    case unchanged(String, parentIndex: Int, sawChange: Bool)
  }

  /// Takes the snapshot.
  ///
  /// - Returns: The report.
  /// - Throws: `MaestroError`: `.tornFile` naming the file that kept changing
  ///   (without `allowTorn`), `.io`/`.notFound` for I/O, `.cancelled` on
  ///   SIGINT. Nothing is left under a final name on failure.
  public func run() throws -> Report {
    var started = UTCTime.nowMilliseconds()
    let clockStart = MonotonicClock.seconds()
    var startNs = UTCTime.nowNanoseconds()
    let root = DirectorySwap.absolute(options.dataDir)
    try DataDirectory.requireDirectory(root)
    if S3Location.isObjectStoreAddress(options.destination) {
      return try runToObjectStore(
        try S3Location(parsing: options.destination), root: root, started: started, startNs: startNs,
        clockStart: clockStart)
    }
    let destination = DirectorySwap.absolute(options.destination)
    try OutputLocation.check(destination, option: options.destinationOption)
    // A backup folder inside a data dir another user owns is given to that
    // user, as everything the toolkit creates there (no lock is taken: the
    // data dir is only read).
    let adoption = DataDirOwner.adopt(dataDir: root)
    defer { adoption?.release() }
    // Folders this run creates for the destination are removed again when
    // it fails (rmdir: only while empty), so a failed run leaves nothing.
    var created: [String] = []
    var missing = destination
    while missing != "/", missing != ".", !FileSystem.fileExists(missing, followSymlinks: false) {
      created.append(missing)
      missing = FileSystem.parentDirectory(of: missing)
    }
    var succeeded = false
    defer { if !succeeded { for folder in created { rmdir(folder) } } }
    try FileSystem.makeDirectories(destination, mode: 0o700)
    // A backup folder inside the data dir must not back itself up.
    var inside: String?
    let rootPrefix = root.hasSuffix("/") ? root : root + "/"
    if destination.hasPrefix(rootPrefix) {
      inside = String(destination.dropFirst(rootPrefix.count))
      while inside?.hasSuffix("/") == true { inside?.removeLast() }
    }
    var warnings: [String] = []
    let base = try chooseBase(
      in: BackupDestination(path: destination), root: root, started: &started, startNs: &startNs, warnings: &warnings)
    let tree = try SourceTree.scan(root, skipping: skippedFolders(backupFolder: inside))

    let name = SnapshotName(time: started, id: SnapshotName.randomId(), compression: options.compression)

    // The spool is unlinked at once: a crash cannot leave it behind.
    let spoolPath = FileSystem.join(destination, "." + name.fileName + ".spool")
    let spool = open(spoolPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard spool >= 0 else { throw MaestroError.system("cannot create spool file", path: spoolPath) }
    defer { close(spool) }
    unlink(spoolPath)

    let directories = Self.changedDirectories(tree, base: base)
    var data = try writeData(
      tree, directories: directories, base: base, root: root, to: spool, origin: spoolPath, startNs: startNs)
    CrashPoint.reached("backup:spooled")
    let live = Self.liveState(tree: tree, root: root, records: &data.records, sawChange: data.sawChange)

    let temporary = FileSystem.join(destination, name.temporaryFileName)
    let final = FileSystem.join(destination, name.fileName)
    var renamed = false
    defer { if !renamed { unlink(temporary) } }
    let manifest: SnapshotManifest
    let manifestDigest: String
    let archiveBytes: Int64
    do {
      // The frame is freed at the end of this block, once written.
      let built = try self.manifest(
        name: name, started: started, root: root, tree: tree, directories: directories, base: base, data: data,
        live: live, origin: spoolPath)
      (manifest, manifestDigest) = (built.manifest, built.sha256)
      archiveBytes = try assemble(frame: built.frame, spool: spool, into: temporary)
    }
    CrashPoint.reached("backup:before-verify")
    try Cancellation.check()

    let check = try SnapshotVerifier(path: temporary).run(expected: (manifestDigest, manifest))
    guard check.isVerified else {
      let first = check.problems.first.map { "\($0)" } ?? "unknown problem"
      throw MaestroError(
        .io, "the snapshot does not match its manifest when read back (\(check.problems.count) problem(s), first: \(first)); it was not kept",
        path: final)
    }
    CrashPoint.reached("backup:before-rename")
    try DirectorySwap.renameNoReplace(temporary, to: final)
    renamed = true
    try FileSystem.fsyncDirectory(destination)
    CrashPoint.reached("backup:after-rename")
    succeeded = true
    var report = Report(
      path: final, manifest: manifest, archiveBytes: archiveBytes, torn: data.torn,
      seconds: MonotonicClock.seconds() - clockStart)
    report.parent = base?.path
    report.warnings = warnings
    return report
  }

  /// Steps 2: read, hash and spool every file; returns the manifest's file
  /// records in walk order (those written since `liveMargin` before
  /// `startNs` flagged `changed`), files that left the tree meanwhile, torn
  /// files, and whether any file was seen changing. `stop` is called once
  /// per batch (an S3 upload that failed stops the readers).
  ///
  /// With a `base` (an incremental), a file the parent's tree holds with
  /// the same size, mode and mtime and an older ctime is not read at all;
  /// one that must be read but turns out identical (content, mode, mtime)
  /// is not stored either. Only `directories` get members.
  func writeData(
    _ tree: SourceTree, directories: [SourceTree.Directory], base: Base?, root: String, to spool: Int32,
    origin: String, startNs: Int64, stop: () throws -> Void = {}
  ) throws -> DataOutcome {
    // zstd compresses on its own workers (one per core), so this thread only
    // formats tar records and the compressor runs while the readers wait.
    let writer = try SnapshotArchiveWriter(
      fd: spool, compression: options.compression, level: options.level, threads: max(1, options.workers),
      origin: origin)
    try writer.addDirectory(
      SnapshotManifest.dataFolder, mode: tree.root.mode, mtime: tree.root.mtime, uid: tree.root.uid,
      gid: tree.root.gid)
    for d in directories {
      try writer.addDirectory(
        SnapshotManifest.memberPrefix + d.path, mode: d.mode, mtime: d.mtime, uid: d.uid, gid: d.gid)
    }

    let files = tree.files
    let reader = options.reader
    // Files travel in batches: one hand-off per 64 files instead of per file.
    let batch = 64
    let pipeline = OrderedPipeline<[Item]>(count: (files.count + batch - 1) / batch, window: 16)
    let progress = ProgressBar(
      "backup", total: files.count, enabled: options.showProgress && ProgressBar.stderrIsTerminal)
    defer { progress.finish() }
    var out = DataOutcome()
    out.records.reserveCapacity(base == nil ? files.count : 1024, pathBytes: 0)
    if let base { out.seen = [Bool](repeating: false, count: base.tree.count) }
    let allowTorn = options.allowTorn

    try NativeThreads.run(
      max(1, options.workers),
      { _ in
        while let j = pipeline.claim() {
          var items: [Item] = []
          items.reserveCapacity(batch)
          for k in (j * batch)..<min(files.count, (j + 1) * batch) {
            let full = FileSystem.join(root, files[k])
            let parentIndex = base?.tree.index(of: files[k])
            if let base, let p = parentIndex, Self.unchangedByStatus(full, base: base, index: p) {
              items.append(.unchanged(files[k], parentIndex: p, sawChange: false))
              continue
            }
            let outcome = reader.read(full)
            var digest = ""
            switch outcome {
            case .read(let c), .torn(let c, _): digest = SHA256.hex(of: c.bytes)
            default: break
            }
            if let base, let p = parentIndex, case .read(let c) = outcome, Int64(c.bytes.count) == base.tree.size(p),
              c.mode == base.tree.mode(p), c.mtime == base.tree.mtime(p), !base.tree.isTorn(p),
              base.tree.hasDigest(p, digest)
            {
              items.append(.unchanged(files[k], parentIndex: p, sawChange: c.sawChange || c.ctime >= startNs))
              continue
            }
            items.append(.file(files[k], outcome, sha256: digest, parentIndex: parentIndex))
          }
          pipeline.deliver(j, items)
        }
      },
      main: {
        defer { pipeline.stop() }
        for j in 0..<pipeline.count {
          guard let items = pipeline.take(j) else { break }
          try Cancellation.check()
          try stop()
          for item in items {
            let path: String
            let outcome: ConsistentFileReader.Outcome
            let digest: String
            let parentIndex: Int?
            switch item {
            case .unchanged(let unchanged, let p, let changing):
              guard let base else { continue }
              out.seen[p] = true
              if changing { out.sawChange = true }
              out.counter.add(
                unchanged, size: base.tree.size(p), torn: false, invalidJSON: base.tree.isInvalidJSON(p))
              continue
            case .file(let file, let read, let sha256, let p):
              (path, outcome, digest, parentIndex) = (file, read, sha256, p)
            }
            var content: ConsistentFileReader.FileContent
            var isTorn = false
            switch outcome {
            case .read(let c): content = c
            case .vanished:
              out.sawChange = true
              out.excluded.append(.init(path: path, reason: "vanished"))
              continue
            case .excluded(let why):
              out.excluded.append(.init(path: path, reason: why))
              continue
            case .failed(let error): throw error
            case .torn(let c, let reason):
              guard allowTorn else {
                throw MaestroError(
                  .tornFile,
                  "\(reason) on every one of \(reader.pauses.count + 1) reads; is a server rewriting it in place? Retry, or pass --allow-torn to keep it flagged",
                  path: FileSystem.join(root, path))
              }
              content = c
              isTorn = true
              out.torn.append((path, reason))
            }
            try content.bytes.withUnsafeBytes {
              try writer.addFile(
                SnapshotManifest.memberPrefix + path, bytes: $0, mode: content.mode, mtime: content.mtime,
                uid: content.uid, gid: content.gid)
            }
            // Time stamps lag the real clock by up to a tick, never lead it:
            // a change stamped at or after the start happened after it.
            if content.sawChange || content.ctime >= startNs { out.sawChange = true }
            if let parentIndex { out.seen[parentIndex] = true }
            out.counter.add(path, size: Int64(content.bytes.count), torn: isTorn, invalidJSON: content.invalidJSON)
            out.records.append(
              SnapshotManifest.File(
                path: path, size: Int64(content.bytes.count), mode: content.mode, mtime: content.mtime,
                sha256: digest, torn: isTorn, invalidJSON: content.invalidJSON,
                changed: content.sawChange || content.ctime >= startNs - Self.liveMargin))
            CrashPoint.reached("backup:file")
          }
          progress.advance(by: items.count)
        }
      })
    try Cancellation.check()
    try writer.finish()
    return out
  }

  /// The folders step 1 leaves out, with why: a migration's staging folder,
  /// the backup folder when it lies inside the data dir, and the journals
  /// unless `includeJournals`.
  func skippedFolders(backupFolder inside: String?) -> [String: String] {
    var skipping = Dictionary(uniqueKeysWithValues: options.leftOut.map { ($0, "staging") })
    if let inside { skipping[inside] = "backup folder" }
    if !options.includeJournals {
      for folder in SourceTree.journalFolders where skipping[folder] == nil { skipping[folder] = "journal" }
    }
    return skipping
  }

  /// Whether the snapshot was taken live: a file seen changing, or a
  /// folder whose mtime moved since the walk. If not, no file stays flagged
  /// `changed`.
  static func liveState(
    tree: SourceTree, root: String, records: inout SnapshotFileList, sawChange: Bool
  ) -> SnapshotManifest.Live? {
    let changedFolders = ([tree.root] + tree.directories).filter { d in
      let path = d.path.isEmpty ? root : FileSystem.join(root, d.path)
      return (try? FileSystem.stat(path, followSymlinks: !d.path.isEmpty ? false : true))?.mtime != d.mtime
    }.count
    if sawChange || changedFolders > 0 {
      return .init(changedFiles: records.changedCount, changedFolders: changedFolders)
    }
    records.clearChanged()
    return nil
  }

  /// Step 3's manifest: built from what was read, serialized, and
  /// compressed as the frame that starts the snapshot; with the SHA-256 of
  /// its bytes, which are measured, then streamed into the frame, never
  /// held whole.
  ///
  /// An incremental's manifest lists `data`'s changed files and the
  /// `directories` that changed, the paths removed since `base`, the link
  /// to it and the whole tree's counts.
  func manifest(
    name: SnapshotName, started: Int64, root: String, tree: SourceTree, directories: [SourceTree.Directory],
    base: Base?, data: DataOutcome, live: SnapshotManifest.Live?, origin: String
  ) throws -> (manifest: SnapshotManifest, sha256: String, frame: [UInt8]) {
    let excluded = tree.excluded + data.excluded
    var removed: [String] = []
    var treeCounts: SnapshotManifest.Counts?
    if let base {
      removed = Self.removedPaths(base: base, seen: data.seen, tree: tree)
      treeCounts = data.counter.finish(directories: tree.directories.count, excluded: excluded.count).0
    }
    let manifest = SnapshotManifest(
      id: name.id, createdAt: started, source: root, hostname: Self.hostname(), label: options.label,
      compression: options.compression, excluded: excluded,
      root: .init(path: "", mode: tree.root.mode, mtime: tree.root.mtime),
      directories: directories.map { .init(path: $0.path, mode: $0.mode, mtime: $0.mtime) }, files: data.records,
      live: live, parent: base?.link, removed: removed, tree: treeCounts)
    var digest = ""
    let frame = try SnapshotArchiveWriter.manifestFrame(
      size: manifest.serializedSize(), mtime: started * 1_000_000, compression: options.compression, origin: origin
    ) { write in
      digest = try manifest.serialize(into: write)
    }
    return (manifest, digest, frame)
  }

  /// Step 3: frame + spool into the temporary file, fsynced, mode 0600.
  private func assemble(frame: [UInt8], spool: Int32, into temporary: String) throws -> Int64 {
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw MaestroError.system("cannot create snapshot file", path: temporary) }
    try DataDirOwner.apply(descriptor: fd, path: temporary)
    var isOpen = true
    defer { if isOpen { close(fd) } }
    // Exactly 0600 whatever the umask: the data dir can hold .auth-secret.
    guard fchmod(fd, 0o600) == 0 else { throw MaestroError.system("cannot set mode", path: temporary) }
    try frame.withUnsafeBytes { try Self.writeAll(fd, $0, path: temporary) }
    var total = Int64(frame.count)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    var offset: off_t = 0
    while true {
      let n = pread(spool, buffer.baseAddress, buffer.count, offset)
      guard n >= 0 else { throw MaestroError.system("cannot read spool", path: temporary) }
      if n == 0 { break }
      try Self.writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[..<n]), path: temporary)
      offset += off_t(n)
      total += Int64(n)
    }
    guard fsync(fd) == 0 else { throw MaestroError.system("cannot fsync", path: temporary) }
    isOpen = false
    guard close(fd) == 0 else { throw MaestroError.system("cannot close", path: temporary) }
    return total
  }

  private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    var offset = 0
    while offset < bytes.count {
      let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw MaestroError.system("cannot write", path: path) }
      offset += n
    }
  }

  static func hostname() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
