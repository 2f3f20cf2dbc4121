import Glibc
import MaestroStorage
import Synchronization

/// Safe extraction of a snapshot or a plain tar into a fresh directory, in
/// two passes over the same open file:
///
/// 1. `scan()` reads every header and refuses the whole archive, naming the
///    member, before anything is written: a name `MemberPath` refuses, a
///    symlink, hard link, device, FIFO or socket, a duplicate, a path through
///    a file, more than `Limits.maxMembers` members or `Limits.maxBytes`
///    bytes, a corrupt or truncated stream; for a snapshot also any member
///    the manifest does not list, any file it lists that is missing, and any
///    size that differs.
/// 2. `extract(_:into:)` creates the directories, then streams the members
///    again (each must match what pass 1 saw) to `workers` writer threads
///    that create each file with `O_CREAT|O_EXCL|O_NOFOLLOW` and hash it; it
///    then checks every SHA-256 against the manifest and sets modes and
///    mtimes (the manifest's exact nanoseconds for a snapshot).
///
/// libarchive is used only to read; every file is written by this type,
/// inside `into`, which must be a new empty directory only this process
/// writes (restore's staging dir).
final class SnapshotExtractor {
  /// Caps that protect the disk from an archive bomb.
  struct Limits: Sendable {
    /// Most members accepted.
    var maxMembers = 20_000_000
    /// Most bytes of file data accepted.
    var maxBytes: Int64 = 1 << 40
  }

  /// One member as pass 1 accepted it.
  struct Entry: Sendable {
    // Widest fields first, so that no padding sits between them.
    /// The member's name as stored, unless it is `data/` + `path` (with a
    /// `/` after it when `nameEndsWithSlash`), as a snapshot's members are:
    /// a million names are not kept twice.
    private var storedName: String?
    var path: String
    var size: Int64
    var mtime: Int64
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    private var storedManifestIndex: Int32 = -1
    var isDirectory: Bool
    private var nameEndsWithSlash = false

    /// The member's name as stored.
    var name: String {
      storedName ?? SnapshotManifest.memberPrefix + path + (nameEndsWithSlash ? "/" : "")
    }

    /// Index into the manifest's `files`, for a snapshot's files.
    var manifestIndex: Int? {
      get { storedManifestIndex < 0 ? nil : Int(storedManifestIndex) }
      set { storedManifestIndex = newValue.map { Int32($0) } ?? -1 }
    }

    init(
      name: String, path: String, isDirectory: Bool, size: Int64, mode: UInt32, mtime: Int64, uid: UInt32, gid: UInt32
    ) {
      let implied = SnapshotManifest.memberPrefix + path
      if name == implied {
        storedName = nil
      } else if name == implied + "/" {
        nameEndsWithSlash = true
      } else {
        storedName = name
      }
      self.path = path
      self.isDirectory = isDirectory
      self.size = size
      self.mode = mode
      self.mtime = mtime
      self.uid = uid
      self.gid = gid
    }
  }

  /// What pass 1 found.
  struct Plan: Sendable {
    /// The manifest, when the archive is a snapshot.
    var manifest: SnapshotManifest?
    /// SHA-256 of the manifest member, compared again in pass 2.
    var manifestDigest: String?
    /// The members after the manifest, in archive order.
    var entries: [Entry] = []
    /// Every directory to create (listed or implied), parents first.
    var directories: [String] = []
    /// Regular files and their total size.
    var files = 0
    var bytes: Int64 = 0
  }

  /// What pass 2 wrote.
  struct Result: Sendable {
    var files = 0
    var directories = 0
    var bytes: Int64 = 0
  }

  /// The archive's path.
  let path: String
  let limits: Limits
  /// The archive's bytes: a file, or an S3 object fetched once per pass.
  let source: SnapshotSource

  /// Opens the archive.
  ///
  /// - Throws: `MaestroError` `.notFound`/`.io` naming `path`.
  init(path: String, limits: Limits = Limits()) throws {
    self.path = path
    self.limits = limits
    source = try SnapshotSource(path)
  }

  private func reader() throws -> SnapshotArchiveReader {
    try SnapshotArchiveReader(fd: try source.start(), origin: path)
  }

  private func refuse(_ member: String, _ why: String) -> MaestroError {
    MaestroError(.snapshotInvalid, "member \(member) \(why); the whole archive is refused", path: path)
  }

  // MARK: - Pass 1

  /// Pass 1: validates every member; writes nothing.
  ///
  /// - Parameter known: The snapshot's manifest and the SHA-256 of its
  ///   member, when already read (a chain's parent): the member is hashed
  ///   and compared instead of parsed again.
  /// - Throws: `MaestroError(.snapshotInvalid)` naming the member.
  func scan(known: (manifest: SnapshotManifest, memberSha256: String)? = nil) throws -> Plan {
    let reader = try reader()
    var plan = Plan()
    var first = true
    var kinds: [String: Bool] = [:]  // path → isDirectory
    // Snapshots list files in manifest order, so the next expected file is
    // tried first; the index is built only for an archive out of order.
    var nextFile = 0
    var fileIndex: [String: Int]?
    func lookup(_ relative: String, in files: SnapshotFileList) -> Int? {
      if nextFile < files.count, files.pathEquals(nextFile, relative.utf8) {
        nextFile += 1
        return nextFile - 1
      }
      if fileIndex == nil {
        var index: [String: Int] = [:]
        index.reserveCapacity(files.count)
        for k in files.indices { index[files.path(k)] = k }
        fileIndex = index
      }
      guard let k = fileIndex?[relative] else { return nil }
      nextFile = k + 1
      return k
    }
    var dirIndex: Set<String> = []
    var seenFiles: [Bool] = []
    while let member = try reader.next() {
      if reader.memberCount > limits.maxMembers {
        throw refuse(member.name, "is past the cap of \(limits.maxMembers) members")
      }
      if first {
        first = false
        if member.name == SnapshotManifest.memberName {
          guard member.kind == .regular, member.size < 1 << 31 else {
            throw refuse(member.name, "is not a regular file of sane size")
          }
          let manifest: SnapshotManifest
          if let known {
            guard try Self.sha256(ofMemberIn: reader) == known.memberSha256 else {
              throw refuse(member.name, "changed since it was read")
            }
            manifest = known.manifest
            plan.manifestDigest = known.memberSha256
          } else {
            let bytes = try reader.readAll(expected: member.size)
            manifest = try SnapshotManifest(parsing: bytes, origin: path)
            plan.manifestDigest = SHA256.hex(of: bytes)
          }
          plan.manifest = manifest
          // Room for every member up front: a million entries are not
          // copied as they grow.
          plan.entries.reserveCapacity(manifest.files.count + manifest.directories.count)
          dirIndex = Set(manifest.directories.map(\.path))
          seenFiles = Array(repeating: false, count: manifest.files.count)
          continue
        }
      }
      let isDirectory = member.kind == .directory
      switch member.kind {
      case .regular, .directory: break
      case .symlink:
        throw refuse(member.name, "is a symlink to \(member.linkTarget ?? "?"); only regular files and directories are restored")
      case .hardlink:
        throw refuse(member.name, "is a hard link to \(member.linkTarget ?? "?"); only regular files and directories are restored")
      default:
        throw refuse(member.name, "is a \(member.kind.rawValue); only regular files and directories are restored")
      }
      var name = member.name
      if plan.manifest != nil {
        // A snapshot's data lives under data/; nothing else may follow the manifest.
        if isDirectory && (name == SnapshotManifest.dataFolder || name == SnapshotManifest.memberPrefix) { continue }
        guard name.hasPrefix(SnapshotManifest.memberPrefix) else {
          throw refuse(member.name, "is outside \(SnapshotManifest.memberPrefix) and not in the manifest")
        }
        name.removeFirst(SnapshotManifest.memberPrefix.count)
        if name.hasPrefix("./") || name.isEmpty { throw refuse(member.name, "is not a canonical snapshot member") }
      }
      let relative: String
      switch MemberPath.normalize(name, isDirectory: isDirectory) {
      case .success(let p): relative = p
      case .failure(let refusal): throw refuse(member.name, refusal.reason)
      }
      if relative.isEmpty {
        guard isDirectory else { throw refuse(member.name, "names the target itself but is not a directory") }
        if plan.manifest == nil {
          plan.entries.append(
            Entry(
              name: member.name, path: "", isDirectory: true, size: 0, mode: member.mode, mtime: member.mtime,
              uid: member.uid, gid: member.gid))
        }
        continue
      }
      if let earlier = kinds[relative] {
        // tar lists a directory again when it was appended to; a file twice is ambiguous.
        if !(earlier && isDirectory) { throw refuse(member.name, "appears twice") }
      }
      kinds[relative] = isDirectory
      var entry = Entry(
        name: member.name, path: relative, isDirectory: isDirectory, size: isDirectory ? 0 : member.size,
        mode: member.mode, mtime: member.mtime, uid: member.uid, gid: member.gid)
      if let manifest = plan.manifest {
        if isDirectory {
          guard dirIndex.contains(relative) else { throw refuse(member.name, "is not listed in the manifest") }
        } else {
          guard let k = lookup(relative, in: manifest.files) else {
            throw refuse(member.name, "is not listed in the manifest")
          }
          let files = manifest.files
          guard files.size(k) == member.size else {
            throw refuse(member.name, "has \(member.size) bytes, the manifest says \(files.size(k))")
          }
          seenFiles[k] = true
          entry.manifestIndex = k
          entry.mode = files.mode(k)
          entry.mtime = files.mtime(k)
        }
      }
      if !isDirectory {
        plan.files += 1
        plan.bytes += member.size
        if plan.bytes > limits.maxBytes {
          throw refuse(member.name, "takes the total past the cap of \(limits.maxBytes) bytes")
        }
      }
      plan.entries.append(entry)
    }
    if first { throw MaestroError(.snapshotInvalid, "the archive is empty", path: path) }
    // Every member's parents must be directories, never files.
    var directories = Set<String>()
    for entry in plan.entries where !entry.path.isEmpty {
      for ancestor in MemberPath.ancestors(of: entry.path) {
        if kinds[ancestor] == false { throw refuse(entry.name, "goes through \(ancestor), which is a file") }
        directories.insert(ancestor)
      }
      if entry.isDirectory { directories.insert(entry.path) }
    }
    if let manifest = plan.manifest {
      for k in manifest.files.indices where !seenFiles[k] {
        throw MaestroError(
          .snapshotInvalid, "member \(SnapshotManifest.memberPrefix + manifest.files.path(k)) is listed in the manifest but missing",
          path: path)
      }
      for d in manifest.directories where kinds[d.path] != true {
        throw MaestroError(
          .snapshotInvalid, "member \(SnapshotManifest.memberPrefix + d.path) is listed in the manifest but missing",
          path: path)
      }
    }
    plan.directories = directories.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    return plan
  }

  // MARK: - Pass 2

  private final class Shared: @unchecked Sendable {
    let lock = Mutex<MaestroError?>(nil)
    /// One slot per entry, each written by one thread only: whether its
    /// content was hashed and matched the manifest.
    let matched: SlotBuffer<Bool>
    /// The digest of an entry whose content did not match.
    let wrongDigests = Mutex<[Int: String]>([:])
    /// The manifest's files, when the archive is a snapshot.
    let files: SnapshotFileList?
    init(count: Int, files: SnapshotFileList?) {
      matched = SlotBuffer(count: count, initial: false)
      self.files = files
    }
    /// Records entry `k`'s digest against manifest file `m`.
    func record(_ digest: String, entry k: Int, file m: Int?) {
      guard let m, let files else { return }
      if files.hasDigest(m, digest) {
        matched[k] = true
      } else {
        wrongDigests.withLock { $0[k] = digest }
      }
    }
    func fail(_ error: MaestroError) { lock.withLock { if $0 == nil { $0 = error } } }
    var failure: MaestroError? { lock.withLock { $0 } }
  }

  /// Pass 2: writes the plan's members under `target`.
  ///
  /// - Parameters:
  ///   - plan: What `scan()` returned.
  ///   - target: A new, empty directory.
  ///   - workers: Writer threads.
  ///   - progress: Advanced once per file.
  ///   - only: When given, only the files it accepts are written (and
  ///     their SHA-256 checked); the rest of the archive is read past. A
  ///     chain restore writes each file from the snapshot that holds its
  ///     last version.
  ///   - layout: Whether to create the plan's directories first and set
  ///     their modes and mtimes last (a chain restore does both itself).
  /// - Throws: `MaestroError(.snapshotInvalid)` naming the member whose
  ///   content does not match the manifest or that differs from pass 1;
  ///   `.io` naming the file that cannot be written. The caller removes
  ///   `target` on failure.
  func extract(
    _ plan: Plan, into target: String, workers: Int, progress: ProgressBar? = nil, only: ((Entry) -> Bool)? = nil,
    layout: Bool = true
  ) throws -> Result {
    var result = Result()
    for directory in plan.directories where layout {
      guard mkdir(FileSystem.join(target, directory), 0o700) == 0 else {
        throw MaestroError.system("cannot create directory", path: FileSystem.join(target, directory))
      }
      result.directories += 1
    }
    let reader = try reader()
    let hashing = plan.manifest != nil
    let asOwner = geteuid() == 0
    let shared = Shared(count: plan.entries.count, files: plan.manifest?.files)
    // Files travel to the writers in batches: one hand-off per ~64 files.
    let queue = BoundedQueue<[(Int, [UInt8])]>(capacity: 8)
    var batcher = MemberBatcher(queue: queue, maxCount: 64)
    let entries = plan.entries

    try NativeThreads.run(
      max(1, workers),
      { _ in
        while let items = queue.pop() {
          for (k, bytes) in items where shared.failure == nil {
            let entry = entries[k]
            do {
              try bytes.withUnsafeBytes {
                try Self.writeFile(FileSystem.join(target, entry.path), $0, entry: entry, asOwner: asOwner)
              }
              if hashing { shared.record(SHA256.hex(of: bytes), entry: k, file: entry.manifestIndex) }
            } catch let error as MaestroError {
              shared.fail(error)
              queue.cancel()
            } catch {
              shared.fail(MaestroError(.io, "\(error)", path: FileSystem.join(target, entry.path)))
              queue.cancel()
            }
          }
        }
      },
      main: {
        defer {
          batcher.flush()
          queue.close()
        }
        var k = 0
        if let manifestDigest = plan.manifestDigest {
          // Hashed as it streams past: held whole, a million files' manifest
          // would sit beside the plan (200 MB).
          guard let first = try reader.next(), first.name == SnapshotManifest.memberName,
            try Self.sha256(ofMemberIn: reader) == manifestDigest
          else { throw refuse(SnapshotManifest.memberName, "changed since it was checked") }
        }
        while let member = try reader.next() {
          if shared.failure != nil { return }
          if plan.manifest != nil && member.kind == .directory
            && (member.name == SnapshotManifest.dataFolder || member.name == SnapshotManifest.memberPrefix)
          {
            continue
          }
          guard k < entries.count, entries[k].name == member.name,
            entries[k].isDirectory == (member.kind == .directory), entries[k].size == member.size
          else { throw refuse(member.name, "differs from the first pass (was the archive replaced meanwhile?)") }
          let entry = entries[k]
          defer { k += 1 }
          if entry.isDirectory { continue }
          if let only, !only(entry) { continue }
          CrashPoint.reached("restore:file")
          try Cancellation.check()
          if entry.size <= 8 << 20 {
            let bytes = try reader.readAll(expected: entry.size)
            batcher.add(k, bytes)
          } else {
            // Large files stream on this thread instead of sitting in the queue.
            let digest = try Self.streamFile(reader, to: FileSystem.join(target, entry.path), entry: entry, asOwner: asOwner)
            if hashing { shared.record(digest, entry: k, file: entry.manifestIndex) }
          }
          result.files += 1
          result.bytes += entry.size
          progress?.advance()
        }
        guard k == entries.count else { throw refuse(reader.current ?? path, "ends early compared with the first pass") }
      })
    if let failure = shared.failure { throw failure }
    if let manifest = plan.manifest {
      for (k, entry) in entries.enumerated() {
        guard let m = entry.manifestIndex, only?(entry) ?? true, !shared.matched[k] else { continue }
        let actual = shared.wrongDigests.withLock { $0[k] }
        throw MaestroError(
          .snapshotInvalid,
          "member \(entry.name): SHA-256 is \(actual ?? "unknown"), the manifest says \(manifest.files.sha256(m)); nothing was restored",
          path: path)
      }
    }
    if layout { try applyDirectoryAttributes(plan, target: target, asOwner: asOwner) }
    return result
  }

  /// Modes and mtimes of directories, deepest first (creating files inside
  /// a directory changes its mtime).
  private func applyDirectoryAttributes(_ plan: Plan, target: String, asOwner: Bool) throws {
    var attributes: [String: (mode: UInt32, mtime: Int64?, uid: UInt32?, gid: UInt32?)] = [:]
    for d in plan.directories { attributes[d] = (0o755, nil, nil, nil) }
    if let manifest = plan.manifest {
      for d in manifest.directories { attributes[d.path] = (d.mode, d.mtime, nil, nil) }
      attributes[""] = (manifest.root.mode, manifest.root.mtime, nil, nil)
      for e in plan.entries where e.isDirectory {
        attributes[e.path]?.uid = e.uid
        attributes[e.path]?.gid = e.gid
      }
    } else {
      for e in plan.entries where e.isDirectory { attributes[e.path] = (e.mode, e.mtime, e.uid, e.gid) }
    }
    try Self.setDirectoryAttributes(attributes, target: target, asOwner: asOwner)
  }

  /// Sets each directory's mode, mtime (when known) and, as root, owner,
  /// deepest first (creating files inside a directory changes its mtime).
  static func setDirectoryAttributes(
    _ attributes: [String: (mode: UInt32, mtime: Int64?, uid: UInt32?, gid: UInt32?)], target: String, asOwner: Bool
  ) throws {
    let ordered = attributes.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.reversed()
    for relative in ordered {
      guard let a = attributes[relative] else { continue }
      let full = relative.isEmpty ? target : FileSystem.join(target, relative)
      if asOwner, let uid = a.uid, let gid = a.gid { _ = lchown(full, uid, gid) }
      guard chmod(full, mode_t(a.mode & 0o1777)) == 0 else {
        throw MaestroError.system("cannot set mode", path: full)
      }
      if let mtime = a.mtime {
        var times = [Self.timespec(mtime), Self.timespec(mtime)]
        guard utimensat(AT_FDCWD, full, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
          throw MaestroError.system("cannot set mtime", path: full)
        }
      }
    }
  }

  private static func open(_ path: String) throws -> Int32 {
    let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw MaestroError.system("cannot create", path: path) }
    return fd
  }

  private static func finish(_ fd: Int32, _ path: String, entry: Entry, asOwner: Bool) throws {
    defer { Glibc.close(fd) }
    if asOwner { _ = fchown(fd, entry.uid, entry.gid) }
    // Set-id bits are dropped: a data dir never needs them.
    guard fchmod(fd, mode_t(entry.mode & 0o777)) == 0 else { throw MaestroError.system("cannot set mode", path: path) }
    var times = [timespec(entry.mtime), timespec(entry.mtime)]
    guard futimens(fd, &times) == 0 else { throw MaestroError.system("cannot set mtime", path: path) }
  }

  private static func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer, entry: Entry, asOwner: Bool) throws {
    let fd = try open(path)
    do {
      try write(fd, bytes, path: path)
    } catch {
      Glibc.close(fd)
      throw error
    }
    try finish(fd, path, entry: entry, asOwner: asOwner)
  }

  /// The SHA-256 of the current member's data, read in chunks.
  private static func sha256(ofMemberIn reader: SnapshotArchiveReader) throws -> String {
    let hash = SHA256()
    try reader.readData { hash.update($0) }
    return hash.finalize()
  }

  private static func streamFile(_ reader: SnapshotArchiveReader, to path: String, entry: Entry, asOwner: Bool) throws
    -> String
  {
    let fd = try open(path)
    let hash = SHA256()
    do {
      try reader.readData { chunk in
        hash.update(chunk)
        try write(fd, chunk, path: path)
      }
    } catch {
      Glibc.close(fd)
      throw error
    }
    try finish(fd, path, entry: entry, asOwner: asOwner)
    return hash.finalize()
  }

  private static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    var offset = 0
    while offset < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw MaestroError.system("cannot write", path: path) }
      offset += n
    }
  }

  private static func timespec(_ nanoseconds: Int64) -> Glibc.timespec {
    let (s, r) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
    return r < 0 ? Glibc.timespec(tv_sec: Int(s - 1), tv_nsec: Int(r + 1_000_000_000)) : Glibc.timespec(tv_sec: Int(s), tv_nsec: Int(r))
  }
}
