import MaestroStorage
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Builds the migrated `tasks/` and `sessions/` beside the live ones, in
/// `.maestro-admin/staging/<name>/`, in the same pass that reads and
/// migrates every file (both cores): a file the migrations change is
/// written there new, every other entry (unchanged files, unknown files,
/// symlinks) is hard-linked, every folder is made with its mode. The live
/// folders are not touched; `MigrateJob` then swaps each whole folder with
/// its staged twin in one journaled `exchange`, and the old tree stays
/// where the staged one was, for `undo`.
///
/// Flat tasks are staged under `flat/` first; `arrange` puts each where the
/// decisions say once every file has been read. Nothing is flushed here:
/// the caller flushes the file system once before the journal is written.
struct MigrationStager: Sendable {
  /// What an entry looked like when it was read: a later look that differs
  /// means someone changed the live tree during the run (a file written in
  /// place changes its mtime, one replaced its inode, a folder whose
  /// entries change its mtime). The ctime is left out: linking a file into
  /// the staging folder changes it.
  struct Fingerprint: Sendable, Equatable {
    var inode: UInt64
    var size: Int64
    var mtime: Int64

    init(_ s: stat) {
      inode = UInt64(s.st_ino)
      size = Int64(s.st_size)
      mtime = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
    }

    /// The entry at `path` now (nil when it is gone).
    static func current(_ path: String) -> Fingerprint? {
      var s = stat()
      return lstat(path, &s) == 0 ? Fingerprint(s) : nil
    }
  }

  /// An entry under `tasks/` or `sessions/` that no migration reads: a
  /// folder, or a file that is not an entity file. Paths are relative to
  /// the data dir.
  struct Other: Sendable {
    var path: String
    var kind: TreeManifest.Entry.Kind
    var sha256: String?
    var mode: UInt32
    var fingerprint: Fingerprint
  }

  /// What `stage` built.
  struct Staged: Sendable {
    /// The scanned files (sessions, then tasks), with their hashes.
    var content: MigrationContent
    /// Per scanned file, what it looked like when read.
    var fingerprints: [Fingerprint]
    /// Per scanned file, where it was staged (relative to the staging
    /// folder): its own path, or for a flat task its project folder when
    /// nothing else can claim that place, else `flat/<name>`.
    var stagedPaths: [String]
    /// The live entity folders staged (`tasks`, `sessions`), with their
    /// state; folders below them are in `others`.
    var folders: [Other]
    /// Folders and non-entity entries below them, parents before children.
    var others: [Other]
  }

  /// The data dir.
  var dataDir: String
  /// The staging folder, relative to the data dir.
  var staging: String
  /// The migrations to apply, in order.
  var migrations: [Migration]
  var workers: Int = ParallelMap.defaultWorkers
  var showProgress = false

  /// The entity folders a migration changes.
  static let folders = ["tasks", "sessions"]

  /// Where a flat task waits in the staging folder until it is placed.
  static let flatFolder = "flat"

  private var stagingPath: String { dataDir + "/" + staging }

  /// Reads, migrates and stages every task and session file.
  /// - Throws: `MaestroError` naming the file or folder that cannot be
  ///   read or written; the staging folder is then left for the caller to
  ///   remove.
  func stage() async throws -> Staged {
    let listing = try EntityFileScan.scan(root: dataDir)
    let sessions = listing.files.filter { $0.kind == .session }
    let tasks = listing.files.filter { $0.kind == .task || $0.kind == .legacyTask }
    let entityPaths = Set((sessions + tasks).map(\.relativePath))

    try FileSystem.makeDirectories(FileSystem.parentDirectory(of: stagingPath), mode: 0o700)
    guard mkdir(stagingPath, 0o700) == 0 else { throw MaestroError.system("cannot create staging folder", path: stagingPath) }
    try DataDirOwner.apply(path: stagingPath)
    try makeFolder(Self.flatFolder, mode: 0o700)
    var folders: [Other] = []
    var others: [Other] = []
    for name in Self.folders {
      var s = stat()
      guard lstat(dataDir + "/" + name, &s) == 0 else { continue }
      guard s.st_mode & S_IFMT == S_IFDIR else {
        throw MaestroError(.io, "\(name) is not a folder", path: dataDir + "/" + name)
      }
      let folder = Other(path: name, kind: .directory, mode: UInt32(s.st_mode & 0o7777), fingerprint: Fingerprint(s))
      try makeFolder(name, mode: folder.mode)
      folders.append(folder)
      try walk(name, skipping: entityPaths, into: &others)
    }
    try linkOthers(&others)

    let progress = ProgressBar(
      "migrate: staging", total: sessions.count + tasks.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
    defer { progress.finish() }
    // Task migrations need every session's links; they are skimmed first
    // (read and parsed only), so that sessions and tasks can then be staged
    // in one pass.
    var context = MigrationContext()
    if migrations.contains(where: \.movesFlatTasks) {
      let root = dataDir
      let skimmed = await ParallelMap.map(sessions, workers: workers) { file -> MigratedFile? in
        guard let (bytes, _) = try? MigrationScanner.read(root + "/" + file.relativePath) else { return nil }
        let blank = MigratedFile(kind: .session, path: file.relativePath, originalSha: "", mode: 0)
        return MigrationScanner.migrate(blank, original: bytes, migrations: [], context: MigrationContext(), withDiffs: false).file
      }
      context = MigrationScanner.context(sessions: skimmed.compactMap { $0 }, migrations: migrations)
    }
    let all = sessions + tasks
    let staged = try await stageFiles(all, context: context, taken: entityPaths, progress: progress)
    return Staged(
      content: MigrationContent(dataDir: dataDir, migrations: migrations, context: context, files: staged.map(\.file)),
      fingerprints: staged.map(\.fingerprint), stagedPaths: staged.map(\.staged), folders: folders, others: others)
  }

  /// One staged file.
  private struct StagedFile: Sendable {
    var file: MigratedFile
    var fingerprint: Fingerprint
    var staged: String
  }

  /// Lists every folder and non-entity entry below `relative`, parents first,
  /// and makes the folders in the staging folder.
  private func walk(_ relative: String, skipping entityPaths: Set<String>, into others: inout [Other]) throws {
    for entry in try FileSystem.listDirectory(dataDir + "/" + relative) {
      let path = relative + "/" + entry.name
      if entityPaths.contains(path) { continue }
      var s = stat()
      guard lstat(dataDir + "/" + path, &s) == 0 else { throw MaestroError.system("cannot stat", path: dataDir + "/" + path) }
      let kind: TreeManifest.Entry.Kind
      switch s.st_mode & S_IFMT {
      case S_IFDIR: kind = .directory
      case S_IFREG: kind = .file
      case S_IFLNK: kind = .symlink
      default: kind = .other
      }
      others.append(Other(path: path, kind: kind, mode: UInt32(s.st_mode & 0o7777), fingerprint: Fingerprint(s)))
      if kind == .directory {
        try makeFolder(path, mode: UInt32(s.st_mode & 0o7777))
        try walk(path, skipping: entityPaths, into: &others)
      }
    }
  }

  /// Links every non-entity entry into the staging folder and hashes it
  /// (for the trees' manifests).
  private func linkOthers(_ others: inout [Other]) throws {
    for k in others.indices where others[k].kind != .directory {
      let path = others[k].path
      try link(path, to: path)
      switch others[k].kind {
      case .file: others[k].sha256 = SHA256.hex(of: try FileSystem.readFile(dataDir + "/" + path))
      case .symlink: others[k].sha256 = SHA256.hex(of: try TreeManifest.linkTarget(dataDir + "/" + path))
      default: break
      }
    }
  }

  /// Reads, migrates and stages `files` on every core, in the same order.
  ///
  /// The work is handed out by folder, largest first, from a shared
  /// counter, not strided: creating a file takes its folder's lock, and two
  /// workers writing into one folder wait on each other (as `generate`
  /// found). Flat tasks, which land in many folders, go in chunks.
  private func stageFiles(
    _ files: [EntityFileScan.File], context: MigrationContext, taken: Set<String>, progress: ProgressBar
  ) async throws -> [StagedFile] {
    var byFolder: [String: [Int]] = [:]
    for (k, file) in files.enumerated() {
      byFolder[FileSystem.parentDirectory(of: file.relativePath), default: []].append(k)
    }
    var units: [[Int]] = []
    for (folder, indices) in byFolder {
      if folder == "tasks" {
        stride(from: 0, to: indices.count, by: 1024).forEach { units.append(Array(indices[$0..<min(indices.count, $0 + 1024)])) }
      } else {
        units.append(indices)
      }
    }
    units.sort { $0.count > $1.count }
    let results = SlotBuffer<Result<StagedFile, MaestroError>?>(count: files.count, initial: nil)
    let next = Atomic<Int>(0)
    let failed = Atomic<Bool>(false)
    let stager = self
    let work = units
    _ = await ParallelMap.map(Array(0..<max(1, workers)), workers: workers) { _ in
      while !failed.load(ordering: .relaxed) {
        let u = next.add(1, ordering: .relaxed).oldValue
        guard u < work.count else { return }
        for k in work[u] {
          let file = files[k]
          let kind: MigratedFile.Kind = file.kind == .session ? .session : file.kind == .legacyTask ? .flatTask : .task
          let result = Result { try stager.stageOne(file, kind: kind, context: context, taken: taken) }.mapError {
            $0 as? MaestroError ?? MaestroError(.io, "\($0)", path: stager.dataDir + "/" + file.relativePath)
          }
          results[k] = result
          progress.advance()
          if case .failure = result {
            failed.store(true, ordering: .relaxed)
            return
          }
        }
      }
    }
    var staged: [StagedFile] = []
    staged.reserveCapacity(files.count)
    for k in 0..<files.count {
      guard let result = results[k] else {
        // Left undone because another file failed: report that one.
        for j in 0..<files.count { if case .failure(let error)? = results[j] { throw error } }
        throw MaestroError(.io, "staging stopped", path: stagingPath)
      }
      staged.append(try result.get())
    }
    return staged
  }

  /// Where a flat task can be staged at once: its project folder, when its
  /// ids are usable and no entity file or other entry holds that place
  /// (another flat file may still claim it: the first to be staged gets it).
  private func directPlace(of file: MigratedFile, taken: Set<String>) -> String? {
    guard file.problem == nil, let id = file.id, EntityId.isSafe(id), let project = file.projectId,
      EntityId.isSafe(project)
    else { return nil }
    let destination = "tasks/\(project)/\(id).json"
    guard !taken.contains(destination), !FileSystem.fileExists(dataDir + "/" + destination, followSymlinks: false) else {
      return nil
    }
    let folder = dataDir + "/tasks/" + project
    if FileSystem.fileExists(folder, followSymlinks: false) && !FileSystem.isDirectory(folder, followSymlinks: false) {
      return nil
    }
    let made = mkdir(stagingPath + "/tasks/" + project, 0o755) == 0
    if !made && errno != EEXIST { return nil }
    if made && (try? DataDirOwner.apply(path: stagingPath + "/tasks/" + project)) == nil { return nil }
    return destination
  }

  /// One file: read (with its status from the same open), migrated in
  /// memory, written new or linked in the staging folder.
  private func stageOne(
    _ file: EntityFileScan.File, kind: MigratedFile.Kind, context: MigrationContext, taken: Set<String>
  ) throws -> StagedFile {
    let (bytes, status) = try Self.read(dataDir + "/" + file.relativePath)
    let mode = UInt32(status.st_mode & 0o7777)
    let scanned = MigratedFile(kind: kind, path: file.relativePath, originalSha: SHA256.hex(of: bytes), mode: mode)
    var (migrated, newBytes) = MigrationScanner.migrate(
      scanned, original: bytes, migrations: migrations, context: context, withDiffs: false)
    migrated.migratedSha = newBytes.map { SHA256.hex(of: $0) }
    let waiting = Self.flatFolder + "/" + FileSystem.lastComponent(of: file.relativePath)
    var target = file.relativePath
    if kind == .flatTask {
      target = directPlace(of: migrated, taken: taken) ?? waiting
    }
    do {
      if let newBytes {
        try write(newBytes, to: target, mode: mode)
      } else {
        try link(file.relativePath, to: target)
      }
    } catch let error as MaestroError where kind == .flatTask && target != waiting && error.errno == EEXIST {
      // Another flat file with the same ids got there first.
      target = waiting
      if let newBytes { try write(newBytes, to: target, mode: mode) } else { try link(file.relativePath, to: target) }
    }
    CrashPoint.reached("migrate:staged-file")
    return StagedFile(file: migrated, fingerprint: Fingerprint(status), staged: target)
  }

  /// Puts the staged flat tasks where `decisions` say, and links the
  /// files going to lost+found under `quarantineFolder` in the staging
  /// folder (whence one journaled move takes them live).
  /// - Returns: the project folders made for moved tasks (relative to the
  ///   data dir).
  func arrange(_ decisions: MigrationPlanBuilder.Decisions, staged result: Staged, quarantineFolder: String) throws
    -> [String]
  {
    let files = result.content.files
    var made = Set<String>()
    func staged(_ j: Int) -> String { result.stagedPaths[j] }
    func quarantine(_ k: Int) throws {
      let destination = quarantineFolder + "/" + files[k].path
      try FileSystem.makeDirectories(stagingPath + "/" + FileSystem.parentDirectory(of: destination), mode: 0o755)
      try link(files[k].path, to: destination)
    }
    var live: [String: Bool] = [:]
    var ready = Set<String>()
    func place(_ j: Int, at destination: String) throws {
      let folder = FileSystem.parentDirectory(of: destination)
      let exists = live[folder] ?? FileSystem.isDirectory(dataDir + "/" + folder, followSymlinks: false)
      live[folder] = exists
      if !exists { made.insert(folder) }
      if staged(j) == destination { return }
      if !ready.contains(folder) && !FileSystem.isDirectory(stagingPath + "/" + folder, followSymlinks: false) {
        try makeFolder(folder, mode: 0o755)
      }
      ready.insert(folder)
      try FileSystem.rename(stagingPath + "/" + staged(j), to: stagingPath + "/" + destination)
    }
    // First every flat copy that does not stay goes (one may sit where a
    // winner with the same ids belongs), then the winners are put in place.
    for outcome in decisions.flat {
      switch outcome {
      case .quarantine(let j), .projectWins(let j, _):
        try quarantine(j)
        try FileSystem.removeFile(stagingPath + "/" + staged(j))
      case .dedupe(let j):
        try FileSystem.removeFile(stagingPath + "/" + staged(j))
      case .flatWins(_, let k):
        try quarantine(k)
      case .move:
        continue
      }
    }
    for outcome in decisions.flat {
      switch outcome {
      case .move(let j, let destination): try place(j, at: destination)
      case .flatWins(let j, let k): try place(j, at: files[k].path)
      default: continue
      }
    }
    guard rmdir(stagingPath + "/" + Self.flatFolder) == 0 else {
      throw MaestroError.system("cannot remove the emptied staging folder", path: stagingPath + "/" + Self.flatFolder)
    }
    return made.sorted()
  }

  /// The manifests of a live folder (`name`) as it is and as staged after
  /// `arrange`, built from what was read (nothing is read again).
  static func manifests(
    of name: String, staged: Staged, decisions: MigrationPlanBuilder.Decisions, madeFolders: [String]
  ) -> (before: TreeManifest, after: TreeManifest) {
    let prefix = name + "/"
    func relative(_ path: String) -> String { String(path.dropFirst(prefix.count)) }
    var before: [TreeManifest.Entry] = []
    var after: [TreeManifest.Entry] = []
    for o in staged.others where o.path.hasPrefix(prefix) {
      let e = TreeManifest.Entry(path: relative(o.path), kind: o.kind, sha256: o.sha256)
      before.append(e)
      after.append(e)
    }
    for folder in madeFolders where folder.hasPrefix(prefix) {
      after.append(TreeManifest.Entry(path: relative(folder), kind: .directory))
    }
    let files = staged.content.files
    var gone = Set<Int>()
    var replacedBy: [Int: Int] = [:]
    for outcome in decisions.flat {
      switch outcome {
      case .quarantine(let j), .dedupe(let j), .projectWins(let j, _): gone.insert(j)
      case .move(let j, let destination):
        gone.insert(j)
        if destination.hasPrefix(prefix) {
          after.append(TreeManifest.Entry(path: relative(destination), kind: .file, sha256: files[j].resultSha))
        }
      case .flatWins(let j, let k):
        gone.insert(j)
        replacedBy[k] = j
      }
    }
    for (k, f) in files.enumerated() where f.path.hasPrefix(prefix) {
      before.append(TreeManifest.Entry(path: relative(f.path), kind: .file, sha256: f.originalSha))
      if gone.contains(k) { continue }
      let sha = replacedBy[k].map { files[$0].resultSha } ?? f.resultSha
      after.append(TreeManifest.Entry(path: relative(f.path), kind: .file, sha256: sha))
    }
    return (TreeManifest(entries: before), TreeManifest(entries: after))
  }

  // MARK: Files

  private func makeFolder(_ relative: String, mode: UInt32) throws {
    let path = stagingPath + "/" + relative
    guard mkdir(path, 0o700) == 0 else { throw MaestroError.system("cannot create folder", path: path) }
    try DataDirOwner.apply(path: path)
    guard chmod(path, mode_t(mode)) == 0 else { throw MaestroError.system("cannot set the mode of", path: path) }
  }

  /// A hard link in the staging folder to the live entry `source`; a copy
  /// where the file system has no hard links.
  private func link(_ source: String, to target: String) throws {
    let from = dataDir + "/" + source
    let to = stagingPath + "/" + target
    if linkat(AT_FDCWD, from, AT_FDCWD, to, 0) == 0 { return }
    let code = errno
    guard code == EPERM || code == EMLINK || code == ENOTSUP || code == EXDEV else {
      throw MaestroError.system("cannot link into the staging folder", path: from, errno: code)
    }
    var s = stat()
    guard lstat(from, &s) == 0 else { throw MaestroError.system("cannot stat", path: from) }
    switch s.st_mode & S_IFMT {
    case S_IFREG:
      try write(try FileSystem.readFile(from), to: target, mode: UInt32(s.st_mode & 0o7777))
    case S_IFLNK:
      let destination = try TreeManifest.linkTarget(from) + [0]
      let made = destination.withUnsafeBufferPointer {
        $0.withMemoryRebound(to: CChar.self) { symlink($0.baseAddress!, to) }
      }
      guard made == 0 else { throw MaestroError.system("cannot copy symlink", path: from) }
      try DataDirOwner.apply(path: to)
    default:
      throw MaestroError.system("cannot link into the staging folder", path: from, errno: code)
    }
  }

  /// A new file in the staging folder (no fsync: one flush for all later).
  private func write(_ bytes: [UInt8], to relative: String, mode: UInt32) throws {
    let path = stagingPath + "/" + relative
    // Created with its final mode when the umask keeps it (no fchmod).
    let direct = mode_t(mode) & ~BulkJournalRunner.processUmask == mode_t(mode)
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, direct ? mode_t(mode) : 0o600)
    guard fd >= 0 else { throw MaestroError.system("cannot create", path: path) }
    // Before fchmod: fchown clears set-id bits.
    var ok = (try? DataDirOwner.apply(descriptor: fd, path: path)) != nil
    ok = ok && (direct || fchmod(fd, mode_t(mode)) == 0)
    var offset = 0
    while ok && offset < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { ok = false } else { offset += n }
    }
    let e = errno
    if close(fd) != 0 { ok = false }
    guard ok else { throw MaestroError.system("cannot write", path: path, errno: e) }
  }

  /// A file's bytes and status from one open.
  static func read(_ path: String) throws -> ([UInt8], stat) {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw MaestroError.system("cannot open", path: path) }
    defer { close(fd) }
    var s = stat()
    guard fstat(fd, &s) == 0 else { throw MaestroError.system("cannot stat", path: path) }
    // The size fstat gave, read: done (a file that grows meanwhile is
    // caught by the fingerprint check before the swap).
    let bytes = try DescriptorReader.readAll(fd, size: Int(s.st_size), untilEnd: false, path: path)
    return (bytes, s)
  }
}
