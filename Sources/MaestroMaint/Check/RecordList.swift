/// The records of every worker, addressed as one list without copying them
/// into one array: record `i` is in the chunk whose start is the last one
/// not above `i`. Saves a copy of every record at the memory peak.
struct RecordList: Sendable {
  private let chunks: [[EntityRecord]]
  private let starts: [Int]
  /// The number of records.
  let count: Int

  /// The records of `chunks`, in chunk order.
  init(_ chunks: [[EntityRecord]]) {
    var starts: [Int] = []
    var total = 0
    for chunk in chunks {
      starts.append(total)
      total += chunk.count
    }
    self.chunks = chunks
    self.starts = starts
    count = total
  }

  /// `0..<count`.
  var indices: Range<Int> { 0..<count }

  /// Record number `i`.
  subscript(i: Int) -> EntityRecord {
    var c = starts.count - 1
    while starts[c] > i { c -= 1 }
    return chunks[c][i - starts[c]]
  }
}
