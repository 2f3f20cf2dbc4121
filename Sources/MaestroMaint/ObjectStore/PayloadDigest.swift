import CCrypto

/// The two digests every upload carries: MD5 (base64) for `Content-MD5`,
/// which S3 and the compatible stores check against what they received
/// (rejecting a damaged part with `BadDigest`), and SHA-256 (hex) for
/// `x-amz-content-sha256`, which the signature covers (AWS checks it too).
struct PayloadDigest: Sendable, Equatable {
  /// Base64 MD5.
  var md5Base64: String
  /// Hex MD5: what S3 returns as the ETag of a part or a single-part object.
  var md5Hex: String
  /// Hex SHA-256.
  var sha256Hex: String

  /// The digests of `bytes`.
  init(of bytes: UnsafeRawBufferPointer) {
    let md5 = Self.digest(EVP_md5(), bytes, length: 16)
    md5Base64 = Base64.encode(md5)
    md5Hex = SHA256.hex(md5)
    sha256Hex = SHA256.hex(Self.digest(EVP_sha256(), bytes, length: 32))
  }

  /// SHA-256 of nothing: the payload hash of a request without a body.
  static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

  private static func digest(_ type: OpaquePointer?, _ bytes: UnsafeRawBufferPointer, length: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 64)
    var size: UInt32 = 0
    guard let context = EVP_MD_CTX_new() else { fatalError("libcrypto cannot allocate a digest") }
    defer { EVP_MD_CTX_free(context) }
    guard EVP_DigestInit_ex(context, type, nil) == 1,
      EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1,
      EVP_DigestFinal_ex(context, &out, &size) == 1
    else { fatalError("libcrypto cannot compute a digest") }
    return Array(out.prefix(length))
  }
}

/// RFC 4648 base64 with padding.
enum Base64 {
  private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  /// `bytes` in base64.
  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var k = 0
    while k < bytes.count {
      let b0 = bytes[k]
      let b1 = k + 1 < bytes.count ? bytes[k + 1] : 0
      let b2 = k + 2 < bytes.count ? bytes[k + 2] : 0
      out.append(alphabet[Int(b0 >> 2)])
      out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
      out.append(k + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : 61)
      out.append(k + 2 < bytes.count ? alphabet[Int(b2 & 63)] : 61)
      k += 3
    }
    return String(decoding: out, as: UTF8.self)
  }
}
