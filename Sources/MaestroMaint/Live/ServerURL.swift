/// A server's base URL as `server-url` or `--server-url` names it
/// (`http://localhost:3000`): just what a health probe needs.
public struct ServerURL: Sendable, Equatable, CustomStringConvertible {
  /// `http` or `https`.
  public var scheme: String
  /// The host name or address, without the brackets of an IPv6 literal.
  public var host: String
  /// The port (80 or 443 when the URL gives none).
  public var port: Int
  /// The base path, without a trailing slash (`""` for the root).
  public var basePath: String
  /// The text it was parsed from, trimmed.
  public var text: String

  /// Parses `http://host[:port][/path]` (and `https://`); surrounding
  /// whitespace, a query and a fragment are ignored.
  /// - Returns: nil when `text` is not such a URL.
  public init?(_ text: String) {
    let trimmed = String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    let lower = trimmed.lowercased()
    let scheme: String
    if lower.hasPrefix("http://") {
      scheme = "http"
    } else if lower.hasPrefix("https://") {
      scheme = "https"
    } else {
      return nil
    }
    var rest = Substring(trimmed.dropFirst(scheme.count + 3))
    if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
    let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
    var authority = rest[..<authorityEnd]
    var path = String(rest[authorityEnd...])
    while path.hasSuffix("/") { path.removeLast() }
    if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
    var host: Substring
    var portText: Substring?
    if authority.hasPrefix("[") {
      guard let close = authority.firstIndex(of: "]") else { return nil }
      host = authority[authority.index(after: authority.startIndex)..<close]
      let after = authority[authority.index(after: close)...]
      if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
    } else if let colon = authority.lastIndex(of: ":") {
      host = authority[..<colon]
      portText = authority[authority.index(after: colon)...]
    } else {
      host = authority
    }
    guard !host.isEmpty, !host.contains(where: { $0.isWhitespace }) else { return nil }
    var port = scheme == "https" ? 443 : 80
    if let portText, !portText.isEmpty {
      guard portText.allSatisfy(\.isASCII), let p = Int(portText), (1...65535).contains(p) else { return nil }
      port = p
    }
    self.scheme = scheme
    self.host = String(host)
    self.port = port
    self.basePath = path
    self.text = trimmed
  }

  /// The path of the health endpoint: `<base>/health`.
  public var healthPath: String { basePath + "/health" }

  public var description: String { text }
}
