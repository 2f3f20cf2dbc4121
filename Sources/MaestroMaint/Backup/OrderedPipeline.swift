/// Hands work items `0..<count` to producer threads and their results to one
/// consumer in index order, holding at most `window` results at once.
///
/// `create` uses it so that files are read and hashed on every core while
/// the archive receives them in a fixed order (the walk's), which keeps
/// snapshots of the same tree identical apart from times and ids.
final class OrderedPipeline<Item>: @unchecked Sendable {
  /// The number of items.
  let count: Int
  private let window: Int
  private let lock = ConditionLock()
  private var slots: [Item?]
  private var nextClaim = 0
  private var consumed = 0
  private var stopped = false

  /// - Parameters:
  ///   - count: Items to produce.
  ///   - window: How far producers may run ahead of the consumer.
  init(count: Int, window: Int) {
    self.count = count
    self.window = max(1, window)
    slots = Array(repeating: nil, count: self.window)
  }

  /// The next index to produce, waiting while the window is full; `nil`
  /// when every index is claimed or the pipeline was stopped.
  func claim() -> Int? {
    lock.withLock {
      while !stopped && nextClaim < count && nextClaim - consumed >= window { lock.wait() }
      guard !stopped && nextClaim < count else { return nil }
      defer { nextClaim += 1 }
      return nextClaim
    }
  }

  /// Hands over the result for `index`.
  func deliver(_ index: Int, _ item: Item) {
    lock.withLock {
      slots[index % window] = item
      lock.broadcast()
    }
  }

  /// The result for `index` (call with 0, 1, 2, ... in order), waiting for it;
  /// `nil` if the pipeline was stopped first.
  func take(_ index: Int) -> Item? {
    lock.withLock {
      while !stopped && slots[index % window] == nil { lock.wait() }
      guard let item = slots[index % window] else { return nil }
      slots[index % window] = nil
      consumed = index + 1
      lock.broadcast()
      return item
    }
  }

  /// Stops the producers at their next `claim()`.
  func stop() {
    lock.withLock {
      stopped = true
      lock.broadcast()
    }
  }
}
