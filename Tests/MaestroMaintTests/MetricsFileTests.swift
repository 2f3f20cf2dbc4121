import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// The Prometheus text a `--metrics-file` holds: escaping, one HELP and
/// TYPE per family, values, and the last success kept across a failed run.
@Suite struct MetricsFileTests {
  @Test func labelValuesEscapeBackslashQuoteAndNewline() {
    #expect(MetricFamily.escapeLabelValue(#"C:\data "x""# + "\nend") == #"C:\\data \"x\"\nend"#)
    #expect(MetricFamily.escapeLabelValue("/srv/maestro/data") == "/srv/maestro/data")
    #expect(MetricFamily.escapeLabelValue("données ✓") == "données ✓")
  }

  @Test func helpTextEscapesBackslashAndNewlineButNotQuotes() {
    #expect(MetricFamily.escapeHelp("a \\ b\n\"c\"") == #"a \\ b\n"c""#)
  }

  @Test func valuesAreWrittenAsPrometheusReadsThem() {
    #expect(MetricFamily.formatValue(0) == "0")
    #expect(MetricFamily.formatValue(4) == "4")
    #expect(MetricFamily.formatValue(121_436) == "121436")
    #expect(MetricFamily.formatValue(1_796_552_911.642) == "1796552911.642")
    #expect(MetricFamily.formatValue(0.25) == "0.25")
    #expect(MetricFamily.formatValue(.nan) == "NaN")
    #expect(MetricFamily.formatValue(.infinity) == "+Inf")
    #expect(MetricFamily.formatValue(-.infinity) == "-Inf")
    #expect(Double(MetricFamily.formatValue(1e-7)) == 1e-7)
  }

  @Test func aFamilyIsHelpThenTypeThenItsSamples() {
    let family = MetricFamily(
      name: "maestro_admin_findings", help: "Findings.",
      samples: [
        .init(labels: [("command", "check"), ("severity", "error")], value: 2),
        .init(labels: [("command", "check"), ("severity", "info")], value: 0),
      ])
    #expect(
      family.text == """
        # HELP maestro_admin_findings Findings.
        # TYPE maestro_admin_findings gauge
        maestro_admin_findings{command="check",severity="error"} 2
        maestro_admin_findings{command="check",severity="info"} 0

        """)
    #expect(MetricFamily.sampleLine(name: "up", labels: [], value: 1) == "up 1")
  }

  static func run(exit: Int32, at start: Double, _ m: RunMeasurements = RunMeasurements()) -> RunMetrics {
    RunMetrics(
      command: "backup create", target: [("data_dir", "/srv/a \"b\"\\c\nd")], startedAt: start, durationSeconds: 1.5,
      exitCode: exit, measurements: m)
  }

  @Test func everyFamilyIsWrittenOnceWithEscapedLabelsAndNoUnmeasuredValue() {
    var m = RunMeasurements()
    m.bytes = 2048
    m.files = 79
    m.findings = [.error: 3, .transient: 1]
    let text = Self.run(exit: 4, at: 1000, m).text
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.last == "", "the last line ends with a newline")
    let helps = lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] }
    let types = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
    #expect(helps == types)
    #expect(Set(helps).count == helps.count, "one HELP and TYPE per family")
    #expect(
      helps == [
        "maestro_admin_last_run_timestamp_seconds", "maestro_admin_last_success_timestamp_seconds",
        "maestro_admin_duration_seconds", "maestro_admin_exit_code", "maestro_admin_bytes", "maestro_admin_files",
        "maestro_admin_findings",
      ])
    let labels = #"command="backup create",data_dir="/srv/a \"b\"\\c\nd""#
    #expect(text.contains("maestro_admin_exit_code{\(labels)} 4\n"))
    #expect(text.contains("maestro_admin_duration_seconds{\(labels)} 1.5\n"))
    #expect(text.contains("maestro_admin_bytes{\(labels)} 2048\n"))
    #expect(text.contains("maestro_admin_findings{\(labels),severity=\"error\"} 3\n"))
    #expect(text.contains("maestro_admin_findings{\(labels),severity=\"warning\"} 0\n"))
    #expect(text.contains("maestro_admin_findings{\(labels),severity=\"info\"} 0\n"))
    #expect(text.contains("maestro_admin_findings{\(labels),severity=\"transient\"} 1\n"))
    #expect(!text.contains("output_bytes") && !text.contains("server_live") && !text.contains("snapshots"))
    // Every sample line of a family follows its TYPE line.
    var current = ""
    for line in lines where !line.isEmpty {
      if line.hasPrefix("# TYPE ") {
        current = String(line.split(separator: " ")[2])
      } else if !line.hasPrefix("#") {
        #expect(line.hasPrefix(current + "{"), "\(line) outside its family \(current)")
      }
    }
  }

  @Test func aSuccessRecordsItsStartAndAFailureKeepsThePreviousSuccess() throws {
    try withTemporaryDirectory { dir in
      let file = MetricsFile(path: dir + "/maestro-backup.prom")
      let first = try file.write(Self.run(exit: 8, at: 100))
      #expect(first.lastSuccessAt == 0, "no success recorded yet")
      let ok = try file.write(Self.run(exit: 0, at: 200))
      #expect(ok.lastSuccessAt == 200)
      let changed = try file.write(Self.run(exit: 1, at: 300))
      #expect(changed.lastSuccessAt == 300)
      let failed = try file.write(Self.run(exit: 4, at: 400))
      #expect(failed.lastSuccessAt == 300)
      let failedAgain = try file.write(Self.run(exit: 8, at: 500))
      #expect(failedAgain.lastSuccessAt == 300)
      let text = String(decoding: try FileSystem.readFile(file.path), as: UTF8.self)
      #expect(text == failedAgain.text)
      #expect(text.contains(#"maestro_admin_last_success_timestamp_seconds{command="backup create","#))
      #expect(file.value(of: failedAgain.lastSuccessKey) == 300)
      #expect(file.value(of: "maestro_admin_exit_code" + failedAgain.lastSuccessKey.drop { $0 != "{" }) == 8)
      #expect(file.value(of: "maestro_admin_last_run_timestamp_seconds" + failedAgain.lastSuccessKey.drop { $0 != "{" }) == 500)
      // Only the file remains: the temporary file was renamed over it.
      #expect(try FileSystem.listDirectory(dir).map(\.name) == ["maestro-backup.prom"])
    }
  }

  @Test func anotherCommandOrTargetInTheSameFileDoesNotLendItsSuccess() throws {
    try withTemporaryDirectory { dir in
      let file = MetricsFile(path: dir + "/shared.prom")
      try file.write(Self.run(exit: 0, at: 200))
      let other = RunMetrics(
        command: "backup create", target: [("data_dir", "/srv/other")], startedAt: 300, durationSeconds: 1,
        exitCode: 8)
      #expect(try file.write(other).lastSuccessAt == 0)
      let check = RunMetrics(
        command: "check", target: [("data_dir", "/srv/a \"b\"\\c\nd")], startedAt: 400, durationSeconds: 1,
        exitCode: 8)
      #expect(try file.write(check).lastSuccessAt == 0)
    }
  }

  @Test func aFileThatCannotBeWrittenIsAnErrorNamingIt() {
    let file = MetricsFile(path: "/nonexistent-metrics-folder/m.prom")
    #expect(throws: MaestroError.self) { try file.write(Self.run(exit: 0, at: 1)) }
    #expect(file.isCollected)
    #expect(!MetricsFile(path: "/tmp/m.txt").isCollected)
  }
}
