import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The data dir's maintenance lock, `DATA_DIR/.maestro-admin/lock`: every
/// mutating command holds it, so two maintenance runs never interleave.
///
/// An advisory `flock` on the file: the kernel releases it when the process
/// ends, however it ends, so a crash never leaves a stale lock. The holder
/// writes its pid and command line into the file for the next one's message.
public final class MaintenanceLock {
  /// The lock file's path.
  public let path: String
  private var fd: Int32
  /// While the lock is held as root on a data dir another user owns,
  /// everything the run creates inside it gets that owner (`DataDirOwner`).
  private var adoption: DataDirOwner.Adoption?

  /// The toolkit's state folder inside a data dir.
  public static func stateFolder(_ dataDir: String) -> String { dataDir + "/.maestro-admin" }

  /// Takes the lock of `dataDir` without waiting, after refusing a folder
  /// that is not a data dir (`DataDirectory.isDataDirectory`) and a data
  /// dir a server is running on, both before anything is created in it:
  /// every changing command shares these tests.
  /// - Parameters:
  ///   - command: what is running, recorded for others' messages.
  ///   - requireDataDir: false only for a command that fills an empty
  ///     folder (`backup restore`), which makes its own test.
  ///   - liveServer: the run's live-server guard (default: detect, no
  ///     override), so that no changing run can forget the check.
  /// - Throws: `MaestroError(.usage)` for a folder that is not a data dir;
  ///   `.serverLive` when a server runs on the data dir; `.locked` naming
  ///   the holder's pid and command when another run holds it;
  ///   `.io`/`.notFound` when it cannot be made.
  public init(
    dataDir: String, command: String, requireDataDir: Bool = true, liveServer: LiveServerGuard = LiveServerGuard()
  ) throws {
    let folder = Self.stateFolder(dataDir)
    try DataDirectory.requireDirectory(dataDir)
    if requireDataDir {
      try DataDirectory.requireDataDirectory(dataDir, command: command)
    }
    try liveServer.refuseIfLive(dataDir, command: command)
    adoption = DataDirOwner.adopt(dataDir: dataDir)
    if !FileSystem.isDirectory(folder) { try FileSystem.makeDirectories(folder, mode: 0o700) }
    path = folder + "/lock"
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw MaestroError.system("cannot open the maintenance lock", path: path) }
    try? DataDirOwner.apply(descriptor: fd, path: path)
    if !Self.tryLock(fd) {
      let code = errno
      let holder = (try? FileSystem.readFile(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
      close(fd)
      fd = -1
      guard code == EWOULDBLOCK else {
        throw MaestroError.system("cannot lock", path: path, errno: code)
      }
      let who = holder.trimmingCharacters(in: "\n ")
      throw MaestroError(
        .locked, "another maintenance run holds the lock (\(who.isEmpty ? "holder unknown" : who))", path: path)
    }
    let record = Array("pid \(getpid()): \(command)\n".utf8)
    _ = ftruncate(fd, 0)
    _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
  }

  /// `flock` without blocking, retried for up to 100 ms: a process that
  /// forks a child (to run a command) lends that child its open lock file
  /// until the child execs and closes it, so a just-released lock can look
  /// held for an instant. A real holder still fails fast.
  private static func tryLock(_ fd: Int32) -> Bool {
    for attempt in 0..<10 {
      if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
      if errno != EWOULDBLOCK || attempt == 9 { return false }
      usleep(10_000)
    }
    return false
  }

  /// Releases the lock now (it is also released when this object goes away).
  public func release() {
    adoption?.release()
    adoption = nil
    guard fd >= 0 else { return }
    _ = ftruncate(fd, 0)
    close(fd)
    fd = -1
  }

  deinit { release() }
}

extension String {
  fileprivate func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let c = s.first, set.contains(c) { s = s.dropFirst() }
    while let c = s.last, set.contains(c) { s = s.dropLast() }
    return String(s)
  }
}
