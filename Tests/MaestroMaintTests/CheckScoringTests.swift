import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `check` scored against `generate --inject`'s ground truth
/// (`DIR.faults.json`): for every fault class, exactly the planted findings
/// — no miss, no extra — and nothing at all of warning or error severity
/// in fault-free output of every format.
@Suite struct CheckScoringTests {
  /// One expected or reported finding, as the ground truth names it.
  struct Triple: Hashable, Comparable, CustomStringConvertible {
    var code: String
    var id: String
    var file: String
    var description: String { "\(code) \(file) \(Finding.quoted(id))" }
    static func < (a: Triple, b: Triple) -> Bool { (a.code, a.file, a.id) < (b.code, b.file, b.id) }
  }

  /// The score of one generated dir.
  struct Score {
    var expected: Set<Triple>
    var reported: Set<Triple>
    var classes: [String]
    var missed: [Triple] { expected.subtracting(reported).sorted() }
    var extra: [Triple] { reported.subtracting(expected).sorted() }
  }

  /// Checks `root` and compares with the ground truth at `truthFile`.
  ///
  /// Reported = every error or warning finding, plus info findings of a
  /// planted code (`enum.unknown` is info): an unplanted info fact is not
  /// an extra, anything else is.
  static func score(root: String, truthFile: String) async throws -> Score {
    let truth = try JSONParser.parse(try FileSystem.readFile(truthFile))
    var expected: Set<Triple> = []
    var classes: [String] = []
    for fault in truth["faults"]?.arrayValue ?? [] {
      classes.append(fault["class"]?.stringValue ?? "?")
      for e in fault["expected"]?.arrayValue ?? [] {
        expected.insert(
          Triple(
            code: e["code"]?.stringValue ?? "", id: e["id"]?.stringValue ?? "",
            file: e["file"]?.stringValue ?? ""))
      }
    }
    let planted = Set(expected.map(\.code))
    let report = try await DataDirCheck(root: root).run()
    let reported = Set(
      report.findings.filter { $0.severity != .info || planted.contains($0.code.rawValue) }.map {
        Triple(code: $0.code.rawValue, id: $0.id ?? "", file: $0.file ?? "")
      })
    return Score(expected: expected, reported: reported, classes: classes)
  }

  /// Generates a data dir with `inject` planted, checks it and compares.
  static func score(
    inject: String, format: GenerateFormat, scale: GenerateScale = .xs, seed: UInt64 = 7
  ) async throws -> Score {
    try await withTemporaryDirectory(prefix: "maestro-score") { dir in
      let out = dir + "/data"
      let options = GeneratorOptions(
        out: out, scale: scale, seed: seed, format: format, faults: try FaultInjection(parsing: inject),
        sync: false)
      _ = try await DataGenerator.run(options)
      return try await score(root: out, truthFile: out + ".faults.json")
    }
  }

  static let formats: [GenerateFormat] = [.seed, .current, .legacy]

  /// Every class the generator plants, each in a dir of its own (xs data,
  /// two faults), in the format it applies to.
  @Test(arguments: FaultClass.allCases)
  func eachClassIsFoundExactly(_ faultClass: FaultClass) async throws {
    let format: GenerateFormat = faultClass.requiresCurrentFormat ? .current : .seed
    let score = try await Self.score(inject: "\(faultClass.rawValue)=2", format: format)
    #expect(score.classes == [faultClass.rawValue, faultClass.rawValue])
    #expect(score.expected.count >= 2)
    #expect(score.missed.isEmpty, "missed: \(score.missed)")
    #expect(score.extra.isEmpty, "extra: \(score.extra)")
  }

  /// All classes at once on s-size data, once per format: faults do not
  /// interfere with each other or with the clean data around them.
  @Test(arguments: formats)
  func allClassesTogetherOnSmallData(_ format: GenerateFormat) async throws {
    let score = try await Self.score(inject: "all=3", format: format, scale: .s, seed: 11)
    #expect(score.classes.count >= 3 * (FaultClass.allCases.count - (format == .current ? 0 : 1)))
    #expect(score.missed.isEmpty, "missed: \(score.missed)")
    #expect(score.extra.isEmpty, "extra: \(score.extra)")
  }

  /// The checked-in generated fixtures (xs, each format, with and without
  /// faults) score exactly too.
  @Test func checkedInGeneratedFixturesScoreExactly() async throws {
    let folder = ProjectPaths.fixtures + "/generated"
    guard FileSystem.isDirectory(folder) else { return }
    var scored = 0
    for entry in try FileSystem.listDirectory(folder) where entry.kind == .directory {
      let root = folder + "/" + entry.name
      guard FileSystem.fileExists(root + ".faults.json") else { continue }
      let score = try await Self.score(root: root, truthFile: root + ".faults.json")
      #expect(score.missed.isEmpty, "\(entry.name) missed: \(score.missed)")
      #expect(score.extra.isEmpty, "\(entry.name) extra: \(score.extra)")
      scored += 1
    }
    #expect(scored > 0)
  }

  /// Fault-free output of every format: no error and no warning.
  @Test(arguments: formats)
  func cleanOutputHasNoErrorOrWarning(_ format: GenerateFormat) async throws {
    let score = try await Self.score(inject: "", format: format, scale: .s, seed: 3)
    #expect(score.expected.isEmpty)
    #expect(score.extra.isEmpty, "extra: \(score.extra)")
  }
}
