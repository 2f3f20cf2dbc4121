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

  /// The archived ids.
  public var ids: Set<String> = []
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
        if let id = try JSONParser.parse(Array(line))["id"]?.stringValue {
          ids.insert(id)
          continue
        }
        problem = "is not an object with a string \"id\""
      } catch {
        problem = "is not valid JSON: \(error)"
      }
      findings.append(
        Finding(
          .fileMalformed, .file, id: nil, file: Self.relativePath,
          "line \(lineNumber) \(problem); references to what it archived may be reported as dangling"))
    }
  }
}
