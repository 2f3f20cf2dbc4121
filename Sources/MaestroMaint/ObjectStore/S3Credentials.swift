/// The access key pair (and session token) that signs S3 requests.
///
/// Taken only from the standard variables, never from the command line.
/// The secret and the token never appear in `description`, errors or logs:
/// they are handed to libcurl, which uses them to sign and sends only the
/// signature (and the token, which the protocol requires in a header).
public struct S3Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
  /// `AWS_ACCESS_KEY_ID`.
  public var accessKeyId: String
  /// `AWS_SECRET_ACCESS_KEY`.
  var secretAccessKey: String
  /// `AWS_SESSION_TOKEN`, for temporary credentials.
  var sessionToken: String?

  /// A key pair.
  public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
    self.accessKeyId = accessKeyId
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
  }

  /// The access key id only; the secret is never shown.
  public var description: String { "access key \(accessKeyId) (secret not shown)" }

  /// The same as `description`.
  public var debugDescription: String { description }
}
