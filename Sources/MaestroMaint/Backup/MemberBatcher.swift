/// Gathers archive members read on one thread into batches for the worker
/// threads behind a `BoundedQueue`: one hand-off per `maxCount` members or
/// per 4 MiB of content, whichever comes first, so small files do not pay a
/// lock round trip each and large ones do not pile up in memory.
struct MemberBatcher {
  /// Bytes a batch may hold before it is handed off.
  static let maxBytes = 4 << 20

  private let queue: BoundedQueue<[(Int, [UInt8])]>
  private let maxCount: Int
  private var batch: [(Int, [UInt8])] = []
  private var bytes = 0

  init(queue: BoundedQueue<[(Int, [UInt8])]>, maxCount: Int) {
    self.queue = queue
    self.maxCount = maxCount
    batch.reserveCapacity(maxCount)
  }

  /// Adds member `index` with its content, handing the batch off when full.
  mutating func add(_ index: Int, _ content: [UInt8]) {
    bytes += content.count
    batch.append((index, content))
    if batch.count >= maxCount || bytes >= Self.maxBytes { flush() }
  }

  /// Hands off what has been gathered.
  mutating func flush() {
    guard !batch.isEmpty else { return }
    queue.push(batch)
    batch = []
    batch.reserveCapacity(maxCount)
    bytes = 0
  }
}
