import Glibc
import MaestroStorage
import MaestroTestSupport
import Testing

@testable import MaestroMaint

/// `ConsistentFileReader` judges "written too recently to trust" by the
/// ctime, which every write sets and no program can: a file whose mtime
/// lies in the future is at rest, not racy.
@Suite struct ConsistentFileReaderTests {
  /// Writes `text` at `path` and sets its mtime `offset` seconds from now.
  static func file(_ path: String, _ text: String, mtimeOffset offset: Int) throws {
    try AtomicFile.write(Array(text.utf8), to: path)
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var times = [timespec(tv_sec: now.tv_sec + offset, tv_nsec: 0), timespec(tv_sec: now.tv_sec + offset, tv_nsec: 0)]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    // Let the ctime that utimensat set age past the racy window.
    usleep(40_000)
  }

  @Test func aFileWithAFutureMtimeIsReadAtOnce() throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("task.json")
    try Self.file(path, "{\"id\":\"task_1\"}", mtimeOffset: 86_400 * 7)
    // No second attempt: a read judged racy could not settle.
    var reader = ConsistentFileReader()
    reader.pauses = []
    guard case .read(let content) = reader.read(path) else {
      Issue.record("a file at rest with a future mtime was not read on the first attempt")
      return
    }
    #expect(content.bytes == Array("{\"id\":\"task_1\"}".utf8))
  }

  @Test func aFileJustWrittenIsStillRacy() throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("task.json")
    try AtomicFile.write(Array("{\"id\":\"task_1\"}".utf8), to: path)
    var reader = ConsistentFileReader()
    reader.pauses = []
    reader.racyWindow = 60_000_000_000
    guard case .torn = reader.read(path) else {
      Issue.record("a read within the racy window was accepted without a second look")
      return
    }
  }
}
