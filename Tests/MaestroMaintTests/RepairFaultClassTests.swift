import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `repair` against `generate --inject`: for every fault class, one run
/// leaves `check` clean (or, for the classes the policy leaves to a person,
/// only those findings), a second run changes nothing, and undoing the
/// run's journals newest first brings the tree back exactly.
@Suite struct RepairFaultClassTests {
  /// Classes whose findings the policy leaves to a person.
  static let manualClasses: Set<FaultClass> = [.linkCrossProject, .sessionDocMissing, .fieldType]

  /// Generates xs data with two faults of `faultClass` in `dir`.
  static func generate(_ faultClass: FaultClass, into dir: String, scale: GenerateScale = .xs) async throws -> String {
    let out = dir + "/data"
    let format: GenerateFormat = faultClass.requiresCurrentFormat ? .current : .seed
    let options = GeneratorOptions(
      out: out, scale: scale, seed: 11, format: format,
      faults: try FaultInjection(parsing: "\(faultClass.rawValue)=2"), sync: false)
    _ = try await DataGenerator.run(options)
    return out
  }

  /// Undoes `journals` newest first.
  static func undoAll(_ journals: [String], dataDir: String) throws {
    for id in journals.reversed() {
      let outcome = try UndoJob(journal: id, dataDir: dataDir).run(dryRun: false, force: false)
      #expect(outcome.conflicts.isEmpty, "undo \(id): \(outcome.conflicts)")
    }
  }

  @Test(arguments: FaultClass.allCases)
  func eachClassIsRepairedInOneRun(_ faultClass: FaultClass) async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      let data = try await Self.generate(faultClass, into: dir)
      let original = try userTree(data)
      let outcome = try await RepairJob(dataDir: data).run()
      let after = try await DataDirCheck(root: data).run()
      let left = after.findings.filter { $0.severity.affectsExitCode }
      if Self.manualClasses.contains(faultClass) {
        #expect(outcome.exitStatus == .problemsLeft)
        #expect(!left.isEmpty)
        #expect(left.allSatisfy { $0.code.action == "manual" }, "left: \(left)")
        #expect(outcome.remaining.map(\.code) == left.sorted().map(\.code))
      } else {
        #expect(left.isEmpty, "\(faultClass): left \(left)")
        #expect(after.exitStatus == .ok)
        let expected: MaestroMaint.ExitStatus = faultClass == .enumUnknown ? .ok : .changed
        #expect(outcome.exitStatus == expected, "\(faultClass): \(outcome.steps)")
      }
      if faultClass != .enumUnknown && !Self.manualClasses.contains(faultClass) {
        #expect(!outcome.journals.isEmpty)
        #expect(outcome.steps.allSatisfy { $0.change.contains($0.file) || $0.change.contains("docs") })
      }

      let repairedTree = try userTree(data)
      let again = try await RepairJob(dataDir: data).run()
      #expect(again.steps.isEmpty, "second run: \(again.steps)")
      #expect(again.journals.isEmpty)
      #expect(again.exitStatus == (Self.manualClasses.contains(faultClass) ? .problemsLeft : .ok))
      #expect(try userTree(data) == repairedTree)

      try Self.undoAll(outcome.journals, dataDir: data)
      let restored = try userTree(data)
      #expect(restored == original, "\(faultClass): tree differs after undo")
    }
  }

  /// Every class at once, at s size: one run, clean but for manual ones.
  @Test func allClassesTogetherAtSmallSize() async throws {
    try await withTemporaryDirectory(prefix: "maestro-repair") { dir in
      let out = dir + "/data"
      let options = GeneratorOptions(
        out: out, scale: .s, seed: 5, format: .current, faults: try FaultInjection(parsing: "all=2"), sync: false)
      _ = try await DataGenerator.run(options)
      let original = try userTree(out)
      let outcome = try await RepairJob(dataDir: out).run()
      let left = try await DataDirCheck(root: out).run().findings.filter { $0.severity.affectsExitCode }
      #expect(left.allSatisfy { $0.code.action == "manual" }, "left: \(left)")
      #expect(outcome.exitStatus == .problemsLeft)
      #expect(try await RepairJob(dataDir: out).run().steps.isEmpty)
      try Self.undoAll(outcome.journals, dataDir: out)
      #expect(try userTree(out) == original)
    }
  }
}
