#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One spelling per directory, so that two paths naming the same data dir
/// compare equal: `realpath` (symlinks, `.`, `..` resolved) where the path
/// exists, else the absolute path with `.`, `..` and repeated slashes
/// folded away.
enum CanonicalPath {
  /// The canonical spelling of `path`; relative paths are taken against
  /// `base` (default: this process's working directory).
  static func of(_ path: String, base: String? = nil) -> String {
    if let resolved = realpath(path, nil) {
      defer { free(resolved) }
      return String(cString: resolved)
    }
    var absolute = path
    if !path.hasPrefix("/") {
      let directory = base ?? workingDirectory() ?? "/"
      absolute = directory + "/" + path
    }
    var parts: [Substring] = []
    for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
  }

  private static func workingDirectory() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
