import MaestroStorage

/// Copies the files and folders under `source` into `destination` (created
/// if missing), for tests that change a copy of a fixture.
public func copyTree(_ source: String, to destination: String) throws {
  try FileSystem.makeDirectories(destination)
  for entry in try FileSystem.listDirectory(source) {
    let from = source + "/" + entry.name
    let to = destination + "/" + entry.name
    switch entry.kind {
    case .directory: try copyTree(from, to: to)
    case .file: try AtomicFile.write(try FileSystem.readFile(from), to: to)
    default: continue
    }
  }
}
