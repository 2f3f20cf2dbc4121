import Glibc
import MaestroStorage

/// An object's bytes on a file descriptor, for readers that want one
/// (libarchive): a thread fetches the object in ranged GETs, each retried
/// on its own and pinned to the object's ETag (`If-Match`), and writes them
/// into a socket pair whose other end is `fd`.
///
/// Memory is one range (256 KiB first, so that reading only the first
/// member costs little, then 8 MiB) plus the socket buffer. When the reader
/// stops early and closes, the thread stops at its next write.
final class ObjectReadStream: @unchecked Sendable {
  /// The object.
  let location: S3Location
  /// Its size and ETag when the stream opened.
  let size: Int64
  let etag: String
  /// The end to read.
  private(set) var fd: Int32
  private let writeEnd: Int32
  private let fetcher: BackgroundCall
  private let state: State

  private final class State: @unchecked Sendable {
    let lock = ConditionLock()
    var failure: (any Error)?
    var delivered: Int64 = 0
  }

  /// Opens the object (one `HEAD`) and starts fetching.
  ///
  /// - Parameters:
  ///   - location: The object.
  ///   - configuration: The store.
  ///   - etag: The version it must be (for a second pass); `nil`: the current one.
  /// - Throws: `MaestroError` `.objectStoreNoSuchKey` when there is no
  ///   such object, or what the store answered.
  init(location: S3Location, configuration: S3Configuration, etag expected: String? = nil) throws {
    self.location = location
    let client = try S3Client(configuration)
    guard let head = try client.headObject(bucket: location.bucket, key: location.key) else {
      throw MaestroError(
        .objectStoreNoSuchKey, "no such object at \(configuration.endpointDescription)", path: location.description)
    }
    if let expected, expected != head.etag {
      throw MaestroError(
        .snapshotInvalid, "the object was replaced while it was read (ETag \(head.etag), was \(expected))",
        path: location.description)
    }
    size = head.size
    etag = head.etag
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
      throw MaestroError.system("cannot create a socket pair", path: location.description)
    }
    fd = pair[0]
    writeEnd = pair[1]
    let state = State()
    self.state = state
    let size = head.size
    let etag = head.etag
    let writeEnd = pair[1]
    fetcher = BackgroundCall {
      defer {
        shutdown(writeEnd, Int32(SHUT_WR))
      }
      var offset: Int64 = 0
      var chunk = 256 << 10
      while offset < size {
        let range: S3Client.ObjectRange
        do {
          range = try client.getObject(
            bucket: location.bucket, key: location.key, offset: offset, length: chunk, ifMatch: etag)
        } catch {
          state.lock.withLock { state.failure = error }
          return
        }
        guard !range.bytes.isEmpty else { break }
        let sent = range.bytes.withUnsafeBytes { raw -> Bool in
          var k = 0
          while k < raw.count {
            let n = send(writeEnd, raw.baseAddress! + k, raw.count - k, Int32(MSG_NOSIGNAL))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }  // the reader closed: it has what it wanted
            k += n
          }
          return true
        }
        guard sent else { return }
        offset += Int64(range.bytes.count)
        state.lock.withLock { state.delivered = offset }
        chunk = 8 << 20
      }
    }
  }

  deinit {
    if fd >= 0 { close(fd) }
    try? fetcher.join()
    close(writeEnd)
  }

  /// The fetch's error, if it failed (the reader then saw the stream end early).
  var failure: (any Error)? { state.lock.withLock { state.failure } }

  /// Bytes fetched and handed over so far.
  var delivered: Int64 { state.lock.withLock { state.delivered } }

  /// Stops reading: closes `fd`, waits for the fetching thread.
  ///
  /// - Throws: The fetch's error, if it failed.
  func finish() throws {
    if fd >= 0 {
      close(fd)
      fd = -1
    }
    try fetcher.join()
    if let failure { throw failure }
  }
}
