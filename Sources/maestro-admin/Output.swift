import ArgumentParser
import MaestroMaint
import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a command's results go: text for people or JSON lines for machines
/// on stdout, errors on stderr.
///
/// With a `server` report, the summary record carries it: the `server`
/// field in JSON, a `server: ...` line in text (printed where the summary
/// record would be, on stderr for `fmt`) when there is something to tell.
struct Output {
  var json: Bool
  var server: LiveServerReport? = nil

  /// Prints a line of text (text mode only).
  func text(_ line: String) {
    guard !json else { return }
    print(line)
  }

  /// Prints one JSON object as a line (JSON mode only); a summary gets the
  /// live-server report (in text mode, its line).
  func record(_ object: JSONObject) {
    var object = object
    if let server, object["type"] == .string("summary") {
      guard json else {
        for line in server.textLines {
          if server.textToStandardError { StandardError.write(line + "\n") } else { print(line) }
        }
        return
      }
      server.attach(to: &object)
    }
    guard json else { return }
    print(JSONWriter.string(.object(object), style: .compact))
  }

  /// Prints an error on stderr.
  static func error(_ message: String) {
    StandardError.write("maestro-admin: \(message)\n")
  }
}

/// Maps a failure to its exit code after saying what went wrong.
func exitCode(for error: Error) -> ExitCode {
  if let error = error as? MaestroError {
    Output.error(error.description)
    switch error.code {
    case .usage: return ExitCode(ExitStatus.usage.rawValue)
    case .locked, .serverLive: return ExitCode(ExitStatus.locked.rawValue)
    case .cancelled: return ExitCode(ExitStatus.cancelled.rawValue)
    default: return ExitCode(ExitStatus.operationalError.rawValue)
    }
  }
  Output.error("\(error)")
  return ExitCode(ExitStatus.operationalError.rawValue)
}

/// Runs a command body, turning thrown errors into the documented exit codes;
/// a journal stopped by files that changed under it is reported in full
/// (`report(_:json:)`) and exits 8.
func runMapped(json: Bool = false, _ body: () async throws -> ExitStatus) async throws {
  let status: ExitStatus
  do {
    status = try await body()
  } catch let error as ExitCode {
    throw error
  } catch let stop as JournalStop {
    report(stop, json: json)
    throw ExitCode(ExitStatus.operationalError.rawValue)
  } catch {
    throw exitCode(for: error)
  }
  if status != .ok { throw ExitCode(status.rawValue) }
}

/// Names every file that changed under a stopped journal (stderr, and JSON
/// lines `{"type":"conflict"}` and `{"type":"stopped"}` on stdout with
/// `--json`), and prints the exact `undo` commands when changes were made.
func report(_ stop: JournalStop, json: Bool) {
  let out = Output(json: json)
  for c in stop.conflicts {
    Output.error("\(stop.dataDir)/\(c.path): changed while maestro-admin was changing it (\(c.why)); left as it is")
    var record: JSONObject = ["type": "conflict", "file": .string(c.path), "why": .string(c.why)]
    if let kept = c.keptAt { record["keptAt"] = .string(kept) }
    out.record(record)
  }
  Output.error(
    "stopped: \(stop.conflicts.count) file(s) changed under journal \(stop.journal); \(stop.applied) change(s) made before the stop"
      + (stop.undoCommands.isEmpty ? ", nothing to undo" : ""))
  if !stop.undoCommands.isEmpty {
    Output.error("to undo what was applied: " + stop.undoCommands.joined(separator: " && "))
  }
  out.record([
    "type": "stopped", "journal": .string(stop.journal), "applied": .number(Double(stop.applied)),
    "conflicts": .array(stop.conflicts.map { .string($0.path) }),
    "undo": .array(stop.undoCommands.map { .string($0) }), "exit": .number(Double(ExitStatus.operationalError.rawValue)),
  ])
}

/// Like `runMapped`, with errors of `codes` (an archive refused, naming
/// the member) reported and mapped to exit 4 instead of 8.
func runMapped(
  refusing codes: Set<MaestroError.Code>, json: Bool = false, _ body: () async throws -> ExitStatus
) async throws {
  try await runMapped(json: json) {
    do {
      return try await body()
    } catch let error as MaestroError where codes.contains(error.code) {
      Output.error(error.description)
      return .problemsLeft
    }
  }
}

/// Groups digits for people: 251000 → 251,000.
func grouped(_ n: Int) -> String {
  let s = String(n.magnitude)
  var out = ""
  for (k, c) in s.enumerated() {
    if k > 0 && (s.count - k) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  return n < 0 ? "-" + out : out
}

/// Bytes for people: 1.5 MiB.
func humanBytes(_ n: Int64) -> String {
  let units = ["B", "KiB", "MiB", "GiB", "TiB"]
  var v = Double(n)
  var u = 0
  while v >= 1024 && u < units.count - 1 {
    v /= 1024
    u += 1
  }
  return u == 0 ? "\(n) B" : String(format1(v)) + " " + units[u]
}

private func format1(_ v: Double) -> String {
  let tenths = Int((v * 10).rounded())
  return "\(tenths / 10).\(tenths % 10)"
}

/// An epoch-millisecond timestamp as UTC ISO 8601.
func isoTime(_ ms: Double) -> String {
  var t = time_t(ms / 1000)
  var parts = tm()
  gmtime_r(&t, &parts)
  func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
  return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
    + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
}
