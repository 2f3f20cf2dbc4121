import ArgumentParser
import MaestroMaint
import MaestroStorage

/// Runs a command body like `runMapped`, then, with `--metrics-file`,
/// writes the run's metrics whatever the outcome: the exit code the body
/// returned or its error mapped to, the times, and what the body put in
/// its `RunMeasurements`. A metrics file that cannot be written is reported
/// on stderr and leaves the exit code alone (it is the command's: the
/// summary already said it); the stale last-success time shows it.
func runMeasured(
  _ options: MetricsOptions, command: String, target: [(name: String, value: String)],
  refusing codes: Set<MaestroError.Code> = [], json: Bool = false, _ body: (inout RunMeasurements) async throws -> ExitStatus
) async throws {
  let stopwatch = RunStopwatch()
  var measurements = RunMeasurements()
  var exitCode = ExitStatus.ok.rawValue
  var thrown: Error?
  do {
    try await runMapped(refusing: codes, json: json) { try await body(&measurements) }
  } catch let error as ExitCode {
    exitCode = error.rawValue
    thrown = error
  }
  guard let path = options.metricsFile else {
    if let thrown { throw thrown }
    return
  }
  let file = MetricsFile(path: path)
  if !file.isCollected {
    Output.error("warning: --metrics-file \(path) does not end in .prom; node_exporter's textfile collector ignores it")
  }
  let run = RunMetrics(
    command: command, target: target, startedAt: stopwatch.startedAt, durationSeconds: stopwatch.elapsedSeconds,
    exitCode: exitCode, measurements: measurements)
  do {
    try file.write(run)
  } catch {
    Output.error("cannot write the metrics file: \(error)")
  }
  if let thrown { throw thrown }
}
