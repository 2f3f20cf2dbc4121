import CCrypto

/// SHA-256 through the system's libcrypto, incrementally or in one call.
///
/// Owns its `EVP_MD_CTX`; not Sendable (one hashing stream, one owner).
public final class SHA256 {
  private let context: OpaquePointer

  /// A fresh digest.
  public init() {
    guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
      fatalError("libcrypto cannot initialise SHA-256")
    }
    self.context = context
  }

  deinit { EVP_MD_CTX_free(context) }

  /// Feeds `bytes`.
  public func update(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0 else { return }
    _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
  }

  /// Feeds `bytes`.
  public func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// The digest of everything fed, as 64 lowercase hex digits. The object
  /// must not be fed again afterwards.
  public func finalize() -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    _ = EVP_DigestFinal_ex(context, &digest, &length)
    return Self.hex(digest)
  }

  /// The SHA-256 of `bytes` as 64 lowercase hex digits.
  public static func hex(of bytes: [UInt8]) -> String {
    let h = SHA256()
    h.update(bytes)
    return h.finalize()
  }

  private static let digits = Array("0123456789abcdef".utf8)

  static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var out = [UInt8]()
    out.reserveCapacity(64)
    appendHex(bytes, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends `bytes` as lowercase hex digits to `out`.
  static func appendHex<Bytes: Sequence>(_ bytes: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 0xF)])
    }
  }

  /// A digest written as 64 lowercase hex digits (as `hex` writes it), as
  /// its 32 bytes; `nil` for any other text.
  static func digest(ofHex hex: String) -> [UInt8]? {
    var hex = hex
    return hex.withUTF8 { utf8 -> [UInt8]? in
      guard utf8.count == 64 else { return nil }
      func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        default: nil
        }
      }
      var out = [UInt8](repeating: 0, count: 32)
      for k in 0..<32 {
        guard let hi = nibble(utf8[2 * k]), let lo = nibble(utf8[2 * k + 1]) else { return nil }
        out[k] = hi << 4 | lo
      }
      return out
    }
  }
}
