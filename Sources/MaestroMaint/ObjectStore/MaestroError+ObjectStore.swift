import MaestroStorage

extension MaestroError.Code {
  /// The object store refused the credentials (403 `InvalidAccessKeyId`,
  /// `SignatureDoesNotMatch`, `AccessDenied`...): exit 8, naming the bucket
  /// and the endpoint, never the secret.
  public static let objectStoreAccessDenied = MaestroError.Code(rawValue: "OBJECT_STORE_ACCESS_DENIED")
  /// The bucket does not exist.
  public static let objectStoreNoSuchBucket = MaestroError.Code(rawValue: "OBJECT_STORE_NO_SUCH_BUCKET")
  /// The object does not exist.
  public static let objectStoreNoSuchKey = MaestroError.Code(rawValue: "OBJECT_STORE_NO_SUCH_KEY")
  /// Any other failure talking to the object store (after retries).
  public static let objectStore = MaestroError.Code(rawValue: "OBJECT_STORE_ERROR")
}
