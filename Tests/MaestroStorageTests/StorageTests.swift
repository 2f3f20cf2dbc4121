import MaestroStorage
import MaestroTestSupport
import Testing

/// A store over a fresh temp dir with a deterministic clock and ids.
func makeStore(_ dir: TemporaryDirectory) async throws -> Storage {
  let store = Storage(
    root: dir.path, ids: IdGenerator(clock: SteppingClock(start: 1_706_789_123_456), random: SeededRandom(seed: 7)))
  try await store.initialize()
  return store
}

func readJSON(_ path: String) throws -> JSONObject {
  try #require(try JSONParser.parse(try FileSystem.readFile(path)).objectValue)
}

/// Collects events until `count` have arrived.
func collect(_ stream: AsyncStream<StorageEvent>, _ count: Int) async -> [StorageEvent] {
  var events: [StorageEvent] = []
  for await e in stream {
    events.append(e)
    if events.count == count { break }
  }
  return events
}

@Suite struct StorageCRUDTests {
  @Test func createWritesOneFileEachInTwoSpaceStyle() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let project = try await store.createProject(["name": "Demo", "workingDir": "/src/demo"])
    let task = try await store.createTask(["projectId": .string(project.id), "title": "Write docs"])
    #expect(project.id.hasPrefix("proj_1706789123"))
    let projectBytes = try FileSystem.readFile(dir.path + "/projects/\(project.id).json")
    #expect(JSONStyle.detect(projectBytes) == .pretty)
    let taskJSON = try readJSON(dir.path + "/tasks/\(project.id)/\(task.id).json")
    #expect(
      taskJSON.keys == [
        "id", "projectId", "parentId", "title", "description", "status", "priority", "createdAt", "updatedAt",
        "startedAt", "completedAt", "sessionIds", "skillIds", "agentIds", "dependencies", "timeline",
      ])
    #expect(taskJSON["status"] == "pending")
    #expect(await store.listTasks(projectId: project.id).map(\.id) == [task.id])
  }

  @Test func reloadSeesWhatWasWritten() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "A", "workingDir": "/a"])
    let t = try await store.createTask(["projectId": .string(p.id), "title": "T"])
    let s = try await store.createSession(["projectId": .string(p.id), "taskIds": [.string(t.id)]])
    let again = Storage(root: dir.path)
    try await again.load()
    #expect(await again.getProject(p.id) == p)
    #expect(await again.getSession(s.id)?.taskIds == [t.id])
    #expect(await again.getTask(t.id)?.sessionIds == [s.id])
    #expect(await again.loadIssues.isEmpty)
  }

  @Test func updateKeepsKeyOrderUnknownFieldsAndStyle() async throws {
    let dir = try TemporaryDirectory()
    try FileSystem.makeDirectories(dir.path + "/projects")
    let original = #"{"id":"proj_1","name":"Old","futureField":{"x":[1,2]},"workingDir":"/w","createdAt":1,"updatedAt":2}"#
    try AtomicFile.write(Array(original.utf8), to: dir.path + "/projects/proj_1.json")
    let store = try await makeStore(dir)
    try await store.updateProject("proj_1", ["name": "New", "isMaster": true])
    let text = String(decoding: try FileSystem.readFile(dir.path + "/projects/proj_1.json"), as: UTF8.self)
    #expect(
      text == #"{"id":"proj_1","name":"New","futureField":{"x":[1,2]},"workingDir":"/w","createdAt":1,"updatedAt":1706789123456,"isMaster":true}"#
    )
  }

  @Test func onlyChangedEntitiesAreWritten() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let a = try await store.createProject(["name": "A", "workingDir": "/a"])
    let b = try await store.createProject(["name": "B", "workingDir": "/b"])
    let before = try FileSystem.stat(dir.path + "/projects/\(b.id).json")
    try await _Concurrency.Task.sleep(for: .milliseconds(20))
    try await store.updateProject(a.id, ["name": "A2"])
    #expect(try FileSystem.stat(dir.path + "/projects/\(b.id).json").mtime == before.mtime)
  }

  @Test func unknownIdsGiveTheSeedsErrorCodes() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    await #expect(throws: MaestroError.self) { try await store.updateTask("task_nope", [:]) }
    do {
      try await store.deleteSession("sess_nope")
    } catch let error as MaestroError {
      #expect(error.code == .sessionNotFound)
    }
    do {
      try await store.createTask(["projectId": "proj_nope"])
    } catch let error as MaestroError {
      #expect(error.code == .projectNotFound)
    }
    do {
      try await store.addTaskToSession(sessionId: "sess_x", taskId: "task_y")
    } catch let error as MaestroError {
      #expect(error.code == .sessionNotFound)
    }
  }

  @Test func filtersCombine() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p1 = try await store.createProject(["name": "1", "workingDir": "/1"])
    let p2 = try await store.createProject(["name": "2", "workingDir": "/2"])
    let t1 = try await store.createTask(["projectId": .string(p1.id), "status": "completed"])
    _ = try await store.createTask(["projectId": .string(p1.id)])
    _ = try await store.createTask(["projectId": .string(p2.id), "status": "completed"])
    #expect(await store.listTasks(projectId: p1.id, status: "completed").map(\.id) == [t1.id])
    #expect(await store.listTasks(status: "completed").count == 2)
    let s = try await store.createSession(["projectId": .string(p1.id), "taskIds": [.string(t1.id)]])
    _ = try await store.createSession(["projectId": .string(p2.id)])
    #expect(await store.listSessions(taskId: t1.id).map(\.id) == [s.id])
    #expect(await store.listSessions(projectId: p2.id, status: "spawning").count == 1)
    #expect(await store.listSessions(projectId: p2.id, status: "running").isEmpty)
  }

  @Test func statusChangesStampStartAndCompletion() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    let t = try await store.createTask(["projectId": .string(p.id)])
    let started = try await store.updateTask(t.id, ["status": "in_progress"])
    #expect(started.startedAt != nil)
    let done = try await store.updateTask(t.id, ["status": "completed"])
    #expect(done.completedAt != nil)
    #expect(done.startedAt == started.startedAt)
    let reopened = try await store.updateTask(t.id, ["status": "todo"])
    #expect(reopened.completedAt == done.completedAt, "servers never clear completedAt")
  }
}

@Suite struct StoragePolicyTests {
  @Test func projectDeleteIsRefusedWhileItHasTasksOrSessionsWithCounts() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    let t1 = try await store.createTask(["projectId": .string(p.id)])
    _ = try await store.createTask(["projectId": .string(p.id)])
    do {
      try await store.deleteProject(p.id)
      Issue.record("deleted a project with tasks")
    } catch let error as MaestroError {
      #expect(error.code == .projectHasDependents)
      #expect(error.message == "Cannot delete project with 2 existing task(s)")
    }
    try await store.deleteTask(t1.id)
    let remaining = await store.listTasks(projectId: p.id)
    for t in remaining { try await store.deleteTask(t.id) }
    let s = try await store.createSession(["projectId": .string(p.id)])
    do {
      try await store.deleteProject(p.id)
      Issue.record("deleted a project with a session")
    } catch let error as MaestroError {
      #expect(error.message == "Cannot delete project with 1 existing session(s)")
    }
    try await store.deleteSession(s.id)
    try await store.deleteProject(p.id)
    #expect(!FileSystem.fileExists(dir.path + "/projects/\(p.id).json"))
    #expect(await store.getProject(p.id) == nil)
  }

  @Test func sessionDeleteCleansTasksAndRecordsSessionEnded() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    let t = try await store.createTask(["projectId": .string(p.id)])
    let s = try await store.createSession(["projectId": .string(p.id), "taskIds": [.string(t.id)]])
    try await store.updateTask(t.id, ["taskSessionStatuses": .object([s.id: "working"])])
    try await store.deleteSession(s.id)
    let task = try #require(await store.getTask(t.id))
    #expect(task.sessionIds == [])
    #expect(task.json["taskSessionStatuses"] == .object([:]))
    #expect(task.timeline?.last?.type?.rawValue == "session_ended")
    #expect(task.timeline?.last?.sessionId == s.id)
    #expect(!FileSystem.fileExists(dir.path + "/sessions/\(s.id).json"))
    // Durable: a fresh load agrees.
    let again = Storage(root: dir.path)
    try await again.load()
    #expect(await again.getTask(t.id)?.sessionIds == [])
    #expect(await again.getSession(s.id) == nil)
  }

  @Test func taskDeleteLeavesSessionsAlone() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    let t = try await store.createTask(["projectId": .string(p.id)])
    let s = try await store.createSession(["projectId": .string(p.id), "taskIds": [.string(t.id)]])
    try await store.deleteTask(t.id)
    #expect(await store.getSession(s.id)?.taskIds == [t.id])
    #expect(!FileSystem.fileExists(dir.path + "/tasks/\(p.id)/\(t.id).json"))
    let again = Storage(root: dir.path)
    try await again.load()
    #expect(await again.getTask(t.id) == nil, "a deleted task must not come back after a restart")
  }

  @Test func addTaskToSessionLinksBothSidesOnce() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    let t = try await store.createTask(["projectId": .string(p.id)])
    let s = try await store.createSession(["projectId": .string(p.id)])
    try await store.addTaskToSession(sessionId: s.id, taskId: t.id)
    try await store.addTaskToSession(sessionId: s.id, taskId: t.id)
    let task = try #require(await store.getTask(t.id))
    #expect(task.sessionIds == [s.id])
    #expect(await store.getSession(s.id)?.taskIds == [t.id])
    #expect(task.timeline?.filter { $0.type?.rawValue == "session_started" }.count == 1)
  }

  @Test func removeTaskFromSessionIsIdempotent() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    let t = try await store.createTask(["projectId": .string(p.id)])
    let s = try await store.createSession(["projectId": .string(p.id), "taskIds": [.string(t.id)]])
    try await store.removeTaskFromSession(sessionId: s.id, taskId: t.id)
    try await store.removeTaskFromSession(sessionId: s.id, taskId: t.id)
    let task = try #require(await store.getTask(t.id))
    #expect(task.sessionIds == [])
    #expect(await store.getSession(s.id)?.taskIds == [])
    #expect(task.timeline?.filter { $0.type?.rawValue == "session_ended" }.count == 1)
  }

  // The limit guards against a hang (events that never come), not speed:
  // the suite shares its two cooperative threads with long synchronous
  // end-to-end tests, which can hold this test up for minutes.
  @Test(.timeLimit(.minutes(10))) func eventsArriveAfterTheWriteInOrder() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let stream = await store.events()
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    let parent = try await store.createTask(["projectId": .string(p.id)])
    let child = try await store.createTask(["projectId": .string(p.id), "parentId": .string(parent.id)])
    let s = try await store.createSession(["projectId": .string(p.id)])
    try await store.addTaskToSession(sessionId: s.id, taskId: child.id)
    try await store.removeTaskFromSession(sessionId: s.id, taskId: child.id)
    try await store.deleteTask(child.id)
    let events = await collect(stream, 12)
    #expect(
      events.map(\.name.rawValue) == [
        "project:created", "task:created", "task:created", "subtask:created", "session:created",
        "session:spawn_request", "session:task_added", "task:session_added", "session:task_removed",
        "task:session_removed", "task:deleted", "subtask:deleted",
      ])
    #expect(events[3].payload["taskId"] == .string(parent.id))
    #expect(events[10].payload == ["id": .string(child.id)])
  }
}

@Suite struct StorageLoadTests {
  @Test func loadsBothSampleAgesWithoutIssues() async throws {
    for sample in ["upstream-2026-02-08", "upstream-head"] {
      let store = Storage(root: ProjectPaths.samples + "/" + sample)
      try await store.load()
      #expect(await store.listProjects().count == 3, "\(sample)")
      #expect(await store.listTasks().count == 12, "\(sample)")
      #expect(await store.listSessions().count == 6, "\(sample)")
      let issues = await store.loadIssues
      #expect(issues.isEmpty, "\(sample): \(issues)")
    }
    let head = Storage(root: ProjectPaths.samples + "/upstream-head")
    try await head.load()
    #expect(await head.defaultStyle == .compact)
  }

  @Test func seedMigrationsApplyInMemoryOnly() async throws {
    let dir = try TemporaryDirectory()
    for folder in ["projects", "tasks", "sessions"] { try FileSystem.makeDirectories(dir.path + "/" + folder) }
    try AtomicFile.write(Array(#"{"id":"p1","name":"P","workingDir":"/p"}"#.utf8), to: dir.path + "/projects/p1.json")
    let legacyTask = #"{"id":"t1","projectId":"p1","title":"flat"}"#
    try AtomicFile.write(Array(legacyTask.utf8), to: dir.path + "/tasks/t1.json")
    let legacySession = #"{"id":"s1","projectId":"p1","taskId":"t1","status":"running"}"#
    try AtomicFile.write(Array(legacySession.utf8), to: dir.path + "/sessions/s1.json")
    let store = Storage(root: dir.path)
    try await store.load()
    let task = try #require(await store.getTask("t1"))
    #expect(task.sessionIds == [] && task.skillIds == [] && task.agentIds == [])
    let session = try #require(await store.getSession("s1"))
    #expect(session.taskIds == ["t1"])
    #expect(session.json["taskId"] == nil)
    #expect(session.name == "Session s1")
    #expect(session.json["env"] == .object([:]))
    // Nothing was written by loading.
    #expect(String(decoding: try FileSystem.readFile(dir.path + "/tasks/t1.json"), as: UTF8.self) == legacyTask)
    #expect(String(decoding: try FileSystem.readFile(dir.path + "/sessions/s1.json"), as: UTF8.self) == legacySession)
  }

  @Test func projectFolderCopyWinsOverALegacyFlatCopyAndIsReported() async throws {
    let dir = try TemporaryDirectory()
    for folder in ["projects", "tasks/p1", "sessions"] { try FileSystem.makeDirectories(dir.path + "/" + folder) }
    try AtomicFile.write(Array(#"{"id":"t1","projectId":"p1","title":"flat"}"#.utf8), to: dir.path + "/tasks/t1.json")
    try AtomicFile.write(Array(#"{"id":"t1","projectId":"p1","title":"folder"}"#.utf8), to: dir.path + "/tasks/p1/t1.json")
    let store = Storage(root: dir.path)
    try await store.load()
    #expect(await store.getTask("t1")?.title == "folder")
    let issues = await store.loadIssues
    #expect(issues.count == 1)
    #expect(issues.first?.file == "tasks/t1.json")
    #expect(issues.first?.message.contains("tasks/p1/t1.json") == true)
  }

  @Test func badFilesAreSkippedAndNamed() async throws {
    let dir = try TemporaryDirectory()
    for folder in ["projects", "tasks", "sessions"] { try FileSystem.makeDirectories(dir.path + "/" + folder) }
    try AtomicFile.write(Array(#"{"id":"p1","name":"P""#.utf8), to: dir.path + "/projects/p1.json")
    try AtomicFile.write(Array("[]".utf8), to: dir.path + "/projects/p2.json")
    try AtomicFile.write(Array(#"{"id":"../../etc/passwd","projectId":"p"}"#.utf8), to: dir.path + "/sessions/s1.json")
    try AtomicFile.write(Array(#"{"id":"ok"}"#.utf8), to: dir.path + "/projects/ok.json")
    let store = Storage(root: dir.path)
    try await store.load()
    #expect(await store.listProjects().map(\.id) == ["ok"])
    #expect(await store.listSessions().isEmpty)
    let files = await store.loadIssues.map(\.file)
    #expect(files == ["projects/p1.json", "projects/p2.json", "sessions/s1.json"])
  }

  @Test func missingDataDirIsAnErrorNamingIt() async throws {
    let store = Storage(root: "/nonexistent/maestro")
    do {
      try await store.load()
      Issue.record("loaded a missing dir")
    } catch let error as MaestroError {
      #expect(error.path == "/nonexistent/maestro")
    }
  }
}
