import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `--inject` parsing, option checks and the safe replacement of `--out`.
@Suite struct GenerateOptionsTests {
  @Test func injectSpecParses() throws {
    let spec = try FaultInjection(parsing: " task.orphan=2, file.empty=1 ,all=3")
    #expect(spec[.taskOrphan] == 2 && spec[.fileEmpty] == 1 && spec.all == 3)
    let resolved = try spec.resolved(for: .seed, projects: 3)
    #expect(resolved.first { $0.0 == .taskOrphan }?.1 == 2)
    #expect(resolved.first { $0.0 == .linkSessionOnly }?.1 == 3)
    #expect(!resolved.contains { $0.0 == .sessionDocMissing })
    #expect(try FaultInjection(parsing: "").isEmpty)
  }

  @Test func unknownClassIsAUsageErrorListingTheValidOnes() {
    #expect {
      try FaultInjection(parsing: "task.orphan=1,bogus=2")
    } throws: { error in
      guard let e = error as? MaestroError else { return false }
      return e.code == .usage && e.message.contains("bogus") && e.message.contains("session.task.dangling")
        && e.message.contains("entity.id.hostile")
    }
    #expect(throws: MaestroError.self) { try FaultInjection(parsing: "task.orphan") }
    #expect(throws: MaestroError.self) { try FaultInjection(parsing: "task.orphan=-1") }
  }

  @Test func inapplicableClassesAreRefusedWhenNamed() throws {
    let docs = try FaultInjection(parsing: "session.doc.missing=1")
    #expect(throws: MaestroError.self) { try docs.resolved(for: .seed, projects: 3) }
    #expect(try docs.resolved(for: .current, projects: 3).map(\.0) == [.sessionDocMissing])
    let cross = try FaultInjection(parsing: "link.cross-project=1")
    #expect(throws: MaestroError.self) { try cross.resolved(for: .seed, projects: 1) }
    // all=N quietly skips what cannot apply.
    let all = try FaultInjection(parsing: "all=1").resolved(for: .seed, projects: 1)
    #expect(!all.contains { $0.0.requiresTwoProjects || $0.0.requiresCurrentFormat })
  }

  @Test func everyClassHasAHelpLine() {
    for c in FaultClass.allCases {
      #expect(FaultClass.helpText.contains(c.rawValue + " "))
      #expect(!c.summary.isEmpty)
    }
    #expect(Set(FaultClass.allCases.map(\.rawValue)).count == FaultClass.allCases.count)
  }

  @Test func scalesHaveTheDocumentedCounts() {
    #expect(GenerateScale.xs.counts == .init(projects: 3, tasks: 30, sessions: 10))
    #expect(GenerateScale.m.counts == .init(projects: 100, tasks: 20_000, sessions: 5_000))
    #expect(GenerateScale.xl.counts == .init(projects: 5_000, tasks: 1_000_000, sessions: 250_000))
  }

  @Test func impossibleCountsAreUsageErrors() async throws {
    let tmp = try TemporaryDirectory()
    let dir = tmp.path
    do {
      for counts in [
        GeneratorOptions.Counts(projects: 0, tasks: 1, sessions: 0),
        .init(projects: 1, tasks: 0, sessions: 1), .init(projects: 1, tasks: -1, sessions: 0),
      ] {
        await #expect {
          _ = try await DataGenerator.run(GeneratorOptions(out: dir + "/out", counts: counts, sync: false))
        } throws: { ($0 as? MaestroError)?.code == .usage }
      }
      #expect(!FileSystem.fileExists(dir + "/out"))
      #expect(try FileSystem.listDirectory(dir).isEmpty, "a refused run leaves nothing behind")
    }
  }

  @Test func nonEmptyOutIsRefusedWithoutForceAndReplacedWithIt() async throws {
    let tmp = try TemporaryDirectory()
    let dir = tmp.path
    do {
      let out = dir + "/data"
      try FileSystem.makeDirectories(out)
      try AtomicFile.write(Array("keep".utf8), to: out + "/precious.txt")
      await #expect {
        _ = try await DataGenerator.run(GeneratorOptions(out: out, sync: false))
      } throws: { error in
        guard let e = error as? MaestroError else { return false }
        return e.code == .usage && e.path == out && e.message.contains("--force")
      }
      #expect(try FileSystem.readFile(out + "/precious.txt") == Array("keep".utf8))
      #expect(try FileSystem.listDirectory(dir).map(\.name) == ["data"])
      // Not generate's own output: --force does not replace it either.
      await #expect {
        _ = try await DataGenerator.run(GeneratorOptions(out: out, force: true, sync: false))
      } throws: { ($0 as? MaestroError)?.message.contains("generate's own output") == true }
      #expect(try FileSystem.readFile(out + "/precious.txt") == Array("keep".utf8))

      // Its own output is replaced with --force, whatever was added to it.
      let own = dir + "/own"
      _ = try await DataGenerator.run(GeneratorOptions(out: own, seed: 2, sync: false))
      try AtomicFile.write(Array("scratch".utf8), to: own + "/scratch.txt")
      let report = try await DataGenerator.run(GeneratorOptions(out: own, force: true))
      #expect(!FileSystem.fileExists(own + "/scratch.txt"))
      #expect(try TreeHash.hash(of: own) == report.treeHash)
      #expect(try FileSystem.listDirectory(dir).map(\.name).sorted() == ["data", "own", "own.faults.json"])
      // An empty existing directory is filled without --force.
      try FileSystem.makeDirectories(dir + "/empty")
      _ = try await DataGenerator.run(GeneratorOptions(out: dir + "/empty", sync: false))
      #expect(FileSystem.isDirectory(dir + "/empty/projects"))
    }
  }

  @Test func relativeOutAndDocRootBecomeAbsolute() async throws {
    let (report, tmp) = try await generate {
      $0.format = .current
      $0.docRoot = "/srv/./maestro/../maestro/data/"
    }
    #expect(report.out.hasPrefix("/"))
    let dir = try GeneratedDir(report.out)
    let paths = dir.sessions.values.flatMap { $0[0].json["docs"]?.arrayValue ?? [] }.compactMap {
      $0["contentFilePath"]?.stringValue
    }
    #expect(!paths.isEmpty && paths.allSatisfy { $0.hasPrefix("/srv/maestro/data/session-docs/sess_") })
    withExtendedLifetime(tmp) {}
  }
}
