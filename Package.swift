// swift-tools-version: 6.0
import PackageDescription

// The commit `maestro-admin --version` reports, fixed at build time:
// $MAESTRO_ADMIN_COMMIT when set (a build from a source tarball), else the
// git commit SwiftPM sees (with "-dirty" for uncommitted changes), else
// "unknown". Compiled into the CBuildInfo C target as a string define.
let buildCommit: String = {
  if let given = Context.environment["MAESTRO_ADMIN_COMMIT"], !given.isEmpty { return given }
  guard let git = Context.gitInformation else { return "unknown" }
  return git.currentCommit + (git.hasUncommittedChanges ? "-dirty" : "")
}()

let package = Package(
  name: "maestro-admin",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "maestro-admin", targets: ["maestro-admin"]),
    .library(name: "MaestroStorage", targets: ["MaestroStorage"]),
    .library(name: "MaestroMaint", targets: ["MaestroMaint"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // libarchive through pkg-config (Debian: libarchive-dev). All tar I/O goes through it.
    .systemLibrary(
      name: "CArchive",
      pkgConfig: "libarchive",
      providers: [.apt(["libarchive-dev"])]
    ),
    // SHA-256 from the system's libcrypto (Debian: libssl-dev).
    .systemLibrary(
      name: "CCrypto",
      pkgConfig: "libcrypto",
      providers: [.apt(["libssl-dev"])]
    ),
    // Build facts for --version (the commit); a C target because only a C
    // define can carry a string value into the build.
    .target(name: "CBuildInfo", cSettings: [.define("MAESTRO_ADMIN_COMMIT", to: "\"\(buildCommit)\"")]),
    // HTTP(S) and Signature V4 for S3 destinations from the system's libcurl
    // (Debian: libcurl4-openssl-dev).
    .systemLibrary(
      name: "CCurl",
      pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]
    ),
    .target(name: "MaestroStorage"),
    .target(name: "MaestroMaint", dependencies: ["MaestroStorage", "CArchive", "CCrypto", "CCurl", "CBuildInfo"]),
    .executableTarget(
      name: "maestro-admin",
      dependencies: [
        "MaestroStorage",
        "MaestroMaint",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Codec and loader throughput, run by scripts/bench.sh in release; not a test.
    .executableTarget(name: "maestro-bench", dependencies: ["MaestroStorage"]),
    .target(name: "MaestroTestSupport", dependencies: ["MaestroStorage", "MaestroMaint"], path: "Tests/MaestroTestSupport"),
    // A stand-in for a running server (tests, scripts/live-campaign.sh); not a product, never shipped.
    .executableTarget(
      name: "maestro-server-imitator",
      dependencies: [
        "MaestroStorage", "MaestroMaint", "MaestroTestSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Tests/ServerImitatorTool"
    ),
    .testTarget(name: "MaestroStorageTests", dependencies: ["MaestroStorage", "MaestroTestSupport"]),
    .testTarget(name: "MaestroMaintTests", dependencies: ["MaestroMaint", "MaestroStorage", "MaestroTestSupport"]),
    .testTarget(name: "EndToEndTests", dependencies: ["maestro-admin", "maestro-server-imitator", "MaestroMaint", "MaestroStorage", "MaestroTestSupport"]),
  ]
)
