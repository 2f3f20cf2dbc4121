import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension JournalRunner {
  /// Settles the temp files of ours (`.<name>.maestro-admin-<hex>.tmp`) a
  /// crash left beside the paths of `journal`'s changes, before the journal
  /// is finished. Each is one of:
  ///
  /// - new content never swapped in (or swapped back): a prefix of the
  ///   change's new bytes while the target does not hold them — removed;
  /// - the old content swapped out by an exchange, or set aside by a
  ///   removal, before it was verified: exactly the expected old bytes and
  ///   nobody writing it — removed (the journal's pack holds a copy);
  /// - anything else is someone else's write that the change took out: put
  ///   back in place (swapped back while the target still holds the
  ///   change's new bytes; renamed back while the removed path is free),
  ///   else kept under `lost+found/<journal id>/`. The journal then stops at
  ///   that change, naming the file.
  ///
  /// A temp file beside a path no pending change names is an interrupted
  /// atomic write's new content and is removed, as before.
  func settleLeftovers(of journal: Journal) throws {
    var pending: [String: JournalAction] = [:]
    for action in journal.actions
    where !journal.done.contains(action.seq) && (action.operation == .write || action.operation == .remove) {
      if pending[action.path] == nil { pending[action.path] = action }
    }
    let folders = Set(journal.actions.flatMap { [$0.path, $0.to].compactMap { $0 } }.map {
      FileSystem.parentDirectory(of: absolute($0))
    })
    for folder in folders.sorted() where FileSystem.isDirectory(folder, followSymlinks: false) {
      for entry in try FileSystem.listDirectory(folder) where entry.kind == .file {
        guard let target = AtomicFile.targetName(forTemporaryName: entry.name) else { continue }
        let temp = folder + "/" + entry.name
        let relativeFolder = folder == dataDir ? "" : String(folder.dropFirst(dataDir.count + 1)) + "/"
        if let action = pending[relativeFolder + target] {
          try settle(temp, for: action, journal: journal)
        } else {
          try AtomicFile.remove(temp)
        }
      }
    }
  }

  private func settle(_ temp: String, for action: JournalAction, journal: Journal) throws {
    let target = absolute(action.path)
    let held = try SetAsideFile(path: temp)
    let bytes = try held.readAll()
    let quiet = !held.writerOpen
    let isOld = quiet && SHA256.hex(of: bytes) == action.before.sha256
    let current = try FileState.current(at: target)
    if action.operation == .write {
      let swapped = current.exists && current.matches(action.after)
      if swapped {
        if isOld { return try AtomicFile.remove(temp) }
        if try DirectorySwap.exchange(temp, target) {
          try AtomicFile.remove(temp)
          try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: target))
          return
        }
      } else {
        let new = try action.newBytes ?? journal.afterBytes(action.seq) ?? []
        if quiet && bytes.count <= new.count && new.starts(with: bytes) { return try AtomicFile.remove(temp) }
        if isOld { return try AtomicFile.remove(temp) }
      }
    } else {
      if isOld { return try AtomicFile.remove(temp) }
      if !current.exists {
        try DirectorySwap.renameNoReplace(temp, to: target)
        try FileSystem.fsyncDirectory(FileSystem.parentDirectory(of: target))
        return
      }
    }
    _ = try GuardedFileChange.keep(temp, root: dataDir, keepFolder: Self.keepFolder(journal), relative: action.path)
  }
}
