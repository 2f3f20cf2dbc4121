import MaestroStorage

/// An `s3://BUCKET/KEY` address: a bucket and a key (or key prefix) in it.
///
/// Parsing refuses what could not round-trip or could escape the prefix: a
/// bucket name outside S3's rules (3-63 of `a-z 0-9 . -`, starting and
/// ending with a letter or digit), an empty, `.` or `..` key component, a
/// control character, or a key over 1024 bytes. A trailing `/` is dropped.
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
  /// The bucket.
  public var bucket: String
  /// The key or prefix, without leading or trailing `/` (empty: the bucket's root).
  public var key: String

  /// `s3://`.
  public static let scheme = "s3://"

  /// Whether `text` is meant as an object store address (starts with `s3://`).
  public static func isObjectStoreAddress(_ text: String) -> Bool { text.hasPrefix(scheme) }

  /// A location from its parts (not checked; use `init(parsing:)` for input).
  public init(bucket: String, key: String) {
    self.bucket = bucket
    self.key = key
  }

  /// Parses `s3://BUCKET[/KEY]`.
  ///
  /// - Throws: `MaestroError(.usage)` naming `text` and what is wrong.
  public init(parsing text: String) throws {
    guard Self.isObjectStoreAddress(text) else {
      throw MaestroError(.usage, "not an s3://BUCKET/PREFIX address", path: text)
    }
    let rest = text.dropFirst(Self.scheme.count)
    let bucket = String(rest.prefix { $0 != "/" })
    var key = String(rest.dropFirst(bucket.count))
    if key.hasPrefix("/") { key.removeFirst() }
    while key.hasSuffix("/") { key.removeLast() }
    if let problem = Self.bucketProblem(bucket) {
      throw MaestroError(.usage, "bad bucket name: \(problem)", path: text)
    }
    if let problem = Self.keyProblem(key) {
      throw MaestroError(.usage, "bad key: \(problem)", path: text)
    }
    self.init(bucket: bucket, key: key)
  }

  /// `s3://bucket/key` (`s3://bucket` for the root).
  public var description: String { key.isEmpty ? Self.scheme + bucket : Self.scheme + bucket + "/" + key }

  /// The location of `name` under this one.
  public func appending(_ name: String) -> S3Location {
    S3Location(bucket: bucket, key: key.isEmpty ? name : key + "/" + name)
  }

  /// The key's last component (`""` at the root).
  public var lastComponent: String { String(key.split(separator: "/").last ?? "") }

  /// The location one component up (the root stays the root).
  public var parent: S3Location {
    guard let slash = key.lastIndex(of: "/") else { return S3Location(bucket: bucket, key: "") }
    return S3Location(bucket: bucket, key: String(key[..<slash]))
  }

  /// The prefix that lists what is under this location: `key/` (`""` at the root).
  public var listingPrefix: String { key.isEmpty ? "" : key + "/" }

  /// Why `name` is not a valid bucket name, or `nil`.
  static func bucketProblem(_ name: String) -> String? {
    let bytes = Array(name.utf8)
    guard (3...63).contains(bytes.count) else { return "\"\(name)\" must have 3 to 63 characters" }
    func alnum(_ b: UInt8) -> Bool { (48...57).contains(b) || (97...122).contains(b) }
    guard bytes.allSatisfy({ alnum($0) || $0 == 46 || $0 == 45 }) else {
      return "\"\(name)\" may hold only lowercase letters, digits, dots and hyphens"
    }
    guard alnum(bytes.first!), alnum(bytes.last!) else { return "\"\(name)\" must start and end with a letter or digit" }
    guard !name.contains("..") else { return "\"\(name)\" holds two dots in a row" }
    return nil
  }

  /// Why `key` is not a safe key, or `nil`.
  static func keyProblem(_ key: String) -> String? {
    guard key.utf8.count <= 1024 else { return "longer than 1024 bytes" }
    guard !key.isEmpty else { return nil }
    for component in key.split(separator: "/", omittingEmptySubsequences: false) {
      if component.isEmpty { return "an empty component (//)" }
      if component == "." || component == ".." { return "a \(component) component" }
    }
    if key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
      return "a control character"
    }
    return nil
  }
}
