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

  /// `layout.unknown` for every top-level entry that `DataDirectory.knownEntries`
  /// does not list with that kind (folder or file).
  ///
  /// - Throws: `MaestroError` when the data dir cannot be listed.
  static func topLevel(_ tree: any DataDirTree) throws -> [Finding] {
    var findings: [Finding] = []
    for entry in try tree.entries(in: "") ?? [] {
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
