import Glibc
import MaestroMaint
import MaestroStorage
import MaestroTestSupport
import Testing

/// `--metrics-file` run as the binary: what the file holds after real runs
/// (agreeing with the JSON summaries), kept last success across a failed
/// run, and no temporary file left beside it.
@Suite struct MetricsEndToEndTests {
  /// The samples of a metrics file by series key (`name{labels}`), after
  /// checking every sample's family was announced by HELP and TYPE lines.
  static func samples(_ path: String) throws -> [String: Double] {
    let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
    #expect(text.hasSuffix("\n"))
    var typed: Set<String> = []
    var result: [String: Double] = [:]
    for line in text.split(separator: "\n") {
      if line.hasPrefix("# TYPE ") {
        let parts = line.split(separator: " ")
        #expect(parts.count == 4 && parts[3] == "gauge")
        #expect(typed.insert(String(parts[2])).inserted, "family \(parts[2]) announced twice")
        continue
      }
      if line.hasPrefix("#") { continue }
      let space = try #require(line.lastIndex(of: " "))
      let key = String(line[..<space])
      let name = String(key.prefix { $0 != "{" })
      #expect(typed.contains(name), "\(name) sampled without TYPE")
      #expect(result[key] == nil, "\(key) written twice")
      result[key] = try #require(Double(String(line[line.index(after: space)...])))
    }
    return result
  }

  /// The inode of `path` (a rename puts a new one in place).
  static func inode(_ path: String) throws -> UInt {
    var s = stat()
    try #require(stat(path, &s) == 0)
    return UInt(s.st_ino)
  }

  static func key(_ name: String, _ labels: String) -> String { "maestro_admin_\(name){\(labels)}" }

  static func summary(_ r: CommandResult) throws -> JSONObject {
    let line = try #require(r.lines.last)
    return try #require(try JSONParser.parse(line).objectValue)
  }

  @Test func checkFindingsBySeverityMatchTheJSONSummary() throws {
    try withTemporaryDirectory { work in
      let data = work + "/data \"x\""
      #expect(try runMaestroAdmin(["generate", "--out", data, "--scale", "xs", "--inject", "all=1", "--no-sync"]).status == 0)
      try FileSystem.makeDirectories(work + "/textfile")
      let metrics = work + "/textfile/maestro-check.prom"
      let r = try runMaestroAdmin(["check", "--data-dir", data, "--json", "--metrics-file", metrics])
      #expect(r.status == 4, "\(r.stderr)")
      let summary = try Self.summary(r)
      let samples = try Self.samples(metrics)
      let labels = #"command="check",data_dir="\#(work)/data \"x\"""#
      let counts = try #require(summary["counts"]?.objectValue)
      for severity in ["error", "warning", "info"] {
        let expected = try #require(counts[severity]?.numberValue)
        #expect(samples[Self.key("findings", labels + #",severity="\#(severity)""#)] == expected, "\(severity)")
      }
      #expect(try #require(counts["error"]?.numberValue) > 0)
      #expect(samples[Self.key("findings", labels + #",severity="transient""#)] == summary["transient"]?.numberValue)
      #expect(samples[Self.key("exit_code", labels)] == 4)
      #expect(samples[Self.key("files", labels)] == summary["files"]?.numberValue)
      #expect(samples[Self.key("bytes", labels)] == summary["bytes"]?.numberValue)
      #expect(samples[Self.key("server_live", labels)] == 0)
      #expect(samples[Self.key("last_success_timestamp_seconds", labels)] == 0, "exit 4 is not a success")
      let started = try #require(samples[Self.key("last_run_timestamp_seconds", labels)])
      #expect(abs(started - Double(time(nil))) < 120)
      #expect(try FileSystem.listDirectory(work + "/textfile").map(\.name) == ["maestro-check.prom"])
    }
  }

  @Test func aFailedBackupKeepsTheLastSuccessAndSetsItsExitCode() throws {
    try withTemporaryDirectory { work in
      let data = work + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--scale", "xs", "--no-sync"]).status == 0)
      try FileSystem.makeDirectories(work + "/textfile")
      let metrics = work + "/textfile/maestro-backup.prom"
      let ok = try runMaestroAdmin([
        "backup", "create", "--data-dir", data, "--dest", work + "/backups", "--json", "--metrics-file", metrics,
      ])
      #expect(ok.status == 0, "\(ok.stderr)")
      let summary = try Self.summary(ok)
      let labels = #"command="backup create",data_dir="\#(data)""#
      let first = try Self.samples(metrics)
      let success = try #require(first[Self.key("last_success_timestamp_seconds", labels)])
      #expect(success == first[Self.key("last_run_timestamp_seconds", labels)])
      #expect(first[Self.key("exit_code", labels)] == 0)
      #expect(first[Self.key("output_bytes", labels)] == summary["archiveBytes"]?.numberValue)
      #expect(first[Self.key("files", labels)] == summary["counts"]?.objectValue?["files"]?.numberValue)
      #expect(first[Self.key("bytes", labels)] == summary["counts"]?.objectValue?["bytes"]?.numberValue)
      #expect(first[Self.key("duration_seconds", labels)].map { $0 > 0 } == true)
      let inode = try Self.inode(metrics)

      // A destination that is a regular file cannot be written: exit 8.
      try AtomicFile.write(Array("not a folder".utf8), to: work + "/not-a-folder")
      usleep(20_000)
      let failed = try runMaestroAdmin([
        "backup", "create", "--data-dir", data, "--dest", work + "/not-a-folder", "--metrics-file", metrics,
      ])
      #expect(failed.status == 8)
      let second = try Self.samples(metrics)
      #expect(second[Self.key("exit_code", labels)] == 8)
      #expect(second[Self.key("last_success_timestamp_seconds", labels)] == success)
      #expect(try #require(second[Self.key("last_run_timestamp_seconds", labels)]) > success)
      #expect(second[Self.key("output_bytes", labels)] == nil, "nothing measured by a failed run")
      #expect(second[Self.key("files", labels)] == nil)
      // Replaced by a rename (a new inode), with no temporary file left.
      #expect(try Self.inode(metrics) != inode)
      #expect(try FileSystem.listDirectory(work + "/textfile").map(\.name) == ["maestro-backup.prom"])
    }
  }

  @Test func verifyPruneAndArchiveWriteTheirOwnMeasurements() throws {
    try withTemporaryDirectory { work in
      let data = work + "/data"
      let dest = work + "/backups"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--scale", "xs", "--no-sync"]).status == 0)
      try FileSystem.makeDirectories(work + "/textfile")
      let create = try runMaestroAdmin(["backup", "create", "--data-dir", data, "--dest", dest, "--json"])
      let snapshot = try #require(try Self.summary(create)["snapshot"]?.stringValue)

      let verifyFile = work + "/textfile/verify.prom"
      let verify = try runMaestroAdmin(["backup", "verify", snapshot, "--deep", "--json", "--metrics-file", verifyFile])
      #expect(verify.status == 0, "\(verify.stderr)")
      let v = try Self.samples(verifyFile)
      let vLabels = #"command="backup verify",dest="\#(dest)""#
      #expect(v[Self.key("exit_code", vLabels)] == 0)
      #expect(v[Self.key("problems", vLabels)] == 0)
      #expect(v[Self.key("files", vLabels)] == (try Self.summary(verify))["files"]?.numberValue)
      #expect(v[Self.key("findings", vLabels + #",severity="error""#)] == 0)
      #expect(v[Self.key("last_success_timestamp_seconds", vLabels)] == v[Self.key("last_run_timestamp_seconds", vLabels)])

      let pruneFile = work + "/textfile/prune.prom"
      let prune = try runMaestroAdmin(["backup", "prune", "--dest", dest, "--keep-last", "1", "--metrics-file", pruneFile])
      #expect(prune.status == 0, "\(prune.stderr)")
      let p = try Self.samples(pruneFile)
      let pLabels = #"command="backup prune",dest="\#(dest)""#
      #expect(p[Self.key("snapshots", pLabels + #",action="keep""#)] == 1)
      #expect(p[Self.key("snapshots", pLabels + #",action="remove""#)] == 0)
      #expect(p[Self.key("bytes", pLabels)] == Double(try FileSystem.stat(snapshot).size))

      let archiveFile = work + "/textfile/archive.prom"
      let archive = try runMaestroAdmin([
        "archive", "create", "--data-dir", data, "--older-than", "0d", "--dry-run", "--json", "--metrics-file", archiveFile,
      ])
      #expect(archive.status == 0, "\(archive.stderr)")
      let a = try Self.samples(archiveFile)
      let aLabels = #"command="archive create",data_dir="\#(data)""#
      let aSummary = try Self.summary(archive)
      #expect(a[Self.key("tasks", aLabels + #",action="archive""#)] == aSummary["tasks"]?.numberValue)
      #expect(a[Self.key("tasks", aLabels + #",action="hold""#)] == aSummary["held"]?.numberValue)
      #expect(try #require(aSummary["tasks"]?.numberValue) > 0)
      #expect(a[Self.key("exit_code", aLabels)] == 0)
    }
  }

  @Test func aMissingFolderIsAUsageErrorAndANameWithoutPromIsWarnedAbout() throws {
    try withTemporaryDirectory { work in
      let data = work + "/data"
      #expect(try runMaestroAdmin(["generate", "--out", data, "--scale", "xs", "--no-sync"]).status == 0)
      let missing = try runMaestroAdmin(["check", "--data-dir", data, "--metrics-file", work + "/nope/m.prom"])
      #expect(missing.status == 16)
      #expect(missing.stderr.contains("\(work)/nope does not exist"))
      #expect(missing.stdout.isEmpty, "refused before any work")
      let txt = try runMaestroAdmin(["check", "--data-dir", data, "--metrics-file", work + "/m.txt"])
      #expect(txt.status == 0, "\(txt.stderr)")
      #expect(txt.stderr.contains("does not end in .prom"))
      #expect(try Self.samples(work + "/m.txt")[Self.key("exit_code", #"command="check",data_dir="\#(data)""#)] == 0)
    }
  }
}
