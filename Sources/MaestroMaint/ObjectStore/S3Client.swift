import CCurl
import Glibc
import MaestroStorage

/// A blocking S3 client over one libcurl handle, signed with Signature V4
/// (`CURLOPT_AWS_SIGV4`, `aws:amz:REGION:s3`).
///
/// Every request carries `x-amz-content-sha256` with the real SHA-256 of
/// its body (the empty hash when it has none): libcurl then signs that value
/// instead of guessing (it would send `UNSIGNED-PAYLOAD` for a streamed
/// body), so the signature covers the content. Bodies also carry
/// `Content-MD5`, which the store checks (`BadDigest`), and the ETag that
/// comes back for a part or a single-part object is compared with the MD5
/// that was sent.
///
/// Failed requests are retried by `S3RetryPolicy`; any other failure is a
/// `MaestroError` naming the `s3://` address and the endpoint, never the
/// secret. The handle keeps its connection open between requests. One
/// owner at a time (not thread-safe): a client may be handed to another
/// thread, which then owns it; make one client per thread.
public final class S3Client: @unchecked Sendable {
  /// An object in a listing.
  public struct ObjectInfo: Sendable, Equatable {
    /// The full key.
    public var key: String
    /// Its size.
    public var size: Int64
    /// Its ETag, without quotes.
    public var etag: String
    /// Last modification, ms since the epoch (0 if unparsable).
    public var lastModified: Int64
  }

  /// An unfinished multipart upload.
  public struct UploadInfo: Sendable, Equatable {
    /// The key it will create.
    public var key: String
    /// Its id.
    public var uploadId: String
    /// When it was started, ms since the epoch (0 if unparsable).
    public var initiated: Int64
  }

  /// A ranged read.
  public struct ObjectRange: Sendable {
    /// The bytes.
    public var bytes: [UInt8]
    /// The object's whole size (from `Content-Range`).
    public var totalSize: Int64
    /// The object's ETag, without quotes.
    public var etag: String
  }

  /// Where and how.
  public let configuration: S3Configuration
  private let handle: UnsafeMutableRawPointer
  /// Bytes per second at most for request bodies (0: no limit).
  public var maxSendRate: Int64 = 0

  /// A client.
  ///
  /// - Throws: `MaestroError(.objectStore)` if libcurl cannot start.
  public init(_ configuration: S3Configuration) throws {
    _ = Self.globalInit
    guard let handle = curl_easy_init() else {
      throw MaestroError(.objectStore, "libcurl cannot start a transfer")
    }
    self.configuration = configuration
    self.handle = handle
  }

  deinit { curl_easy_cleanup(handle) }

  private static let globalInit: Bool = maestro_curl_global_init() == CURLE_OK

  // MARK: - Operations

  /// Creates `bucket` (tests and first-time setup; 409 "already yours" counts as done).
  public func createBucket(_ bucket: String) throws {
    let response = try perform(S3Request(method: "PUT", bucket: bucket, key: ""), accept: [409])
    if response.status == 409 && response.code != "BucketAlreadyOwnedByYou" {
      throw failure(response, S3Request(method: "PUT", bucket: bucket, key: ""))
    }
  }

  /// Writes a whole object in one request.
  ///
  /// - Returns: Its ETag.
  @discardableResult
  public func putObject(bucket: String, key: String, bytes: [UInt8]) throws -> String {
    try bytes.withUnsafeBytes { raw in
      let digest = PayloadDigest(of: raw)
      var request = S3Request(method: "PUT", bucket: bucket, key: key)
      request.body = raw
      request.digest = digest
      let response = try perform(request)
      return try checkedETag(response, digest: digest, request: request)
    }
  }

  /// Starts a multipart upload of `key`.
  ///
  /// - Returns: The upload id.
  public func createMultipartUpload(bucket: String, key: String) throws -> String {
    let request = S3Request(method: "POST", bucket: bucket, key: key, query: [("uploads", "")])
    let response = try perform(request)
    guard let id = S3XML(response.body).value("UploadId"), !id.isEmpty else {
      throw MaestroError(
        .objectStore, "the answer to starting an upload holds no UploadId (\(configuration.endpointDescription))",
        path: request.address)
    }
    return id
  }

  /// Uploads part `number` (1...10000) of an upload.
  ///
  /// - Returns: The part's ETag (its MD5, checked).
  public func uploadPart(
    bucket: String, key: String, uploadId: String, number: Int, bytes: UnsafeRawBufferPointer
  ) throws -> String {
    let digest = PayloadDigest(of: bytes)
    var request = S3Request(
      method: "PUT", bucket: bucket, key: key, query: [("partNumber", String(number)), ("uploadId", uploadId)])
    request.body = bytes
    request.digest = digest
    let response = try perform(request)
    return try checkedETag(response, digest: digest, request: request)
  }

  /// Completes an upload from its parts (number, ETag), in order: only now
  /// does the object exist.
  ///
  /// - Returns: The object's ETag.
  @discardableResult
  public func completeMultipartUpload(
    bucket: String, key: String, uploadId: String, parts: [(number: Int, etag: String)]
  ) throws -> String {
    var xml = "<CompleteMultipartUpload>"
    for part in parts {
      xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\"\(S3XML.escaped(part.etag))\"</ETag></Part>"
    }
    xml += "</CompleteMultipartUpload>"
    let body = Array(xml.utf8)
    return try body.withUnsafeBytes { raw in
      var request = S3Request(method: "POST", bucket: bucket, key: key, query: [("uploadId", uploadId)])
      request.body = raw
      request.digest = PayloadDigest(of: raw)
      request.contentType = "application/xml"
      let response = try perform(request)
      // S3 may answer 200 and put the error in the body.
      let document = S3XML(response.body)
      if let code = document.elements("Error").first?.value("Code") {
        throw MaestroError(
          .objectStore, "completing the upload failed: \(code) \(document.value("Message") ?? "")",
          path: request.address)
      }
      return Self.unquoted(document.value("ETag") ?? response.headers["etag"] ?? "")
    }
  }

  /// Aborts an upload, dropping its parts (an upload already gone counts as done).
  public func abortMultipartUpload(bucket: String, key: String, uploadId: String) throws {
    _ = try perform(
      S3Request(method: "DELETE", bucket: bucket, key: key, query: [("uploadId", uploadId)]), accept: [404])
  }

  /// Every unfinished upload whose key starts with `prefix`.
  public func listMultipartUploads(bucket: String, prefix: String) throws -> [UploadInfo] {
    var result: [UploadInfo] = []
    var keyMarker: String?
    var idMarker: String?
    repeat {
      var query = [("uploads", ""), ("prefix", prefix)]
      if let keyMarker { query.append(("key-marker", keyMarker)) }
      if let idMarker { query.append(("upload-id-marker", idMarker)) }
      let response = try perform(S3Request(method: "GET", bucket: bucket, key: "", query: query))
      let document = S3XML(response.body)
      for upload in document.elements("Upload") {
        guard let key = upload.value("Key"), let id = upload.value("UploadId") else { continue }
        result.append(
          UploadInfo(key: key, uploadId: id, initiated: Self.isoMilliseconds(upload.value("Initiated") ?? "")))
      }
      guard document.value("IsTruncated") == "true" else { break }
      keyMarker = document.value("NextKeyMarker")
      idMarker = document.value("NextUploadIdMarker")
    } while keyMarker != nil
    return result
  }

  /// Every object whose key starts with `prefix` (ListObjectsV2, all pages).
  public func listObjects(bucket: String, prefix: String) throws -> [ObjectInfo] {
    var result: [ObjectInfo] = []
    var token: String?
    repeat {
      var query = [("list-type", "2"), ("prefix", prefix)]
      if let token { query.append(("continuation-token", token)) }
      let response = try perform(S3Request(method: "GET", bucket: bucket, key: "", query: query))
      let document = S3XML(response.body)
      for item in document.elements("Contents") {
        guard let key = item.value("Key") else { continue }
        result.append(
          ObjectInfo(
            key: key, size: Int64(item.value("Size") ?? "") ?? 0, etag: Self.unquoted(item.value("ETag") ?? ""),
            lastModified: Self.isoMilliseconds(item.value("LastModified") ?? "")))
      }
      token = document.value("IsTruncated") == "true" ? document.value("NextContinuationToken") : nil
    } while token != nil
    return result
  }

  /// Size and ETag of an object, or `nil` when there is none.
  public func headObject(bucket: String, key: String) throws -> (size: Int64, etag: String)? {
    let response = try perform(S3Request(method: "HEAD", bucket: bucket, key: key), accept: [404])
    if response.status == 404 { return nil }
    return (Int64(response.headers["content-length"] ?? "") ?? 0, Self.unquoted(response.headers["etag"] ?? ""))
  }

  /// Bytes `offset..<offset+length` of an object (fewer at its end).
  ///
  /// - Parameter ifMatch: The ETag the object must still have: a read
  ///   spread over many requests then never mixes two versions.
  public func getObject(
    bucket: String, key: String, offset: Int64, length: Int, ifMatch: String? = nil
  ) throws -> ObjectRange {
    var request = S3Request(method: "GET", bucket: bucket, key: key)
    request.range = "bytes=\(offset)-\(offset + Int64(max(1, length)) - 1)"
    request.ifMatch = ifMatch
    request.responseLimit = max(1, length)
    let response = try perform(request, accept: [416])
    let etag = Self.unquoted(response.headers["etag"] ?? "")
    if response.status == 416 { return ObjectRange(bytes: [], totalSize: offset, etag: etag) }
    var total = Int64(response.body.count)
    if let range = response.headers["content-range"], let slash = range.lastIndex(of: "/") {
      total = Int64(range[range.index(after: slash)...]) ?? total
    } else if response.status == 200 {
      total = Int64(response.body.count)
    }
    return ObjectRange(bytes: response.body, totalSize: total, etag: etag)
  }

  /// Whole small object (a marker).
  public func getSmallObject(bucket: String, key: String, limit: Int = 1 << 20) throws -> [UInt8] {
    var request = S3Request(method: "GET", bucket: bucket, key: key)
    request.responseLimit = limit
    return try perform(request).body
  }

  /// Removes an object (one already gone counts as removed).
  public func deleteObject(bucket: String, key: String) throws {
    _ = try perform(S3Request(method: "DELETE", bucket: bucket, key: key), accept: [404])
  }

  // MARK: - Requests

  /// One request's description.
  struct S3Request {
    var method: String
    var bucket: String
    var key: String
    var query: [(String, String)] = []
    var body: UnsafeRawBufferPointer?
    var digest: PayloadDigest?
    var contentType: String?
    var range: String?
    var ifMatch: String?
    /// Most answer bytes kept (larger answers fail the request).
    var responseLimit = 16 << 20

    init(method: String, bucket: String, key: String, query: [(String, String)] = []) {
      self.method = method
      self.bucket = bucket
      self.key = key
      self.query = query
    }

    /// `s3://bucket/key`, for errors.
    var address: String { S3Location(bucket: bucket, key: key).description }
  }

  /// One answer.
  struct S3Response {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    /// S3's error code from the body, if any.
    var code: String? { S3XML(body).elements("Error").first?.value("Code") }
    var message: String? { S3XML(body).elements("Error").first?.value("Message") }
  }

  /// A transfer that got no complete answer.
  struct TransportError: Error {
    var code: CURLcode
    var message: String
  }

  /// Sends `request`, retrying per the policy; a status outside 2xx and
  /// `accept` becomes a `MaestroError`.
  func perform(_ request: S3Request, accept: Set<Int> = []) throws -> S3Response {
    let policy = configuration.retry
    var attempt = 0
    while true {
      attempt += 1
      try Cancellation.check()
      do {
        let response = try send(request)
        if (200..<300).contains(response.status) || accept.contains(response.status) { return response }
        if attempt < policy.maxAttempts && policy.isRetryable(status: response.status, code: response.code) {
          S3RetryPolicy.sleep(policy.delay(afterAttempt: attempt))
          continue
        }
        throw failure(response, request, attempts: attempt)
      } catch let error as TransportError {
        if attempt < policy.maxAttempts && Self.isRetryable(error.code) {
          S3RetryPolicy.sleep(policy.delay(afterAttempt: attempt))
          continue
        }
        throw MaestroError(
          .objectStore,
          "cannot \(request.method) at \(configuration.endpointDescription): \(error.message) (\(attempt) \(attempt == 1 ? "try" : "tries"))",
          path: request.address)
      }
    }
  }

  /// Transfer failures worth another try: no connection, timeouts, a
  /// connection dropped mid-answer.
  static func isRetryable(_ code: CURLcode) -> Bool {
    [
      CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR,
      CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR, CURLE_HTTP2,
      CURLE_HTTP2_STREAM,
    ].contains(code)
  }

  /// The error for a refused request: clear about credentials and buckets.
  func failure(_ response: S3Response, _ request: S3Request, attempts: Int = 1) -> MaestroError {
    let code = response.code
    let detail = [code, response.message].compactMap { $0 }.joined(separator: ": ")
    let said = detail.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status) \(detail)"
    let endpoint = configuration.endpointDescription
    switch (response.status, code) {
    case (403, _), (_, "InvalidAccessKeyId"), (_, "SignatureDoesNotMatch"):
      return MaestroError(
        .objectStoreAccessDenied,
        "\(endpoint) refused the credentials for bucket \(request.bucket) (\(said)); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION (\(configuration.region))",
        path: request.address)
    case (_, "NoSuchBucket"):
      return MaestroError(
        .objectStoreNoSuchBucket, "the bucket \(request.bucket) does not exist at \(endpoint)", path: request.address)
    case (404, "NoSuchKey"), (404, nil):
      return MaestroError(.objectStoreNoSuchKey, "no such object at \(endpoint)", path: request.address)
    default:
      let tries = attempts > 1 ? " after \(attempts) tries" : ""
      return MaestroError(
        .objectStore, "\(request.method) failed at \(endpoint): \(said)\(tries)", path: request.address)
    }
  }

  private func checkedETag(_ response: S3Response, digest: PayloadDigest, request: S3Request) throws -> String {
    let etag = Self.unquoted(response.headers["etag"] ?? "")
    // A plain MD5 ETag must be the MD5 sent; stores that encrypt or compute
    // something else return other shapes, which prove nothing either way.
    if etag.utf8.count == 32, etag.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
      etag != digest.md5Hex
    {
      throw MaestroError(
        .objectStore, "the store stored other bytes than were sent (ETag \(etag), MD5 sent \(digest.md5Hex))",
        path: request.address)
    }
    return etag
  }

  /// One try of `request`.
  private func send(_ request: S3Request) throws -> S3Response {
    curl_easy_reset(handle)
    let transfer = Transfer(body: request.body, limit: request.responseLimit)
    let context = Unmanaged.passUnretained(transfer).toOpaque()
    let url = configuration.url(bucket: request.bucket, key: request.key, query: request.query)
    let credentials = configuration.credentials
    var headers: UnsafeMutablePointer<curl_slist>?
    defer { curl_slist_free_all(headers) }
    func header(_ line: String) { headers = curl_slist_append(headers, line) }
    header("x-amz-content-sha256: \(request.digest?.sha256Hex ?? PayloadDigest.emptySHA256)")
    if let digest = request.digest { header("Content-MD5: \(digest.md5Base64)") }
    if let token = credentials.sessionToken { header("x-amz-security-token: \(token)") }
    if let range = request.range { header("Range: \(range)") }
    if let ifMatch = request.ifMatch { header("If-Match: \"\(ifMatch)\"") }
    header("Content-Type: \(request.contentType ?? "application/octet-stream")")
    // No "Expect:" override: libcurl 7.88 would sign the header it then
    // leaves out, and every request would fail SignatureDoesNotMatch.

    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
      _ = maestro_curl_set_string(handle, CURLOPT_URL, url)
      _ = maestro_curl_set_string(handle, CURLOPT_AWS_SIGV4, "aws:amz:\(configuration.region):s3")
      _ = maestro_curl_set_string(handle, CURLOPT_USERNAME, credentials.accessKeyId)
      _ = maestro_curl_set_string(handle, CURLOPT_PASSWORD, credentials.secretAccessKey)
      _ = maestro_curl_set_list(handle, CURLOPT_HTTPHEADER, headers)
      _ = maestro_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
      _ = maestro_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
      _ = maestro_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, configuration.connectTimeout)
      _ = maestro_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
      _ = maestro_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, configuration.stallTimeout)
      _ = maestro_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
      _ = maestro_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
      _ = maestro_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, Transfer.write)
      _ = maestro_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
      _ = maestro_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, Transfer.header)
      _ = maestro_curl_set_pointer(handle, CURLOPT_HEADERDATA, context)
      switch request.method {
      case "GET": break
      case "HEAD": _ = maestro_curl_set_long(handle, CURLOPT_NOBODY, 1)
      case "PUT":
        _ = maestro_curl_set_long(handle, CURLOPT_UPLOAD, 1)
        _ = maestro_curl_set_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body?.count ?? 0))
        _ = maestro_curl_set_callback(handle, CURLOPT_READFUNCTION, Transfer.read)
        _ = maestro_curl_set_pointer(handle, CURLOPT_READDATA, context)
        if maxSendRate > 0 { _ = maestro_curl_set_offset(handle, CURLOPT_MAX_SEND_SPEED_LARGE, curl_off_t(maxSendRate)) }
      case "POST":
        _ = maestro_curl_set_long(handle, CURLOPT_POST, 1)
        _ = maestro_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body?.count ?? 0))
        if let base = request.body?.baseAddress {
          _ = maestro_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: base))
        } else {
          _ = maestro_curl_set_string(handle, CURLOPT_POSTFIELDS, "")
        }
      default: _ = maestro_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
      }
      return curl_easy_perform(handle)
    }
    guard code == CURLE_OK else {
      if transfer.overflow {
        throw MaestroError(
          .objectStore, "the answer is larger than the \(request.responseLimit) bytes expected", path: request.address)
      }
      let text = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      throw TransportError(code: code, message: text.isEmpty ? String(cString: curl_easy_strerror(code)) : text)
    }
    var status = 0
    _ = maestro_curl_response_code(handle, &status)
    return S3Response(status: status, headers: transfer.headers, body: transfer.received)
  }

  /// The state one transfer's callbacks share.
  private final class Transfer {
    let body: UnsafeRawBufferPointer?
    var sent = 0
    let limit: Int
    var received: [UInt8] = []
    var headers: [String: String] = [:]
    var overflow = false

    init(body: UnsafeRawBufferPointer?, limit: Int) {
      self.body = body
      self.limit = limit
    }

    static let write: maestro_curl_data_callback = { buffer, size, count, context in
      let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
      let n = size * count
      guard transfer.received.count + n <= transfer.limit else {
        transfer.overflow = true
        return 0
      }
      if n > 0, let buffer {
        transfer.received.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: n))
      }
      return n
    }

    static let read: maestro_curl_data_callback = { buffer, size, count, context in
      let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
      guard let body = transfer.body, let buffer else { return 0 }
      let n = min(size * count, body.count - transfer.sent)
      guard n > 0 else { return 0 }
      UnsafeMutableRawPointer(buffer).copyMemory(from: body.baseAddress! + transfer.sent, byteCount: n)
      transfer.sent += n
      return n
    }

    static let header: maestro_curl_data_callback = { buffer, size, count, context in
      let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
      let n = size * count
      guard let buffer else { return n }
      let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: n), as: UTF8.self)
      if line.hasPrefix("HTTP/") {
        transfer.headers = [:]  // a new answer (after 100 Continue or a redirect)
      } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmedHeaderValue()
        transfer.headers[name] = value
      }
      return n
    }
  }

  // MARK: - Helpers

  static func unquoted(_ etag: String) -> String {
    var e = Substring(etag)
    if e.hasPrefix("W/") { e = e.dropFirst(2) }
    if e.hasPrefix("\"") { e = e.dropFirst() }
    if e.hasSuffix("\"") { e = e.dropLast() }
    return String(e)
  }

  /// `2026-12-06T08:53:34Z` or `…34.123Z` in ms since the epoch (0 if not that shape).
  static func isoMilliseconds(_ text: String) -> Int64 {
    let digits = text.utf8.filter { (48...57).contains($0) }.map { Int($0) - 48 }
    guard digits.count >= 14 else { return 0 }
    func number(_ from: Int, _ count: Int) -> Int { digits[from..<(from + count)].reduce(0) { $0 * 10 + $1 } }
    let time = UTCTime(
      year: number(0, 4), month: number(4, 2), day: number(6, 2), hour: number(8, 2), minute: number(10, 2),
      second: number(12, 2))
    var ms = time.milliseconds
    if digits.count >= 17 { ms += Int64(number(14, 3)) }
    return ms
  }
}

extension Substring {
  fileprivate func trimmedHeaderValue() -> String {
    var s = self
    while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
    while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\r\n" { s.removeLast() }
    return String(s)
  }
}
