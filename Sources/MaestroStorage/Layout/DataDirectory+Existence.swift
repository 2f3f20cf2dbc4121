extension DataDirectory {
  /// Checks that `path` is a directory a command can work on, with a
  /// message that says what is there instead.
  /// - Throws: `MaestroError` `.notFound` when nothing is at `path`, `.io`
  ///   when it is a regular file or anything else but a directory (both
  ///   exit 8), naming the path.
  public static func requireDirectory(_ path: String) throws {
    let status: FileStatus
    do {
      status = try FileSystem.stat(path)
    } catch let error as MaestroError where error.code == .notFound {
      throw MaestroError(.notFound, "the data dir does not exist", path: path)
    }
    switch status.kind {
    case .directory: return
    case .file:
      throw MaestroError(
        .io, "this is a regular file, not a directory: give the data dir, the folder that holds projects/, tasks/ and sessions/",
        path: path)
    default:
      throw MaestroError(.io, "this is not a directory (\(status.kind)): give the data dir", path: path)
    }
  }

  /// `requireDirectory(root)`.
  public func requireExisting() throws { try Self.requireDirectory(root) }
}
