import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// Order, filters, rendering and exit status of a report.
@Suite struct CheckReportTests {
  static func finding(_ code: FindingCode, file: String?, id: String?) -> Finding {
    Finding(code, .task, id: id, file: file, "m")
  }

  @Test func findingsSortByCodeThenFileThenId() {
    let report = CheckReport(
      root: "/d",
      findings: [
        Self.finding(.taskOrphan, file: "tasks/b.json", id: "b"),
        Self.finding(.fieldUnknown, file: nil, id: nil),
        Self.finding(.taskOrphan, file: "tasks/a.json", id: "z"),
        Self.finding(.taskOrphan, file: "tasks/a.json", id: "y"),
      ], filesRead: 3, bytesRead: 10, durationMs: 1)
    #expect(report.findings.map { "\($0.code) \($0.file ?? "-") \($0.id ?? "-")" } == [
      "field.unknown - -", "task.orphan tasks/a.json y", "task.orphan tasks/a.json z", "task.orphan tasks/b.json b",
    ])
    #expect(report.exitStatus == .problemsLeft)
    #expect(report.count(.error) == 3 && report.count(.info) == 1)
  }

  @Test func filterTakesCodesAndFamilies() throws {
    let links = try FindingFilter(only: "link., task.parent.*", ignore: "link.cross-project")
    #expect(links.includes(.linkSessionOnly))
    #expect(links.includes(.parentCycle) && links.includes(.parentDangling))
    #expect(!links.includes(.linkCrossProject))
    #expect(!links.includes(.taskOrphan))
    #expect(try FindingFilter(only: nil, ignore: "file.stray").includes(.strayTmp))
    #expect(throws: MaestroError.self) { try FindingFilter(only: "link.sesion-only", ignore: nil) }
    #expect(throws: MaestroError.self) { try FindingFilter(only: "nosuch.", ignore: nil) }
    #expect(throws: MaestroError.self) { try FindingFilter(only: nil, ignore: " , ") }
  }

  @Test func catalogueCodesAreUniqueDottedAndDocumentedInREADME() throws {
    let names = FindingCode.catalogue.map(\.rawValue)
    #expect(Set(names).count == names.count)
    let readme = String(decoding: try FileSystem.readFile(ProjectPaths.root + "/README.md"), as: UTF8.self)
    for code in FindingCode.catalogue {
      #expect(code.rawValue.contains("."))
      #expect(!code.meaning.isEmpty && !code.action.isEmpty)
      #expect(readme.contains("`\(code.rawValue)`"), "README lacks \(code.rawValue)")
    }
    // Every class the generator plants is a code check knows, with the same name.
    for c in FaultClass.allCases { #expect(FindingCode.named(c.rawValue) != nil, "\(c.rawValue)") }
  }

  @Test func textGroupsByCodeWithExamplesAndVerdict() {
    var findings: [Finding] = []
    for k in 0..<7 { findings.append(Self.finding(.taskOrphan, file: "tasks/t\(k).json", id: "t\(k)")) }
    findings.append(Finding(.docRelocated, .session, id: "s", file: "sessions/s.json", "moved"))
    let report = CheckReport(root: "/d", findings: findings, filesRead: 25_100, bytesRead: 1, durationMs: 1)
    let lines = report.textLines(maxExamples: 2)
    #expect(lines.first == "session.doc.relocated  info  1 finding  (repair: rebase-path)")
    #expect(lines[1] == "  sessions/s.json: moved")
    #expect(lines[2] == "task.orphan  error  7 findings  (repair: recreate-or-quarantine)")
    #expect(lines[3] == "  tasks/t0.json: m")
    #expect(lines[5] == "  … and 5 more")
    #expect(lines.last == "7 errors, 0 warnings, 1 info in 25,100 files — exit 4")
  }

  @Test func jsonLinesAreFindingsThenASummary() throws {
    let report = CheckReport(
      root: "/d",
      findings: [
        Finding(.sessionTaskDangling, .session, id: "s", file: "sessions/s.json", ref: "t", "gone"),
        Finding(.fieldUnknown, .task, id: nil, file: "tasks/p/t.json", ref: "color", count: 3, "x"),
      ], filesRead: 2, bytesRead: 5, durationMs: 12.345)
    let lines = try report.jsonLines.map { try #require(try JSONParser.parse($0).objectValue) }
    #expect(lines.count == 3)
    #expect(lines[0].keys == ["type", "code", "severity", "entity", "id", "file", "ref", "count", "message", "action"])
    #expect(lines[0]["id"] == .null && lines[0]["count"] == 3)
    #expect(lines[1]["code"] == "session.task.dangling" && lines[1]["action"] == "remove-ref")
    #expect(lines[1]["severity"] == "error" && lines[1]["ref"] == "t")
    let summary = lines[2]
    #expect(summary["type"] == "summary")
    #expect(summary["counts"] == ["error": 1, "warning": 0, "info": 1])
    #expect(summary["codes"] == ["field.unknown": 1, "session.task.dangling": 1])
    #expect(summary["exitCode"] == 4 && summary["files"] == 2 && summary["durationMs"] == 12.3)
    #expect(summary["exitCodes"]?["8"] == "the data dir could not be read")
  }
}
