import Glibc
import MaestroStorage

/// Where S3 requests go and how they are signed, from the standard AWS
/// variables only: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, `AWS_REGION` (default `us-east-1`) and
/// `AWS_ENDPOINT_URL`.
///
/// Without `AWS_ENDPOINT_URL` requests go to AWS
/// (`https://BUCKET.s3.REGION.amazonaws.com/KEY`, virtual-host style, or
/// `https://s3.REGION.amazonaws.com/BUCKET/KEY` for a bucket name with
/// dots, which TLS wildcards do not cover). With it (MinIO, Ceph RGW,
/// SeaweedFS, Garage) requests use path style:
/// `ENDPOINT/BUCKET/KEY`.
public struct S3Configuration: Sendable {
  /// The signing region.
  public var region: String
  /// `scheme://host[:port]` of a non-AWS endpoint, without trailing `/`.
  public var endpoint: String?
  /// The keys.
  public var credentials: S3Credentials
  /// Retries of failed requests.
  public var retry = S3RetryPolicy()
  /// Seconds to wait for a connection.
  public var connectTimeout = 10
  /// Seconds without a byte moving before a transfer counts as timed out.
  public var stallTimeout = 30

  /// A configuration.
  public init(region: String, endpoint: String?, credentials: S3Credentials) {
    self.region = region
    self.endpoint = endpoint
    self.credentials = credentials
  }

  /// The configuration the environment gives.
  ///
  /// - Parameter environment: The variables (the process's by default).
  /// - Throws: `MaestroError(.objectStore)` (exit 8) naming the missing or
  ///   malformed variable (never its value when it is a secret).
  public static func fromEnvironment(_ environment: [String: String] = ProcessEnvironment.current()) throws -> S3Configuration {
    func value(_ name: String) -> String? {
      guard let v = environment[name], !v.isEmpty else { return nil }
      return v
    }
    guard let access = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
      throw MaestroError(
        .objectStore, "S3 destinations need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
    }
    let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
    guard region.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }) else {
      throw MaestroError(.objectStore, "AWS_REGION \"\(region)\" is not a region name")
    }
    var endpoint = value("AWS_ENDPOINT_URL")
    if var e = endpoint {
      while e.hasSuffix("/") { e.removeLast() }
      guard e.hasPrefix("http://") || e.hasPrefix("https://"),
        !e.dropFirst(e.hasPrefix("https") ? 8 : 7).contains("/"),
        !e.contains("@"), !e.contains("?"), !e.contains("#")
      else {
        throw MaestroError(.objectStore, "AWS_ENDPOINT_URL \"\(e)\" must be http(s)://host[:port]")
      }
      endpoint = e
    }
    return S3Configuration(
      region: region, endpoint: endpoint,
      credentials: S3Credentials(accessKeyId: access, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN")))
  }

  /// What errors name as the server: the endpoint, or AWS S3 and the region.
  public var endpointDescription: String { endpoint ?? "AWS S3 (\(region))" }

  /// The URL of `key` in `bucket` (the bucket itself for an empty key),
  /// with a query already in SigV4 canonical form (sorted, every name
  /// with `=`, both sides percent-encoded) so that what curl signs is what
  /// the server recomputes.
  func url(bucket: String, key: String, query: [(String, String)] = []) -> String {
    let path = key.isEmpty ? "" : "/" + key.split(separator: "/", omittingEmptySubsequences: false)
      .map { Self.percentEncoded(String($0)) }.joined(separator: "/")
    var base: String
    if let endpoint {
      base = endpoint + "/" + bucket + path
    } else if bucket.contains(".") {
      base = "https://s3.\(region).amazonaws.com/\(bucket)\(path)"
    } else {
      base = "https://\(bucket).s3.\(region).amazonaws.com\(path.isEmpty ? "/" : path)"
    }
    guard !query.isEmpty else { return base }
    let pairs = query.map { (Self.percentEncoded($0.0), Self.percentEncoded($0.1)) }
      .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
    return base + "?" + pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
  }

  /// RFC 3986 unreserved characters kept, every other byte `%XX` (SigV4's
  /// URI encoding).
  static func percentEncoded(_ text: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    for b in text.utf8 {
      switch b {
      case 48...57, 65...90, 97...122, 45, 46, 95, 126: out.append(b)
      default:
        out.append(37)
        out.append(hex[Int(b >> 4)])
        out.append(hex[Int(b & 15)])
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
