/// The file changes of one `Storage` call, applied all or nothing.
///
/// A call first computes and validates everything it will write, staging
/// each file here; `commit` then applies the changes in order. If one
/// fails, the changes already made (and the failed one, which may have
/// completed before its error, e.g. when the directory fsync after the
/// rename fails) are undone in reverse order: each file gets back the bytes
/// it held before the call, or is removed if it did not exist, and folders
/// the call created are removed again. The error is the failure's own; if
/// undoing fails too, the error names exactly the files left as the call
/// wrote them.
struct StoreWriteBatch {
  /// One staged change, with a path relative to the data dir.
  enum Change {
    case write(relativePath: String, bytes: [UInt8])
    case remove(relativePath: String)

    var relativePath: String {
      switch self {
      case .write(let path, _), .remove(let path): return path
      }
    }

    var removes: Bool {
      if case .remove = self { return true }
      return false
    }
  }

  private(set) var changes: [Change] = []

  /// Whether nothing is staged.
  var isEmpty: Bool { changes.isEmpty }

  /// Stages writing `object` in `style` to `relativePath`.
  mutating func write(_ object: JSONObject, style: JSONStyle, to relativePath: String) {
    changes.append(.write(relativePath: relativePath, bytes: JSONWriter.serialize(.object(object), style: style)))
  }

  /// Stages removing `relativePath` (nothing happens if it is absent).
  mutating func remove(_ relativePath: String) {
    changes.append(.remove(relativePath: relativePath))
  }

  /// What a file held before the batch changed it, to put it back.
  private struct Applied {
    var relativePath: String
    var previous: [UInt8]?
  }

  /// Applies every change under `root`, or none (see the type's summary).
  /// - Throws: the first failure's `MaestroError`, its message extended with
  ///   the files left changed when undoing failed too.
  func commit(root: String) throws {
    var applied: [Applied] = []
    var createdFolders: [String] = []
    for change in changes {
      let path = root + "/" + change.relativePath
      do {
        let previous = FileSystem.fileExists(path, followSymlinks: false) ? try FileSystem.readFile(path) : nil
        applied.append(Applied(relativePath: change.relativePath, previous: previous))
        try StoreFileChange.announce(change.relativePath, removes: change.removes, undoing: false)
        switch change {
        case .write(_, let bytes):
          createdFolders += try Self.makeParentFolders(of: path, under: root)
          try AtomicFile.write(bytes, to: path)
        case .remove:
          if previous != nil { try AtomicFile.remove(path) }
        }
      } catch {
        let left = Self.undo(applied, createdFolders: createdFolders, root: root)
        throw Self.failure(error, at: path, leaving: left)
      }
    }
  }

  /// Creates the missing folders above `path` (inside `root`) and returns
  /// them, outermost first.
  private static func makeParentFolders(of path: String, under root: String) throws -> [String] {
    var missing: [String] = []
    var folder = FileSystem.parentDirectory(of: path)
    while folder.count > root.count, !FileSystem.isDirectory(folder) {
      missing.append(folder)
      folder = FileSystem.parentDirectory(of: folder)
    }
    guard let deepest = missing.first else { return [] }
    try FileSystem.makeDirectories(deepest)
    return missing.reversed()
  }

  /// Puts back what `applied` changed, newest first; returns the relative
  /// paths it could not restore.
  private static func undo(_ applied: [Applied], createdFolders: [String], root: String) -> [String] {
    var left: [String] = []
    for change in applied.reversed() {
      let path = root + "/" + change.relativePath
      do {
        let current = FileSystem.fileExists(path, followSymlinks: false) ? try FileSystem.readFile(path) : nil
        if current == change.previous { continue }
        try StoreFileChange.announce(change.relativePath, removes: change.previous == nil, undoing: true)
        if let previous = change.previous {
          try AtomicFile.write(previous, to: path)
        } else {
          try AtomicFile.remove(path)
        }
      } catch {
        left.append(change.relativePath)
      }
    }
    // Only empty folders go (rmdir refuses others), innermost first.
    for folder in createdFolders.reversed() { _ = rmdir(folder) }
    return left.reversed()
  }

  private static func failure(_ error: any Error, at path: String, leaving left: [String]) -> MaestroError {
    var failure = error as? MaestroError ?? MaestroError(.io, "\(error)", path: path)
    if !left.isEmpty {
      failure.message += "; undoing the call's other writes failed too, so these files are left as the call wrote them: "
        + left.joined(separator: ", ")
    }
    return failure
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
