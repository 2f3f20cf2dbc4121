import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a symlink in a data dir leads, judged from its text and the file
/// system's names alone: what it points at is never opened.
public struct SymlinkTarget: Sendable, Equatable {
  /// The link's text, as `readlink` gives it.
  public var text: String
  /// The absolute path it resolves to (the real path when the target
  /// exists, else the link's text made absolute and normalized).
  public var resolved: String
  /// Whether that path lies inside the data dir.
  public var isInside: Bool
  /// That path relative to the data dir, when it lies inside.
  public var relativePath: String?
  /// What the target is (followed to the end of a chain of links); nil
  /// when it does not exist (a dangling link).
  public var kind: FileKind?

  /// The target of the symlink at `path` (absolute) in the data dir at
  /// `dataDir`; nil when `path` is not a symlink.
  public static func resolve(_ path: String, dataDir: String) -> SymlinkTarget? {
    guard (try? FileSystem.stat(path, followSymlinks: false))?.kind == .symlink else { return nil }
    var buffer = [CChar](repeating: 0, count: 4097)
    let count = readlink(path, &buffer, 4096)
    guard count >= 0 else { return nil }
    let text = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let rootReal = CanonicalPath.of(dataDir)
    let kind = (try? FileSystem.stat(path, followSymlinks: true))?.kind
    // Where the target exists, its real path; a dangling link is judged by
    // its text, from the real folder holding the link.
    let resolved =
      kind != nil
      ? CanonicalPath.of(path)
      : CanonicalPath.of(text.hasPrefix("/") ? text : CanonicalPath.of(FileSystem.parentDirectory(of: path)) + "/" + text)
    let prefix = rootReal == "/" ? "/" : rootReal + "/"
    let isInside = resolved == rootReal || resolved.hasPrefix(prefix)
    return SymlinkTarget(
      text: text, resolved: resolved, isInside: isInside,
      relativePath: isInside ? String(resolved.dropFirst(min(prefix.count, resolved.count))) : nil, kind: kind)
  }

  /// `realpath(3)` of `path`, or nil.
  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
