import MaestroStorage
import Synchronization

/// What check's first pass saw of each file and folder: the stamp
/// (`FileStamp.digest`) of the version it read, and of each folder when it
/// was listed, so that the end of the run can tell what changed meanwhile
/// (`LiveRecheck`). Eight bytes per entity file.
///
/// File time stamps come from the kernel's coarse clock, so a file written
/// twice within one tick (up to 10 ms) can keep its stamp: a version read
/// within `racyWindow` of its last change is recorded as `unproven`, which
/// no later stamp equals.
final class ReadLedger: @unchecked Sendable {
  /// The digest of a version read too soon after it was written to be told
  /// from the next one by its stamp.
  static let unproven = UInt64.max
  /// Changes this recent (ns) when a file is read leave it unproven: longer
  /// than the coarsest kernel clock tick (10 ms at HZ=100).
  static let racyWindow: Int64 = 15_000_000

  /// Entity file index → digest of the version read (0: not read).
  private var entities = SlotBuffer<UInt64>(count: 0, initial: 0)
  private let others = Mutex<[String: UInt64]>([:])
  private let folders = Mutex<[String: UInt64]>([:])
  private let changedReads = Atomic<Int>(0)

  /// Room for `count` entity files; call once, before the workers start.
  func prepare(entityFiles count: Int) {
    entities = SlotBuffer(count: count, initial: 0)
  }

  /// Records the stamp of entity file `index`, from its worker.
  func record(entity index: Int, _ stamp: FileStamp) {
    entities[index] = Self.digest(stamp)
    if stamp.size < 0 { changedReads.add(1, ordering: .relaxed) }
  }

  /// Records the stamp of another file read (a list file, the catalog).
  func record(other path: String, _ stamp: FileStamp) {
    others.withLock { $0[path] = Self.digest(stamp) }
    if stamp.size < 0 { changedReads.add(1, ordering: .relaxed) }
  }

  /// `stamp`'s digest, or `unproven` when it changed just before now.
  private static func digest(_ stamp: FileStamp) -> UInt64 {
    max(stamp.ctime, stamp.mtime) >= UTCTime.nowNanoseconds() - racyWindow ? unproven : stamp.digest
  }

  /// Records a folder's stamp as it is listed (nil: no folder there).
  func record(folder path: String, _ stamp: FileStamp?) {
    folders.withLock { $0[path] = stamp?.digest ?? 0 }
  }

  /// The digest entity file `index` was read with (0: not read).
  func stamp(entity index: Int) -> UInt64 {
    index < entities.count ? entities[index] : 0
  }

  /// The digest another file was read with, if it was read.
  func stamp(other path: String) -> UInt64? {
    others.withLock { $0[path] }
  }

  /// Every folder listed, with its digest then (0: it was missing).
  var folderStamps: [String: UInt64] {
    folders.withLock { $0 }
  }

  /// Whether some file changed while it was being read.
  var sawChangeWhileReading: Bool {
    changedReads.load(ordering: .relaxed) > 0
  }
}
