import MaestroStorage
import Synchronization

/// How the clean entities are split between the write workers: one unit of
/// work per target directory (the project files, the sessions, each
/// project's task folder, the legacy flat tasks), biggest first, handed out
/// from a shared counter.
///
/// Why not `ParallelMap`'s striding: file creation dominates the run, and
/// creating files in one directory takes that directory's lock (ext4's
/// `i_rwsem`), so two workers striding over the same folder spent ~10% of
/// the time spinning on it. With one directory per unit, the workers almost
/// never share one; largest-first hand-out keeps them busy to the end.
/// What is written does not depend on who writes it, so the output is the
/// same for any worker count and any interleaving.
struct WritePlan: Sendable {
  enum Unit: Sendable {
    case projects
    case sessions
    /// Tasks in `tasks/<projectId>/`.
    case projectTasks(Int)
    /// Legacy tasks in `tasks/`.
    case flatTasks
  }

  let factory: EntityFactory
  /// Units, largest first.
  private(set) var units: [(unit: Unit, size: Int)] = []
  /// Indices of flat-layout tasks (legacy format only).
  private(set) var flatTasks: [Int32] = []
  /// Per project: whether any of its tasks sits in its folder.
  private(set) var hasFolder: [Bool]

  init(factory: EntityFactory) {
    self.factory = factory
    let graph = factory.graph
    var folderSizes = [Int](repeating: 0, count: graph.projectCount)
    for t in 0..<graph.taskCount {
      if factory.isFlat(t) {
        flatTasks.append(Int32(t))
      } else {
        folderSizes[Int(graph.taskProject[t])] += 1
      }
    }
    hasFolder = folderSizes.map { $0 > 0 }
    var units: [(unit: Unit, size: Int)] = [(.projects, graph.projectCount), (.sessions, graph.sessionCount)]
    if !flatTasks.isEmpty { units.append((.flatTasks, flatTasks.count)) }
    for p in 0..<graph.projectCount where folderSizes[p] > 0 { units.append((.projectTasks(p), folderSizes[p])) }
    // Sessions cost about twice a task (bigger files, doc folders).
    func cost(_ u: (unit: Unit, size: Int)) -> Int {
      if case .sessions = u.unit { return 2 * u.size }
      return u.size
    }
    self.units = units.enumerated().sorted { (cost($0.element), -$0.offset) > (cost($1.element), -$1.offset) }.map(\.element)
  }

  /// What one worker wrote.
  struct WorkerResult: Sendable {
    var tree = GeneratedTreeHash()
    var files = 0
    var bytes: Int64 = 0
    var error: MaestroError?

    mutating func wrote(_ path: String, _ content: [UInt8]) {
      tree.addFile(path, contentHash: GeneratedTreeHash.contentHash(content))
      files += 1
      bytes += Int64(content.count)
    }
  }

  /// Builds and writes every clean entity into `stage` on `workers`
  /// workers. The first error stops every worker at its next file.
  func run(into stage: StagedDirectory, workers: Int, progress: ProgressBar?) async -> [WorkerResult] {
    let queue = WorkQueue()
    let plan = self
    return await withTaskGroup(of: (Int, WorkerResult).self) { group in
      for w in 0..<max(1, workers) {
        group.addTask {
          var acc = WorkerResult()
          while !queue.failed.load(ordering: .relaxed) && !Cancellation.isRequested {
            let k = queue.next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard k < plan.units.count else { break }
            do {
              try plan.write(plan.units[k].unit, stage: stage, into: &acc, progress: progress, queue: queue)
            } catch {
              acc.error = error as? MaestroError ?? MaestroError(.io, "\(error)", path: stage.staging)
              queue.failed.store(true, ordering: .relaxed)
            }
          }
          return (w, acc)
        }
      }
      var results: [(Int, WorkerResult)] = []
      for await r in group { results.append(r) }
      return results.sorted { $0.0 < $1.0 }.map(\.1)
    }
  }

  private func write(
    _ unit: Unit, stage: StagedDirectory, into acc: inout WorkerResult, progress: ProgressBar?, queue: WorkQueue
  ) throws {
    let f = factory
    let graph = f.graph
    var sinceProgress = 0
    func tick() {
      sinceProgress += 1
      if sinceProgress == 64 {
        progress?.advance(by: sinceProgress)
        sinceProgress = 0
      }
    }
    defer { progress?.advance(by: sinceProgress) }
    switch unit {
    case .projects:
      for p in 0..<graph.projectCount {
        let path = "projects/\(f.projectId(p)).json"
        let content = f.bytes(f.projectDocument(p))
        try stage.writeFile(path, content)
        acc.wrote(path, content)
        tick()
      }
    case .projectTasks(let p):
      let folder = "tasks/\(f.projectId(p))/"
      for t in graph.tasks(ofProject: p) where !f.isFlat(Int(t)) {
        if queue.failed.load(ordering: .relaxed) || Cancellation.isRequested { return }
        let path = folder + f.taskId(Int(t)) + ".json"
        let content = f.bytes(f.taskDocument(Int(t)))
        try stage.writeFile(path, content)
        acc.wrote(path, content)
        tick()
      }
    case .flatTasks:
      for t in flatTasks {
        if queue.failed.load(ordering: .relaxed) || Cancellation.isRequested { return }
        let path = "tasks/\(f.taskId(Int(t))).json"
        let content = f.bytes(f.taskDocument(Int(t)))
        try stage.writeFile(path, content)
        acc.wrote(path, content)
        tick()
      }
    case .sessions:
      for s in 0..<graph.sessionCount {
        if queue.failed.load(ordering: .relaxed) || Cancellation.isRequested { return }
        let built = f.sessionDocument(s)
        let id = f.sessionId(s)
        let path = "sessions/\(id).json"
        let content = f.bytes(built.json)
        try stage.writeFile(path, content)
        acc.wrote(path, content)
        if !built.docFiles.isEmpty {
          let folder = "session-docs/\(id)"
          try stage.makeDirectory(folder)
          acc.tree.addDirectory(folder)
          for (docPath, docBytes) in built.docFiles {
            try stage.writeFile(docPath, docBytes)
            acc.wrote(docPath, docBytes)
          }
        }
        tick()
      }
    }
  }
}

/// The shared state of the write workers: the next unit to take, and
/// whether one has failed (the others then stop).
final class WorkQueue: Sendable {
  let next = Atomic<Int>(0)
  let failed = Atomic<Bool>(false)
}
