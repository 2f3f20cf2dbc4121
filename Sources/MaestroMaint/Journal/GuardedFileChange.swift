import MaestroStorage
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The file changes of a journal made so that a write someone else makes at
/// the same moment is never destroyed, whether or not anything warned of it.
///
/// - A replacement writes the new content to a temp file beside the target
///   and swaps the two names in one step (`renameat2(RENAME_EXCHANGE)`);
///   what came out (now under the temp name) must be exactly the bytes the
///   change was computed from (`SetAsideFile`: hash, and no writer still
///   holding it open). Otherwise the names are swapped back and the change
///   is a conflict.
/// - A creation renames its temp file into place with `RENAME_NOREPLACE`: a
///   file someone created meanwhile is never replaced.
/// - A removal renames the file aside (`RENAME_NOREPLACE`), checks it the
///   same way, and only then unlinks it; otherwise it goes back.
/// - A move renames with `RENAME_NOREPLACE` and checks what arrived; a file
///   that changed goes back.
///
/// The temp and aside names are `AtomicFile`'s (`.<name>.maestro-admin-<8
/// hex>.tmp`), so recovery finds what a crash left (`JournalRunner`'s
/// `settleLeftovers`). Swapped-out content that can be put neither back
/// nor dropped (the target was replaced once more in between) is kept under
/// `keepFolder`, never deleted.
struct GuardedFileChange: Sendable {
  /// Why a change was not made; the path holds what it held.
  typealias Conflict = JournalStop.Conflict

  /// The data dir.
  let root: String
  /// Whether each change is fsynced (false: the caller flushes the file
  /// system before it counts changes as made).
  let durable: Bool
  /// Relative folder for content that can be put neither back nor dropped.
  let keepFolder: String

  private func absolute(_ relative: String) -> String { root + "/" + relative }

  // MARK: Changes

  /// Replaces `relative`, expected to hold bytes hashing to `expected`, with
  /// `bytes` (kept `mode`).
  /// - Returns: nil when made, else the conflict (nothing changed).
  func replace(_ relative: String, with bytes: [UInt8], mode: mode_t, expected: String) throws -> Conflict? {
    let path = absolute(relative)
    // The replacement keeps the owner of the file it replaces.
    var replaced = stat()
    let owner = lstat(path, &replaced) == 0 ? (uid: replaced.st_uid, gid: replaced.st_gid) : nil
    let temp = try Self.writeTemporary(bytes, beside: path, mode: mode, sync: durable, owner: owner)
    CrashPoint.reached("journal:temp-written")
    RaceHook.reached("journal:before-swap", path: path)
    let exchanged: Bool
    do {
      exchanged = try DirectorySwap.exchange(temp.path, path)
    } catch let error as MaestroError where error.errno == ENOENT {
      unlink(temp.path)
      return Conflict(path: relative, why: "it was removed")
    }
    guard exchanged else {
      // No exchange on this file system: a last look, then a plain rename
      // (a write between the two is not seen; README says so).
      guard (try? BulkJournalRunner.currentState(at: path))?.sha256 == expected else {
        unlink(temp.path)
        return Conflict(path: relative, why: "its content is not what the change was computed from")
      }
      guard rename(temp.path, path) == 0 else {
        let e = errno
        unlink(temp.path)
        throw MaestroError.system("cannot rename over", path: path, errno: e)
      }
      if durable { try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path)) }
      return nil
    }
    CrashPoint.reached("journal:exchanged")
    RaceHook.reached("journal:swapped", path: path)
    return try settle(aside: temp.path, relative: relative, expected: expected) { why in
      // Back only while the target is still our new file.
      var s = stat()
      if lstat(path, &s) == 0, UInt64(s.st_ino) == temp.inode, try DirectorySwap.exchange(temp.path, path) {
        unlink(temp.path)
        if durable { try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path)) }
        return Conflict(path: relative, why: why)
      }
      return try keep(temp.path, relative: relative, why: why + "; it was replaced again meanwhile")
    }
  }

  /// Creates `relative` with `bytes`; a file someone created there first is
  /// left alone.
  /// - Returns: nil when made, else the conflict.
  func create(_ relative: String, with bytes: [UInt8], mode: mode_t) throws -> Conflict? {
    let path = absolute(relative)
    let temp = try Self.writeTemporary(bytes, beside: path, mode: mode, sync: durable)
    CrashPoint.reached("journal:temp-written")
    RaceHook.reached("journal:before-swap", path: path)
    do {
      try DirectorySwap.renameNoReplace(temp.path, to: path)
    } catch let error as MaestroError where error.errno == EEXIST {
      unlink(temp.path)
      return Conflict(path: relative, why: "a file was created there meanwhile")
    } catch {
      unlink(temp.path)
      throw error
    }
    if durable { try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path)) }
    return nil
  }

  /// Removes `relative`, expected to hold bytes hashing to `expected`.
  /// - Returns: nil when removed (or already gone), else the conflict (the
  ///   file is back in place, or kept when its place was taken meanwhile).
  func remove(_ relative: String, expected: String) throws -> Conflict? {
    let path = absolute(relative)
    RaceHook.reached("journal:before-swap", path: path)
    let aside = try Self.renameAside(path)
    guard let aside else { return nil }
    CrashPoint.reached("journal:set-aside")
    RaceHook.reached("journal:swapped", path: path)
    return try settle(aside: aside, relative: relative, expected: expected) { why in
      do {
        try DirectorySwap.renameNoReplace(aside, to: path)
        if durable { try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path)) }
        return Conflict(path: relative, why: why)
      } catch let error as MaestroError where error.errno == EEXIST {
        return try keep(aside, relative: relative, why: why + "; a new file took its place meanwhile")
      }
    }
  }

  /// Moves `relative` to `destination` without replacing anything there;
  /// a file is checked against `expected` (a folder is moved as it is).
  /// - Returns: nil when moved, else the conflict (the file is back where
  ///   it was, or left at `destination` when its place was taken meanwhile).
  func move(_ relative: String, to destination: String, expected: FileState) throws -> Conflict? {
    let path = absolute(relative)
    let target = absolute(destination)
    RaceHook.reached("journal:before-swap", path: path)
    do {
      try DirectorySwap.renameNoReplace(path, to: target)
    } catch let error as MaestroError where error.errno == EEXIST {
      return Conflict(path: destination, why: "a file was created there meanwhile")
    } catch let error as MaestroError where error.errno == ENOENT {
      return Conflict(path: relative, why: "it was removed")
    }
    CrashPoint.reached("journal:moved")
    RaceHook.reached("journal:swapped", path: path)
    let syncBoth = {
      guard self.durable else { return }
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: target))
      try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
    }
    guard !expected.isDirectory, let sha = expected.sha256 else {
      try syncBoth()
      return nil
    }
    return try settle(aside: target, relative: relative, expected: sha, unlinkWhenSettled: false, sync: syncBoth) {
      why in
      do {
        try DirectorySwap.renameNoReplace(target, to: path)
        try syncBoth()
        return Conflict(path: relative, why: why)
      } catch let error as MaestroError where error.errno == EEXIST {
        try syncBoth()
        return Conflict(path: relative, why: why + "; a new file took its place meanwhile, so it stays at \(destination)")
      }
    }
  }

  // MARK: Checking what came out

  /// Confirms that `aside` holds `expected` and nobody writes it; then
  /// (after the change is durable, and a last look) unlinks it. Otherwise
  /// `putBack` undoes the change and describes the conflict.
  private func settle(
    aside: String, relative: String, expected: String, unlinkWhenSettled: Bool = true,
    sync: (() throws -> Void)? = nil, putBack: (String) throws -> Conflict
  ) throws -> Conflict? {
    let held = try SetAsideFile(path: aside)
    var why: String?
    if held.writerOpen {
      why = "another process had it open for writing"
    } else if !held.isRegularFile {
      why = "it is not a regular file"
    } else if try held.sha256() != expected {
      why = "its content is not what the change was computed from"
    }
    if why == nil {
      if let sync {
        try sync()
      } else if durable {
        try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: absolute(relative)))
      }
      CrashPoint.reached("journal:verified")
      RaceHook.reached("journal:verified", path: absolute(relative))
      if try held.isUndisturbed() {
        if unlinkWhenSettled { unlink(aside) }
        return nil
      }
      why = "it was written to while being changed"
    }
    return try putBack(why!)
  }

  /// Keeps `file` (content that can be put neither back nor dropped) at
  /// `keepFolder/relative`.
  private func keep(_ file: String, relative: String, why: String) throws -> Conflict {
    let kept = try Self.keep(file, root: root, keepFolder: keepFolder, relative: relative)
    return Conflict(path: relative, why: why + "; the content taken out is kept at \(kept)", keptAt: kept)
  }

  /// Moves `file` to `keepFolder/relative` (or `relative.2`, … when taken).
  /// - Returns: where it went, relative to `root`.
  static func keep(_ file: String, root: String, keepFolder: String, relative: String) throws -> String {
    var kept = keepFolder + "/" + relative
    try FileSystem.makeDirectories(root + "/" + FileSystem.parentDirectory(of: kept))
    var k = 2
    while true {
      do {
        try DirectorySwap.renameNoReplace(file, to: root + "/" + kept)
        break
      } catch let error as MaestroError where error.errno == EEXIST && k < 100 {
        kept = keepFolder + "/" + relative + ".\(k)"
        k += 1
      }
    }
    try FileSystem.fsyncDirectory(root + "/" + FileSystem.parentDirectory(of: kept))
    return kept
  }

  // MARK: Temp files

  /// A temp file holding `bytes` beside `path` (`.<name>.maestro-admin-<8
  /// hex>.tmp`, created with its final mode when the umask keeps it),
  /// fsynced when `sync`; owned by `owner` (when this process may give it
  /// away), else as `DataDirOwner` says for a new file.
  /// - Returns: its path and inode.
  static func writeTemporary(
    _ bytes: [UInt8], beside path: String, mode: mode_t, sync: Bool, owner: (uid: uid_t, gid: gid_t)? = nil
  ) throws -> (path: String, inode: UInt64) {
    let folder = FileSystem.parentDirectory(of: path)
    let name = FileSystem.lastComponent(of: path)
    var temp = ""
    var fd: Int32 = -1
    let direct = mode & ~BulkJournalRunner.processUmask == mode
    for _ in 0..<8 {
      temp = folder + "/." + name + ".maestro-admin-" + hex8() + ".tmp"
      fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, direct ? mode : 0o600)
      if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw MaestroError.system("cannot create temporary file", path: path) }
    // As root on a data dir the server's user owns: the data dir's owner
    // (before fchmod, since fchown clears set-id bits).
    var ok: Bool
    if let owner, owner.uid != geteuid() || owner.gid != getegid() {
      _ = fchown(fd, owner.uid, owner.gid)  // only root may; anyone else keeps the file
      ok = true
    } else {
      ok = (try? DataDirOwner.apply(descriptor: fd, path: path)) != nil
    }
    ok = ok && (direct || fchmod(fd, mode) == 0)
    var offset = 0
    while ok && offset < bytes.count {
      let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { ok = false } else { offset += n }
    }
    var s = stat()
    if ok && sync && fsync(fd) != 0 { ok = false }
    if ok && fstat(fd, &s) != 0 { ok = false }
    let e = errno
    if close(fd) != 0 { ok = false }
    guard ok else {
      unlink(temp)
      throw MaestroError.system("cannot write file", path: path, errno: e)
    }
    return (temp, UInt64(s.st_ino))
  }

  /// Renames `path` to a temp name beside it (never replacing anything).
  /// - Returns: the temp path, or nil when `path` is gone.
  static func renameAside(_ path: String) throws -> String? {
    let folder = FileSystem.parentDirectory(of: path)
    let name = FileSystem.lastComponent(of: path)
    for _ in 0..<8 {
      let aside = folder + "/." + name + ".maestro-admin-" + hex8() + ".tmp"
      do {
        try DirectorySwap.renameNoReplace(path, to: aside)
        return aside
      } catch let error as MaestroError where error.errno == EEXIST {
        continue
      } catch let error as MaestroError where error.errno == ENOENT {
        return nil
      }
    }
    throw MaestroError(.io, "cannot find a free temporary name", path: path)
  }

  private static let counter = Atomic<UInt32>(UInt32.random(in: 0...UInt32.max))

  /// 8 hex digits from a counter (not the random source).
  static func hex8() -> String {
    let v = counter.wrappingAdd(0x9E37_79B9, ordering: .relaxed).newValue
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
  }
}
