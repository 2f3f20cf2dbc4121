import ArgumentParser
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

private let terminationRequested = Atomic<Bool>(false)

/// `maestro-server-imitator`: a stand-in for a running Maestro server, for
/// tests and `scripts/live-campaign.sh`; not part of the shipped tool.
@main
struct ServerImitatorTool: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "maestro-server-imitator",
    abstract: "Rewrite a data dir's entity files the way a running Maestro server does (test tool).",
    subcommands: [Run.self, Verify.self], defaultSubcommand: Run.self)
}

extension ServerImitatorTool {
  /// Writes until a bound or SIGTERM/SIGINT; prints a JSON summary.
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Load the data dir, then rewrite whole entity files from memory at a set rate.",
      discussion: """
        Stops after --duration seconds or --count writes, or on SIGTERM/SIGINT, always after the
        operation at hand (a link is never left half written). Every write is logged to --log as one
        JSON object per line: t (ms), path, sha256, bytes, style, op, marker.
        """)

    @Option(name: .long, help: "The data dir.") var dataDir: String
    @Option(name: .long, help: "Writes per second.") var rate: Double = 300
    @Option(name: .long, help: "rename (compact, <file>.<8 hex>.tmp + rename) or in-place (two-space, O_TRUNC).")
    var style: String = "rename"
    @Option(name: .long, help: "Stop after this many seconds.") var duration: Double?
    @Option(name: .long, help: "Stop after this many writes.") var count: Int?
    @Option(name: .long, help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .long, help: "The JSON-lines write log.") var log: String?
    @Option(name: .long, help: "In place, write in pieces of this many bytes (0: one write).") var chunk = 0
    @Option(name: .long, help: "Percent of operations that create a session or a task.") var createPercent = 6
    @Option(name: .long, help: "Write this file once loading is done (scripts wait for it).") var readyFile: String?

    func validate() throws {
      guard ImitatorWrite.Style(rawValue: style) != nil else { throw ValidationError("--style is rename or in-place") }
      guard duration != nil || count != nil else { throw ValidationError("give --duration or --count: the writer must stop by itself") }
    }

    func run() throws {
      var options = ServerImitator.Options(dataDir: dataDir)
      options.writesPerSecond = rate
      options.style = ImitatorWrite.Style(rawValue: style) ?? .rename
      options.duration = duration
      options.maxWrites = count
      options.seed = seed
      options.logPath = log
      options.inPlaceChunk = chunk
      options.createPercent = createPercent
      let imitator = try ServerImitator(options)
      // A parent may have blocked these (a test runner's thread mask is inherited).
      var stopping = sigset_t()
      sigemptyset(&stopping)
      for sig in [SIGTERM, SIGINT] {
        signal(sig) { _ in terminationRequested.store(true, ordering: .relaxed) }
        sigaddset(&stopping, sig)
      }
      pthread_sigmask(SIG_UNBLOCK, &stopping, nil)
      if let readyFile { try AtomicFile.write(Array("ready\n".utf8), to: readyFile) }
      let summary = imitator.run { terminationRequested.load(ordering: .relaxed) }
      var operations = JSONObject()
      for (name, n) in summary.operations.sorted(by: { $0.key < $1.key }) { operations[name] = .number(Double(n)) }
      print(
        JSONWriter.string(
          .object([
            "writes": .number(Double(summary.writes)), "seconds": .number((summary.seconds * 1000).rounded() / 1000),
            "operations": .object(operations), "failures": .array(summary.failures.map { .string($0) }),
          ]), style: .compact))
    }
  }

  /// Compares the log with the data dir; exit 1 when a write was lost.
  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Report server writes that did not survive (exit 1 when any was lost).")

    @Option(name: .long, help: "The data dir.") var dataDir: String
    @Option(name: .long, help: "The writer's log.") var log: String
    @Option(name: .long, help: "untouched (nothing may differ) or derived (files may be rewritten from the last write).")
    var policy: String = "untouched"
    @Flag(name: .long, help: "With derived: a file gone whose task id is in archive/catalog.jsonl was archived, not lost.")
    var allowArchived = false

    func run() throws {
      let writes = try ImitatorWrite.readLog(log)
      let verifier: LostWriteVerifier
      switch policy {
      case "untouched": verifier = LostWriteVerifier(policy: .untouched)
      case "derived":
        let archived = allowArchived ? Self.archivedIds(dataDir) : []
        verifier = LostWriteVerifier(
          policy: .derived(removable: { path in
            archived.contains(String(path.split(separator: "/").last?.dropLast(5) ?? ""))
          }))
      default: throw ValidationError("--policy is untouched or derived")
      }
      let report = verifier.verify(log: writes, root: dataDir)
      print(
        JSONWriter.string(
          .object([
            "writes": .number(Double(report.writes)), "files": .number(Double(report.files)),
            "intact": .number(Double(report.intact)),
            "changedFromLastWrite": .number(Double(report.changedFromLastWrite.count)),
            "removed": .number(Double(report.removed.count)),
            "quarantined": .number(Double(report.quarantined.count)), "lost": .number(Double(report.losses.count)),
            "losses": .array(report.losses.prefix(20).map { .string($0.description) }),
          ]), style: .compact))
      if !report.losses.isEmpty { throw ExitCode(1) }
    }

    /// Task ids listed in the data dir's archive catalog.
    static func archivedIds(_ dataDir: String) -> Set<String> {
      guard let bytes = try? FileSystem.readFile(dataDir + "/archive/catalog.jsonl") else { return [] }
      var ids: Set<String> = []
      for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
        if let id = (try? JSONParser.parse(Array(line.utf8)))?["id"]?.stringValue { ids.insert(id) }
      }
      return ids
    }
  }
}
