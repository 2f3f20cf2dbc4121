import MaestroStorage

/// One whole-file write by `ServerImitator`, as its log records it (one
/// JSON object per line).
public struct ImitatorWrite: Sendable, Hashable {
  /// How a server of some age writes a file.
  public enum Style: String, Sendable, CaseIterable {
    /// Newest servers: compact JSON into `<file>.<8 hex>.tmp`, then `rename`.
    case rename
    /// Seed-era servers: `JSON.stringify(v, null, 2)` written in place
    /// (open with `O_TRUNC`, then write), so a reader can catch the file
    /// empty or half written.
    case inPlace = "in-place"
  }

  /// Wall-clock time the write completed, milliseconds since the epoch.
  public var time: Double
  /// The file, relative to the data dir.
  public var path: String
  /// SHA-256 of the bytes written, lowercase hex.
  public var sha256: String
  /// Bytes written.
  public var size: Int
  /// The write style.
  public var style: Style
  /// What the server did (`touch`, `timeline`, `link`, `unlink`,
  /// `create-session`, `create-task`).
  public var operation: String
  /// The entity's version marker after the write: `updatedAt` for a task,
  /// `lastActivity` for a session. A later file whose marker is lower was
  /// computed from an older version.
  public var marker: Double

  /// A log record.
  public init(
    time: Double, path: String, sha256: String, size: Int, style: Style, operation: String, marker: Double
  ) {
    self.time = time
    self.path = path
    self.sha256 = sha256
    self.size = size
    self.style = style
    self.operation = operation
    self.marker = marker
  }

  /// The record as one compact JSON line (no newline).
  public var jsonLine: String {
    JSONWriter.string(
      .object([
        "t": .number(time), "path": .string(path), "sha256": .string(sha256), "bytes": .number(Double(size)),
        "style": .string(style.rawValue), "op": .string(operation), "marker": .number(marker),
      ]), style: .compact)
  }

  /// Parses one log line.
  ///
  /// - Throws: `MaestroError(.io)` when the line is not such a record.
  public init(line: String) throws {
    let value = try JSONParser.parse(Array(line.utf8))
    guard let path = value["path"]?.stringValue, let sha = value["sha256"]?.stringValue,
      let style = value["style"]?.stringValue.flatMap(Style.init(rawValue:))
    else { throw MaestroError(.io, "not a server imitator log record: \(line.prefix(80))") }
    self.init(
      time: value["t"]?.numberValue ?? 0, path: path, sha256: sha, size: Int(value["bytes"]?.numberValue ?? 0),
      style: style, operation: value["op"]?.stringValue ?? "", marker: value["marker"]?.numberValue ?? 0)
  }

  /// Every record of the log file at `path`, in order. A last line cut
  /// short (the writer killed mid-line) is ignored.
  ///
  /// - Throws: `MaestroError` when the file cannot be read or a full line
  ///   is not a record.
  public static func readLog(_ path: String) throws -> [ImitatorWrite] {
    let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
    return try lines.map { try ImitatorWrite(line: String($0)) }
  }
}
