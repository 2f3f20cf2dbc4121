/// Checks that an id read from data can safely become part of a file path.
///
/// Servers put ids into paths without any check (FORMAT.md §5), so an id
/// holding `/`, `..` or NUL would make a naive tool read or write outside
/// the data dir. Every path builder in `DataDirectory` calls `validate`.
public enum EntityId {
  /// The longest id accepted, in UTF-8 bytes: a file name's limit on Linux
  /// and macOS. (The file itself is `<id>.json`, so ids above 250 bytes
  /// cannot have been written as files; they can still appear as
  /// references.)
  public static let maxUTF8Length = 255

  /// Throws unless `id` is safe to use as a file name.
  ///
  /// Rejects: the empty string; `.` and `..`; any `..` path component;
  /// `/` and `\`; NUL and the other control characters (U+0000–U+001F,
  /// U+007F); more than `maxUTF8Length` UTF-8 bytes.
  ///
  /// - Parameters:
  ///   - id: the id as found.
  ///   - file: the file the id came from, named in the error.
  /// - Throws: `MaestroError` `.hostileId` naming the problem and `file`.
  public static func validate(_ id: String, file: String? = nil) throws {
    if let problem = problem(with: id) {
      let origin = file.map { " (from \($0))" } ?? ""
      throw MaestroError(
        .hostileId, "unsafe id \(quoted(id))\(origin): \(problem)", path: file, id: id)
    }
  }

  /// Whether `id` passes `validate`.
  public static func isSafe(_ id: String) -> Bool {
    problem(with: id) == nil
  }

  /// What is wrong with `id` as a file name, in words, or nil if nothing.
  public static func problem(with id: String) -> String? {
    if id.isEmpty { return "it is empty" }
    // Control characters first: they also make the other messages unreadable.
    for scalar in id.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F {
      if scalar.value == 0 { return "it contains a NUL character" }
      return "it contains the control character \(hex(scalar))"
    }
    // Bytes, not Characters: "/" followed by a combining mark is one Swift
    // Character that does not equal "/", yet the kernel still sees a slash.
    let bytes = Array(id.utf8)
    if bytes == [0x2E] || bytes == [0x2E, 0x2E] { return "it is the path component \"\(id)\"" }
    let components = bytes.split(omittingEmptySubsequences: false) { $0 == 0x2F || $0 == 0x5C }
    if components.contains(where: { $0.elementsEqual([0x2E, 0x2E]) }) {
      return "it contains a \"..\" path component"
    }
    if bytes.contains(0x2F) { return "it contains a \"/\" path separator" }
    if bytes.contains(0x5C) { return "it contains a \"\\\" path separator" }
    let length = bytes.count
    if length > maxUTF8Length {
      return "it is \(length) UTF-8 bytes long, more than the \(maxUTF8Length) a file name allows"
    }
    return nil
  }

  /// The id in quotes for a message: control characters escaped so a hostile
  /// id cannot drive the terminal, and ids longer than `limit` characters
  /// cut short.
  public static func quoted(_ id: String, limit: Int = 80) -> String {
    var out = "\""
    var count = 0
    for scalar in id.unicodeScalars {
      if count == limit {
        out += "…"
        break
      }
      count += 1
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
        out += "\\u{\(String(scalar.value, radix: 16))}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  private static func hex(_ scalar: Unicode.Scalar) -> String {
    let digits = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}
