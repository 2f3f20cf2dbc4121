import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The server stand-in the live tests rely on: it leaves a consistent data
/// dir behind, logs every write, and the verifier finds a destroyed one.
@Suite struct ServerImitatorTests {
  static func generated(_ dir: String) async throws -> String {
    let out = dir + "/data"
    _ = try await DataGenerator.run(GeneratorOptions(out: out, scale: .xs, seed: 3, sync: false))
    return out
  }

  @Test(arguments: ImitatorWrite.Style.allCases)
  func aBoundedRunLeavesAConsistentDataDirAndLogsEveryWrite(_ style: ImitatorWrite.Style) async throws {
    try await withTemporaryDirectory(prefix: "imitator") { dir in
      let data = try await Self.generated(dir)
      var options = ServerImitator.Options(dataDir: data)
      options.style = style
      options.writesPerSecond = 0  // as fast as it goes
      options.maxWrites = 400
      options.seed = 9
      options.createPercent = 20
      options.logPath = dir + "/writes.jsonl"
      let summary = try ServerImitator(options).run()
      #expect(summary.failures.isEmpty)
      #expect(summary.writes >= 400)
      #expect(Set(summary.operations.keys).isSuperset(of: ["touch", "link", "unlink", "create-task", "create-session"]))
      let log = try ImitatorWrite.readLog(dir + "/writes.jsonl")
      #expect(log.count == summary.writes)
      let verdict = LostWriteVerifier(policy: .untouched).verify(log: log, root: data)
      #expect(verdict.losses.isEmpty && verdict.intact == verdict.files)
      // At rest, a server leaves nothing for check to complain about.
      let report = try await DataDirCheck(root: data).run()
      #expect(report.count(.error) == 0 && report.count(.warning) == 0, "\(report.findings)")
      // The style shows in the bytes: two-space in place, compact with rename.
      let sample = try FileSystem.readFile(data + "/" + log[log.count - 1].path)
      #expect(sample.contains(UInt8(ascii: "\n")) == (style == .inPlace))
      #expect(try FileSystem.listDirectory(data + "/sessions").allSatisfy { !$0.name.hasSuffix(".tmp") })
    }
  }

  @Test func theVerifierFindsAStaleOverwriteAndAcceptsARewriteFromTheLastWrite() async throws {
    try await withTemporaryDirectory(prefix: "imitator") { dir in
      let data = try await Self.generated(dir)
      var options = ServerImitator.Options(dataDir: data)
      options.writesPerSecond = 0
      options.maxWrites = 200
      options.createPercent = 0
      options.logPath = dir + "/writes.jsonl"
      _ = try ServerImitator(options).run()
      let writes = try ImitatorWrite.readLog(dir + "/writes.jsonl")
      let last = try #require(writes.last { $0.path.hasPrefix("tasks/") })
      let path = data + "/" + last.path
      var object = try #require(try JSONParser.parse(try FileSystem.readFile(path)).objectValue)

      // Rewritten from the last write (another style, say): not a loss for a changing command.
      try AtomicFile.write(JSONWriter.serialize(.object(object), style: .pretty), to: path)
      #expect(LostWriteVerifier(policy: .derived(removable: { _ in false })).verify(log: writes, root: data).losses.isEmpty)
      #expect(LostWriteVerifier(policy: .untouched).verify(log: writes, root: data).losses.map(\.kind) == ["replaced"])

      // Written from an older version: the server's last write is lost.
      object["updatedAt"] = .number(last.marker - 1)
      try AtomicFile.write(JSONWriter.serialize(.object(object), style: .compact), to: path)
      let stale = LostWriteVerifier(policy: .derived(removable: { _ in false })).verify(log: writes, root: data)
      #expect(stale.losses.map(\.path) == [last.path])
      #expect(stale.losses.first?.kind == "stale")

      // Gone: lost, unless the policy accepts its removal (archived).
      try FileSystem.removeFile(path)
      #expect(LostWriteVerifier(policy: .derived(removable: { _ in false })).verify(log: writes, root: data).losses.first?.kind == "missing")
      #expect(LostWriteVerifier(policy: .derived(removable: { $0 == last.path })).verify(log: writes, root: data).removed == [last.path])
    }
  }
}
