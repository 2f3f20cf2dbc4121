/// Where the test inputs live, found from this file's own path so tests run
/// from any working directory.
public enum ProjectPaths {
  /// The package root (the folder holding Package.swift).
  public static let root: String = {
    var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/MaestroTestSupport/ProjectPaths.swift
    return parts.joined(separator: "/")
  }()

  /// The checked-in fixtures.
  public static var fixtures: String { root + "/Fixtures" }

  /// The conformance corpora kept in the repository (Fixtures/conformance,
  /// each with its origin and license in Fixtures/conformance/README.md).
  public static var conformance: String { fixtures + "/conformance" }

  /// JSONTestSuite's parsing cases.
  public static var jsonTestSuite: String { conformance + "/JSONTestSuite/test_parsing" }

  /// Node's `JSON.stringify(v, null, 2)` cases: `in/N.json` and `out/N.json`.
  public static var nodeStringify: String { conformance + "/node-stringify" }

  /// Copies of the data dirs real servers wrote, kept in Fixtures.
  public static var samples: String { fixtures + "/samples" }

  /// The path of the built `maestro-admin` binary the end-to-end tests run:
  /// `MAESTRO_ADMIN_BIN` if set, else the one beside the running test bundle
  /// (same build folder and configuration).
  public static var binary: String {
    if let override = environment("MAESTRO_ADMIN_BIN") { return override }
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if n > 0 {
      let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      return String(exe[..<exe.lastIndex(of: "/")!]) + "/maestro-admin"
    }
    return root + "/.build/debug/maestro-admin"
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

func environment(_ name: String) -> String? {
  guard let p = getenv(name) else { return nil }
  return String(cString: p)
}
