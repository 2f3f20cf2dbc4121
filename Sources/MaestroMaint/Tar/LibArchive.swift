import CArchive
import Glibc
import MaestroStorage

/// Process-wide libarchive setup and error translation, shared by
/// `TarWriter` and `TarReader`.
enum LibArchive {
  /// Sets `LC_CTYPE` to UTF-8 once, before the first archive is opened.
  ///
  /// libarchive converts member names through the C locale; under the
  /// default "C" locale the 3.6.2 pax writer crashes on a non-ASCII name
  /// (upstream issue 2233). Swift's own strings ignore the C locale, so
  /// changing it affects nothing else in the toolkit.
  static let localeReady: Bool = {
    setlocale(LC_CTYPE, "C.UTF-8") != nil || setlocale(LC_CTYPE, "en_US.UTF-8") != nil
  }()

  /// Whether a libarchive status means failure: `ARCHIVE_WARN` (-20) and
  /// better are usable results, anything below is not.
  @inline(__always)
  static func failed(_ status: Int32) -> Bool { status < ARCHIVE_WARN }

  /// An `.io` error carrying libarchive's own message and errno.
  static func error(_ archive: OpaquePointer?, _ what: String, path: String) -> MaestroError {
    let reason =
      archive.flatMap { archive_error_string($0) }.map { String(cString: $0) }
      ?? "unknown libarchive error"
    let code = archive.map { archive_errno($0) } ?? 0
    return MaestroError(.io, "\(what): \(reason)", path: path, errno: code == 0 ? nil : code)
  }
}
