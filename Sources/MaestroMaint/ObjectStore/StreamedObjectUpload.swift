import Glibc
import MaestroStorage

/// Streams bytes into one object through a multipart upload, holding at most
/// four parts in memory (the held-back first part, the one filling, one
/// queued, one uploading), never the whole object.
///
/// The first part can be held back and uploaded last with a header in
/// front of it (`finish(header:)`): S3 assembles parts by number, not by
/// upload order, so an object can start with bytes known only at the end
/// (a snapshot's manifest). Parts other than the last must be at least
/// 5 MiB on AWS; the held first part is at least a whole part plus the
/// header, so this holds.
///
/// The object exists only once `finish` completes the upload; until then
/// it is an incomplete upload that listings do not show. `abort()` (or the
/// next run, through `ListMultipartUploads`) removes it.
final class StreamedObjectUpload: @unchecked Sendable {
  /// What the finished upload produced.
  struct Result: Sendable {
    /// The object's size.
    var size: Int64
    /// Its ETag.
    var etag: String
    /// Parts uploaded.
    var parts: Int
  }

  /// Where.
  let location: S3Location
  /// The upload id.
  let uploadId: String
  /// Bytes per part.
  let partSize: Int
  private let configuration: S3Configuration
  private let maxSendRate: Int64
  private let holdFirstPart: Bool
  private var held: [UInt8]?
  private var filling: [UInt8] = []
  private var nextNumber: Int
  private var size: Int64 = 0
  private let queue = BoundedQueue<(Int, [UInt8])>(capacity: 1)
  private let uploader: BackgroundCall
  private let lock = ConditionLock()
  private var isDone = false

  /// Starts the upload (`CreateMultipartUpload`).
  ///
  /// - Parameters:
  ///   - location: The object's key.
  ///   - configuration: The store.
  ///   - partSize: Bytes per part (5 MiB at least, for AWS).
  ///   - holdFirstPart: Keep the first part for `finish(header:)`.
  ///   - maxSendRate: Upload bytes per second at most (0: no limit).
  init(
    location: S3Location, configuration: S3Configuration, partSize: Int, holdFirstPart: Bool, maxSendRate: Int64 = 0
  ) throws {
    self.location = location
    self.configuration = configuration
    self.partSize = max(1, partSize)
    self.holdFirstPart = holdFirstPart
    self.maxSendRate = maxSendRate
    nextNumber = holdFirstPart ? 2 : 1
    let client = try S3Client(configuration)
    uploadId = try client.createMultipartUpload(bucket: location.bucket, key: location.key)
    filling.reserveCapacity(self.partSize)
    let queue = self.queue
    let lock = self.lock
    let box = ResultBox()
    self.results = box
    client.maxSendRate = maxSendRate
    let bucket = location.bucket
    let key = location.key
    let id = uploadId
    uploader = BackgroundCall {
      while let (number, bytes) = queue.pop() {
        do {
          let etag = try bytes.withUnsafeBytes {
            try client.uploadPart(bucket: bucket, key: key, uploadId: id, number: number, bytes: $0)
          }
          lock.withLock { box.etags[number] = etag }
          CrashPoint.reached("backup:object-part")
        } catch {
          lock.withLock { box.failure = error }
          queue.cancel()
          throw error
        }
      }
    }
  }

  private final class ResultBox: @unchecked Sendable {
    var etags: [Int: String] = [:]
    var failure: (any Error)?
  }

  private let results: ResultBox

  /// The uploader's error, if it stopped.
  var failure: (any Error)? { lock.withLock { results.failure } }

  /// Appends bytes (one producer thread).
  ///
  /// - Throws: The uploader's error once it failed.
  func write(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      if let failure { throw failure }
      let n = min(partSize - filling.count, bytes.count - offset)
      filling.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
      offset += n
      size += Int64(n)
      if filling.count == partSize { try flushPart() }
    }
  }

  private func flushPart() throws {
    let part = filling
    filling = []
    filling.reserveCapacity(partSize)
    if holdFirstPart && held == nil {
      held = part
      return
    }
    guard nextNumber <= 10_000 else {
      throw MaestroError(
        .objectStore, "more than 10,000 parts of \(partSize) bytes: the object is too large for this part size",
        path: location.description)
    }
    guard queue.push((nextNumber, part)) else { throw failure ?? MaestroError(.objectStore, "upload stopped", path: location.description) }
    nextNumber += 1
  }

  /// Uploads what is left, the held first part with `header` before it,
  /// waits for every part and completes the upload: the object now exists.
  ///
  /// - Returns: Size, ETag and part count.
  func finish(header: [UInt8] = []) throws -> Result {
    var first: [UInt8]
    if holdFirstPart {
      if held == nil {
        held = filling
        filling = []
      }
      first = header + (held ?? [])
      held = nil
    } else {
      first = []
    }
    if !filling.isEmpty || (!holdFirstPart && nextNumber == 1) {
      let part = filling
      filling = []
      guard queue.push((nextNumber, part)) else { throw failure ?? MaestroError(.objectStore, "upload stopped", path: location.description) }
      nextNumber += 1
    }
    if holdFirstPart {
      guard queue.push((1, first)) else { throw failure ?? MaestroError(.objectStore, "upload stopped", path: location.description) }
      first = []
    }
    queue.close()
    try uploader.join()
    let etags = lock.withLock { results.etags }
    let numbers = etags.keys.sorted()
    let parts = numbers.map { (number: $0, etag: etags[$0]!) }
    let client = try S3Client(configuration)
    let etag = try client.completeMultipartUpload(
      bucket: location.bucket, key: location.key, uploadId: uploadId, parts: parts)
    isDone = true
    CrashPoint.reached("backup:object-completed")
    return Result(size: size + Int64(header.count), etag: etag, parts: parts.count)
  }

  /// Stops and aborts the upload (best effort: a store that cannot be
  /// reached keeps it until the next run aborts it).
  func abort() {
    guard !isDone else { return }
    isDone = true
    queue.cancel()
    try? uploader.join()
    // One try: after a failure the store is often unreachable, and the next
    // run aborts what is left anyway.
    var once = configuration
    once.retry = S3RetryPolicy(maxAttempts: 1)
    if let client = try? S3Client(once) {
      try? client.abortMultipartUpload(bucket: location.bucket, key: location.key, uploadId: uploadId)
    }
  }
}
