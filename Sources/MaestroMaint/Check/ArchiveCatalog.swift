import MaestroStorage

/// The ids `maestro-admin archive` moved out of the data dir, read from
/// `DATA_DIR/archive/catalog.jsonl`: JSON lines, each an object with at
/// least a string `"id"` (other members are the archive job's business).
///
/// A reference to an archived id is reported as `ref.archived` (info), not
/// as dangling (FORMAT.md §6). A live entity with the same id wins.
public struct ArchiveCatalog: Sendable {
  /// The catalog's path relative to the data dir.
  public static let relativePath = "archive/catalog.jsonl"
  /// The top-level folder the archive job owns.
  public static let folderName = "archive"

  /// One line as found: its bytes (kept as they are when the catalog is
  /// rewritten) and, when it is an object with a string id, its entry.
  public struct Line: Sendable {
    public var bytes: [UInt8]
    public var entry: ArchiveCatalogEntry?
  }

  /// The archived ids.
  public var ids: Set<String> = []
  /// Every non-blank line, in order.
  public var lines: [Line] = []
  /// The entries, in line order (a later line for an id wins).
  public var entries: [ArchiveCatalogEntry] { lines.compactMap(\.entry) }
  /// Lines that are not a JSON object with a string id.
  public var findings: [Finding] = []

  /// An empty catalog.
  public init() {}

  /// Reads the catalog of the data dir at `root`; a missing catalog is
  /// empty.
  ///
  /// - Throws: `MaestroError` when the catalog exists but cannot be read.
  public init(root: String) throws {
    let path = root + "/" + Self.relativePath
    guard FileSystem.fileExists(path) else {
      self.init()
      return
    }
    self.init(bytes: try FileSystem.readFile(path))
  }

  /// Parses catalog bytes.
  public init(bytes: [UInt8]) {
    var lineNumber = 0
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
      lineNumber += 1
      guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
      let problem: String
      do {
        if let object = try JSONParser.parse(Array(line)).objectValue, let entry = ArchiveCatalogEntry(json: object) {
          ids.insert(entry.id)
          lines.append(Line(bytes: Array(line), entry: entry))
          continue
        }
        problem = "is not an object with a string \"id\""
      } catch {
        problem = "is not valid JSON: \(error)"
      }
      lines.append(Line(bytes: Array(line), entry: nil))
      findings.append(
        Finding(
          .fileMalformed, .file, id: nil, file: Self.relativePath,
          "line \(lineNumber) \(problem); references to what it archived may be reported as dangling"))
    }
  }

  /// The catalog file's bytes for `lines`: each line and a newline.
  public static func serialize(_ lines: [Line]) -> [UInt8] {
    var out: [UInt8] = []
    for line in lines {
      out += line.bytes
      out.append(0x0A)
    }
    return out
  }
}
