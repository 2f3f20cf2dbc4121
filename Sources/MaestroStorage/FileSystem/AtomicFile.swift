import Glibc

/// Crash-safe file replacement: readers see the old bytes or the new bytes,
/// never a mix, even if the process or the machine dies mid-write.
///
/// `write` puts the bytes in a temporary file beside the target, fsyncs it,
/// renames it over the target and fsyncs the directory. The temporary file is
/// named `.<basename>.maestro-admin-<8 hex digits>.tmp` so that later runs
/// can recognise leftovers from a crash as ours (`targetName(forTemporaryName:)`).
///
/// ## Testing seams
///
/// - `AtomicFile.$interrupt.withValue(hook) { ... }` calls `hook` at every
///   `Step`; a hook that throws makes the write fail there (the temporary file
///   is removed, as for a real error), and a hook that throws `SimulatedCrash`
///   makes it stop as a crash would (the temporary file is left behind).
/// - `MAESTRO_ADMIN_CRASH_AT=atomic-write:<step>:<n>` kills the process at
///   the `n`-th time any write reaches `<step>` (see `CrashPoint`).
public enum AtomicFile {
  /// The points of an atomic write at which tests can intervene.
  public enum Step: String, Sendable, CaseIterable {
    /// The temporary file exists, empty, with its final mode.
    case createdTemp = "created-temp"
    /// The first half of the bytes is in the temporary file.
    case wroteHalf = "wrote-half"
    /// All bytes are in the temporary file.
    case wroteAll = "wrote-all"
    /// The temporary file is fsynced and closed.
    case fsyncedFile = "fsynced-file"
    /// The temporary file has been renamed over the target.
    case renamed
    /// The directory is fsynced: the write is durable.
    case fsyncedDir = "fsynced-dir"
  }

  /// Thrown by an `interrupt` hook to stop a write the way a crash would:
  /// nothing is cleaned up and the error propagates unchanged.
  public struct SimulatedCrash: Error, Sendable, Equatable {
    /// The step at which the crash was simulated, if the hook says.
    public var step: Step?
    /// Creates the error.
    /// - Parameter step: The step at which the crash happens.
    public init(at step: Step? = nil) { self.step = step }
  }

  /// A test hook called at every `Step` of every write in the current task;
  /// `nil` (the default) in production.
  @TaskLocal public static var interrupt: (@Sendable (Step) throws -> Void)?

  /// Replaces the file at `path` with `bytes`, atomically and durably.
  ///
  /// If a file already exists at `path`, its permission bits (and, when the
  /// caller may, its owner) are kept, so rewriting `.auth-secret` keeps it
  /// 0600 and a rewrite run as root does not lock out the server's user.
  /// A symlink at `path` is replaced by a regular file, not written through.
  ///
  /// - Parameters:
  ///   - bytes: The new content.
  ///   - path: The file to replace or create. Its directory must exist.
  ///   - mode: Permission bits for a new file (exact: the umask does not apply).
  /// - Throws: `MaestroError` naming `path`. On failure before the rename
  ///   the target is untouched and the temporary file removed; a failure after
  ///   the rename (directory fsync) leaves the new bytes in place.
  public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
    try FileSystem.checkPath(path)
    let directory = FileSystem.parentDirectory(of: path)
    let baseName = FileSystem.lastComponent(of: path)

    var finalMode = mode & 0o7777
    var owner: (uid: uid_t, gid: gid_t)?
    var existing = Glibc.stat()
    if stat(path, &existing) == 0 {
      finalMode = existing.st_mode & 0o7777
      owner = (existing.st_uid, existing.st_gid)
    } else if errno != ENOENT {
      throw MaestroError.system("cannot stat existing file", path: path)
    } else if let adopted = DataDirOwner.owner(for: path) {
      // A new file inside a data dir run on as root: the data dir's owner.
      owner = (adopted.uid, adopted.gid)
    }

    // Created 0600 so the content is never readable by more people than the
    // final mode allows, whatever the umask.
    var tempPath = ""
    var fd: Int32 = -1
    for _ in 0..<8 {
      tempPath = FileSystem.join(directory, "." + baseName + marker + randomHex() + ".tmp")
      fd = Errno.retryingOnInterrupt {
        open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
      }
      if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else {
      let code = errno  // before building the message can disturb it
      throw MaestroError.system(
        "cannot create temporary file in \(directory)", path: path, errno: code)
    }

    var isOpen = true
    var isRenamed = false
    do {
      if let owner, owner.uid != geteuid() || owner.gid != getegid() {
        // Only root may give a file away; for anyone else the new file is
        // theirs, which is what a plain rewrite would do too.
        if fchown(fd, owner.uid, owner.gid) != 0 && geteuid() == 0 {
          throw MaestroError.system("cannot give the new file its owner (\(owner.uid):\(owner.gid))", path: path)
        }
      }
      // After fchown, which clears set-id bits.
      guard fchmod(fd, finalMode) == 0 else {
        throw MaestroError.system("cannot set mode of temporary file", path: path)
      }
      try reach(.createdTemp)

      let half = bytes.count / 2
      try writeAll(fd, bytes[..<half], path: path)
      try reach(.wroteHalf)
      try writeAll(fd, bytes[half...], path: path)
      try reach(.wroteAll)

      guard fsync(fd) == 0 else {
        throw MaestroError.system("cannot fsync temporary file", path: path)
      }
      isOpen = false
      // Network file systems may report a failed write only at close.
      guard close(fd) == 0 else {
        throw MaestroError.system("cannot close temporary file", path: path)
      }
      try reach(.fsyncedFile)

      guard Glibc.rename(tempPath, path) == 0 else {
        throw MaestroError.system("cannot rename temporary file over target", path: path)
      }
      isRenamed = true
      try reach(.renamed)

      do {
        try FileSystem.fsyncDirectory(directory)
      } catch let error as MaestroError {
        throw MaestroError(
          error.code, "new content in place but not durable: \(error.description)", path: path,
          errno: error.errno)
      }
      try reach(.fsyncedDir)
    } catch let crash as SimulatedCrash {
      if isOpen { _ = close(fd) }
      throw crash
    } catch {
      if isOpen { _ = close(fd) }
      if !isRenamed { _ = unlink(tempPath) }
      throw error
    }
  }

  /// Removes a file durably (`unlink`, then fsync of its directory).
  ///
  /// - Parameter path: The file to remove.
  /// - Throws: `MaestroError` naming `path` (`.notFound` if missing).
  public static func remove(_ path: String) throws {
    try FileSystem.removeFile(path)
    try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: path))
  }

  /// The target name a temporary file of ours stands for, or `nil` if `name`
  /// is not one: `.tasks.json.maestro-admin-0badf00d.tmp` gives `tasks.json`.
  ///
  /// - Parameter name: A directory entry name (not a path).
  /// - Returns: The base name the interrupted write was replacing.
  public static func targetName(forTemporaryName name: String) -> String? {
    let utf8 = Array(name.utf8)
    let marker = Array(Self.marker.utf8)
    let suffix = Array(".tmp".utf8)
    let fixed = 1 + marker.count + 8 + suffix.count
    guard utf8.count > fixed, utf8[0] == UInt8(ascii: "."),
      utf8.suffix(suffix.count).elementsEqual(suffix)
    else {
      return nil
    }
    let hexEnd = utf8.count - suffix.count
    let hexStart = hexEnd - 8
    let markerStart = hexStart - marker.count
    guard utf8[markerStart..<hexStart].elementsEqual(marker),
      utf8[hexStart..<hexEnd].allSatisfy({ isLowerHex($0) })
    else { return nil }
    return String(decoding: utf8[1..<markerStart], as: UTF8.self)
  }

  // MARK: - Internals

  private static let marker = ".maestro-admin-"

  private static func reach(_ step: Step) throws {
    CrashPoint.reached("atomic-write:" + step.rawValue)
    try interrupt?(step)
  }

  private static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>, path: String) throws {
    try bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let n = Errno.retryingOnInterrupt {
          Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
        }
        guard n > 0 else {
          throw MaestroError.system(
            "cannot write temporary file", path: path, errno: n == 0 ? EIO : errno)
        }
        offset += n
      }
    }
  }

  private static func randomHex() -> String {
    let value = String(UInt32.random(in: .min ... .max), radix: 16)
    return String(repeating: "0", count: 8 - value.count) + value
  }

  private static func isLowerHex(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
      || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
  }
}
