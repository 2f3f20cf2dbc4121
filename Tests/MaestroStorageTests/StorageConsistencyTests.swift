import MaestroStorage
import MaestroTestSupport
import Synchronization
import Testing

/// What a store holds in memory, to compare before and after a call.
private struct MemorySnapshot: Equatable {
  var projects: [JSONObject]
  var tasks: [JSONObject]
  var sessions: [JSONObject]

  init(_ store: Storage) async {
    projects = await store.listProjects().map(\.json)
    tasks = await store.listTasks().map(\.json)
    sessions = await store.listSessions().map(\.json)
  }

  /// The same entities regardless of order (a fresh load lists them in
  /// file order, a live store in creation order).
  func sameEntities(as other: MemorySnapshot) -> Bool {
    func byId(_ list: [JSONObject]) -> [String: JSONObject] {
      Dictionary(uniqueKeysWithValues: list.map { ($0["id"]!.stringValue!, $0) })
    }
    return byId(projects) == byId(other.projects) && byId(tasks) == byId(other.tasks)
      && byId(sessions) == byId(other.sessions)
  }
}

@Suite struct StorageConcurrencyTests {
  /// Loads, creates, updates and deletes from many tasks at once: nothing a
  /// call did is lost, in memory or on disk, and memory ends equal to what
  /// a fresh load of the files gives.
  @Test func callsDuringLoadsAreKept() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let home = try await store.createProject(["name": "home", "workingDir": "/h"])
    var existing: [String] = []
    for n in 0..<60 {
      existing.append(try await store.createTask(["projectId": .string(home.id), "title": .string("t\(n)")]).id)
    }
    let updated = Array(existing[0..<20])
    let deleted = Array(existing[20..<40])
    let linked = Array(existing[40..<50])

    let created = await withTaskGroup(of: (kind: String, id: String?).self) { group in
      for _ in 0..<3 {
        group.addTask {
          try? await store.load()
          return ("load", nil)
        }
      }
      for n in 0..<100 {
        group.addTask {
          ("project", try? await store.createProject(["name": .string("p\(n)"), "workingDir": "/p"]).id)
        }
      }
      for n in 0..<20 {
        group.addTask {
          ("task", try? await store.createTask(["projectId": .string(home.id), "title": .string("new\(n)")]).id)
        }
      }
      for id in updated {
        group.addTask { ("update", try? await store.updateTask(id, ["title": "changed"]).id) }
      }
      for id in deleted {
        group.addTask {
          do {
            try await store.deleteTask(id)
            return ("delete", id)
          } catch {
            return ("delete", nil)
          }
        }
      }
      for taskId in linked {
        group.addTask {
          return ("session", try? await store.createSession(["projectId": .string(home.id), "taskIds": [.string(taskId)]]).id)
        }
      }
      var results: [(kind: String, id: String?)] = []
      for await result in group { results.append(result) }
      return results
    }
    for (kind, id) in created where kind != "load" { #expect(id != nil, "a \(kind) call failed") }
    let ids = { (kind: String) in Set(created.filter { $0.kind == kind }.compactMap(\.id)) }

    let projects = Set(await store.listProjects().map(\.id))
    #expect(ids("project").count == 100)
    #expect(ids("project").isSubset(of: projects), "\(ids("project").subtracting(projects).count) projects lost")
    let tasks = Set(await store.listTasks().map(\.id))
    #expect(ids("task").isSubset(of: tasks))
    #expect(tasks.isDisjoint(with: deleted))
    for id in updated { #expect(await store.getTask(id)?.title == "changed") }
    for id in ids("session") {
      let session = try #require(await store.getSession(id))
      let taskId = try #require(session.taskIds?.first)
      #expect(await store.getTask(taskId)?.sessionIds == [id])
    }

    let live = await MemorySnapshot(store)
    let fresh = Storage(root: dir.path)
    try await fresh.load()
    #expect(live.sameEntities(as: await MemorySnapshot(fresh)))
    #expect(await fresh.loadIssues.isEmpty)
  }

  /// The case the harness found: projects created one after another while
  /// a load runs (from before it starts until after it ends) are all kept.
  @Test func projectsCreatedWhileALoadReadsAreKept() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    for n in 0..<100 { _ = try await store.createProject(["name": .string("old\(n)"), "workingDir": "/o"]) }
    let finished = Atomic(false)
    let loading = _Concurrency.Task {
      try await store.load()
      finished.store(true, ordering: .sequentiallyConsistent)
    }
    var made: [String] = []
    while made.count < 30 || (!finished.load(ordering: .sequentiallyConsistent) && made.count < 1000) {
      made.append(try await store.createProject(["name": .string("p\(made.count)"), "workingDir": "/p"]).id)
    }
    try await loading.value
    let listed = Set(await store.listProjects().map(\.id))
    #expect(listed.count == 100 + made.count)
    #expect(Set(made).isSubset(of: listed), "\(Set(made).subtracting(listed).count) of \(made.count) projects lost")
    for id in made { #expect(FileSystem.fileExists(dir.path + "/projects/\(id).json")) }
  }

  /// Overlapping loads: the one started last decides, and an older one
  /// finishing after it changes nothing.
  @Test func overlappingLoadsAgreeWithTheFiles() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    for _ in 0..<40 { _ = try await store.createTask(["projectId": .string(p.id)]) }
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<4 { group.addTask { try? await store.load() } }
      for _ in 0..<10 { group.addTask { _ = try? await store.createTask(["projectId": .string(p.id)]) } }
    }
    #expect(await store.listTasks().count == 50)
    let fresh = Storage(root: dir.path)
    try await fresh.load()
    #expect(await MemorySnapshot(store).sameEntities(as: await MemorySnapshot(fresh)))
  }
}

/// A data dir with two projects, three linked tasks, a session and a legacy
/// flat task, built the same way (same ids) every time.
private struct Fixture {
  let dir: TemporaryDirectory
  let store: Storage
  let p1: String
  let p2: String
  let t1: String
  let t2: String
  let t3: String
  let legacy = "task_1706789000000_legacyabc"
  let session: String

  init() async throws {
    dir = try TemporaryDirectory()
    store = try await makeStore(dir)
    p1 = try await store.createProject(["name": "P1", "workingDir": "/1"]).id
    p2 = try await store.createProject(["name": "P2", "workingDir": "/2"]).id
    t1 = try await store.createTask(["projectId": .string(p1), "title": "one"]).id
    t2 = try await store.createTask(["projectId": .string(p1), "title": "two"]).id
    t3 = try await store.createTask(["projectId": .string(p1), "title": "three"]).id
    session = try await store.createSession(["projectId": .string(p1), "taskIds": [.string(t1), .string(t2)]]).id
    let flat = #"{"id":"\#(legacy)","projectId":"\#(p1)","title":"flat","sessionIds":[]}"#
    try AtomicFile.write(Array(flat.utf8), to: dir.path + "/tasks/\(legacy).json")
    try await store.load()
  }
}

/// A multi-entity call and the number of file changes it makes.
private struct Scenario: CustomTestStringConvertible, Sendable {
  let name: String
  let call: @Sendable (Fixture) async throws -> Void
  var testDescription: String { name }

  static let all: [Scenario] = [
    Scenario(name: "createSession with a legacy task") { f in
      _ = try await f.store.createSession([
        "projectId": .string(f.p1), "taskIds": [.string(f.t1), .string(f.t3), .string(f.legacy)],
      ])
    },
    Scenario(name: "updateSession relinking and moving") { f in
      try await f.store.updateSession(
        f.session, ["projectId": .string(f.p2), "taskIds": [.string(f.t2), .string(f.t3), .string(f.legacy)]])
    },
    Scenario(name: "deleteSession") { f in try await f.store.deleteSession(f.session) },
    Scenario(name: "addTaskToSession") { f in try await f.store.addTaskToSession(sessionId: f.session, taskId: f.legacy) },
    Scenario(name: "removeTaskFromSession") { f in
      try await f.store.removeTaskFromSession(sessionId: f.session, taskId: f.t1)
    },
    Scenario(name: "updateTask to another project") { f in try await f.store.updateTask(f.t1, ["projectId": .string(f.p2)]) },
    Scenario(name: "createTask in a new folder") { f in _ = try await f.store.createTask(["projectId": .string(f.p2)]) },
    Scenario(name: "createProject") { f in _ = try await f.store.createProject(["name": "N", "workingDir": "/n"]) },
    Scenario(name: "updateProject") { f in try await f.store.updateProject(f.p1, ["name": "renamed"]) },
    Scenario(name: "deleteTask") { f in try await f.store.deleteTask(f.t3) },
  ]
}

/// Counts file changes and fails the `target`-th forward one, either before
/// it happens or (for a write) after its rename, when it is already on disk.
private final class FailureInjector: Sendable {
  enum Mode: Sendable { case before, afterRename, beforeAndEveryUndo }
  let target: Int
  let mode: Mode
  let counts = Mutex((forward: 0, armed: false, injected: false, undoAttempts: 0))

  init(target: Int, mode: Mode) {
    self.target = target
    self.mode = mode
  }

  struct Injected: Error {}

  func run<T>(_ body: () async throws -> T) async throws -> T {
    try await StoreFileChange.$hook.withValue({ change in try self.onChange(change) }) {
      try await AtomicFile.$interrupt.withValue({ step in try self.onStep(step) }) {
        try await body()
      }
    }
  }

  var forwardChanges: Int { counts.withLock { $0.forward } }
  /// Whether a failure was injected (a removal cannot fail after a rename).
  var injected: Bool { counts.withLock { $0.injected } }

  private func onChange(_ change: StoreFileChange) throws {
    try counts.withLock { c in
      if change.undoing {
        c.undoAttempts += 1
        if mode == .beforeAndEveryUndo { throw Injected() }
        return
      }
      c.forward += 1
      guard c.forward == target else { return }
      switch mode {
      case .before, .beforeAndEveryUndo:
        c.injected = true
        throw Injected()
      case .afterRename: c.armed = !change.removes
      }
    }
  }

  private func onStep(_ step: AtomicFile.Step) throws {
    try counts.withLock { c in
      if c.armed && step == .fsyncedDir {
        c.armed = false
        c.injected = true
        throw Injected()
      }
    }
  }
}

@Suite struct StorageFailureTests {
  /// Every write of every call fails in turn, before it happens and after
  /// its rename: the call throws, and the files, the tables and the event
  /// stream are as they were before the call.
  @Test(arguments: Scenario.all)
  fileprivate func aFailureAtAnyWriteLeavesNothingBehind(_ scenario: Scenario) async throws {
    let probe = try await Fixture()
    let counter = FailureInjector(target: 0, mode: .before)
    try await counter.run { try await scenario.call(probe) }
    let changes = counter.forwardChanges
    #expect(changes >= 1)

    for target in 1...changes {
      for mode in [FailureInjector.Mode.before, .afterRename] {
        let f = try await Fixture()
        let filesBefore = try TreeHash.entries(of: f.dir.path)
        let memoryBefore = await MemorySnapshot(f.store)
        let stream = await f.store.events()
        let injector = FailureInjector(target: target, mode: mode)
        let threw: Bool
        do {
          try await injector.run { try await scenario.call(f) }
          threw = false
        } catch {
          threw = true
        }
        // A removal has no rename to fail after: that run simply succeeds.
        guard injector.injected else { continue }
        #expect(threw, "\(scenario.name): change \(target) \(mode) did not fail the call")
        #expect(try TreeHash.entries(of: f.dir.path) == filesBefore, "\(scenario.name): change \(target) \(mode)")
        #expect(await MemorySnapshot(f.store) == memoryBefore, "\(scenario.name): change \(target) \(mode)")
        _ = try await f.store.createProject(["name": "marker", "workingDir": "/m"])
        let first = await collect(stream, 1)
        #expect(first.first?.name == .projectCreated && first.first?.payload["name"] == "marker", "\(scenario.name): an event of the failed call was sent")
      }
    }
  }

  /// When undoing fails too, the error names exactly the files the call
  /// left changed.
  @Test func aFailedUndoSaysWhatItLeft() async throws {
    let f = try await Fixture()
    let before = try TreeHash.entries(of: f.dir.path)
    let injector = FailureInjector(target: 3, mode: .beforeAndEveryUndo)
    do {
      try await injector.run {
        _ = try await f.store.createSession(["projectId": .string(f.p1), "taskIds": [.string(f.t1), .string(f.t3)]])
      }
      Issue.record("the call succeeded")
    } catch let error as MaestroError {
      let after = try TreeHash.entries(of: f.dir.path)
      let changed = Set(Set(after).symmetricDifference(before).map(\.path))
      let left = try #require(error.message.split(separator: ": ").last).split(separator: ", ").map(String.init)
      #expect(error.message.contains("left as the call wrote them"))
      #expect(Set(left) == changed)
      #expect(left.count == 2)
    }
    #expect(injector.counts.withLock { $0.undoAttempts } == 2)
  }

  /// A session listing a task that cannot be linked (its project id is not
  /// safe in a path) is refused before anything is written or sent.
  @Test func createSessionWithAnUnlinkableTaskLeavesNothing() async throws {
    let dir = try TemporaryDirectory()
    let store = try await makeStore(dir)
    let p = try await store.createProject(["name": "P", "workingDir": "/p"])
    let bad = #"{"id":"task_1_bad","projectId":"../elsewhere","title":"x","sessionIds":[]}"#
    try AtomicFile.write(Array(bad.utf8), to: dir.path + "/tasks/task_1_bad.json")
    try await store.load()
    #expect(await store.getTask("task_1_bad") != nil)
    let before = try TreeHash.entries(of: dir.path)
    let stream = await store.events()
    await #expect(throws: MaestroError.self) {
      try await store.createSession(["projectId": .string(p.id), "taskIds": ["task_1_bad"]])
    }
    #expect(try TreeHash.entries(of: dir.path) == before)
    #expect(await store.listSessions().isEmpty)
    _ = try await store.createProject(["name": "marker", "workingDir": "/m"])
    #expect(await collect(stream, 1).map(\.name) == [.projectCreated])
  }
}

@Suite struct StorageSessionUpdateTests {
  @Test func updateSessionRefusesUnknownProjectsAndTasks() async throws {
    let f = try await Fixture()
    let before = try TreeHash.entries(of: f.dir.path)
    do {
      try await f.store.updateSession(f.session, ["projectId": "proj_nope"])
      Issue.record("accepted an unknown project")
    } catch let error as MaestroError {
      #expect(error.code == .projectNotFound)
    }
    do {
      try await f.store.updateSession(f.session, ["taskIds": [.string(f.t1), "task_nope"]])
      Issue.record("accepted an unknown task")
    } catch let error as MaestroError {
      #expect(error.code == .taskNotFound)
      #expect(error.id == "task_nope")
    }
    do {
      try await f.store.updateSession(f.session, ["taskIds": "not a list"])
      Issue.record("accepted a string for taskIds")
    } catch let error as MaestroError {
      #expect(error.code == .validation)
    }
    #expect(try TreeHash.entries(of: f.dir.path) == before)
  }

  @Test func updateSessionKeepsBothSidesOfEveryLink() async throws {
    let f = try await Fixture()
    let stream = await f.store.events()
    let session = try await f.store.updateSession(
      f.session, ["taskIds": [.string(f.t2), .string(f.t3), .string(f.t3)], "name": "renamed"])
    #expect(session.taskIds == [f.t2, f.t3])
    #expect(await f.store.getTask(f.t1)?.sessionIds == [])
    #expect(await f.store.getTask(f.t1)?.timeline?.last?.type?.rawValue == "session_ended")
    #expect(await f.store.getTask(f.t2)?.sessionIds == [f.session])
    #expect(await f.store.getTask(f.t3)?.sessionIds == [f.session])
    #expect(await f.store.getTask(f.t3)?.timeline?.last?.type?.rawValue == "session_started")
    let events = await collect(stream, 5)
    #expect(
      events.map(\.name) == [
        .sessionUpdated, .sessionTaskAdded, .taskSessionAdded, .sessionTaskRemoved, .taskSessionRemoved,
      ])
    // Durable on both sides.
    let fresh = Storage(root: f.dir.path)
    try await fresh.load()
    #expect(await fresh.getTask(f.t1)?.sessionIds == [])
    #expect(await fresh.getTask(f.t3)?.sessionIds == [f.session])
    #expect(await fresh.getSession(f.session)?.taskIds == [f.t2, f.t3])
  }

  /// The seed filters with `if (filter.x)`: an empty string filters nothing.
  @Test func emptyFiltersMeanNoFilter() async throws {
    let f = try await Fixture()
    let allTasks = await f.store.listTasks().map(\.id)
    #expect(allTasks.count == 4)
    #expect(await f.store.listTasks(projectId: "").map(\.id) == allTasks)
    #expect(await f.store.listTasks(status: "").map(\.id) == allTasks)
    #expect(await f.store.listTasks(projectId: "", status: "").map(\.id) == allTasks)
    let allSessions = await f.store.listSessions().map(\.id)
    #expect(allSessions == [f.session])
    #expect(await f.store.listSessions(projectId: "", taskId: "", status: "").map(\.id) == allSessions)
    #expect(await f.store.listSessions(taskId: "").map(\.id) == allSessions)
    #expect(await f.store.listTasks(projectId: f.p2).isEmpty)
  }
}
