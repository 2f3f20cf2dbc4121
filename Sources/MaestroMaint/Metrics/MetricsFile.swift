import MaestroStorage

/// A `--metrics-file`: the Prometheus text file a run leaves for
/// node_exporter's textfile collector, replaced atomically (a temporary
/// file beside it, fsynced, then renamed), so the collector reads the
/// previous run's file or this one's, never half of one.
public struct MetricsFile: Sendable {
  /// The file (it should end in `.prom`: the collector reads only those).
  public var path: String

  /// Names the file.
  public init(path: String) { self.path = path }

  /// Whether the collector will read it (its name ends in `.prom`).
  public var isCollected: Bool { path.hasSuffix(".prom") }

  /// The value of the series `key` (`name{labels}` exactly as written) in
  /// the current file; nil when there is no file, no such line or no
  /// readable number.
  public func value(of key: String) -> Double? {
    guard let bytes = try? FileSystem.readFile(path) else { return nil }
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
      guard line.hasPrefix(key + " ") else { continue }
      let rest = line.dropFirst(key.count + 1).split(separator: " ")
      guard let first = rest.first, let value = Double(String(first)) else { return nil }
      return value
    }
    return nil
  }

  /// Replaces the file with `run`'s metrics (mode 0644 when new, so the
  /// collector's user can read it). A run that did not succeed takes the
  /// last success time the previous file recorded for the same command and
  /// target (0 when it recorded none).
  /// - Returns: The metrics written.
  /// - Throws: `MaestroError` naming the file.
  @discardableResult
  public func write(_ run: RunMetrics) throws -> RunMetrics {
    var run = run
    if !RunMetrics.isSuccess(run.exitCode) { run.lastSuccessAt = value(of: run.lastSuccessKey) ?? 0 }
    try AtomicFile.write(Array(run.text.utf8), to: path, mode: 0o644)
    return run
  }
}
