/// An id → record lookup that stores only record indices: an
/// open-addressing hash table of `Int32` slots whose keys are read from the
/// records themselves. For 200,000 tasks it takes 2 MB where a
/// `[EntityKey: Int]` takes 25.
struct RecordTable: Sendable {
  private var slots: [Int32]
  private let mask: Int

  /// A table with room for `count` ids (at most half full, so probes stay
  /// short).
  init(count: Int) {
    var size = 16
    while size < count * 2 { size <<= 1 }
    slots = [Int32](repeating: -1, count: size)
    mask = size - 1
  }

  /// The index stored for `key`, if any.
  ///
  /// - Parameter keyOf: the id of a stored record index.
  func find(_ key: EntityKey, keyOf: (Int) -> EntityKey) -> Int? {
    var slot = key.fastHash & mask
    while true {
      let stored = slots[slot]
      if stored < 0 { return nil }
      if keyOf(Int(stored)) == key { return Int(stored) }
      slot = (slot + 1) & mask
    }
  }

  /// Stores `index` under `key` unless an equal key is already there.
  ///
  /// - Returns: the index already stored for the key, or nil if `index`
  ///   was stored.
  mutating func insert(_ index: Int, key: EntityKey, keyOf: (Int) -> EntityKey) -> Int? {
    var slot = key.fastHash & mask
    while true {
      let stored = slots[slot]
      if stored < 0 {
        slots[slot] = Int32(index)
        return nil
      }
      if keyOf(Int(stored)) == key { return Int(stored) }
      slot = (slot + 1) & mask
    }
  }

  /// Replaces the index stored for `key` (which must be present).
  mutating func replace(_ key: EntityKey, with index: Int, keyOf: (Int) -> EntityKey) {
    var slot = key.fastHash & mask
    while slots[slot] >= 0 {
      if keyOf(Int(slots[slot])) == key {
        slots[slot] = Int32(index)
        return
      }
      slot = (slot + 1) & mask
    }
  }
}
