import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The same arguments give the same bytes: across runs, worker counts and
/// (through the pinned hash) machines and commits.
@Suite struct GenerateDeterminismTests {
  /// `GeneratedTreeHash` (= `TreeHash.hash(of:)`) of `generate --scale s
  /// --seed 1` (format seed, pretty, no faults).
  ///
  /// This pin exists to catch accidental changes of the output. Change it
  /// only on purpose (a new field, a fix to the data), and say why in the
  /// commit: every benchmark and fixture generated before is then different.
  static let pinnedScaleSSeed1: UInt64 = 0x5c19_0cdb_15bb_a075

  @Test func sameArgumentsGiveTheSameTreeWithAnyWorkerCount() async throws {
    func run(_ workers: Int) async throws -> (GenerateReport, UInt64, TemporaryDirectory) {
      let (report, tmp) = try await generate {
        $0.counts = .init(projects: 5, tasks: 300, sessions: 80)
        $0.format = .current
        $0.faults = try! FaultInjection(parsing: "all=1")
        $0.seed = 42
        $0.workers = workers
        $0.docRoot = "/srv/maestro/data"
      }
      return (report, try TreeHash.hash(of: report.out), tmp)
    }
    let (one, oneDisk, t1) = try await run(1)
    let (two, twoDisk, t2) = try await run(2)
    let (five, fiveDisk, t3) = try await run(5)
    #expect(one.treeHash == oneDisk)
    #expect(one.treeHash == two.treeHash && two.treeHash == five.treeHash)
    #expect(oneDisk == twoDisk && twoDisk == fiveDisk)
    #expect(try TreeHash.entries(of: one.out) == TreeHash.entries(of: two.out))
    #expect(try FileSystem.readFile(one.faultsFile) == FileSystem.readFile(five.faultsFile))
    withExtendedLifetime((t1, t2, t3)) {}
  }

  @Test func otherSeedsGiveOtherTrees() async throws {
    let (a, t1) = try await generate { $0.seed = 1 }
    let (b, t2) = try await generate { $0.seed = 2 }
    #expect(a.treeHash != b.treeHash)
    withExtendedLifetime((t1, t2)) {}
  }

  @Test func scaleSSeed1IsPinned() async throws {
    let (report, tmp) = try await generate {
      $0.scale = .s
      $0.counts = GenerateScale.s.counts
    }
    #expect(report.files == 10 + 1_000 + 250)
    #expect(
      report.treeHash == Self.pinnedScaleSSeed1,
      "tree hash is now \(GeneratedTreeHash.hex(report.treeHash)); if the change is intended, update the pin and say why in the commit"
    )
    withExtendedLifetime(tmp) {}
  }

  /// The checked-in `Fixtures/generated/` trees and their `.faults.json`
  /// are exactly what `generate` writes today (the commands that make them
  /// are in `Fixtures/generated/README.md`).
  @Test(arguments: GeneratedFixture.all)
  func checkedInFixturesAreCurrent(fixture: GeneratedFixture) async throws {
    let (report, tmp) = try await generate { fixture.configure(&$0) }
    let checkedIn = ProjectPaths.fixtures + "/generated/" + fixture.name
    let expected = try TreeHash.entries(of: checkedIn)
    let actual = try TreeHash.entries(of: report.out)
    #expect(
      actual == expected,
      "Fixtures/generated/\(fixture.name) is stale; regenerate it (see Fixtures/generated/README.md). First difference: \(zip(actual, expected).first { $0 != $1 }.map { "\($0.0) vs \($0.1)" } ?? "entry count \(actual.count) vs \(expected.count)")"
    )
    #expect(try FileSystem.readFile(report.faultsFile) == FileSystem.readFile(checkedIn + ".faults.json"))
    withExtendedLifetime(tmp) {}
  }
}

/// One checked-in generated fixture and the options that make it.
struct GeneratedFixture: Sendable, CustomTestStringConvertible {
  var name: String
  var format: GenerateFormat
  var inject: String

  var testDescription: String { name }

  static let all: [GeneratedFixture] = [
    .init(name: "xs-seed", format: .seed, inject: ""),
    .init(name: "xs-current", format: .current, inject: ""),
    .init(name: "xs-legacy", format: .legacy, inject: ""),
    .init(name: "xs-seed-faults", format: .seed, inject: "all=1"),
    .init(name: "xs-current-faults", format: .current, inject: "all=1"),
  ]

  func configure(_ o: inout GeneratorOptions) {
    o.scale = .xs
    o.counts = GenerateScale.xs.counts
    o.seed = 1
    o.format = format
    o.style = format.defaultStyle
    o.faults = try! FaultInjection(parsing: inject)
    o.docRoot = "/home/maestro/.maestro/data"
  }
}
