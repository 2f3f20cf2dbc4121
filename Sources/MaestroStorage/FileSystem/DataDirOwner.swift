import Glibc
import Synchronization

/// The one ownership policy for what the toolkit creates inside a data dir.
///
/// A maintenance run started as root on a data dir that the server's user
/// owns must not leave root-owned files and folders behind (`tasks/` after a
/// migration's folder exchange, rewritten files, `lost+found/`,
/// `.maestro-admin/` and its journals, `archive/`): the server could no
/// longer write them. So while a data dir is adopted (`adopt(dataDir:)`,
/// done once by whoever takes the data dir's maintenance lock), every file
/// or folder created below it is given the data dir's owner and group.
///
/// The policy only acts when the process runs as root (only root may give a
/// file away) and the data dir's owner or group differs from the process's;
/// otherwise `owner(for:)` is nil and nothing is done. A file that replaces
/// another keeps the replaced file's owner (`AtomicFile.write` does that
/// itself); the data dir's owner is for new entries.
public enum DataDirOwner {
  /// A user and group.
  public struct Owner: Sendable, Equatable {
    /// The user id.
    public var uid: uid_t
    /// The group id.
    public var gid: gid_t

    /// An owner.
    public init(uid: uid_t, gid: gid_t) {
      self.uid = uid
      self.gid = gid
    }
  }

  /// A data dir whose owner is being applied; `release()` ends it.
  public final class Adoption: Sendable {
    /// The owner applied below the data dir.
    public let owner: Owner
    fileprivate let prefixes: [String]
    fileprivate let key: Int

    fileprivate init(owner: Owner, prefixes: [String], key: Int) {
      self.owner = owner
      self.prefixes = prefixes
      self.key = key
    }

    /// Stops applying the owner (also done when the adoption goes away).
    public func release() { DataDirOwner.forget(key) }

    deinit { DataDirOwner.forget(key) }
  }

  private struct Entry: Sendable {
    var key: Int
    var prefixes: [String]
    var owner: Owner
  }

  private static let entries = Mutex<[Entry]>([])
  private static let count = Atomic<Int>(0)
  private static let nextKey = Atomic<Int>(1)

  /// Starts giving what is created below `dataDir` the data dir's owner and
  /// group, when this process runs as root and they differ from its own.
  ///
  /// - Returns: the adoption to release at the end of the run, or nil when
  ///   there is nothing to do (not root, same owner, no such folder).
  public static func adopt(dataDir: String) -> Adoption? {
    var s = stat()
    guard geteuid() == 0, stat(dataDir, &s) == 0, s.st_mode & S_IFMT == S_IFDIR,
      s.st_uid != geteuid() || s.st_gid != getegid()
    else { return nil }
    let owner = Owner(uid: s.st_uid, gid: s.st_gid)
    var prefixes = [trimmed(dataDir)]
    let absolute = FileSystem.absolutePath(dataDir)
    if absolute != prefixes[0] { prefixes.append(absolute) }
    let key = nextKey.wrappingAdd(1, ordering: .relaxed).oldValue
    entries.withLock { $0.append(Entry(key: key, prefixes: prefixes, owner: owner)) }
    count.add(1, ordering: .releasing)
    return Adoption(owner: owner, prefixes: prefixes, key: key)
  }

  /// The owner a new entry at `path` should get, or nil when no adopted
  /// data dir holds it (the common case costs one atomic load).
  public static func owner(for path: String) -> Owner? {
    guard count.load(ordering: .acquiring) > 0 else { return nil }
    return entries.withLock { list in
      var best: (length: Int, owner: Owner)?
      for entry in list {
        for prefix in entry.prefixes where path == prefix || path.hasPrefix(prefix == "/" ? "/" : prefix + "/") {
          if best == nil || prefix.utf8.count > best!.length { best = (prefix.utf8.count, entry.owner) }
        }
      }
      return best?.owner
    }
  }

  /// Gives the open file or folder `fd`, created at `path`, its data dir's
  /// owner when the policy applies there.
  /// - Throws: `MaestroError` naming `path` when `fchown` fails.
  public static func apply(descriptor fd: Int32, path: String) throws {
    guard let owner = owner(for: path) else { return }
    guard fchown(fd, owner.uid, owner.gid) == 0 else {
      throw MaestroError.system("cannot give to the data dir's owner (\(owner.uid):\(owner.gid))", path: path)
    }
  }

  /// Gives the entry at `path` (not followed if a symlink) its data dir's
  /// owner when the policy applies there.
  /// - Throws: `MaestroError` naming `path` when `lchown` fails.
  public static func apply(path: String) throws {
    guard let owner = owner(for: path) else { return }
    guard lchown(path, owner.uid, owner.gid) == 0 else {
      throw MaestroError.system("cannot give to the data dir's owner (\(owner.uid):\(owner.gid))", path: path)
    }
  }

  private static func forget(_ key: Int) {
    let removed = entries.withLock { list in
      let before = list.count
      list.removeAll { $0.key == key }
      return before - list.count
    }
    if removed > 0 { count.subtract(removed, ordering: .releasing) }
  }

  private static func trimmed(_ path: String) -> String {
    var s = Substring(path)
    while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
    return String(s)
  }
}

extension FileSystem {
  /// `path` made absolute against the working directory, without `.`
  /// components, `..` steps or trailing slashes (symlinks are not resolved).
  public static func absolutePath(_ path: String) -> String {
    var full = path
    if !path.hasPrefix("/") {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let cwd =
        getcwd(&buffer, buffer.count).map { _ in
          String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } ?? "."
      full = cwd + "/" + path
    }
    var parts: [Substring] = []
    for component in full.split(separator: "/") {
      if component == "." { continue }
      if component == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(component)
    }
    return "/" + parts.joined(separator: "/")
  }
}
