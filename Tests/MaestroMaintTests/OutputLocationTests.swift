import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Output locations: never inside a server folder of a data dir, and
/// checked writable before any work.
@Suite struct OutputLocationTests {
  private func dataDir(_ dir: String) throws -> String {
    let data = dir + "/data"
    for folder in ["projects", "tasks/p1", "sessions"] { try FileSystem.makeDirectories(data + "/" + folder) }
    return data
  }

  @Test func everyServerFolderOfADataDirIsRefused() throws {
    let dir = try TemporaryDirectory()
    let data = try dataDir(dir.path)
    let folders = DataDirectory.knownEntries.filter { $0.kind == .folder }.map(\.name)
    #expect(folders.contains("tasks") && folders.contains("session-docs") && folders.count > 10)
    for name in folders {
      for path in [data + "/" + name, data + "/" + name + "/backups/x"] {
        do {
          try OutputLocation.refuseServerFolder(path, option: "--dest")
          Issue.record("accepted \(path)")
        } catch let error as MaestroError {
          #expect(error.code == .usage && error.message.contains("\(name)/ of the data dir \(data)"))
        }
      }
    }
    // Beside the server's folders, or outside the data dir: accepted.
    try OutputLocation.refuseServerFolder(data + "/backups", option: "--dest")
    try OutputLocation.refuseServerFolder(dir.path + "/backups", option: "--dest")
    // Relative paths and `..` steps are resolved first.
    try FileSystem.makeDirectories(dir.path + "/elsewhere")
    #expect(throws: MaestroError.self) {
      try OutputLocation.refuseServerFolder(dir.path + "/elsewhere/../data/tasks/p1", option: "--dest")
    }
  }

  @Test func aFolderWithOnlyAProjectsFolderIsNotADataDir() throws {
    let dir = try TemporaryDirectory()
    try FileSystem.makeDirectories(dir.path + "/home/projects")
    #expect(!OutputLocation.looksLikeDataDir(dir.path + "/home"))
    try OutputLocation.refuseServerFolder(dir.path + "/home/projects/out", option: "--out")
    // One entity folder beside an entry only a server writes: a data dir.
    try FileSystem.makeDirectories(dir.path + "/young/sessions")
    #expect(!OutputLocation.looksLikeDataDir(dir.path + "/young"))
    try AtomicFile.write(Array("secret".utf8), to: dir.path + "/young/.auth-secret", mode: 0o600)
    #expect(OutputLocation.looksLikeDataDir(dir.path + "/young"))
    try FileSystem.makeDirectories(dir.path + "/home/.maestro-admin")
    #expect(OutputLocation.looksLikeDataDir(dir.path + "/home"))
    let data = try dataDir(dir.path)
    #expect(OutputLocation.enclosingDataDirs(of: data + "/tasks/p1/x").map(\.path) == [data])
    #expect(OutputLocation.enclosingDataDirs(of: data + "/tasks/p1/x").first?.serverFolder == "tasks")
    #expect(OutputLocation.enclosingDataDirs(of: data).first?.serverFolder == nil)
  }

  @Test func aDestinationThatCannotBeCreatedFailsNamingIt() throws {
    let dir = try TemporaryDirectory()
    try AtomicFile.write(Array("x".utf8), to: dir.path + "/file")
    do {
      try OutputLocation.checkWritable(dir.path + "/file/backups", option: "--dest")
      Issue.record("a folder under a regular file was accepted")
    } catch let error as MaestroError {
      #expect(error.code == .io && error.path == dir.path + "/file")
    }
    try OutputLocation.checkWritable(dir.path + "/new/deeper", option: "--dest")
  }
}
