/// Telling a Maestro data dir from any other folder, before a command
/// reads it as one or writes its own state into it.
extension DataDirectory {
  /// Whether the folder at `path` holds at least one of the entity folders
  /// every server creates at its first start, `projects/`, `tasks/`,
  /// `sessions/` (`entityFolderNames`; a folder, or a symlink to one): a
  /// fresh server's data dir, its folders still empty, is one.
  public static func isDataDirectory(_ path: String) -> Bool {
    entityFolderNames.contains { FileSystem.isDirectory(path + "/" + $0) }
  }

  /// Refuses a folder that is not a data dir, before anything is written
  /// in it (no `.maestro-admin/`): pointing a changing command at the wrong
  /// folder (a home directory, a typo) must change nothing there.
  ///
  /// - Parameter command: the refused command, named in the message.
  /// - Throws: `MaestroError` `.notFound` when `path` does not exist,
  ///   `.usage` (exit 16) when it is not a data dir.
  public static func requireDataDirectory(_ path: String, command: String) throws {
    try requireDirectory(path)
    guard isDataDirectory(path) else {
      throw MaestroError(
        .usage,
        "not a Maestro data dir (none of projects/, tasks/, sessions/ is here); \(command) changes nothing in it",
        path: path)
    }
  }
}
