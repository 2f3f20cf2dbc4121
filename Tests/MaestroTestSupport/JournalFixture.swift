import MaestroMaint
import MaestroStorage

/// The tree a user sees: everything but the toolkit's own state folder.
public func userTree(_ dir: String) throws -> [TreeHash.Entry] {
  try TreeHash.entries(of: dir, includeModes: true).filter { !$0.path.hasPrefix(".maestro-admin") }
}

public func text(_ path: String) throws -> String { String(decoding: try FileSystem.readFile(path), as: UTF8.self) }

/// Builds a small data dir in `dir` and a plan that touches it in every way
/// a repair does (rewrite, new file in a new folder, quarantine move,
/// removal), for journal, undo and crash tests.
public func makeDirAndPlan(_ dir: String) throws -> ChangePlan {
  try FileSystem.makeDirectories(dir + "/tasks/p1")
  try FileSystem.makeDirectories(dir + "/sessions")
  try AtomicFile.write(Array(#"{"id":"t1","sessionIds":["s1","s1"]}"#.utf8), to: dir + "/tasks/p1/t1.json")
  try AtomicFile.write(Array(#"{"id":"s1","taskIds":[]}"#.utf8), to: dir + "/sessions/s1.json")
  try AtomicFile.write(Array("{\"id\":".utf8), to: dir + "/sessions/s2.json")
  try AtomicFile.write(Array("stale".utf8), to: dir + "/tasks/p1/t1.json.1a2b3c4d.tmp")
  var plan = ChangePlan(dataDir: dir)
  try plan.write(
    "tasks/p1/t1.json", Array(#"{"id":"t1","sessionIds":["s1"]}"#.utf8), reason: "task.sessionIds.duplicate",
    summary: "dedupe sessionIds")
  try plan.write(
    "sessions/s1.json", Array(#"{"id":"s1","taskIds":["t1"]}"#.utf8), reason: "link.task-only", summary: "add t1")
  try plan.move(
    "sessions/s2.json", to: "lost+found/20261127T000000Z/sessions/s2.json", reason: "file.truncated",
    summary: "quarantine s2")
  try plan.remove("tasks/p1/t1.json.1a2b3c4d.tmp", reason: "file.stray-tmp", summary: "drop temp file")
  try plan.write("projects/p1.json", Array(#"{"id":"p1","name":"Recovered p1"}"#.utf8), reason: "task.orphan", summary: "recreate p1")
  return plan
}

