import MaestroStorage

/// `fmt`: re-emits JSON files exactly as a Maestro server would write them.
///
/// Directories are walked for `*.json` files (symlinks are not followed, and
/// the toolkit's own `.maestro-admin/` and `lost+found/` folders are
/// skipped). Rewrites are atomic; a file already canonical is not touched,
/// so its mtime survives.
public struct JSONFormatter: Sendable {
  /// Which style to print in.
  public enum StyleChoice: String, Sendable, CaseIterable {
    /// Keep each file's own style.
    case auto
    case pretty
    case compact
  }

  /// What happened to one file.
  public struct FileResult: Sendable, Equatable {
    public enum Outcome: String, Sendable {
      /// Already as a server writes it.
      case canonical
      /// Differs; rewritten (or, with `check`/`dryRun`, would be).
      case reformatted
      /// Not valid JSON: left as it is.
      case failed
      /// Not looked at: the run was cancelled first.
      case skipped
    }

    public var path: String
    public var outcome: Outcome
    /// The style the file is (or would be) written in.
    public var style: JSONStyle?
    /// Why it failed.
    public var error: String?
  }

  public var style: StyleChoice
  /// Rewrite nothing; only report.
  public var rewrite: Bool

  public init(style: StyleChoice = .auto, rewrite: Bool) {
    self.style = style
    self.rewrite = rewrite
  }

  /// Folders `fmt` never descends into: the toolkit's own state and
  /// quarantine.
  public static let skippedFolders: Set<String> = [".maestro-admin", "lost+found"]

  /// The arguments among `paths` that are data dirs (folders holding
  /// `projects/`, `tasks/` or `sessions/`): a rewrite takes their
  /// maintenance lock.
  public static func dataDirectories(among paths: [String]) -> [String] {
    paths.filter { path in
      FileSystem.isDirectory(path, followSymlinks: false) && DataDirectory.isDataDirectory(path)
    }
  }

  /// Lists the `.json` files named by `paths` (files as given, folders
  /// walked), sorted within each folder.
  /// - Throws: `MaestroError(.notFound)` naming a path that does not exist.
  public static func collectFiles(_ paths: [String]) throws -> [String] {
    var files: [String] = []
    for path in paths {
      guard FileSystem.fileExists(path, followSymlinks: false) else {
        throw MaestroError(.notFound, "no such file or directory", path: path)
      }
      if FileSystem.isDirectory(path, followSymlinks: false) {
        try walk(path, into: &files)
      } else {
        files.append(path)
      }
    }
    return files
  }

  private static func walk(_ dir: String, into files: inout [String]) throws {
    for entry in try FileSystem.listDirectory(dir) {
      let path = dir.hasSuffix("/") ? dir + entry.name : dir + "/" + entry.name
      switch entry.kind {
      case .directory where !skippedFolders.contains(entry.name):
        try walk(path, into: &files)
      case .file where entry.name.hasSuffix(".json"):
        files.append(path)
      default:
        break
      }
    }
  }

  /// Formats `files` on every core, in order of `files`.
  public func run(_ files: [String], progress: ProgressBar? = nil) async -> [FileResult] {
    let choice = style
    let rewrite = rewrite
    return await ParallelMap.map(files) { path in
      defer { progress?.advance() }
      if Cancellation.isRequested { return FileResult(path: path, outcome: .skipped, style: nil) }
      return Self.format(path, choice: choice, rewrite: rewrite)
    }
  }

  static func format(_ path: String, choice: StyleChoice, rewrite: Bool) -> FileResult {
    do {
      let bytes = try FileSystem.readFile(path)
      let value: JSONValue
      do {
        value = try JSONParser.parse(bytes)
      } catch {
        return FileResult(path: path, outcome: .failed, style: nil, error: "malformed JSON: \(error)")
      }
      let style: JSONStyle =
        switch choice {
        case .auto: JSONStyle.detect(bytes)
        case .pretty: .pretty
        case .compact: .compact
        }
      let canonical = JSONWriter.serialize(value, style: style)
      if canonical == bytes { return FileResult(path: path, outcome: .canonical, style: style) }
      if rewrite { try AtomicFile.write(canonical, to: path) }
      return FileResult(path: path, outcome: .reformatted, style: style)
    } catch let error as MaestroError {
      return FileResult(path: path, outcome: .failed, style: nil, error: error.message)
    } catch {
      return FileResult(path: path, outcome: .failed, style: nil, error: "\(error)")
    }
  }
}
