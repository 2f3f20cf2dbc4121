import MaestroStorage

/// What live-server detection found for one data dir: the URLs probed and
/// what answered, the server processes found, and those that could not be
/// inspected. Every command reports it (a text line, and the `server`
/// field of its `--json` summary).
public struct LiveServerStatus: Sendable, Equatable {
  /// One URL probed.
  public struct Probe: Sendable, Equatable {
    /// Where a probed URL came from.
    public enum Source: String, Sendable {
      /// `DATA_DIR/server-url`, which the newest servers write at start.
      case serverURLFile = "server-url"
      /// The `--server-url` option.
      case option = "--server-url"
    }

    /// Where the URL came from.
    public var source: Source
    /// The URL as written.
    public var url: String
    /// What the probe got.
    public var answer: HealthProbe.Answer

    /// A probe result.
    public init(source: Source, url: String, answer: HealthProbe.Answer) {
      self.source = source
      self.url = url
      self.answer = answer
    }

    /// `server-url http://localhost:3000 answers /health (HTTP 200)`.
    public var summary: String { "\(source.rawValue) \(url) \(answer.summary)" }
  }

  /// The data dir, as given.
  public var dataDir: String
  /// The URLs probed, `server-url` first.
  public var probes: [Probe] = []
  /// Processes serving the data dir (`/proc`).
  public var processes: [ServerProcess] = []
  /// Server-like processes whose environment could not be read.
  public var uninspected: [UninspectedProcess] = []

  /// A status with nothing found yet.
  public init(dataDir: String) {
    self.dataDir = dataDir
  }

  /// Whether a server is running on the data dir: a probed URL answered,
  /// or a server process names it.
  public var isLive: Bool { liveProbe != nil || !processes.isEmpty }

  /// The first probe that found a server.
  public var liveProbe: Probe? { probes.first { $0.answer.isLive } }

  /// Probes that found no server: a stale `server-url` (the server does
  /// not remove it at shutdown), or a `--server-url` nothing answers.
  public var staleProbes: [Probe] { probes.filter { !$0.answer.isLive } }

  /// Whether there is anything to tell a person: a live server, a stale
  /// URL, or a process that could not be inspected.
  public var isNoteworthy: Bool { isLive || !staleProbes.isEmpty || !uninspected.isEmpty }

  /// The pids of the server processes found.
  public var pids: [Int32] { processes.map(\.pid) }

  /// The evidence that a server is running, in words:
  /// `server-url http://localhost:3000 answers /health (HTTP 200); pid 42 (...)`.
  public var evidence: String {
    (probes.filter { $0.answer.isLive }.map(\.summary) + processes.map(\.summary)).joined(separator: "; ")
  }

  /// One line for people, e.g. `LIVE: server-url http://… answers /health
  /// (HTTP 200)` or `none found (server-url http://… is stale: connection
  /// refused)`.
  public var summary: String {
    var notes: [String] = []
    for probe in staleProbes {
      notes.append("\(probe.source.rawValue) \(probe.url) is stale: \(probe.answer.summary)")
    }
    if !uninspected.isEmpty {
      let listed = uninspected.prefix(3).map { "pid \($0.pid) (\($0.command))" }.joined(separator: ", ")
      notes.append(
        "\(uninspected.count) server-like process(es) could not be inspected: \(listed)\(uninspected.count > 3 ? ", ..." : "")")
    }
    if isLive {
      return "LIVE: " + evidence + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
    }
    let checked = probes.isEmpty ? "no server-url; no server process names this data dir" : "no server process names this data dir"
    return "none found (" + (notes + [checked]).joined(separator: "; ") + ")"
  }

  /// The `server` field of a `--json` summary: `live`, `url` (the URL that
  /// answered) and its `source`, `pids`, `processes`, `stale` (URLs nothing
  /// answered, with the reason) and `uninspected` processes.
  public var jsonObject: JSONObject {
    let live = liveProbe
    return [
      "live": .bool(isLive), "dataDir": .string(dataDir),
      "url": live.map { .string($0.url) } ?? .null,
      "urlSource": live.map { .string($0.source.rawValue) } ?? .null,
      "pids": .array(pids.map { .number(Double($0)) }),
      "processes": .array(processes.map { .object($0.jsonObject) }),
      "stale": .array(
        staleProbes.map {
          ["url": .string($0.url), "source": .string($0.source.rawValue), "reason": .string($0.answer.summary)]
        }),
      "uninspected": .array(uninspected.map { .object($0.jsonObject) }),
    ]
  }
}
