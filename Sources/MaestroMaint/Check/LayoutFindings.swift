import MaestroStorage

/// Findings about what sits where, without reading any file: top-level
/// names no known server writes, and files in the entity folders that
/// servers skip (stray `*.tmp` files of interrupted writes, anything else
/// not ending in `.json`).
enum LayoutFindings {
  /// Top-level names this toolkit itself keeps, besides the servers' own.
  static let toolkitEntries: Set<String> = [
    String(MaintenanceLock.stateFolder("").dropFirst()), ArchiveCatalog.folderName, "lost+found",
  ]

  /// Whether the data dir's top-level `entries` hold one of the entity
  /// folders (`DataDirectory.entityFolderNames`): a folder, or a symlink
  /// `tree` can list as one.
  static func isDataDirectory(_ entries: [DirectoryEntry], tree: any DataDirTree) throws -> Bool {
    for entry in entries where DataDirectory.entityFolderNames.contains(entry.name) {
      if entry.kind == .directory { return true }
      if entry.kind == .symlink, try tree.entries(in: entry.name) != nil { return true }
    }
    return false
  }

  /// `datadir.not-a-data-dir`, for a folder of `entries` that is not a data dir.
  static func notADataDirectory(_ entries: [DirectoryEntry]) -> Finding {
    let held =
      entries.isEmpty
      ? "it is empty" : "it holds \(entries.count) other \(entries.count == 1 ? "entry" : "entries")"
    return Finding(
      .notADataDir, .file, id: nil, file: nil,
      "none of projects/, tasks/, sessions/ is here (\(held)): not a Maestro data dir, or the wrong path; nothing else was checked"
    )
  }

  /// `layout.unknown` for every top-level entry that `DataDirectory.knownEntries`
  /// does not list with that kind (folder or file).
  static func topLevel(_ entries: [DirectoryEntry]) -> [Finding] {
    var findings: [Finding] = []
    for entry in entries {
      if toolkitEntries.contains(entry.name) { continue }
      let isFolder = entry.kind == .directory
      let noun = isFolder ? "folder" : entry.kind == .file ? "file" : "\(entry.kind)"
      let message: String
      if let known = DataDirectory.knownEntry(named: entry.name) {
        let expected: DataDirectory.KnownEntry.Kind = isFolder ? .folder : .file
        if known.kind == expected { continue }
        message =
          "a \(noun) where servers keep a \(known.kind == .folder ? "folder" : "file") (\(known.summary)); carried through untouched"
      } else {
        message = "a top-level \(noun) no known Maestro server writes; carried through untouched"
      }
      findings.append(
        Finding(.layoutUnknown, .file, id: nil, file: entry.name + (isFolder ? "/" : ""), message))
    }
    return findings
  }

  /// `file.stray-tmp` or `file.stray` for each of `EntityFileScan.otherFiles`.
  static func strays(_ otherFiles: [String]) -> [Finding] {
    otherFiles.map { relative in
      let name = relative.split(separator: "/").last.map(String.init) ?? relative
      guard name.hasSuffix(".tmp") else {
        return Finding(
          .strayFile, .file, id: nil, file: relative,
          "servers read only *.json files here; this one is ignored and carried through untouched")
      }
      if let target = AtomicFile.targetName(forTemporaryName: name) {
        return Finding(
          .strayTmp, .file, id: DataDirectory.entityId(fromFileName: target), file: relative,
          "an interrupted maestro-admin write of \(target); the real file was not replaced by it")
      }
      if DataDirectory.isServerTempFile(name) {
        let target = String(name.dropLast(13))
        return Finding(
          .strayTmp, .file, id: DataDirectory.entityId(fromFileName: target), file: relative,
          "a server's interrupted write of \(target) (written, never renamed: a crash before the rename)")
      }
      return Finding(
        .strayTmp, .file, id: nil, file: relative,
        "a temporary file in an entity folder; nothing cleans it up")
    }
  }
}
