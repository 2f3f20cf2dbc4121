/// A first-in first-out queue of at most `capacity` items between threads:
/// `push` waits while it is full, `pop` waits while it is empty and returns
/// `nil` once it is closed and drained.
final class BoundedQueue<Item>: @unchecked Sendable {
  private let capacity: Int
  private let lock = ConditionLock()
  private var items: [Item?]
  private var head = 0
  private var size = 0
  private var closed = false

  /// - Parameter capacity: The most items held at once.
  init(capacity: Int) {
    self.capacity = max(1, capacity)
    items = Array(repeating: nil, count: self.capacity)
  }

  /// Appends `item`, waiting for room; returns `false` (dropping it) if the
  /// queue was closed.
  @discardableResult
  func push(_ item: Item) -> Bool {
    lock.withLock {
      while !closed && size == capacity { lock.wait() }
      guard !closed else { return false }
      items[(head + size) % capacity] = item
      size += 1
      lock.broadcast()
      return true
    }
  }

  /// The oldest item, waiting for one; `nil` when closed and empty.
  func pop() -> Item? {
    lock.withLock {
      while !closed && size == 0 { lock.wait() }
      guard size > 0 else { return nil }
      let item = items[head]
      items[head] = nil
      head = (head + 1) % capacity
      size -= 1
      lock.broadcast()
      return item
    }
  }

  /// No more pushes; poppers drain what is left, then get `nil`.
  func close() {
    lock.withLock {
      closed = true
      lock.broadcast()
    }
  }

  /// Drops everything queued and closes.
  func cancel() {
    lock.withLock {
      closed = true
      for k in 0..<capacity { items[k] = nil }
      size = 0
      lock.broadcast()
    }
  }
}
