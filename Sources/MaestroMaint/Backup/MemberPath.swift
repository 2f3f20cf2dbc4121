/// Judges a tar member's name before anything is written: the one place that
/// decides whether a name is safe to create under a restore's staging dir.
///
/// Accepted: relative `/`-separated names, optionally starting with `./`
/// (what `tar czf x.tgz -C DIR .` writes) and, for directories, ending with
/// `/`. Refused: absolute names, `..` and `.` components inside the name,
/// empty components (`a//b`), names longer than `PATH_MAX` or with a
/// component longer than 255 bytes.
enum MemberPath {
  /// The normalized relative path of a member (`""` for the archive's
  /// root, `./`), or why it is refused.
  ///
  /// - Parameters:
  ///   - name: The member name as stored.
  ///   - isDirectory: Whether the member is a directory (may end with `/`).
  static func normalize(_ name: String, isDirectory: Bool) -> Result<String, Refusal> {
    if name.hasPrefix("/") { return .failure(Refusal("is an absolute path")) }
    if name.utf8.count > 4095 { return .failure(Refusal("is longer than 4095 bytes")) }
    var rest = Substring(name)
    while rest.hasPrefix("./") { rest = rest.dropFirst(2) }
    if rest.hasSuffix("/") {
      guard isDirectory else { return .failure(Refusal("ends with / but is not a directory")) }
      while rest.hasSuffix("/") { rest = rest.dropLast() }
    }
    if rest.isEmpty || rest == "." { return .success("") }
    for component in rest.split(separator: "/", omittingEmptySubsequences: false) {
      switch component {
      case "": return .failure(Refusal("has an empty path component"))
      case ".": return .failure(Refusal("has a . component"))
      case "..": return .failure(Refusal("has a .. component (it would escape the target)"))
      default:
        if component.utf8.count > 255 { return .failure(Refusal("has a component longer than 255 bytes")) }
      }
    }
    return .success(String(rest))
  }

  /// Why a name was refused.
  struct Refusal: Error, Sendable, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
  }

  /// `a`, `a/b` for `a/b/c`.
  static func ancestors(of path: String) -> [String] {
    var result: [String] = []
    var index = path.startIndex
    while let slash = path[index...].firstIndex(of: "/") {
      result.append(String(path[..<slash]))
      index = path.index(after: slash)
    }
    return result
  }
}
