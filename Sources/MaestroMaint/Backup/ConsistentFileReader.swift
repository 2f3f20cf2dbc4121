import Glibc
import MaestroStorage

/// Reads one file of a live data dir so that what goes into a snapshot is a
/// version of the file that really existed, never a half-written one.
///
/// Servers of the seed's age rewrite files in place (truncate, then write;
/// FORMAT.md §8), so a reader can catch a file empty or half written. Each
/// attempt `fstat`s the open file before and after reading it; the read is
/// accepted when
///
/// - size, mtime, ctime and inode did not change, all `size` bytes were read,
/// - a `.json` file is one complete JSON text (`JSONShapeCheck`), and
/// - the file was not changed within `racyWindow` before the read began
///   (time stamps come from a coarse clock: a rewrite inside the same tick
///   leaves them as they were, so a very recent change proves nothing).
///   The change time judged is the ctime: every write sets it to the clock
///   and no program can set it, whereas an mtime may lie anywhere (a tree
///   restored from a machine whose clock ran ahead): a future mtime must
///   not make every read look racy and cost each file a pause.
///
/// Otherwise it is read again after a pause (`pauses`). Two reads that
/// return the same bytes and the same status, a pause (longer than a tick)
/// apart, also settle it: that is the file at rest. A `.json` file that is
/// not complete JSON settles only after `settleReads` identical reads over
/// about 0.2 s; it is then corrupt at rest, not torn, and is flagged
/// `invalidJSON`. A file still changing after every attempt is torn.
struct ConsistentFileReader: Sendable {
  /// The result of reading one file.
  enum Outcome: Sendable {
    /// A consistent read.
    case read(FileContent)
    /// Gone since the walk (deleted by the server): left out.
    case vanished
    /// No longer a regular file: left out with this reason.
    case excluded(String)
    /// Kept changing; the last read is attached for `--allow-torn`.
    case torn(FileContent, reason: String)
    /// An I/O error.
    case failed(MaestroError)
  }

  /// One read's bytes and status.
  struct FileContent: Sendable {
    var bytes: [UInt8]
    var mode: UInt32
    var mtime: Int64
    var uid: UInt32
    var gid: UInt32
    var invalidJSON = false
    /// Status-change time of the version read, ns since the epoch.
    var ctime: Int64 = 0
    /// Whether an attempt saw the file change (a write while reading, or
    /// two reads that differ): a live data dir.
    var sawChange = false
  }

  /// Pauses before the 2nd, 3rd, ... attempt, in milliseconds: 7 reads over
  /// about 0.8 s at most.
  var pauses: [Int] = [25, 25, 50, 100, 200, 400]
  /// Modifications this recent (ns) make a read unproven: longer than the
  /// kernel's coarse clock tick (10 ms at HZ=100, the coarsest in use).
  var racyWindow: Int64 = 15_000_000

  /// Identical reads that make an incomplete `.json` file "corrupt at rest".
  var settleReads = 5

  private struct Status: Equatable {
    var size: Int64, mtime: Int64, ctime: Int64, inode: UInt64, device: UInt64
    var mode: UInt32, uid: UInt32, gid: UInt32, isRegular: Bool

    init(_ s: stat) {
      size = Int64(s.st_size)
      mtime = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
      ctime = Int64(s.st_ctim.tv_sec) * 1_000_000_000 + Int64(s.st_ctim.tv_nsec)
      inode = UInt64(s.st_ino)
      device = UInt64(s.st_dev)
      mode = UInt32(s.st_mode) & 0o7777
      uid = UInt32(s.st_uid)
      gid = UInt32(s.st_gid)
      isRegular = (s.st_mode & S_IFMT) == S_IFREG
    }
  }

  private enum Attempt {
    case done(Outcome)
    case read(bytes: [UInt8], before: Status, after: Status, started: Int64)
  }

  /// Reads `path` consistently.
  ///
  /// - Parameter path: The file.
  /// - Returns: The outcome; never throws.
  func read(_ path: String) -> Outcome {
    let isJSON = path.hasSuffix(".json")
    var previous: (bytes: [UInt8], status: Status)?
    var sameReads = 0
    var sawChange = false
    var last: FileContent?
    var reason = ""
    for attempt in 0...pauses.count {
      if attempt > 0 { usleep(useconds_t(pauses[attempt - 1] * 1000)) }
      let (bytes, before, after, started): ([UInt8], Status, Status, Int64)
      switch readOnce(path) {
      case .done(let outcome): return outcome
      case .read(let b, let s0, let s1, let t): (bytes, before, after, started) = (b, s0, s1, t)
      }
      var content = FileContent(bytes: bytes, mode: after.mode, mtime: after.mtime, uid: after.uid, gid: after.gid)
      content.ctime = after.ctime
      let stable = before == after && Int64(bytes.count) == after.size
      if !stable || (previous.map { $0.status != after || $0.bytes != bytes } ?? false) { sawChange = true }
      content.sawChange = sawChange
      last = content
      guard stable else {
        reason = "changed while being read (size \(before.size) → \(after.size), \(bytes.count) bytes read)"
        previous = nil
        sameReads = 0
        continue
      }
      let valid = !isJSON || JSONShapeCheck.isComplete(bytes)
      let racy = after.ctime >= started - racyWindow
      if valid && !racy { return .read(content) }
      if let previous, previous.status == after, previous.bytes == bytes {
        sameReads += 1
      } else {
        sameReads = 1
      }
      // A racy but complete read is settled by one identical re-read a tick
      // later. An incomplete JSON text must stay exactly the same for
      // `settleReads` reads (about 0.2 s): a writer stalled mid-write must not
      // pass for a file that is corrupt at rest.
      if sameReads >= (valid ? 2 : min(settleReads, pauses.count + 1)) {
        var settled = content
        settled.invalidJSON = !valid
        return .read(settled)
      }
      reason = valid ? "modified again and again while being read" : "not complete JSON and still changing"
      previous = (bytes, after)
    }
    guard let last else { return .failed(MaestroError(.io, "cannot read", path: path)) }
    return .torn(last, reason: reason)
  }

  private func readOnce(_ path: String) -> Attempt {
    let started = UTCTime.nowNanoseconds()
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      let code = errno
      if code == ENOENT { return .done(.vanished) }
      if code == ELOOP { return .done(.excluded("symlink")) }
      return .done(.failed(MaestroError.system("cannot open for reading", path: path, errno: code)))
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      return .done(.failed(MaestroError.system("cannot stat", path: path)))
    }
    let before = Status(info)
    guard before.isRegular else { return .done(.excluded("special")) }
    let expected = Int(max(before.size, 0))
    var failure: Int32 = 0
    // One spare byte so a file that grew shows up as a longer read. No read
    // to end of file once `expected` bytes are in: the second fstat tells
    // whether the size moved.
    var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
      count = 0
      while count < buffer.count {
        if count == expected && expected > 0 { return }
        let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        if n == 0 { return }
        count += n
      }
    }
    if failure != 0 { return .done(.failed(MaestroError.system("cannot read", path: path, errno: failure))) }
    if bytes.count > expected || expected == 0 {
      // Grew while being read: read the rest so the attempt is judged whole.
      var chunk = [UInt8](repeating: 0, count: 64 * 1024)
      while true {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[..<n])
      }
    }
    guard fstat(fd, &info) == 0 else { return .done(.failed(MaestroError.system("cannot stat", path: path))) }
    return .read(bytes: bytes, before: before, after: Status(info), started: started)
  }
}
