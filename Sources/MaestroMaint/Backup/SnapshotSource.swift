import Glibc
import MaestroStorage

/// A snapshot's bytes as a file descriptor for `SnapshotArchiveReader`:
/// a local file, or an object at `s3://BUCKET/KEY` streamed by
/// `ObjectReadStream` (credentials and endpoint from the environment).
///
/// Readers that pass over a snapshot twice (restore) `rewind()`: a file
/// seeks back, an object is fetched again, pinned to the same ETag.
final class SnapshotSource {
  /// The path or address, named in errors.
  let origin: String
  private var fileDescriptor: Int32 = -1
  private var stream: ObjectReadStream?
  private let object: (S3Location, S3Configuration)?

  /// Opens `path` (a file or an `s3://` address).
  ///
  /// - Throws: `MaestroError` (`.notFound`, `.io`, `.usage` for a bad
  ///   address or missing credentials, the store's errors).
  init(_ path: String) throws {
    origin = path
    if S3Location.isObjectStoreAddress(path) {
      let location = try S3Location(parsing: path)
      let configuration = try S3Configuration.fromEnvironment()
      object = (location, configuration)
      stream = try ObjectReadStream(location: location, configuration: configuration)
    } else {
      object = nil
      fileDescriptor = try SnapshotArchiveReader.openFile(path)
    }
  }

  deinit {
    if fileDescriptor >= 0 { close(fileDescriptor) }
  }

  /// The descriptor to read (the caller does not close it).
  var fd: Int32 { stream?.fd ?? fileDescriptor }

  /// Whether the bytes come from an object store.
  var isObject: Bool { object != nil }

  /// The object's size and ETag (`nil` for a file).
  var objectVersion: (size: Int64, etag: String)? { stream.map { ($0.size, $0.etag) } }

  /// The descriptor at the first byte: as opened the first time, rewound
  /// (or fetched again) after that.
  func start() throws -> Int32 {
    if started { try rewind() }
    started = true
    return fd
  }

  private var started = false

  /// Back to the first byte.
  func rewind() throws {
    if let object, let old = stream {
      try? old.finish()
      stream = try ObjectReadStream(location: object.0, configuration: object.1, etag: old.etag)
    } else {
      guard lseek(fileDescriptor, 0, SEEK_SET) == 0 else { throw MaestroError.system("cannot rewind", path: origin) }
    }
  }

  /// The error that cut the bytes short, if fetching an object failed: a
  /// reader that saw a truncated archive reports this instead (exit 8, the
  /// store's fault, not the snapshot's).
  var failure: (any Error)? { stream?.failure }

  /// Stops reading; rethrows a fetch failure.
  func finish() throws {
    try stream?.finish()
  }

  /// Runs `body`; when it fails and the fetch failed too, the fetch's error
  /// is the one thrown.
  func preferringFetchFailure<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch {
      if let failure { throw failure }
      throw error
    }
  }
}
