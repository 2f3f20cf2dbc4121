import Foundation
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

@Suite struct TarTests {
  struct Member: Equatable {
    var name: String
    var type: TarEntryType
    var bytes: [UInt8]
    var mode: mode_t
  }

  static let members = [
    Member(name: "session-docs", type: .directory, bytes: [], mode: 0o755),
    Member(name: "session-docs/sess_1", type: .directory, bytes: [], mode: 0o700),
    Member(
      name: "session-docs/sess_1/notes-ümlaut-🎉.md", type: .regular,
      bytes: Array("# Notes 🎉\n".utf8), mode: 0o644),
    Member(name: ".auth-secret", type: .regular, bytes: Array("s3cret".utf8), mode: 0o600),
    Member(name: "empty.json", type: .regular, bytes: [], mode: 0o644),
  ]

  static func write(_ members: [Member], to path: String, compression: TarCompression) throws {
    let writer = try TarWriter(path: path, compression: compression)
    for (index, member) in members.enumerated() {
      let mtime = 1_700_000_000_000_000_000 + Int64(index) * 1_500_000_000
      if member.type == .directory {
        try writer.addDirectory(path: member.name, mode: member.mode, mtime: mtime)
      } else {
        try writer.addFile(path: member.name, bytes: member.bytes, mode: member.mode, mtime: mtime)
      }
    }
    try writer.finish()
  }

  static func read(_ path: String) throws -> [Member] {
    let reader = try TarReader(path: path)
    var result: [Member] = []
    while let entry = try reader.next() {
      let bytes = try reader.readData()
      #expect(Int64(bytes.count) == entry.size)
      result.append(Member(name: entry.name, type: entry.type, bytes: bytes, mode: entry.mode))
    }
    return result
  }

  @Test(arguments: TarCompression.allCases)
  func roundTripKeepsNamesBytesAndModes(compression: TarCompression) throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("backup.tar")
    try Self.write(Self.members, to: path, compression: compression)
    #expect(try Self.read(path) == Self.members)

    let reader = try TarReader(path: path)
    _ = try reader.next()
    let second = try #require(try reader.next())
    // Restricted pax stores whole seconds; the writer floors.
    #expect(second.mtime == 1_700_000_001_000_000_000)
  }

  @Test func streamedFileMatchesDeclaredSize() throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("s.tar.zst")
    let writer = try TarWriter(path: path, compression: .zstd)
    try writer.beginFile(path: "command-logs/a.jsonl", size: 10)
    try writer.writeData(Array("01234".utf8))
    #expect(throws: MaestroError.self) { try writer.addDirectory(path: "x") }  // 5 bytes short
    try writer.writeData(Array("56789".utf8))
    #expect(throws: MaestroError.self) { try writer.writeData([0]) }  // past the size
    try writer.finish()

    let reader = try TarReader(path: path)
    #expect(try reader.next()?.name == "command-logs/a.jsonl")
    var chunks: [UInt8] = []
    try reader.readData { chunks.append(contentsOf: $0) }
    #expect(chunks == Array("0123456789".utf8))
    #expect(try reader.next() == nil)
  }

  @Test func gzipOutputIsReproducible() throws {
    let dir = try TemporaryDirectory()
    try Self.write(Self.members, to: dir.appending("1.tar.gz"), compression: .gzip)
    try Self.write(Self.members, to: dir.appending("2.tar.gz"), compression: .gzip)
    let first = try FileSystem.readFile(dir.appending("1.tar.gz"))
    #expect(first == (try FileSystem.readFile(dir.appending("2.tar.gz"))))
    // gzip's MTIME header field (bytes 4..<8) is zero: no clock in the output.
    #expect(Array(first[0..<2]) == [0x1f, 0x8b])
    #expect(Array(first[4..<8]) == [0, 0, 0, 0])
  }

  @Test(.enabled(if: FileSystem.fileExists("/usr/bin/bsdtar"), "needs bsdtar (libarchive-tools)"))
  func bsdtarListsTheSameNames() throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("backup.tar.zst")
    try Self.write(Self.members, to: path, compression: .zstd)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/bsdtar")
    process.arguments = ["-tf", path]
    process.environment = ["LC_ALL": "C.UTF-8"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)

    let names = String(decoding: data, as: UTF8.self).split(separator: "\n").map {
      $0.hasSuffix("/") ? String($0.dropLast()) : String($0)
    }
    #expect(names == Self.members.map(\.name))
  }

  @Test func garbageArchiveThrowsNamingTheFile() throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("garbage.tar.zst")
    try AtomicFile.write((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }, to: path)
    let error = try #require(throws: MaestroError.self) { _ = try Self.read(path) }
    #expect(error.path == path)
    #expect(error.code == .io)
  }

  @Test func emptyAndMissingArchivesThrowNamingTheFile() throws {
    let dir = try TemporaryDirectory()
    let empty = dir.appending("empty.tar")
    try AtomicFile.write([], to: empty)
    #expect(throws: MaestroError.self) { _ = try Self.read(empty) }

    let missing = dir.appending("missing.tar")
    let error = try #require(throws: MaestroError.self) { _ = try TarReader(path: missing) }
    #expect(error.code == .notFound)
    #expect(error.path == missing)
  }

  @Test(arguments: TarCompression.allCases)
  func truncatedArchiveThrowsNamingTheFile(compression: TarCompression) throws {
    let dir = try TemporaryDirectory()
    let path = dir.appending("cut.tar")
    // Incompressible data, so cutting the file cuts into the member's data.
    var generator = SystemRandomNumberGenerator()
    let big = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
    try Self.write(
      [Member(name: "images/p/t/big.bin", type: .regular, bytes: big, mode: 0o644)], to: path,
      compression: compression)
    let whole = try FileSystem.readFile(path)
    try AtomicFile.write(Array(whole.prefix(whole.count / 2)), to: path)

    let error = try #require(throws: MaestroError.self) { _ = try Self.read(path) }
    #expect(error.path == path)
    if compression == .none {
      // Uncompressed, the header is intact and the cut falls in the data.
      #expect(error.message.contains("images/p/t/big.bin"))
    }
  }
}
