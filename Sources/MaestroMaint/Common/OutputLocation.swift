import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Checks made on every place a command writes its output (a backup
/// folder, a migration's snapshot folder, `generate --out`) before any work
/// starts: it must not lie inside a server folder of a data dir, and it must
/// be writable.
///
/// A snapshot folder in `DATA/tasks` would be backed up as part of the data
/// dir's own tasks, a generated tree in `DATA/projects` would replace the
/// server's projects: a server folder (`projects/`, `tasks/`, `sessions/`
/// and every other folder a server writes, `DataDirectory.knownEntries`)
/// belongs to the server alone.
public enum OutputLocation {
  /// A data dir found around a path.
  public struct EnclosingDataDir: Sendable, Equatable {
    /// The data dir, absolute.
    public var path: String
    /// The server folder of it the checked path lies in (or is), if any.
    public var serverFolder: String?
  }

  /// Whether `folder` looks like a Maestro data dir: it holds the toolkit's
  /// own `.maestro-admin/`, or at least two of `projects/`, `tasks/` and
  /// `sessions/`, or one of them beside an entry only a server writes
  /// (`session-docs/`, `.auth-secret` ...). One entity folder alone is too
  /// common a name to count (`~/projects`).
  public static func looksLikeDataDir(_ folder: String) -> Bool {
    if FileSystem.isDirectory(folder + "/" + Journal.stateFolderName, followSymlinks: false) { return true }
    let found = DataDirectory.entityFolderNames.filter {
      FileSystem.isDirectory(folder + "/" + $0, followSymlinks: false)
    }
    if found.count >= 2 { return true }
    return found.count == 1 && serverOnlyNames.contains { FileSystem.fileExists(folder + "/" + $0, followSymlinks: false) }
  }

  /// Names under a data dir that only a Maestro server writes.
  static let serverOnlyNames = [
    "session-docs", "task-graphs", "task-lists", "team-members", "command-logs", "custom-prompts",
    "model-profiles", "session-prompts", "server-url", ".auth-secret", ".migrated-team-member-tasks",
  ]

  /// Every data dir that is `path` or holds it, nearest first, walking up
  /// from `path` (made absolute, symlinks not resolved), each with the
  /// server folder of it that `path` lies in.
  public static func enclosingDataDirs(of path: String) -> [EnclosingDataDir] {
    var components = FileSystem.absolutePath(path).split(separator: "/").map(String.init)
    var below: [String] = []
    var found: [EnclosingDataDir] = []
    while true {
      let candidate = "/" + components.joined(separator: "/")
      if FileSystem.isDirectory(candidate), looksLikeDataDir(candidate) {
        let first = below.last
        let isServerFolder = first.map { DataDirectory.knownEntry(named: $0)?.kind == .folder } ?? false
        found.append(EnclosingDataDir(path: candidate, serverFolder: isServerFolder ? first : nil))
      }
      guard let last = components.popLast() else { return found }
      below.append(last)
    }
  }

  /// Refuses `path` when it is, or lies inside, a server folder of a data
  /// dir (`DATA/tasks`, `DATA/sessions/x`).
  ///
  /// - Parameter option: how the command line named it (`--dest`), for
  ///   the message.
  /// - Throws: `MaestroError(.usage)` naming the path, the data dir and the
  ///   server folder.
  public static func refuseServerFolder(_ path: String, option: String) throws {
    guard let found = enclosingDataDirs(of: path).first(where: { $0.serverFolder != nil }),
      let folder = found.serverFolder
    else { return }
    throw MaestroError(
      .usage,
      "\(option) is in the server folder \(folder)/ of the data dir \(found.path); "
        + "that folder belongs to the server: choose one outside it",
      path: FileSystem.absolutePath(path))
  }

  /// Checks that `path` (an existing folder, or one that can be created in
  /// its nearest existing parent) can be written by this process.
  ///
  /// - Throws: `MaestroError(.io)` naming the folder that is not writable
  ///   or not a folder.
  public static func checkWritable(_ path: String, option: String) throws {
    var candidate = FileSystem.absolutePath(path)
    while true {
      if let status = try? FileSystem.stat(candidate) {
        guard status.kind == .directory else {
          throw MaestroError(.io, "\(option): \(candidate) exists and is not a folder", path: candidate, errno: ENOTDIR)
        }
        guard access(candidate, W_OK | X_OK) == 0 else {
          let code = errno
          let who = "uid \(geteuid())"
          let what = candidate == FileSystem.absolutePath(path) ? "" : " (to create \(FileSystem.absolutePath(path)))"
          throw MaestroError(
            .io, "\(option): cannot write in \(candidate)\(what) as \(who)", path: candidate, errno: code)
        }
        return
      }
      if candidate == "/" { return }
      candidate = FileSystem.parentDirectory(of: candidate)
    }
  }

  /// Both checks: not in a server folder (16), writable (8).
  public static func check(_ path: String, option: String) throws {
    try refuseServerFolder(path, option: option)
    try checkWritable(path, option: option)
  }
}
