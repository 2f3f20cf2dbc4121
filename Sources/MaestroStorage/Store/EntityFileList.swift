/// The entity files of a scan, packed: a collection of
/// `EntityFileScan.File` that holds each file's path as bytes in one
/// shared buffer (about 80 bytes a file with its path instead of about 140
/// for a struct holding its own heap string), because a data dir can hold
/// well over a million entity files and `check` keeps the list to the end.
///
/// Each record is a range of a buffer, so a list can also describe paths
/// that sit in other lists' buffers (`rebased(onto:locations:)`): a
/// snapshot's check names its files from its manifests' own path bytes.
public struct EntityFileList: RandomAccessCollection, Sendable, Equatable {
  /// Where the paths sit: this list's own bytes, or the buffers it was
  /// rebased onto.
  private var buffers: [[UInt8]] = [[]]
  /// Per file, its buffer's index (empty: every path is in buffer 0).
  private var bufferOf: [UInt16] = []
  private var starts: [UInt32] = []
  private var lengths: [UInt16] = []
  private var kinds: [EntityFileScan.Kind] = []

  /// An empty list.
  public init() {}

  /// The files given, in their order.
  public init<Files: Sequence>(_ files: Files) where Files.Element == EntityFileScan.File {
    for f in files { append(f) }
  }

  /// 0.
  public var startIndex: Int { 0 }
  /// The number of files.
  public var endIndex: Int { kinds.count }

  /// File `k` (its path built as a string).
  public subscript(k: Int) -> EntityFileScan.File {
    EntityFileScan.File(kind: kinds[k], relativePath: relativePath(k))
  }

  /// File `k`'s kind.
  public func kind(_ k: Int) -> EntityFileScan.Kind { kinds[k] }

  /// File `k`'s path relative to the data dir.
  public func relativePath(_ k: Int) -> String {
    String(decoding: pathBytes(k), as: UTF8.self)
  }

  private func pathBytes(_ k: Int) -> ArraySlice<UInt8> {
    let start = Int(starts[k])
    return buffers[bufferOf.isEmpty ? 0 : Int(bufferOf[k])][start..<(start + Int(lengths[k]))]
  }

  /// Appends a file.
  public mutating func append(_ file: EntityFileScan.File) {
    // Into the last buffer (a shared one is copied first).
    let last = buffers.count - 1
    if !bufferOf.isEmpty { bufferOf.append(UInt16(last)) }
    precondition(buffers[last].count + file.relativePath.utf8.count <= UInt32.max, "entity file paths past 4 GiB")
    starts.append(UInt32(buffers[last].count))
    lengths.append(UInt16(clamping: file.relativePath.utf8.count))
    buffers[last].append(contentsOf: file.relativePath.utf8.prefix(Int(UInt16.max)))
    kinds.append(file.kind)
  }

  /// Appends every file of `other`.
  public mutating func append(contentsOf other: EntityFileList) {
    for k in other.indices { append(other[k]) }
  }

  /// The same files, in the same order, with their paths read from
  /// `buffers` at `locations` (one per file, in order: a buffer's index and
  /// a range in it), instead of from this list's own bytes.
  ///
  /// - Precondition: each location holds that file's path (checked).
  public func rebased(onto buffers: [[UInt8]], locations: [(buffer: Int, range: Range<Int>)]) -> EntityFileList {
    precondition(locations.count == count && !buffers.isEmpty && buffers.count <= Int(UInt16.max) + 1)
    precondition(buffers.allSatisfy { $0.count <= UInt32.max })
    var list = EntityFileList()
    list.buffers = buffers
    list.bufferOf = buffers.count == 1 ? [] : locations.map { UInt16($0.buffer) }
    list.starts = locations.map { UInt32($0.range.lowerBound) }
    list.lengths = locations.map { UInt16(clamping: $0.range.count) }
    list.kinds = kinds
    precondition(list == self, "a rebased path differs")
    return list
  }

  /// Lists are equal when they hold the same files in the same order.
  public static func == (a: EntityFileList, b: EntityFileList) -> Bool {
    a.count == b.count && a.indices.allSatisfy { a.kinds[$0] == b.kinds[$0] && a.pathBytes($0).elementsEqual(b.pathBytes($0)) }
  }
}
