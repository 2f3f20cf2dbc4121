import Glibc
@testable import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// A ustar writer for archives libarchive's writer refuses to make.
struct RawTar {
  private(set) var bytes: [UInt8] = []

  /// Type flags.
  enum Kind: UInt8 {
    case file = 0x30, hardlink = 0x31, symlink = 0x32, character = 0x33, block = 0x34, directory = 0x35, fifo = 0x36
  }

  mutating func add(_ name: String, _ kind: Kind = .file, data: [UInt8] = [], link: String = "", mode: Int = 0o644) {
    var h = [UInt8](repeating: 0, count: 512)
    func put(_ text: String, at offset: Int, width: Int) {
      for (k, b) in text.utf8.prefix(width).enumerated() { h[offset + k] = b }
    }
    func octal(_ v: Int, at offset: Int, width: Int) {
      let digits = String(v, radix: 8)
      put(String(repeating: "0", count: width - 1 - digits.count) + digits, at: offset, width: width - 1)
    }
    put(name, at: 0, width: 100)
    octal(mode, at: 100, width: 8)
    octal(0, at: 108, width: 8)
    octal(0, at: 116, width: 8)
    octal(kind == .file ? data.count : 0, at: 124, width: 12)
    octal(1_790_000_000, at: 136, width: 12)
    h[156] = kind.rawValue
    put(link, at: 157, width: 100)
    put("ustar", at: 257, width: 6)
    put("00", at: 263, width: 2)
    for k in 148..<156 { h[k] = 0x20 }
    let sum = h.reduce(0) { $0 + Int($1) }
    let digits = String(sum, radix: 8)
    put(String(repeating: "0", count: 6 - digits.count) + digits, at: 148, width: 6)
    h[154] = 0
    bytes += h
    if kind == .file {
      bytes += data
      bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }
  }

  func finished() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }
}

/// Each hostile archive is refused as a whole, naming the member; nothing
/// is written outside the staging dir, which is removed; the target is untouched.
@Suite struct BackupHostileArchiveTests {
  /// A target holding data, a snapshot path, and a sentinel outside everything.
  final class Scene {
    let work: TemporaryDirectory
    let target: String
    let before: [TreeHash.Entry]
    init() throws {
      work = try TemporaryDirectory(prefix: "backup-hostile")
      target = work.appending("parent/live")
      try FileSystem.makeDirectories(target + "/projects")
      try AtomicFile.write(Array("{\"id\":\"p\"}".utf8), to: target + "/projects/p.json")
      before = try userTree(target)
    }

    /// Restores `bytes` with --force and returns the refusal.
    func refuse(_ bytes: [UInt8], name: String = "hostile.tar") throws -> MaestroError {
      let archive = work.appending(name)
      try AtomicFile.write(bytes, to: archive)
      var options = SnapshotRestorer.Options(snapshot: archive, target: target)
      options.force = true
      do {
        _ = try SnapshotRestorer(options).run()
      } catch let error as MaestroError {
        try expectUntouched()
        return error
      }
      Issue.record("restore of \(name) succeeded")
      return MaestroError(.io, "unexpected success")
    }

    func expectUntouched() throws {
      // The maintenance lock restore took is the only addition (userTree leaves .maestro-admin out).
      #expect(try userTree(target) == before)
      // Only the target (and the lock folder restore took inside it) exists: no staging, no escapees.
      #expect(try FileSystem.listDirectory(work.appending("parent")).map(\.name) == ["live"])
      #expect(try FileSystem.listDirectory(target).map(\.name) == [".maestro-admin", "projects"])
      #expect(!FileSystem.fileExists(work.appending("evil.txt")))
      #expect(!FileSystem.fileExists(work.appending("parent/evil.txt")))
    }
  }

  static func plain(_ build: (inout RawTar) -> Void) -> [UInt8] {
    var tar = RawTar()
    tar.add("projects/", .directory)
    tar.add("projects/ok.json", data: Array("{}".utf8))
    build(&tar)
    return tar.finished()
  }

  @Test func dotDotMemberIsRefused() throws {
    let scene = try Scene()
    let error = try scene.refuse(Self.plain { $0.add("../evil.txt", data: Array("x".utf8)) })
    #expect(error.code == .snapshotInvalid)
    #expect(error.message.contains("member ../evil.txt has a .. component"))
  }

  @Test func dotDotInsideAPathIsRefused() throws {
    let scene = try Scene()
    let error = try scene.refuse(Self.plain { $0.add("projects/../../evil.txt", data: Array("x".utf8)) })
    #expect(error.message.contains("member projects/../../evil.txt"))
  }

  @Test func absolutePathIsRefused() throws {
    let scene = try Scene()
    let outside = scene.work.appending("evil.txt")
    let error = try scene.refuse(Self.plain { $0.add(outside, data: Array("x".utf8)) })
    #expect(error.message.contains("member \(outside) is an absolute path"))
  }

  @Test func symlinkThenAFileThroughItIsRefused() throws {
    let scene = try Scene()
    let error = try scene.refuse(
      Self.plain {
        $0.add("escape", .symlink, link: scene.work.path)
        $0.add("escape/evil.txt", data: Array("x".utf8))
      })
    #expect(error.message.contains("member escape is a symlink to \(scene.work.path)"))
  }

  @Test func hardlinkToOutsideIsRefused() throws {
    let scene = try Scene()
    let error = try scene.refuse(Self.plain { $0.add("passwd", .hardlink, link: "../../../../etc/passwd") })
    #expect(error.message.contains("member passwd is a hard link to ../../../../etc/passwd"))
  }

  @Test func deviceIsRefused() throws {
    let scene = try Scene()
    let error = try scene.refuse(Self.plain { $0.add("dev/sda", .block) })
    #expect(error.message.contains("member dev/sda is a block device"))
    let char = try scene.refuse(Self.plain { $0.add("null", .character) })
    #expect(char.message.contains("member null is a character device"))
  }

  @Test func fifoIsRefused() throws {
    let scene = try Scene()
    let error = try scene.refuse(Self.plain { $0.add("pipe", .fifo) })
    #expect(error.message.contains("member pipe is a fifo"))
  }

  @Test func fileThroughAFileAndDuplicatesAreRefused() throws {
    let scene = try Scene()
    let through = try scene.refuse(Self.plain { $0.add("projects/ok.json/x", data: [1]) })
    #expect(through.message.contains("goes through projects/ok.json, which is a file"))
    let twice = try scene.refuse(Self.plain { $0.add("projects/ok.json", data: [2]) })
    #expect(twice.message.contains("member projects/ok.json appears twice"))
  }

  @Test func truncatedArchiveIsRefused() throws {
    let scene = try Scene()
    let source = scene.work.appending("src")
    try BackupFixture.make(source)
    let snapshot = try BackupFixture.create(source, scene.work.appending("dest")).path
    let full = try FileSystem.readFile(snapshot)
    let error = try scene.refuse(Array(full[..<(full.count / 2)]), name: "cut.tar.zst")
    #expect(error.code == .snapshotInvalid)
    #expect(error.path == scene.work.appending("cut.tar.zst"))
    // A plain tar cut inside a member's data.
    let tar = Self.plain { $0.add("big.bin", data: [UInt8](repeating: 7, count: 4096)) }
    let cut = try scene.refuse(Array(tar[..<(tar.count - 3000)]))
    #expect(cut.code == .snapshotInvalid)
  }

  @Test func garbageAfterZstdMagicIsRefused() throws {
    let scene = try Scene()
    var bytes: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    var seed: UInt64 = 42
    for _ in 0..<4096 {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1
      bytes.append(UInt8(truncatingIfNeeded: seed >> 33))
    }
    let error = try scene.refuse(bytes, name: "garbage.tar.zst")
    #expect(error.code == .snapshotInvalid)
    #expect(error.path == scene.work.appending("garbage.tar.zst"))
  }

  @Test func capsOnMembersAndBytesAreEnforced() throws {
    let scene = try Scene()
    let archive = scene.work.appending("many.tar")
    try AtomicFile.write(Self.plain { for k in 0..<20 { $0.add("f\(k)", data: [UInt8](repeating: 1, count: 100)) } }, to: archive)
    var options = SnapshotRestorer.Options(snapshot: archive, target: scene.target)
    options.force = true
    options.maxMembers = 10
    #expect { try SnapshotRestorer(options).run() } throws: { ($0 as? MaestroError)?.message.contains("cap of 10 members") == true }
    options.maxMembers = 100
    options.maxBytes = 1000
    #expect { try SnapshotRestorer(options).run() } throws: { ($0 as? MaestroError)?.message.contains("cap of 1000 bytes") == true }
    try scene.expectUntouched()
  }

  /// A snapshot whose manifest and members disagree: an extra member, a
  /// missing member, a wrong size.
  @Test func snapshotMembersMustMatchTheManifest() throws {
    let scene = try Scene()
    let a = Array("{\"id\":\"a\"}".utf8)
    let manifest = SnapshotManifest(
      id: "00000001", createdAt: 1_790_000_000_000, source: "/x", hostname: "h", label: nil, compression: .none,
      excluded: [], root: .init(path: "", mode: 0o755, mtime: 0),
      directories: [.init(path: "projects", mode: 0o755, mtime: 0)],
      files: [.init(path: "projects/a.json", size: Int64(a.count), mode: 0o644, mtime: 0, sha256: SHA256.hex(of: a))])
    func snapshot(_ build: (inout RawTar) -> Void) -> [UInt8] {
      var tar = RawTar()
      tar.add("MANIFEST.json", data: manifest.serialized(), mode: 0o600)
      tar.add("data/", .directory)
      tar.add("data/projects/", .directory)
      build(&tar)
      return tar.finished()
    }
    let extra = try scene.refuse(snapshot { $0.add("data/projects/a.json", data: a); $0.add("data/projects/b.json", data: a) })
    #expect(extra.message.contains("member data/projects/b.json is not listed in the manifest"))
    let outside = try scene.refuse(snapshot { $0.add("data/projects/a.json", data: a); $0.add("README", data: a) })
    #expect(outside.message.contains("member README is outside data/"))
    let missing = try scene.refuse(snapshot { _ in })
    #expect(missing.message.contains("member data/projects/a.json is listed in the manifest but missing"))
    let size = try scene.refuse(snapshot { $0.add("data/projects/a.json", data: a + [0x20]) })
    #expect(size.message.contains("has 11 bytes, the manifest says 10"))
    let content = try scene.refuse(snapshot { $0.add("data/projects/a.json", data: Array("{\"id\":\"b\"}".utf8)) })
    #expect(content.message.contains("member data/projects/a.json: SHA-256"))
    // The intact one restores; verify agrees on all of them.
    let good = scene.work.appending("good.tar")
    try AtomicFile.write(snapshot { $0.add("data/projects/a.json", data: a) }, to: good)
    #expect(try SnapshotVerifier(path: good).run().isVerified)
    let bad = scene.work.appending("bad.tar")
    try AtomicFile.write(snapshot { $0.add("data/projects/b.json", data: a) }, to: bad)
    let report = try SnapshotVerifier(path: bad).run()
    #expect(report.problems.map(\.member).sorted() == ["data/projects/a.json", "data/projects/b.json"])
  }
}
