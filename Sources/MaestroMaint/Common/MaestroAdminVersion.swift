import CArchive
import CBuildInfo

/// The toolkit's version, printed by `--version` and written into the
/// manifests and journals later jobs produce, with the build facts
/// `--version` prints beside it.
public enum MaestroAdminVersion {
  public static let string = "0.1.0"

  /// The git commit this binary was built from (fixed at build time by
  /// Package.swift; `-dirty` when the tree had uncommitted changes,
  /// `unknown` outside a git checkout).
  public static var commit: String { String(cString: maestro_admin_build_commit()) }

  /// The Swift language mode of the compiler that built it (major.minor).
  public static var swiftCompiler: String {
    #if compiler(>=6.5)
      return "6.5 or newer"
    #elseif compiler(>=6.4)
      return "6.4"
    #elseif compiler(>=6.3)
      return "6.3"
    #elseif compiler(>=6.2)
      return "6.2"
    #elseif compiler(>=6.1)
      return "6.1"
    #else
      return "6.0"
    #endif
  }

  /// The libarchive the binary runs with (the shared library loaded now,
  /// which may be newer than the headers it was built against), with the
  /// compression libraries it reports.
  public static var libarchive: String {
    let details = String(cString: archive_version_details())
    return details.isEmpty ? String(cString: archive_version_string()) : details
  }

  /// What `--version` prints: one fact per line.
  public static var long: String {
    """
    maestro-admin \(string)
    commit: \(commit)
    swift: \(swiftCompiler)
    libarchive: \(libarchive)
    """
  }
}
