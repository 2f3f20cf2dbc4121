import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `ArchiveCreateJob` and `ArchiveRestoreJob` in process on a small data
/// dir, and what they refuse: hostile catalog lines and archive members,
/// checksum mismatches, differing live files.
@Suite struct ArchiveJobTests {
  /// p1 with: t1 (completed) and its subtask t2 (completed, pretty JSON,
  /// unknown field), t3 (in_progress) depending on t4 (completed), t5
  /// (completed, recent); session s1 lists t1 and t2.
  static func makeDir(_ dir: String) throws {
    let files: [String: String] = [
      "projects/p1.json": #"{"id":"p1","name":"P","workingDir":"/w","createdAt":1,"updatedAt":2}"#,
      "tasks/p1/t1.json": #"{"id":"t1","projectId":"p1","parentId":null,"title":"Old root","status":"completed","completedAt":1000,"updatedAt":1000,"sessionIds":["s1"],"dependencies":[]}"#,
      "tasks/p1/t2.json": "{\n  \"id\": \"t2\",\n  \"projectId\": \"p1\",\n  \"parentId\": \"t1\",\n  \"title\": \"Old kid\",\n  \"status\": \"completed\",\n  \"completedAt\": 2000,\n  \"sessionIds\": [\n    \"s1\"\n  ],\n  \"x-unknown\": {\"keep\": [1, 2]}\n}",
      "tasks/p1/t3.json": #"{"id":"t3","projectId":"p1","parentId":null,"title":"Open","status":"in_progress","completedAt":null,"updatedAt":3000,"sessionIds":[],"dependencies":["t4"]}"#,
      "tasks/p1/t4.json": #"{"id":"t4","projectId":"p1","parentId":null,"title":"Needed","status":"completed","completedAt":1500,"sessionIds":[],"dependencies":[]}"#,
      "tasks/p1/t5.json": #"{"id":"t5","projectId":"p1","parentId":null,"title":"Recent","status":"completed","completedAt":9999999999999,"sessionIds":[]}"#,
      "sessions/s1.json": #"{"id":"s1","projectId":"p1","taskIds":["t1","t2"],"name":"S","status":"completed"}"#,
    ]
    for (path, content) in files {
      try FileSystem.makeDirectories(FileSystem.parentDirectory(of: dir + "/" + path))
      try AtomicFile.write(Array(content.utf8), to: dir + "/" + path)
    }
  }

  static let criteria = ArchiveCriteria(cutoffMs: 1_000_000)

  @Test func createArchivesTheSubtreeAndHoldsTheDependency() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeDir(dir.path)
    let original = try userTree(dir.path)
    let t2Bytes = try FileSystem.readFile(dir.path + "/tasks/p1/t2.json")
    let dry = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria, dryRun: true).run()
    #expect(dry.archived.map(\.id) == ["t1", "t2"])
    #expect(try userTree(dir.path) == original)

    let o = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria).run()
    #expect(o.exitStatus == .changed)
    #expect(o.archived.map(\.id) == ["t1", "t2"])
    #expect(o.holds.map(\.id) == ["t4"])
    #expect(o.holds.first?.by == "t3")
    let name = try #require(o.archive)
    #expect(!FileSystem.fileExists(dir.path + "/tasks/p1/t1.json"))
    #expect(FileSystem.fileExists(dir.path + "/tasks/p1/t4.json"))
    #expect(try FileSystem.stat(dir.path + "/archive/" + name).mode & 0o777 == 0o600)

    let read = try ArchiveFileReader(path: dir.path + "/archive/" + name).read(wanted: ["tasks/p1/t2.json"])
    #expect(read.isVerified)
    #expect(read.manifest?.files.map(\.path) == ["tasks/p1/t1.json", "tasks/p1/t2.json"])
    #expect(read.contents["tasks/p1/t2.json"]?.bytes == t2Bytes)
    let catalog = try ArchiveCatalog(root: dir.path)
    #expect(catalog.entries.map(\.id) == ["t1", "t2"])
    #expect(catalog.entries[1].parentId == "t1")
    #expect(catalog.entries[1].archive == name)

    let shown = try ArchiveLibrary(root: dir.path).show("t2")
    #expect(String(decoding: shown.bytes, as: UTF8.self).contains("\"x-unknown\": {\"keep\": [1, 2]}"))
    let again = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria).run()
    #expect(again.exitStatus == .ok)
    #expect(again.archived.isEmpty)

    let restored = try ArchiveRestoreJob(dataDir: dir.path, ids: ["t1", "t2"]).run()
    #expect(restored.restored.map(\.id) == ["t1", "t2"])
    #expect(try ArchiveCatalog(root: dir.path).entries.isEmpty)
    #expect(try userTree(dir.path).filter { !$0.path.hasPrefix("archive") } == original)
  }

  /// References behind strings and nested values full of brackets, quotes
  /// and escapes are still found (live tasks are skimmed, not parsed).
  @Test func referencesAreFoundInTrickyDocuments() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeDir(dir.path)
    let tricky =
      #"{"id":"t8","projectId":"p1","description":"a \" } ] { \\","nested":{"a":[1,{"b":"]\"["}],"c":-1.5e3},"status":"todo","ok":true,"none":null,"dependencies":["t5"]}"#
    try AtomicFile.write(Array(tricky.utf8), to: dir.path + "/tasks/p1/t8.json")
    let o = try await ArchiveCreateJob(dataDir: dir.path, criteria: ArchiveCriteria(cutoffMs: .infinity), dryRun: true).run()
    #expect(o.holds.first { $0.id == "t5" }?.by == "t8")
    #expect(o.archived.map(\.id) == ["t1", "t2"])
  }

  /// A copy left live next to its identical archived copy (a removal that
  /// never happened) is settled by the next run; a differing one is kept.
  @Test func nextRunSettlesBothLiveAndArchived() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeDir(dir.path)
    let t1 = try FileSystem.readFile(dir.path + "/tasks/p1/t1.json")
    let t2 = try FileSystem.readFile(dir.path + "/tasks/p1/t2.json")
    _ = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria).run()
    try AtomicFile.write(t1, to: dir.path + "/tasks/p1/t1.json")
    try AtomicFile.write(t2 + Array(" ".utf8), to: dir.path + "/tasks/p1/t2.json")
    let o = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria).run()
    #expect(o.settled == ["t1"])
    #expect(o.problems.contains { $0.contains("tasks/p1/t2.json is live and differs") })
    #expect(!FileSystem.fileExists(dir.path + "/tasks/p1/t1.json"))
    #expect(FileSystem.fileExists(dir.path + "/tasks/p1/t2.json"))
    // Restoring over the differing live copy is refused; nothing changes.
    #expect {
      try ArchiveRestoreJob(dataDir: dir.path, ids: ["t1", "t2"]).run()
    } throws: { ($0 as? MaestroError)?.code == .archiveRefused && "\($0)".contains("tasks/p1/t2.json") }
    #expect(!FileSystem.fileExists(dir.path + "/tasks/p1/t1.json"))
  }

  /// A catalog line whose archive is gone is reported by create and list,
  /// and its task cannot be shown or restored.
  @Test func aMissingArchiveIsReported() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeDir(dir.path)
    let o = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria).run()
    let name = try #require(o.archive)
    try FileSystem.rename(dir.path + "/archive/" + name, to: dir.path + "/elsewhere.tar.zst")
    let again = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria, dryRun: true).run()
    #expect(again.problems == ["archive/\(name) is missing: the 2 task(s) the catalog lists in it cannot be restored"])
    let listed = try ArchiveLibrary(root: dir.path).list()
    #expect(listed.missing == [name])
    #expect(listed.archives.isEmpty)
    #expect(throws: MaestroError.self) { try ArchiveLibrary(root: dir.path).show("t1") }
    #expect { try ArchiveRestoreJob(dataDir: dir.path, ids: ["t1"]).run() } throws: {
      ($0 as? MaestroError)?.code == .archiveRefused && "\($0)".contains("missing")
    }
  }

  /// Rewrites the catalog's only t1 line with `edit` applied.
  static func tamperCatalog(_ dir: String, _ edit: (inout JSONObject) -> Void) throws {
    let path = dir + "/archive/catalog.jsonl"
    var out: [UInt8] = []
    for line in try FileSystem.readFile(path).split(separator: 0x0A) {
      var o = try #require(try JSONParser.parse(Array(line)).objectValue)
      if o["id"] == "t1" { edit(&o) }
      JSONWriter.serialize(.object(o), style: .compact, into: &out)
      out.append(0x0A)
    }
    try AtomicFile.write(out, to: path)
  }

  @Test(arguments: [
    ("member", JSONValue.string("../../etc/passwd"), "member ../../etc/passwd"),
    ("member", .string("/etc/passwd"), "absolute path"),
    ("member", .string("tasks/p1/t4.json"), "not the task's own path"),
    ("member", .string("sessions/s1.json"), "not the task's own path"),
    ("projectId", .string(".."), "unsafe projectId"),
    ("archive", .string("../../x.tar.zst"), "not a file name in archive/"),
    ("sha256", .string(String(repeating: "0", count: 64)), "does not match the catalog's SHA-256"),
  ])
  func hostileCatalogLinesAreRefused(field: String, value: JSONValue, message: String) async throws {
    let dir = try TemporaryDirectory()
    try Self.makeDir(dir.path)
    _ = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria).run()
    try Self.tamperCatalog(dir.path) { $0[field] = value }
    let before = try userTree(dir.path)
    #expect {
      try ArchiveRestoreJob(dataDir: dir.path, ids: ["t1"]).run()
    } throws: { error in
      (error as? MaestroError)?.code == .archiveRefused && "\(error)".contains(message)
    }
    #expect(try userTree(dir.path) == before)
  }

  @Test func hostileIdsAreRefused() throws {
    let dir = try TemporaryDirectory()
    try Self.makeDir(dir.path)
    try FileSystem.makeDirectories(dir.path + "/archive")
    try AtomicFile.write(
      Array(#"{"id":"../t1","projectId":"p1","archive":"a.tar.zst","member":"tasks/p1/../t1.json","sha256":"00"}"#.utf8),
      to: dir.path + "/archive/catalog.jsonl")
    #expect(throws: MaestroError.self) { try ArchiveRestoreJob(dataDir: dir.path, ids: ["../t1"]).run() }
    #expect(throws: MaestroError.self) { try ArchiveLibrary(root: dir.path).show("../t1") }
    #expect(!FileSystem.fileExists(dir.path + "/tasks/t1.json"))
  }

  /// An archive whose members are hostile (`..`, absolute, unlisted,
  /// altered) is refused by name; nothing is written.
  @Test func hostileArchiveMembersAreRefused() async throws {
    let dir = try TemporaryDirectory()
    try Self.makeDir(dir.path)
    let o = try await ArchiveCreateJob(dataDir: dir.path, criteria: Self.criteria).run()
    let path = dir.path + "/archive/" + (o.archive ?? "")
    let manifest = try #require(try ArchiveFileReader(path: path).read().manifest)
    let cases: [(name: String, bytes: [UInt8], problem: String)] = [
      ("../evil.json", [1], "../evil.json: refused"),
      ("/tmp/evil.json", [1], "/tmp/evil.json: refused"),
      ("tasks/p1/t1.json", Array("{\"id\":\"t1\"}".utf8), "tasks/p1/t1.json: SHA-256"),
    ]
    for c in cases {
      let writer = try TarWriter(path: path, compression: .zstd)
      try writer.addFile(path: ArchiveManifest.memberName, bytes: manifest.serialized())
      try writer.addFile(path: c.name, bytes: c.bytes)
      try writer.finish()
      let read = try ArchiveFileReader(path: path).read()
      #expect(!read.isVerified)
      #expect(read.problems.contains { $0.description.hasPrefix(c.problem) }, "\(read.problems)")
      #expect {
        try ArchiveRestoreJob(dataDir: dir.path, ids: ["t1"]).run()
      } throws: { ($0 as? MaestroError)?.code == .archiveRefused }
      #expect(!FileSystem.fileExists(dir.path + "/tasks/p1/t1.json"))
      #expect(!FileSystem.fileExists(dir.path + "/evil.json"))
    }
  }
}
