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

  /// The data dirs the `files` lie in (`EnclosingDataDirectory`), each
  /// once: what a rewrite refuses while live, locks and journals.
  public static func dataDirectories(of files: [String]) -> [String] {
    var folders: [String] = []
    var seen = Set<String>()
    for file in files {
      let folder = FileSystem.parentDirectory(of: file)
      if seen.insert(folder).inserted { folders.append(folder) }
    }
    return EnclosingDataDirectory.of(paths: folders)
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
  ///
  /// A file outside any data dir is rewritten at once, atomically. The
  /// files inside a data dir are rewritten after all are read, under one
  /// journal per data dir (the caller holds its lock): each rewrite expects
  /// exactly the bytes it was computed from and is made by exchange and
  /// verify, so `undo` reverses the run and a concurrent write is never
  /// replaced.
  /// - Returns: each file's result, and the journals written.
  /// - Throws: `JournalStop` naming every file that changed under the run;
  ///   I/O errors of the journal.
  public func run(_ files: [String], progress: ProgressBar? = nil) async throws -> (
    results: [FileResult], journals: [(dataDir: String, id: String)]
  ) {
    let choice = style
    let rewrite = rewrite
    var home: [String: String?] = [:]
    if rewrite {
      for file in files {
        let folder = FileSystem.parentDirectory(of: file)
        if home[folder] == nil { home[folder] = .some(EnclosingDataDirectory.of(folder)) }
      }
    }
    let homes = home
    let formatted = await ParallelMap.map(files) { path -> (FileResult, Rewrite?) in
      defer { progress?.advance() }
      if Cancellation.isRequested { return (FileResult(path: path, outcome: .skipped, style: nil), nil) }
      let dataDir = homes[FileSystem.parentDirectory(of: path)] ?? nil
      return Self.format(path, choice: choice, rewriteNow: rewrite && dataDir == nil, dataDir: dataDir)
    }
    var journals: [(dataDir: String, id: String)] = []
    var byDataDir: [String: [Rewrite]] = [:]
    for case let (_, pending?) in formatted where rewrite { byDataDir[pending.dataDir, default: []].append(pending) }
    for dataDir in byDataDir.keys.sorted() {
      var plan = ChangePlan(dataDir: dataDir)
      for r in byDataDir[dataDir] ?? [] {
        try plan.write(
          r.relative, r.canonical, computedFrom: r.original, reason: "fmt",
          summary: "reformat \(r.relative) (\(r.style.rawValue))")
      }
      let runner = JournalRunner(dataDir: dataDir)
      _ = try runner.recoverInterrupted()
      let journal = try await BulkJournalRunner(dataDir: dataDir).run(plan, bulkCount: plan.actions.count, command: "fmt")
      journals.append((dataDir, journal.id))
    }
    return (formatted.map(\.0), journals)
  }

  /// A rewrite inside a data dir, made later under its journal.
  struct Rewrite: Sendable {
    var dataDir: String
    var relative: String
    var original: [UInt8]
    var canonical: [UInt8]
    var style: JSONStyle
  }

  static func format(_ path: String, choice: StyleChoice, rewrite: Bool) -> FileResult {
    format(path, choice: choice, rewriteNow: rewrite, dataDir: nil).0
  }

  /// Reads and formats one file; rewrites it at once when `rewriteNow`,
  /// else, inside `dataDir`, returns the rewrite for the journal.
  static func format(_ path: String, choice: StyleChoice, rewriteNow: Bool, dataDir: String?) -> (FileResult, Rewrite?) {
    do {
      let bytes = try FileSystem.readFile(path)
      RaceHook.reached("fmt:read", path: path)
      let value: JSONValue
      do {
        value = try JSONParser.parse(bytes)
      } catch {
        return (FileResult(path: path, outcome: .failed, style: nil, error: "malformed JSON: \(error)"), nil)
      }
      let style: JSONStyle =
        switch choice {
        case .auto: JSONStyle.detect(bytes)
        case .pretty: .pretty
        case .compact: .compact
        }
      let canonical = JSONWriter.serialize(value, style: style)
      if canonical == bytes { return (FileResult(path: path, outcome: .canonical, style: style), nil) }
      if rewriteNow { try AtomicFile.write(canonical, to: path) }
      var pending: Rewrite?
      if let dataDir {
        // The data dir is spelled canonically; so is the file's folder (the
        // file itself may be a symlink, which is not followed).
        let folder = CanonicalPath.of(FileSystem.parentDirectory(of: path))
        let relative = String((folder + "/" + FileSystem.lastComponent(of: path)).dropFirst(dataDir.count + 1))
        pending = Rewrite(dataDir: dataDir, relative: relative, original: bytes, canonical: canonical, style: style)
      }
      return (FileResult(path: path, outcome: .reformatted, style: style), pending)
    } catch let error as MaestroError {
      return (FileResult(path: path, outcome: .failed, style: nil, error: error.message), nil)
    } catch {
      return (FileResult(path: path, outcome: .failed, style: nil, error: "\(error)"), nil)
    }
  }
}
