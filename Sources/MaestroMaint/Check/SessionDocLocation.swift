import MaestroStorage

/// Where a session doc's `contentFilePath` leads, seen from one data dir
/// (FORMAT.md §6).
///
/// Servers store an ABSOLUTE path into `session-docs/`. A data dir restored
/// or copied elsewhere keeps the old absolute paths: when the same
/// `session-docs/<sessionId>/<file>` exists here, the reference is
/// relocated (a repair can rebase it), not missing. Checked in this order:
/// inside this data dir (present or missing), relocated, an existing file
/// outside (outside), else missing.
public enum SessionDocLocation: Sendable, Equatable {
  /// The path is inside this data dir and the file exists.
  case present
  /// The file is nowhere to be found: not at the path (inside this data dir
  /// or not) and not at the path's `session-docs/...` tail here.
  case missing
  /// The path leads to an existing file outside this data dir, with no copy
  /// here: servers can open it, but it is not part of the data dir (a backup
  /// or a move leaves it behind).
  case outside
  /// The path names another data dir; `relativePath` (`session-docs/...`)
  /// exists in this one.
  case relocated(relativePath: String)

  /// Classifies `contentFilePath`.
  ///
  /// - Parameters:
  ///   - contentFilePath: the value found in the session file.
  ///   - root: the data dir, as given.
  ///   - aliases: other absolute spellings of `root` (its real path when it
  ///     is reached through a symlink); paths under any of them are inside.
  ///   - exists: tests whether a path exists (a parameter, for tests).
  public static func locate(
    _ contentFilePath: String, root: String, aliases: [String] = [],
    exists: (String) -> Bool = { FileSystem.fileExists($0) }
  ) -> SessionDocLocation {
    let components = normalizedComponents(contentFilePath)
    if contentFilePath.hasPrefix("/") {
      for base in [root] + aliases {
        let baseComponents = normalizedComponents(base)
        guard components.count > baseComponents.count,
          components.starts(with: baseComponents)
        else { continue }
        let relative = components[baseComponents.count...].joined(separator: "/")
        return exists(root + "/" + relative) ? .present : .missing
      }
    }
    // Another data dir (or a relative path a server could not open): look
    // for the same session-docs/<sessionId>/<file> tail here.
    if let marker = components.lastIndex(of: "session-docs"), components.count - marker >= 3 {
      let tail = components[(marker + 1)...]
      if tail.allSatisfy({ EntityId.isSafe($0) }) {
        let relative = "session-docs/" + tail.joined(separator: "/")
        if exists(root + "/" + relative) { return .relocated(relativePath: relative) }
      }
    }
    let isAbsolute = contentFilePath.hasPrefix("/")
    return isAbsolute && exists("/" + components.joined(separator: "/")) ? .outside : .missing
  }

  /// The path's components with `.` dropped and `..` applied lexically, so
  /// `/data/session-docs/../../etc/x` is not taken for a path inside `/data`.
  static func normalizedComponents(_ path: String) -> [String] {
    var out: [String] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..": if !out.isEmpty { out.removeLast() }
      default: out.append(String(part))
      }
    }
    return out
  }
}
