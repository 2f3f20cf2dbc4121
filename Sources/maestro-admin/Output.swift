import ArgumentParser
import MaestroMaint
import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How this run prints, set once by `MaestroAdmin.main` from the parsed
/// command's `OutputOptions` before the command runs (and, for errors the
/// parser reports, from the raw arguments).
enum OutputMode {
  /// `--json`: results and errors as JSON lines on stdout.
  nonisolated(unsafe) static var json = false
  /// `--quiet`: only errors and the final verdict (with `--json`: only the
  /// summary and error objects).
  nonisolated(unsafe) static var quiet = false
  /// The summary a command recorded, printed by `runMapped` once the exit
  /// status is known, with that status as its `exitCode`.
  nonisolated(unsafe) static var pendingSummary: JSONObject?
}

/// Where a command's results go: text for people or JSON lines for machines
/// on stdout, errors on stderr (and, with `--json`, as an error object on
/// stdout too).
///
/// With a `server` report, the summary record carries it: the `server`
/// field in JSON, a `server: ...` line in text (printed where the summary
/// record would be, on stderr for `fmt`) when there is something to tell.
struct Output {
  var json: Bool
  var server: LiveServerReport? = nil

  /// Prints a line of text (text mode only; not with `--quiet`).
  func text(_ line: String) {
    guard !json && !OutputMode.quiet else { return }
    print(line)
  }

  /// Prints the run's final verdict, the one text line `--quiet` keeps.
  func verdict(_ line: String) {
    guard !json else { return }
    print(line)
  }

  /// Prints one JSON object as a line (JSON mode only); a summary gets the
  /// live-server report (in text mode, its line). A summary is held until
  /// the command's exit status is known (`runMapped` prints it with
  /// `exitCode`); with `--quiet` only summaries and errors are printed.
  func record(_ object: JSONObject) {
    var object = object
    if let server, object["type"] == .string("summary") {
      guard json else {
        for line in server.textLines {
          if server.textToStandardError {
            StandardError.write(line + "\n")
          } else if !OutputMode.quiet {
            print(line)
          }
        }
        return
      }
      server.attach(to: &object)
    }
    guard json else { return }
    let type = object["type"]?.stringValue
    if type == "summary" {
      Self.flushSummary(exitCode: nil)
      OutputMode.pendingSummary = object
      return
    }
    if OutputMode.quiet && type != "error" { return }
    print(JSONWriter.string(.object(object), style: .compact))
  }

  /// Prints the held summary, if any, with `exitCode` set.
  static func flushSummary(exitCode: Int32?) {
    guard var summary = OutputMode.pendingSummary else { return }
    OutputMode.pendingSummary = nil
    if let exitCode { summary["exitCode"] = .number(Double(exitCode)) }
    print(JSONWriter.string(.object(summary), style: .compact))
  }

  /// Prints an error on stderr.
  static func error(_ message: String) {
    StandardError.write("maestro-admin: \(message)\n")
  }

  /// Reports a failure that ends the run: its message on stderr and, with
  /// `--json`, `{"type":"error","message","path","code","exitCode"}` on
  /// stdout. When the run had already changed the data dir, both say so
  /// and give the exact undo command.
  static func failure(_ message: String, error: MaestroError? = nil, exitCode: Int32) {
    Self.error(message)
    let partial = error?.partialRun
    if let partial {
      Self.error(
        "the data dir WAS CHANGED before the run stopped (journal \(partial.journals.joined(separator: ", "))); to put it back: \(undoCommand(journals: partial.journals, dataDir: partial.dataDir))"
      )
    }
    guard OutputMode.json else { return }
    flushSummary(exitCode: exitCode)
    var object: JSONObject = ["type": "error", "message": .string(error?.message ?? message)]
    object["path"] = error?.path.map(JSONValue.string) ?? .null
    object["code"] = error.map { .string($0.code.rawValue) } ?? .null
    object["dataDirChanged"] = .bool(partial != nil)
    if let partial {
      object["journals"] = .array(partial.journals.map(JSONValue.string))
      object["undo"] = .string(undoCommand(journals: partial.journals, dataDir: partial.dataDir))
    }
    object["exitCode"] = .number(Double(exitCode))
    print(JSONWriter.string(.object(object), style: .compact))
  }
}

/// `text` quoted for a POSIX shell when it needs it (`ShellQuote.quote`).
func shellQuoted(_ text: String) -> String { ShellQuote.quote(text) }

/// The exact command that undoes `journals` (oldest first) of `dataDir`:
/// one `maestro-admin undo` per journal, newest first, joined by `&&`,
/// every argument shell-quoted.
func undoCommand(journals: [String], dataDir: String) -> String {
  journals.reversed().map { "maestro-admin undo \(shellQuoted($0)) --data-dir \(shellQuoted(dataDir))" }
    .joined(separator: " && ")
}

/// Maps a failure to its exit code after saying what went wrong.
func exitCode(for error: Error) -> ExitCode {
  if let error = error as? MaestroError {
    let status: ExitStatus
    switch error.code {
    case .usage: status = .usage
    case .locked, .serverLive: status = .locked
    case .cancelled: status = .cancelled
    default: status = .operationalError
    }
    Output.failure(error.description, error: error, exitCode: status.rawValue)
    return ExitCode(status.rawValue)
  }
  Output.failure("\(error)", exitCode: ExitStatus.operationalError.rawValue)
  return ExitCode(ExitStatus.operationalError.rawValue)
}

/// Runs a command body, turning thrown errors into the documented exit
/// codes; prints the summary the body recorded with the exit code. A
/// journal stopped by files that changed under it is reported in full
/// (`report(_:json:)`) and exits 8.
func runMapped(json: Bool = false, _ body: () async throws -> ExitStatus) async throws {
  let status: ExitStatus
  do {
    status = try await body()
  } catch let error as ExitCode {
    Output.flushSummary(exitCode: error.rawValue)
    throw error
  } catch let stop as JournalStop {
    report(stop, json: json || OutputMode.json)
    throw ExitCode(ExitStatus.operationalError.rawValue)
  } catch {
    throw exitCode(for: error)
  }
  Output.flushSummary(exitCode: status.rawValue)
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
    "undo": .array(stop.undoCommands.map { .string($0) }),
  ])
  // The run's last line, as for every failure: the error object.
  guard json else { return }
  Output.flushSummary(exitCode: ExitStatus.operationalError.rawValue)
  let changed = !stop.undoJournals.isEmpty
  var object: JSONObject = ["type": "error", "message": .string(stop.description)]
  object["path"] = stop.conflicts.first.map { .string(stop.dataDir + "/" + $0.path) } ?? .null
  object["code"] = "conflict"
  object["dataDirChanged"] = .bool(changed)
  if changed {
    object["journals"] = .array(stop.undoJournals.reversed().map(JSONValue.string))
    object["undo"] = .string(stop.undoCommands.joined(separator: " && "))
  }
  object["exitCode"] = .number(Double(ExitStatus.operationalError.rawValue))
  print(JSONWriter.string(.object(object), style: .compact))
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
      Output.failure(error.description, error: error, exitCode: ExitStatus.problemsLeft.rawValue)
      return .problemsLeft
    }
  }
}

/// Groups digits for people: 251000 → 251,000 (`NumberText.grouped`).
func grouped(_ n: Int) -> String { NumberText.grouped(n) }

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
