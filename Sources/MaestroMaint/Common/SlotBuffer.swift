/// A fixed row of slots that worker threads fill in parallel: each slot is
/// written by one thread only and read once the threads are joined.
///
/// A buffer, not an array: concurrent writes to different elements of one
/// Swift array are overlapping accesses to the array; to different slots of
/// a buffer they are not.
final class SlotBuffer<Element>: @unchecked Sendable {
  private let values: UnsafeMutableBufferPointer<Element>

  /// `count` slots, each holding `initial`.
  init(count: Int, initial: Element) {
    values = .allocate(capacity: max(count, 1))
    values.initialize(repeating: initial)
  }

  deinit {
    _ = values.deinitialize()
    values.deallocate()
  }

  /// The number of slots.
  var count: Int { values.count }

  /// Slot `index`: write it from one thread only.
  subscript(index: Int) -> Element {
    get { values[index] }
    set { values[index] = newValue }
  }

  /// Applies `body` to slot `index` in place (no copy of the element).
  func modify<T>(_ index: Int, _ body: (inout Element) throws -> T) rethrows -> T {
    try body(&values[index])
  }

  /// Every slot, in order (after the writers are joined).
  var elements: [Element] { Array(values) }
}
