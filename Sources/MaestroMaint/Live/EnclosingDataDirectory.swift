import MaestroStorage

/// The data dir a path lies in, for commands given files and folders
/// rather than a data dir (`fmt`): the innermost folder, from the path
/// (resolved with `realpath`) upwards, that holds a `projects/`, `tasks/` or
/// `sessions/` folder or a `server-url` file. Folders inside a data dir's
/// `lost+found/` or `.maestro-admin/` (quarantined files and staging trees
/// keep the data dir's layout) belong to the data dir above them.
public enum EnclosingDataDirectory {
  /// The data dir `path` lies in (or is), if any.
  public static func of(_ path: String) -> String? {
    var folder = CanonicalPath.of(path)
    if !FileSystem.isDirectory(folder) { folder = FileSystem.parentDirectory(of: folder) }
    var found: String?
    while true {
      if ["lost+found", ".maestro-admin"].contains(FileSystem.lastComponent(of: folder)) {
        found = nil
      } else if found == nil && looksLikeDataDirectory(folder) {
        found = folder
      }
      let parent = FileSystem.parentDirectory(of: folder)
      if parent == folder || parent == "." { return found }
      folder = parent
    }
  }

  /// The data dirs the given paths lie in, each once, in order.
  public static func of(paths: [String]) -> [String] {
    var result: [String] = []
    for path in paths {
      if let dir = of(path), !result.contains(dir) { result.append(dir) }
    }
    return result
  }

  private static func looksLikeDataDirectory(_ folder: String) -> Bool {
    let base = folder == "/" ? "" : folder
    return DataDirectory.isDataDirectory(base)
      || FileSystem.fileExists(base + "/" + LiveServerDetector.serverURLFileName)
  }
}
