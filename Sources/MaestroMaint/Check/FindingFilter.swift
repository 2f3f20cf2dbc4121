import MaestroStorage

/// Which finding codes a run reports: `--only` and `--ignore`.
///
/// Each list is comma-separated; an entry is a full code
/// (`session.task.dangling`), or a family: a prefix ending in `.`
/// (`link.`) or in `.*` (`task.parent.*`). An entry that matches no code in
/// the catalogue is a usage error, so a typo cannot silently hide findings.
public struct FindingFilter: Sendable, Equatable {
  /// The codes `--only` keeps; nil keeps every code.
  public var only: Set<String>?
  /// The codes `--ignore` drops.
  public var ignored: Set<String>

  /// Keeps every finding.
  public init() {
    only = nil
    ignored = []
  }

  /// Parses `--only` and `--ignore` values.
  ///
  /// - Parameters:
  ///   - only: the `--only` value, if given.
  ///   - ignore: the `--ignore` value, if given.
  /// - Throws: `MaestroError` `.usage` naming an entry that matches no code.
  public init(only: String?, ignore: String?) throws {
    self.only = try only.map { try Self.expand($0, option: "--only") }
    self.ignored = try ignore.map { try Self.expand($0, option: "--ignore") } ?? []
  }

  /// Whether findings of `code` are reported.
  public func includes(_ code: FindingCode) -> Bool {
    if ignored.contains(code.rawValue) { return false }
    return only?.contains(code.rawValue) ?? true
  }

  /// The codes a comma-separated list names.
  static func expand(_ list: String, option: String) throws -> Set<String> {
    var codes: Set<String> = []
    for rawEntry in list.split(separator: ",") {
      let entry = rawEntry.trimmingSpaces()
      guard !entry.isEmpty else { continue }
      let prefix: String?
      if entry.hasSuffix(".*") {
        prefix = String(entry.dropLast())
      } else if entry.hasSuffix(".") {
        prefix = entry
      } else {
        prefix = nil
      }
      let matched =
        if let prefix {
          FindingCode.catalogue.filter { $0.rawValue.hasPrefix(prefix) }.map(\.rawValue)
        } else {
          FindingCode.named(entry).map { [$0.rawValue] } ?? []
        }
      guard !matched.isEmpty else {
        throw MaestroError(
          .usage,
          "\(option): \(Finding.quoted(entry)) matches no finding code (see maestro-admin check --help)")
      }
      codes.formUnion(matched)
    }
    guard !codes.isEmpty else { throw MaestroError(.usage, "\(option) needs at least one code") }
    return codes
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> String {
    String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }
}
