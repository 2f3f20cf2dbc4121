import MaestroMaint
import MaestroStorage

/// What a command says about live servers: the status of each data dir it
/// worked on, as the `server` field of its `--json` summary (`servers`, an
/// array, for `fmt`) and, in text, as a `server: ...` line when there is
/// something to tell (a live server, a stale URL, a process it could not
/// inspect).
struct LiveServerReport {
  /// The run's guard: statuses come from it, detected once per data dir.
  var liveServer: LiveServerGuard
  /// The data dirs to report.
  var dataDirs: [String]
  /// Report an array (`servers`) rather than one object (`server`).
  var many = false
  /// Write the text line to stderr (`fmt`, whose stdout lists files).
  var textToStandardError = false

  /// The report of one data dir.
  init(_ liveServer: LiveServerGuard, dataDir: String) {
    self.liveServer = liveServer
    self.dataDirs = [dataDir]
  }

  /// The report of several data dirs (`fmt`).
  init(_ liveServer: LiveServerGuard, dataDirs: [String]) {
    self.liveServer = liveServer
    self.dataDirs = dataDirs
    self.many = true
    self.textToStandardError = true
  }

  private func json(_ status: LiveServerStatus) -> JSONValue {
    var object = status.jsonObject
    object["ignored"] = .bool(liveServer.wasIgnored(status))
    return .object(object)
  }

  /// Adds the `server` (or `servers`) field to a summary object.
  func attach(to summary: inout JSONObject) {
    let statuses = dataDirs.map(liveServer.status(of:))
    if many {
      summary["servers"] = .array(statuses.map(json))
    } else if let status = statuses.first {
      summary["server"] = json(status)
    }
  }

  /// `server: LIVE: ...` or `server: none found (... is stale ...)`, one
  /// per data dir that has something to tell.
  var textLines: [String] {
    dataDirs.map(liveServer.status(of:)).filter(\.isNoteworthy).map { status in
      let override = liveServer.wasIgnored(status) ? " (--ignore-live-server: went ahead anyway)" : ""
      return "server\(many ? " (\(status.dataDir))" : ""): \(status.summary)\(override)"
    }
  }
}

/// The `--json` summary of a run a live server refused (exit 75).
func refusalSummary(_ status: LiveServerStatus) -> JSONObject {
  [
    "type": "summary", "refused": "server-live", "dataDir": .string(status.dataDir),
    "server": .object(status.jsonObject), "exitCode": .number(Double(ExitStatus.locked.rawValue)),
  ]
}
