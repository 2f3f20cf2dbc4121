import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Task graph, newer fields, session docs and list files.
@Suite struct CheckGraphTests {
  @Test func danglingParentDependencyAndReference() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task(
      "task_1", project: "p", parent: "task_gone", dependencies: ["task_gone2", "task_gone2"],
      extra: [("referenceTaskIds", ["task_gone3"])])
    #expect(
      try await d.findings() == [
        "task.dependency.dangling tasks/p/task_1.json task_1",
        "task.parent.dangling tasks/p/task_1.json task_1",
        "task.reference.dangling tasks/p/task_1.json task_1",
      ])
  }

  /// One finding per cycle, on the member with the smallest id; tasks that
  /// lead into a cycle are not members.
  @Test func parentCyclesOncePerCycle() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_c", project: "p", parent: "task_a")
    try d.task("task_a", project: "p", parent: "task_b")
    try d.task("task_b", project: "p", parent: "task_c")
    try d.task("task_lead", project: "p", parent: "task_b")
    try d.task("task_self", project: "p", parent: "task_self")
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.id!)" } == [
        "task.parent.cycle task_a", "task.parent.cycle task_self",
      ])
    #expect(
      report.findings[0].message.hasSuffix(#""task_a" → "task_b" → "task_c" → "task_a""#))
  }

  @Test func dependencyCyclesOncePerGroup() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_x", project: "p", dependencies: ["task_y"])
    try d.task("task_y", project: "p", dependencies: ["task_z", "task_x"])
    try d.task("task_z", project: "p", dependencies: ["task_x"])
    try d.task("task_ok", project: "p", dependencies: ["task_x"])
    try d.task("task_me", project: "p", dependencies: ["task_me"])
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.id!)" } == [
        "task.dependency.cycle task_me", "task.dependency.cycle task_x",
      ])
    #expect(report.findings[1].message.contains(#""task_x", "task_y", "task_z""#))
  }

  @Test func aLongDependencyChainDoesNotExhaustTheStack() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    let n = 3000
    for k in 0..<n {
      try d.task("task_\(k)", project: "p", dependencies: ["task_\((k + 1) % n)"])
    }
    let report = try await d.check()
    #expect(report.findings.map { "\($0.code) \($0.id!)" } == ["task.dependency.cycle task_0"])
  }

  @Test func taskSessionStatusesKeyWithoutLink() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task(
      "task_1", project: "p", sessions: ["sess_1"],
      extra: [("taskSessionStatuses", ["sess_1": "working", "sess_gone": "completed"])])
    try d.session("sess_1", project: "p", tasks: ["task_1"])
    let report = try await d.check()
    #expect(report.findings.map { "\($0.code) \($0.ref!)" } == ["task.session-status.unlinked sess_gone"])
  }

  @Test func sessionDocsPresentMissingOutsideAndRelocated() async throws {
    let d = try MiniDataDir()
    let elsewhere = try TemporaryDirectory(prefix: "maestro-check-outside")
    try AtomicFile.write(Array("# o".utf8), to: elsewhere.path + "/notes.md")
    try d.project("p")
    try d.write("session-docs/sess_1/doc_a.md", "# a")
    try d.write("session-docs/sess_1/doc_r.md", "# r")
    func doc(_ id: String, _ path: String) -> JSONValue {
      ["id": .string(id), "contentFilePath": .string(path)]
    }
    try d.session(
      "sess_1", project: "p",
      extra: [
        (
          "docs",
          [
            doc("doc_a", d.root + "/session-docs/sess_1/doc_a.md"),
            doc("doc_m", d.root + "/session-docs/sess_1/doc_m.md"),
            doc("doc_o", elsewhere.path + "/notes.md"),
            doc("doc_g", elsewhere.path + "/gone.md"),
            doc("doc_r", "/home/maestro/.maestro/data/session-docs/sess_1/doc_r.md"),
            doc("doc_x", "/home/maestro/.maestro/data/session-docs/sess_1/doc_x.md"),
            doc("doc_e", d.root + "/session-docs/../../nonexistent/passwd"),
            doc("doc_l", "session-docs/sess_1/doc_a.md"),
          ]
        )
      ])
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.ref!)" }.sorted() == [
        "session.doc.missing doc_e", "session.doc.missing doc_g", "session.doc.missing doc_m",
        "session.doc.missing doc_x", "session.doc.outside doc_o", "session.doc.relocated doc_l",
        "session.doc.relocated doc_r",
      ])
  }

  /// The data dir reached through a symlink: paths under its real location
  /// are inside too.
  @Test func docPathsUnderTheRealPathAreInside() async throws {
    let d = try MiniDataDir()
    let links = try TemporaryDirectory(prefix: "maestro-check-link")
    #expect(symlink(d.root, links.path + "/data") == 0)
    try d.project("p")
    try d.write("session-docs/sess_1/doc_a.md", "# a")
    try d.session(
      "sess_1", project: "p",
      extra: [("docs", [["id": "doc_a", "contentFilePath": .string(d.root + "/session-docs/sess_1/doc_a.md")]])])
    let report = try await DataDirCheck(root: links.path + "/data").run()
    #expect(report.findings.isEmpty, "\(report.findings)")
  }

  @Test func sessionParentAndRootDangling() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.session("sess_1", project: "p", extra: [("parentSessionId", nil), ("rootSessionId", "sess_1")])
    try d.session("sess_2", project: "p", extra: [("parentSessionId", "sess_1"), ("rootSessionId", "sess_1")])
    try d.session("sess_3", project: "p", extra: [("parentSessionId", "sess_gone"), ("rootSessionId", "sess_gone2")])
    #expect(
      try await d.findings() == [
        "session.parent.dangling sessions/sess_3.json sess_3",
        "session.root.dangling sessions/sess_3.json sess_3",
      ])
  }

  @Test func danglingIdsInOrderingTaskListsAndTaskGraphs() async throws {
    let d = try MiniDataDir()
    try d.project("p")
    try d.task("task_1", project: "p")
    try d.session("sess_1", project: "p")
    try d.write(
      "ordering/task/p.json", #"{"projectId":"p","entityType":"task","orderedIds":["task_1","task_gone"]}"#)
    try d.write("ordering/session/p.json", #"{"orderedIds":["sess_1","sess_gone"]}"#)
    try d.write("ordering/task-list/p.json", #"{"orderedIds":["task_list_1","task_list_gone"]}"#)
    try d.write("task-lists/p/task_list_1.json", #"{"id":"task_list_1","orderedTaskIds":["task_1","task_x"]}"#)
    try d.write("task-graphs/p/task_graph_1.json", #"{"id":"task_graph_1","nodes":[{"taskId":"task_1"},{"taskId":"task_y"}],"edges":[]}"#)
    try d.write("task-graphs/p/task_graph_2.json", #"{"id":"#)
    let report = try await d.check()
    #expect(
      report.findings.map { "\($0.code) \($0.file!) \($0.ref ?? "-")" } == [
        "file.truncated task-graphs/p/task_graph_2.json -",
        "list.dangling ordering/session/p.json sess_gone",
        "list.dangling ordering/task-list/p.json task_list_gone",
        "list.dangling ordering/task/p.json task_gone",
        "list.dangling task-graphs/p/task_graph_1.json task_y",
        "list.dangling task-lists/p/task_list_1.json task_x",
      ])
  }
}
