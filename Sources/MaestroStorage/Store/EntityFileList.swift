/// The entity files of a scan, packed: a collection of
/// `EntityFileScan.File` that holds each file's path as bytes in one
/// shared buffer (about 80 bytes a file with its path instead of about 140
/// for a struct holding its own heap string), because a data dir can hold
/// well over a million entity files and `check` keeps the list to the end.
///
/// Each record is a range of the buffer, so a list can also describe paths
/// that sit in another list's buffer (`rebased(onto:ranges:)`): a snapshot's
/// check names its files from the manifest's own path bytes.
public struct EntityFileList: RandomAccessCollection, Sendable, Equatable {
  private var bytes: [UInt8] = []
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
    return bytes[start..<(start + Int(lengths[k]))]
  }

  /// Appends a file.
  public mutating func append(_ file: EntityFileScan.File) {
    precondition(bytes.count + file.relativePath.utf8.count <= UInt32.max, "entity file paths past 4 GiB")
    starts.append(UInt32(bytes.count))
    lengths.append(UInt16(clamping: file.relativePath.utf8.count))
    bytes.append(contentsOf: file.relativePath.utf8.prefix(Int(UInt16.max)))
    kinds.append(file.kind)
  }

  /// Appends every file of `other`.
  public mutating func append(contentsOf other: EntityFileList) {
    for k in other.indices { append(other[k]) }
  }

  /// The same files, in the same order, with their paths read from
  /// `buffer` at `ranges` (one per file, in order), instead of from this
  /// list's own bytes.
  ///
  /// - Precondition: each range of `buffer` holds that file's path.
  public func rebased(onto buffer: [UInt8], ranges: [Range<Int>]) -> EntityFileList {
    precondition(ranges.count == count && buffer.count <= UInt32.max)
    var list = EntityFileList()
    list.bytes = buffer
    list.starts = ranges.map { UInt32($0.lowerBound) }
    list.lengths = ranges.map { UInt16(clamping: $0.count) }
    list.kinds = kinds
    precondition(list == self, "a rebased path differs")
    return list
  }

  /// Lists are equal when they hold the same files in the same order.
  public static func == (a: EntityFileList, b: EntityFileList) -> Bool {
    a.count == b.count && a.indices.allSatisfy { a.kinds[$0] == b.kinds[$0] && a.pathBytes($0).elementsEqual(b.pathBytes($0)) }
  }
}
