import MaestroStorage

/// Works out whether a Maestro server is running on a data dir, from every
/// signal there is:
///
/// 1. `DATA_DIR/server-url`, which the newest servers write at start (and do
///    not remove at shutdown): live when `GET <url>/health` answers within
///    the probe's timeout; stale otherwise (reported, not fatal).
/// 2. `--server-url`, probed the same way.
/// 3. For servers that write no `server-url`: a running process serving the
///    data dir (`ServerProcessScan`).
///
/// Detection never fails: what it cannot read is reported in the status.
public struct LiveServerDetector: Sendable {
  /// The name of the file the newest servers write into the data dir.
  public static let serverURLFileName = "server-url"

  /// A URL the operator named (`--server-url`), probed beside `server-url`.
  public var explicitURL: String?
  /// The HTTP probe.
  public var probe: HealthProbe
  /// The process scan; nil skips it.
  public var processScan: ServerProcessScan?

  /// A detector with the default 500 ms probe and the `/proc` scan.
  public init(
    explicitURL: String? = nil, probe: HealthProbe = HealthProbe(),
    processScan: ServerProcessScan? = ServerProcessScan()
  ) {
    self.explicitURL = explicitURL
    self.probe = probe
    self.processScan = processScan
  }

  /// What is running on `dataDir`.
  public func detect(dataDir: String) -> LiveServerStatus {
    var status = LiveServerStatus(dataDir: dataDir)
    var probed: [String] = []
    if let written = serverURLFile(dataDir) {
      status.probes.append(run(written, source: .serverURLFile))
      probed.append(written)
    }
    if let explicitURL, !probed.contains(explicitURL) {
      status.probes.append(run(explicitURL, source: .option))
    }
    if let processScan {
      let found = processScan.scan(for: dataDir)
      status.processes = found.matches
      status.uninspected = found.uninspected
    }
    return status
  }

  private func run(_ text: String, source: LiveServerStatus.Probe.Source) -> LiveServerStatus.Probe {
    guard let url = ServerURL(text) else {
      return .init(source: source, url: text, answer: .unreachable(reason: "not an http:// or https:// URL"))
    }
    return .init(source: source, url: url.text, answer: probe.probe(url))
  }

  /// The first line of `DATA_DIR/server-url`, trimmed; nil when there is
  /// no such file. An unreadable one comes back as a marker the probe
  /// reports as not a URL.
  private func serverURLFile(_ dataDir: String) -> String? {
    let path = dataDir + "/" + Self.serverURLFileName
    guard FileSystem.fileExists(path) else { return nil }
    guard let bytes = try? FileSystem.readFile(path) else { return "(unreadable \(Self.serverURLFileName))" }
    let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
    let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
    return String(line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}
