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
  /// (reported as such, never listed through).
  static func isDataDirectory(_ entries: [DirectoryEntry]) -> Bool {
    for entry in entries where DataDirectory.entityFolderNames.contains(entry.name) {
      if entry.kind == .directory { return true }
      if entry.kind == .symlink { return true }
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
      // An entity folder that is a symlink is `folder.symlink*`.
      if entry.kind == .symlink && DataDirectory.entityFolderNames.contains(entry.name) { continue }
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

  /// What the symlinks in the entity folders hide from a check that never
  /// follows them.
  struct Symlinks {
    var findings: [Finding] = []
    /// Entity files behind a symlink, by kind and file stem: references
    /// to their ids are not dangling (servers read them).
    var hiddenFiles: [(kind: EntityFileScan.Kind, stem: EntityKey)] = []
    /// Kinds with a whole folder behind a symlink: no reference to an
    /// unknown id of theirs can be judged dangling.
    var hiddenKinds: Set<EntityFileScan.Kind> = []
  }

  /// `file.symlink`, `folder.symlink` (target inside the data dir) or their
  /// `.outside` forms (outside, or nowhere) for each symlink in the entity
  /// folders (`paths`, relative: an entity folder itself, a project folder
  /// in `tasks/`, an entity file); `file.stray` for a symlink servers skip
  /// (a name not ending in `.json` where only files are read). Judged from
  /// the link and the names it leads to; nothing behind it is read.
  static func symlinks(_ paths: [String], tree: any DataDirTree) -> Symlinks {
    var out = Symlinks()
    for relative in paths {
      guard let target = tree.symlinkTarget(relative) else { continue }
      let parts = relative.split(separator: "/").map(String.init)
      let name = parts.last ?? relative
      let kind: EntityFileScan.Kind =
        parts[0] == "projects" ? .project : parts[0] == "sessions" ? .session : parts.count == 3 ? .task : .legacyTask
      let isFolder =
        parts.count == 1 || (parts.count == 2 && parts[0] == "tasks" && target.kind == .directory)
      let stem = DataDirectory.entityId(fromFileName: name)
      let shown = target.relativePath ?? target.text
      let whereTo =
        target.kind == nil
          ? "\(Finding.quoted(target.text, limit: 4096)), which does not exist"
          : target.isInside
            ? "\(Finding.quoted(shown, limit: 4096)) inside the data dir"
            : "\(Finding.quoted(target.text, limit: 4096)), outside the data dir"
      if isFolder {
        out.hiddenKinds.insert(kind)
        out.findings.append(
          Finding(
            target.isInside ? .folderSymlink : .folderSymlinkOutside, .file, id: nil, file: relative + "/",
            "the folder is a symlink to \(whereTo); servers list and read the \(kind == .project ? "project" : kind == .session ? "session" : "task") files behind it (seed-era servers write there too), maestro-admin does not follow it and judges no reference into it"
          ))
      } else if let stem {
        out.hiddenFiles.append((kind, EntityKey(stem)))
        out.findings.append(
          Finding(
            target.isInside ? .fileSymlink : .fileSymlinkOutside, EntityFileInspector.entity(of: kind), id: stem,
            file: relative,
            target.isInside
              ? "the file is a symlink to \(whereTo): servers read it as one more copy, newer servers replace it with a plain file at their next save, seed-era servers write through it; not followed"
              : "the file is a symlink to \(whereTo): servers read it (seed-era servers write through it), backups leave it out; not followed"
          ))
      } else {
        out.findings.append(
          Finding(
            .strayFile, .file, id: nil, file: relative,
            "a symlink servers skip (only *.json files are read here) to \(whereTo); never followed, carried through untouched"
          ))
      }
    }
    return out
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
