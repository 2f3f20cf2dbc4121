import MaestroStorage

/// The file name of a snapshot: `maestro-<UTC yyyyMMddTHHmmssZ>-<id>.tar.zst`
/// (`.tar.gz`, `.tar` for the other compressions), where `<id>` is 8
/// lowercase hex digits that tell apart two snapshots taken in the same
/// second.
///
/// While `create` writes, the file is `.<name>.partial` in the same folder;
/// names starting with a dot never count as snapshots, so `list`, `verify`
/// of a folder and `prune` cannot see a half-written one.
public struct SnapshotName: Sendable, Hashable, CustomStringConvertible {
  /// Creation time, whole seconds, in milliseconds since the Unix epoch.
  public var time: Int64
  /// The short id (8 hex digits).
  public var id: String
  /// The compression the extension names.
  public var compression: TarCompression

  /// A name for a snapshot taken at `time` with `id`.
  public init(time: Int64, id: String, compression: TarCompression) {
    self.time = time - ((time % 1000) + 1000) % 1000
    self.id = id
    self.compression = compression
  }

  /// Parses a file name (not a path); `nil` for anything else.
  public init?(parsing name: String) {
    guard name.hasPrefix("maestro-") else { return nil }
    var rest = Substring(name.dropFirst("maestro-".count))
    var compression: TarCompression?
    for candidate in TarCompression.allCases where rest.hasSuffix(Self.fileExtension(candidate)) {
      compression = candidate
      rest = rest.dropLast(Self.fileExtension(candidate).count)
      break
    }
    guard let compression, rest.count == 16 + 1 + 8, rest[rest.index(rest.startIndex, offsetBy: 16)] == "-",
      let time = UTCTime(compact: String(rest.prefix(16)))
    else { return nil }
    let id = String(rest.suffix(8))
    guard id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
    self.init(time: time.milliseconds, id: id, compression: compression)
  }

  /// `maestro-20261127T215000Z-3f9a0c1b.tar.zst`.
  public var fileName: String {
    "maestro-\(UTCTime(milliseconds: time).compact)-\(id)\(Self.fileExtension(compression))"
  }

  /// The name the file has while being written.
  public var temporaryFileName: String { "." + fileName + Self.partialSuffix }

  /// The same as `fileName`.
  public var description: String { fileName }

  /// `.partial`: the suffix of a snapshot still being written (or left by
  /// a `create` that was killed).
  public static let partialSuffix = ".partial"

  /// `.tar.zst`, `.tar.gz` or `.tar`.
  public static func fileExtension(_ compression: TarCompression) -> String {
    switch compression {
    case .zstd: ".tar.zst"
    case .gzip: ".tar.gz"
    case .none: ".tar"
    }
  }

  /// 8 random lowercase hex digits.
  public static func randomId() -> String {
    let value = String(UInt32.random(in: .min ... .max), radix: 16)
    return String(repeating: "0", count: 8 - value.count) + value
  }
}
