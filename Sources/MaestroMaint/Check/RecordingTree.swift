import MaestroStorage

/// A data dir on disk whose folders are stamped in a `ReadLedger` as they
/// are listed: a folder whose stamp moves later had entries created,
/// removed or renamed over.
struct RecordingTree: DataDirTree {
  /// The data dir.
  let root: String
  /// Where folder stamps go.
  let ledger: ReadLedger

  func entries(in relative: String) throws -> [DirectoryEntry]? {
    let path = relative.isEmpty ? root : root + "/" + relative
    // Stamped before listing: a change during the listing moves it later.
    ledger.record(folder: relative, FileStamp.of(path))
    return try DirectoryTree(root: root).entries(in: relative)
  }

  func contains(_ relative: String) -> Bool {
    DirectoryTree(root: root).contains(relative)
  }

  func symlinkTarget(_ relative: String) -> SymlinkTarget? {
    DirectoryTree(root: root).symlinkTarget(relative)
  }
}
