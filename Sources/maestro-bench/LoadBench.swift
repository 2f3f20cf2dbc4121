import MaestroStorage

/// `maestro-bench load DIR`: how long `Storage.load()` takes on DIR (it reads
/// and parses with every core), with the counts it loaded and peak RSS.
struct LoadBench {
  var options: BenchOptions

  func run() async throws {
    var best = Double.infinity
    var counts = (projects: 0, tasks: 0, sessions: 0, issues: 0)
    for _ in 0..<options.repeatCount {
      let storage = Storage(root: options.directory)
      let start = BenchSupport.now()
      try await storage.load()
      best = min(best, BenchSupport.now() - start)
      counts = (
        await storage.listProjects().count, await storage.listTasks().count,
        await storage.listSessions().count, await storage.loadIssues.count
      )
    }
    let rss = BenchSupport.peakRSSKiB()
    print("load: best of \(options.repeatCount): \(BenchSupport.fixed(best, 3)) s")
    print("  projects \(counts.projects), tasks \(counts.tasks), sessions \(counts.sessions), load issues \(counts.issues)")
    print("  peak RSS \(rss.map { "\($0 / 1024) MiB" } ?? "unknown")")
    print(
      "{\"seconds\":\(BenchSupport.fixed(best, 4)),\"projects\":\(counts.projects),\"tasks\":\(counts.tasks),"
        + "\"sessions\":\(counts.sessions),\"loadIssues\":\(counts.issues),\"peakRSSKiB\":\(rss ?? 0)}")
  }
}
