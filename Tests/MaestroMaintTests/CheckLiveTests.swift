import Glibc
import MaestroStorage
import MaestroTestSupport
import Testing

@testable import MaestroMaint

/// `check` on a data dir that changes while it runs: the hook between the
/// first pass and the re-judging stands in for a server's next write.
@Suite struct CheckLiveTests {
  /// A project with task_1 ↔ sess_1 linked on both sides.
  static func linkedPair() throws -> MiniDataDir {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "p", sessions: ["sess_1"])
    try d.session("sess_1", project: "p", tasks: ["task_1"])
    return d
  }

  /// Checks `d`; `between` runs once between the first pass and the re-judging.
  static func check(_ d: MiniDataDir, between: (@Sendable () -> Void)? = nil) async throws -> CheckReport {
    var check = DataDirCheck(root: d.root)
    check.duringRejudging = { round in if round == 0 { between?() } }
    return try await check.run()
  }

  @Test func aLinkCaughtHalfWrittenIsTransientAndExitsZero() async throws {
    let d = try Self.linkedPair()
    // The server has written the task's side of a new link, not yet the session's.
    try d.task("task_1", project: "p", sessions: ["sess_1", "sess_2"])
    try d.session("sess_2", project: "p")
    let report = try await Self.check(d) {
      try? d.session("sess_2", project: "p", tasks: ["task_1"])
    }
    #expect(report.findings.map { "\($0.code) \($0.severity) \($0.transience?.rawValue ?? "-")" } == [
      "link.task-only transient settled"
    ])
    #expect(report.exitStatus == .ok)
    #expect(report.changing)
    #expect(report.findings[0].action == "none")
    let summary = report.summaryObject
    #expect(summary["transient"] == 1)
    #expect(summary["changing"] == true)
    #expect(summary["counts"]?["warning"] == 0)
    #expect(report.findings[0].jsonObject["codeSeverity"] == "warning")
    #expect(report.verdict.contains("1 transient"))
  }

  @Test func aSessionCreatedAfterTheListingMakesNoDanglingError() async throws {
    let d = try Self.linkedPair()
    // The task already names a session whose file the listing did not see.
    try d.task("task_1", project: "p", sessions: ["sess_1", "sess_new"])
    let report = try await Self.check(d) {
      try? d.session("sess_new", project: "p", tasks: ["task_1"])
    }
    #expect(report.findings.map { "\($0.code) \($0.transience?.rawValue ?? "-")" } == [
      "task.session.dangling settled"
    ])
    #expect(report.exitStatus == .ok)
  }

  @Test func aFileCaughtEmptyByAnInPlaceWriterIsTransient() async throws {
    let d = try Self.linkedPair()
    try d.write("tasks/p/task_1.json", "")
    let report = try await Self.check(d) {
      try? d.task("task_1", project: "p", sessions: ["sess_1"])
    }
    #expect(report.findings.map { "\($0.code) \($0.transience?.rawValue ?? "-")" } == ["file.empty settled"])
    #expect(report.exitStatus == .ok)
  }

  @Test func realDamageOnAFileTheServerRewritesIsStillFound() async throws {
    let d = try Self.linkedPair()
    try d.session("sess_2", project: "p")
    try d.task("task_1", project: "p", sessions: ["sess_1", "sess_2"])
    // The server rewrites the task (a newer updatedAt) but the link stays one-sided.
    let report = try await Self.check(d) {
      try? d.task("task_1", project: "p", sessions: ["sess_1", "sess_2"], extra: [("updatedAt", 99_999)])
    }
    #expect(report.findings.map { "\($0.code) \($0.severity)" } == ["link.task-only warning"])
    #expect(report.exitStatus == .problemsLeft)
    #expect(report.changing)
  }

  @Test func filesThatNeverSettleAreTransientStillChanging() async throws {
    let d = try Self.linkedPair()
    try d.task("task_1", project: "p", sessions: ["sess_1", "sess_2"])
    try d.session("sess_2", project: "p")
    // A server that rewrites the session before every re-read, never linking it back.
    var check = DataDirCheck(root: d.root)
    check.duringRejudging = { round in
      try? d.session("sess_2", project: "p", extra: [("lastActivity", .number(Double(1000 + round)))])
    }
    let report = try await check.run()
    #expect(report.findings.map { "\($0.code) \($0.transience?.rawValue ?? "-")" } == [
      "link.task-only still-changing"
    ])
    #expect(report.exitStatus == .ok)
  }

  @Test func aQuietDataDirGivesTheSameReportWithOrWithoutRejudging() async throws {
    let d = try Self.linkedPair()
    try d.task("task_2", project: "p", sessions: ["sess_ghost"])
    try d.write("tasks/p/task_3.json", "")
    try d.write("sessions/sess_9.json.0badc0de.tmp", "{}")
    usleep(30_000)  // older than the racy window, as data at rest is
    var plain = DataDirCheck(root: d.root)
    plain.rejudgesChangedFiles = false
    let without = try await plain.run()
    let with = try await DataDirCheck(root: d.root).run()
    #expect(with.findings == without.findings)
    #expect(with.findings.map(\.code.rawValue) == ["file.empty", "file.stray-tmp", "task.session.dangling"])
    #expect(!with.changing)
    #expect(with.exitStatus == .problemsLeft)
  }

  @Test func damageWrittenJustBeforeTheRunIsConfirmedNotExcused() async throws {
    // Files this fresh carry unproven stamps: re-judged, and found again.
    let d = try Self.linkedPair()
    try d.task("task_2", project: "p", sessions: ["sess_ghost"])
    let report = try await Self.check(d)
    #expect(report.findings.map { "\($0.code) \($0.severity)" } == ["task.session.dangling error"])
    #expect(report.exitStatus == .problemsLeft)
  }
}

/// Repair leaves what check called transient alone.
@Suite struct RepairTransientTests {
  @Test func aTransientFindingIsReportedNotRepaired() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "p", sessions: ["sess_1", "sess_2"])
    try d.session("sess_1", project: "p", tasks: ["task_1"])
    try d.session("sess_2", project: "p")
    let found = try await d.check().findings
    #expect(found.map(\.code.rawValue) == ["link.task-only"])
    let planner = RepairPlanner(dataDir: d.root, quarantineFolder: "lost+found/x", now: 1)
    let real = try planner.plan(found)
    #expect(!real.isEmpty)
    let caughtMidWrite = try planner.plan(found.map { $0.marked(.settled) })
    #expect(caughtMidWrite.isEmpty)
    #expect(caughtMidWrite.reportOnly.map(\.code.rawValue) == ["link.task-only"])
  }
}

extension CheckLiveTests {
  @Test func aDuplicatedIdWhoseCopyTheServerRewritesIsStillFound() async throws {
    let d = try Self.linkedPair()
    try d.project("q")
    try d.task("task_1", project: "q", at: "tasks/q/task_1.json")
    let report = try await Self.check(d) {
      try? d.task("task_1", project: "q", extra: [("updatedAt", 77_777)], at: "tasks/q/task_1.json")
    }
    #expect(report.findings.filter { $0.code == .idDuplicate }.map(\.severity) == [.error, .error])
    #expect(report.exitStatus == .problemsLeft)
  }
}

extension CheckLiveTests {
  /// Every file rewritten with the same bytes between the first pass and the
  /// re-judging (what a data dir written just before the run looks like to
  /// the stamps): every finding is re-judged, and each must come out as the
  /// quiet run found it — findings that depend on files besides their own
  /// and their ref's (a project, for an orphan or a cross-project link) too.
  @Test func findingsRejudgedOnUnchangedFilesStayAsFound() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.project("q")
    try d.task("task_1", project: "p", sessions: ["sess_1"])
    try d.task("task_2", project: "q", sessions: ["sess_1"])
    try d.task("task_3", project: "gone", parent: "task_missing")
    try d.session("sess_1", project: "p", tasks: ["task_1", "task_2"])
    try d.session("sess_2", project: "p", tasks: ["task_missing"])
    let quiet = try await d.check().findings.map { "\($0.code) \($0.severity) \($0.file ?? "-")" }
    #expect(quiet.contains { $0.hasPrefix("link.cross-project warning") })
    let root = d.root
    let report = try await Self.check(d) {
      for relative in (try? userTree(root))?.map(\.path) ?? [] where relative.hasSuffix(".json") {
        guard let bytes = try? FileSystem.readFile(root + "/" + relative) else { continue }
        try? AtomicFile.write(bytes, to: root + "/" + relative)
      }
    }
    #expect(report.changing)
    #expect(report.findings.map { "\($0.code) \($0.severity) \($0.file ?? "-")" } == quiet)
  }
}
