import ArgumentParser
import MaestroMaint
import MaestroStorage

/// `maestro-admin backup`: snapshots of a data dir (create, list, verify,
/// restore, prune).
struct BackupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Snapshots of a data dir: create, list, verify, restore, prune.",
    discussion: helpParagraphs("""
      A snapshot is one pax tar (default .tar.zst) named maestro-<UTC yyyyMMddTHHmmssZ>-<id>.tar.zst,
      mode 0600, whose first member MANIFEST.json lists every file with its size, mode, mtime and
      SHA-256 (and a SHA-256 of the manifest itself); the data dir's content follows under data/.
      An incremental snapshot holds only what changed since its parent (its manifest lists those
      files, the removed paths and the parent); restore, verify and list follow the chain, and
      prune keeps every parent a kept snapshot needs.

      Exit codes of the backup commands: create 0 (4 when --allow-torn kept torn files);
      list 0 (4 when a manifest is unreadable); verify 0 verified, 4 any mismatch or --deep finding;
      restore 1 restored, 0 --if-missing found data and did nothing, 4 archive refused
      (unsafe, damaged or not matching its manifest; nothing changed), 8 target holds data without
      --force; prune 1 snapshots removed, 0 nothing removed or --dry-run.

      """) + "\n" + ExitStatus.helpText,
    subcommands: [
      BackupCreateCommand.self, BackupListCommand.self, BackupVerifyCommand.self, BackupRestoreCommand.self,
      BackupPruneCommand.self,
    ]
  )
}

/// Like `runMapped`, with a damaged or unsafe archive mapped to exit 4.
private func runBackup(_ body: () async throws -> ExitStatus) async throws {
  try await runMapped(refusing: [.snapshotInvalid], body)
}

/// A backup folder or snapshot as a metrics label: an s3:// address as
/// given, a local path made absolute.
private func destinationLabel(_ path: String) -> String {
  S3Location.isObjectStoreAddress(path) ? path : FileSystem.absolutePath(path)
}

/// `runBackup` with `--metrics-file`.
private func runBackup(
  _ metrics: MetricsOptions, command: String, target: [(name: String, value: String)],
  _ body: (inout RunMeasurements) async throws -> ExitStatus
) async throws {
  try await runMeasured(metrics, command: command, target: target, refusing: [.snapshotInvalid], body)
}

private func number(_ n: Int) -> JSONValue { .number(Double(n)) }
private func number(_ n: Int64) -> JSONValue { .number(Double(n)) }

private func countsObject(_ c: SnapshotManifest.Counts) -> JSONValue {
  [
    "projects": number(c.projects), "tasks": number(c.tasks), "legacyTaskFiles": number(c.legacyTaskFiles),
    "sessions": number(c.sessions), "files": number(c.files), "directories": number(c.directories),
    "bytes": number(c.bytes), "excluded": number(c.excluded), "tornFiles": number(c.tornFiles),
    "invalidJSONFiles": number(c.invalidJSONFiles),
  ]
}

private func isoTime(_ ms: Int64) -> String { isoTime(Double(ms)) }

/// `backup create`.
struct BackupCreateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "create",
    abstract: "Write a snapshot of the data dir into a backup folder.",
    discussion: helpParagraphs("""
      Reads every file (both cores), each stat'ed before and after reading; a file that changed, or a
      .json file that does not parse, is read again (up to 7 reads over about 0.8 s). One still
      changing fails the backup, naming it (exit 8), unless --allow-torn keeps it flagged in the
      manifest (exit 4). The maintenance lock, *.tmp files and the toolkit's journals with their
      undo copies (.maestro-admin/journal, staging, archive-staging; --include-journals keeps
      them) are left out and reported. --dest inside a server folder of a data dir (tasks/,
      sessions/ ...) is refused (exit 16); one that cannot be written fails before any work (8). The
      snapshot is written as .<name>.partial, fsynced, read back and checked against its manifest,
      and only then renamed; the data dir is only read. With --dest s3://BUCKET/PREFIX (credentials
      and endpoint from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
      AWS_ENDPOINT_URL) the tar is streamed into a multipart upload, read back and checked, and
      only then marked by PREFIX/<name>.verified, which makes it a snapshot.

      Incremental by default: only files added or changed since the newest usable snapshot of the
      same data dir at --dest are stored (a file whose size, mode, mtime match and whose ctime is
      older than that snapshot is not even read), with the removed paths. --full makes a full
      snapshot; one is also made when there is no usable parent or the chain already has
      --max-chain incrementals.
      """)
  )

  @OptionGroup var dataDir: DataDirOptions

  @Option(
    name: .long,
    help: ArgumentHelp(
      "The backup folder (created 0700 if missing), or s3://BUCKET/PREFIX (credentials from AWS_* variables).",
      valueName: "dir"))
  var dest: String

  @Option(name: .long, help: ArgumentHelp("Upload at most this many KiB per second (S3 only).", valueName: "kib"))
  var limitUpload: Int64?

  @Option(name: .long, help: ArgumentHelp("S3 multipart part size in MiB, 5-1024 (default 8; memory holds up to four).", valueName: "mib"))
  var partSize: Int?

  @Option(name: .long, help: "zstd (default), gzip or none.")
  var compression: TarCompression = .zstd

  @Option(name: .long, help: "Compression level (zstd 1-19, default 3; gzip 1-9, default 6).")
  var level: Int?

  @Option(name: .long, help: ArgumentHelp("A label stored in the manifest.", valueName: "text"))
  var label: String?

  @Flag(name: .long, help: "Keep files that never read consistently, flagged torn (exit 4).")
  var allowTorn = false

  @Flag(name: .long, help: "Keep .maestro-admin's journals, packs and undo copies (left out by default).")
  var includeJournals = false

  @Flag(name: .long, help: "Write a full snapshot even when an incremental one could be made.")
  var full = false

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Incrementals after a full snapshot before the next one is made full (default 31; 0: always full).",
      valueName: "n"))
  var maxChain = 31

  @OptionGroup var output: OutputOptions
  @OptionGroup var serverProbe: ServerProbeOptions
  @OptionGroup var metrics: MetricsOptions

  func validate() throws {
    if maxChain < 0 { throw ValidationError("--max-chain must be 0 or more") }
    if let limitUpload, limitUpload <= 0 { throw ValidationError("--limit-upload must be 1 or more (KiB/s)") }
    if let partSize, !(5...1024).contains(partSize) { throw ValidationError("--part-size must be in 5...1024 (MiB)") }
    if (limitUpload != nil || partSize != nil) && !S3Location.isObjectStoreAddress(dest) {
      throw ValidationError("--limit-upload and --part-size apply to s3:// destinations only")
    }
    if let level {
      let range = compression == .gzip ? 1...9 : 1...19
      guard compression != .none, range.contains(level) else {
        throw ValidationError("--level must be in \(range.lowerBound)...\(range.upperBound) for \(compression.rawValue)")
      }
    }
  }

  func run() async throws {
    try await runBackup(metrics, command: "backup create", target: [("data_dir", dataDir.metricsLabel)]) { measured in
      let root = try dataDir.resolve().root
      let liveServer = serverProbe.makeGuard()
      let out = Output(json: output.json, server: LiveServerReport(liveServer, dataDir: root))
      var options = SnapshotCreator.Options(dataDir: root, destination: dest)
      options.compression = compression
      options.level = level
      options.label = label
      options.allowTorn = allowTorn
      options.includeJournals = includeJournals
      options.full = full
      options.maxChain = maxChain
      options.showProgress = !output.json
      options.uploadRateLimit = (limitUpload ?? 0) * 1024
      if let partSize { options.objectPartSize = partSize << 20 }
      let report = try SnapshotCreator(options).run()
      for aborted in report.abortedUploads {
        Output.error("\(aborted): aborted the incomplete upload an interrupted create left")
        out.record(["type": "abortedUpload", "path": .string(aborted)])
      }
      for warning in report.warnings { Output.error("warning: \(warning)") }
      let m = report.manifest
      measured.files = m.restoredCounts.files
      measured.bytes = m.restoredCounts.bytes
      measured.outputBytes = report.archiveBytes
      measured.serverLive = liveServer.status(of: root).isLive
      for e in m.excluded {
        out.record(["type": "excluded", "path": .string(e.path), "reason": .string(e.reason)])
      }
      for t in report.torn {
        Output.error("\(m.source)/\(t.path): torn (\(t.reason)); kept, flagged in the manifest")
        out.record(["type": "torn", "path": .string(t.path), "reason": .string(t.reason)])
      }
      for f in m.files where f.invalidJSON {
        out.record(["type": "invalidJSON", "path": .string(f.path)])
      }
      out.record([
        "type": "summary", "snapshot": .string(report.path), "id": .string(m.id),
        "createdAt": .string(isoTime(m.createdAt)), "source": .string(m.source), "label": m.label.map { .string($0) } ?? .null,
        "counts": countsObject(m.restoredCounts), "archiveBytes": number(report.archiveBytes), "verified": true,
        "seconds": .number((report.seconds * 1000).rounded() / 1000), "live": liveObject(m.live),
        "kind": .string(m.isIncremental ? "incremental" : "full"), "parent": report.parent.map { .string($0) } ?? .null,
        "chain": number(m.chainLength), "stored": storedObject(m),
      ])
      let c = m.restoredCounts
      out.verdict(
        "Snapshot \(report.path) (\(humanBytes(report.archiveBytes)), verified) in \(String(format3(report.seconds))) s")
      out.text(
        "  \(grouped(c.files)) files, \(humanBytes(c.bytes)): \(grouped(c.projects)) projects, \(grouped(c.tasks)) tasks, \(grouped(c.sessions)) sessions")
      if let parent = report.parent {
        out.text(
          "  incremental on \(FileSystem.lastComponent(of: parent)) (chain of \(m.chainLength)): \(grouped(m.counts.files)) changed files stored, \(grouped(m.removed.count)) paths removed")
      } else {
        out.text("  full snapshot")
      }
      if c.excluded > 0 {
        let reasons = Dictionary(grouping: m.excluded, by: \.reason).map { "\($0.value.count) \($0.key)" }.sorted()
        out.text("  left out: \(reasons.joined(separator: ", "))")
      }
      if c.invalidJSONFiles > 0 {
        out.text("  \(grouped(c.invalidJSONFiles)) .json file(s) do not parse (backed up as found; run check)")
      }
      if let live = m.live {
        out.text(
          "  taken live: files changed meanwhile (\(grouped(live.changedFiles)) flagged changed, \(grouped(live.changedFolders)) folder(s)); each file is whole, links between changed files may be half written (verify --deep reports them as transient)"
        )
      }
      return report.torn.isEmpty ? .ok : .problemsLeft
    }
  }
}

/// What a snapshot's own archive holds, for `--json`: files, bytes,
/// directories and removed paths (an incremental's delta; a full one's all).
private func storedObject(_ m: SnapshotManifest) -> JSONValue {
  [
    "files": number(m.counts.files), "bytes": number(m.counts.bytes), "directories": number(m.counts.directories),
    "removed": number(m.removed.count),
  ]
}

/// A manifest's `live` record for `--json` (null for a quiet snapshot).
private func liveObject(_ live: SnapshotManifest.Live?) -> JSONValue {
  guard let live else { return .null }
  return ["changedFiles": number(live.changedFiles), "changedFolders": number(live.changedFolders)]
}

private func format3(_ s: Double) -> String {
  let ms = Int((s * 1000).rounded())
  let frac = String(ms % 1000)
  return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
}

/// `backup list`.
struct BackupListCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the snapshots in a backup folder or S3 prefix (from their manifests).",
    discussion: "Reads only each snapshot's first member. Exit 0; 4 when a manifest cannot be read."
  )

  @Option(name: .long, help: ArgumentHelp("The backup folder or s3://BUCKET/PREFIX.", valueName: "dir"))
  var dest: String

  @OptionGroup var output: OutputOptions

  func run() async throws {
    try await runBackup {
      let out = Output(json: output.json)
      let destination = try snapshotCollection(at: dest)
      let snapshots = try destination.snapshots()
      var unreadable = 0
      var total: Int64 = 0
      for s in snapshots {
        total += s.size
        do {
          let m = try BackupDestination.manifest(of: s.path)
          out.record([
            "type": "snapshot", "name": .string(s.name.fileName), "path": .string(s.path),
            "createdAt": .string(isoTime(m.createdAt)), "size": number(s.size), "id": .string(m.id),
            "label": m.label.map { .string($0) } ?? .null, "hostname": .string(m.hostname),
            "source": .string(m.source), "toolVersion": .string(m.toolVersion),
            "counts": countsObject(m.restoredCounts), "kind": .string(m.isIncremental ? "incremental" : "full"),
            "parent": m.parent.map { .string($0.name) } ?? .null, "chain": number(m.chainLength),
            "stored": storedObject(m), "restoredBytes": number(m.restoredCounts.bytes),
          ])
          let c = m.restoredCounts
          let kind = m.parent.map { "incr. #\($0.depth) on \($0.id): \(grouped(m.counts.files)) changed, \(grouped(m.removed.count)) removed" } ?? "full"
          out.text(
            "\(s.name.fileName)  \(isoTime(m.createdAt))  \(humanBytes(s.size).padding(10))  \(grouped(c.projects)) projects, \(grouped(c.tasks)) tasks, \(grouped(c.sessions)) sessions, \(grouped(c.files)) files (\(humanBytes(c.bytes)) restored)  [\(kind)]\(m.label.map { "  [\($0)]" } ?? "")"
          )
        } catch let error as MaestroError {
          unreadable += 1
          Output.error(error.description)
          out.record([
            "type": "snapshot", "name": .string(s.name.fileName), "path": .string(s.path), "size": number(s.size),
            "error": .string(error.message),
          ])
          out.text("\(s.name.fileName)  UNREADABLE: \(error.message)")
        }
      }
      let leftovers = try destination.leftovers()
      for l in leftovers {
        out.text("(\(S3Location.isObjectStoreAddress(l.path) ? l.path : FileSystem.lastComponent(of: l.path)): left by an interrupted create; prune removes it after a day)")
      }
      out.record([
        "type": "summary", "dest": .string(dest), "snapshots": number(snapshots.count), "bytes": number(total),
        "unreadable": number(unreadable), "leftovers": number(leftovers.count),
      ])
      out.verdict(
        snapshots.isEmpty
          ? "no snapshots in \(dest)"
          : "\(grouped(snapshots.count)) snapshot(s), \(humanBytes(total))\(unreadable > 0 ? ", \(grouped(unreadable)) unreadable" : "")")
      return unreadable > 0 ? .problemsLeft : .ok
    }
  }
}

/// `backup verify`.
struct BackupVerifyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check every member of a snapshot against its manifest (writes nothing).",
    discussion: helpParagraphs("""
      Checks the manifest's own SHA-256, then each member's size and SHA-256, and reports members
      missing from the archive or missing from the manifest. --deep also runs `check` on the
      content as it streams past, in the same single read of the archive: nothing is extracted
      or written. Exit 0 verified; 4 any mismatch or check finding of warning or error severity,
      naming the member; 8 the file cannot be opened.
      """)
  )

  @Argument(help: ArgumentHelp("The snapshot file, or s3://BUCKET/PREFIX/NAME.", valueName: "snapshot"))
  var snapshot: String

  @Flag(name: .long, help: "Also run check on the snapshot's content.")
  var deep = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var metrics: MetricsOptions

  func run() async throws {
    let dest = FileSystem.parentDirectory(of: destinationLabel(snapshot))
    try await runBackup(metrics, command: "backup verify", target: [("dest", dest)]) { measured in
      let out = Output(json: output.json)
      var verifier = SnapshotVerifier(path: snapshot)
      verifier.deep = deep
      let report = try verifier.run(showProgress: !output.json)
      measured.files = report.manifest?.restoredCounts.files ?? 0
      measured.bytes = report.bytes
      measured.problems = report.problems.count
      if let check = report.check {
        measured.findings = Dictionary(uniqueKeysWithValues: Finding.Severity.allCases.map { ($0, check.count($0)) })
      }
      for p in report.problems {
        Output.error(p.member == snapshot ? "\(snapshot): \(p.message)" : "\(snapshot): \(p.member): \(p.message)")
        out.record(["type": "problem", "member": .string(p.member), "message": .string(p.message)])
      }
      var status: ExitStatus = report.isVerified ? .ok : .problemsLeft
      var checkSummary: JSONValue = .null
      if let check = report.check {
        if output.json {
          for f in check.findings { out.record(f.jsonObject) }
        } else {
          out.text("check of the snapshot's content:")
          for line in check.textLines(maxExamples: 5) { out.text("  " + line) }
        }
        var summary = check.summaryObject
        summary["type"] = nil
        summary["dataDir"] = nil
        checkSummary = .object(summary)
        if check.exitStatus != .ok { status = .problemsLeft }
      }
      let m = report.manifest
      out.record([
        "type": "summary", "snapshot": .string(snapshot), "verified": .bool(report.isVerified),
        "members": number(report.members), "files": number(m?.restoredCounts.files ?? 0), "bytes": number(report.bytes),
        "chain": number(m?.chainLength ?? 1),
        "problems": number(report.problems.count), "createdAt": m.map { .string(isoTime($0.createdAt)) } ?? .null,
        "deep": .bool(deep), "check": checkSummary, "live": liveObject(m?.live),
        "exitCode": number(Int(status.rawValue)),
      ])
      if report.isVerified {
        let chain = (m?.chainLength ?? 1) > 1 ? " across its chain of \(m?.chainLength ?? 1) snapshots" : ""
        out.verdict(
          "\(snapshot): verified \(grouped(m?.restoredCounts.files ?? 0)) files, \(humanBytes(report.bytes)) against the manifest\(chain)")
      } else {
        out.verdict("\(snapshot): \(grouped(report.problems.count)) problem(s); see above")
      }
      return status
    }
  }
}

/// `backup restore`.
struct BackupRestoreCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "restore",
    abstract: "Restore a snapshot (or a plain tar of a data dir) into a data dir.",
    discussion: helpParagraphs("""
      Every member is judged before anything is written: only regular files and directories with
      relative names; an absolute name, a .. component, a symlink, a hard link, a device or a FIFO
      refuses the whole archive, naming the member (exit 4), as do the caps. The content is
      extracted into a staging dir beside DIR, every SHA-256 checked, synced (syncfs), then swapped
      in atomically (renameat2 RENAME_EXCHANGE); the old DIR is kept as DIR.pre-restore-<UTC time>.
      A DIR holding data is refused (exit 8) without --force; --if-missing exits 0 and does nothing
      when it holds data. Modes and exact mtimes are restored; owners too when run as root. A plain
      tar (no manifest) is restored with a warning that nothing could be verified.
      """)
  )

  @Argument(help: ArgumentHelp("The snapshot or tar file, or s3://BUCKET/PREFIX/NAME.", valueName: "snapshot"))
  var snapshot: String

  @Option(name: .long, help: ArgumentHelp("The data dir to create or replace.", valueName: "dir"))
  var to: String

  @Flag(name: .long, help: "Replace a DIR that holds data (moved aside as DIR.pre-restore-<time>).")
  var force = false

  @Flag(name: .long, help: "Do nothing (exit 0) when DIR already holds data.")
  var ifMissing = false

  @Option(name: .long, help: ArgumentHelp("Refuse archives with more members.", valueName: "n"))
  var maxMembers = 20_000_000

  @Option(name: .long, help: ArgumentHelp("Refuse archives with more bytes of file data.", valueName: "bytes"))
  var maxBytes: Int64 = 1 << 40

  @OptionGroup var output: OutputOptions
  @OptionGroup var liveServer: LiveServerOptions

  func validate() throws {
    if force && ifMissing { throw ValidationError("--force and --if-missing contradict each other") }
  }

  func run() async throws {
    try await runBackup {
      var options = SnapshotRestorer.Options(snapshot: snapshot, target: to)
      options.liveServer = liveServer.makeGuard(json: output.json)
      let out = Output(json: output.json, server: LiveServerReport(options.liveServer, dataDir: to))
      options.force = force
      options.ifMissing = ifMissing
      options.maxMembers = maxMembers
      options.maxBytes = maxBytes
      options.showProgress = !output.json
      let report = try SnapshotRestorer(options).run()
      for leftover in report.leftovers {
        Output.error("warning: \(leftover) was left by an interrupted restore (it may hold a previous content); remove it when no longer needed")
      }
      if !report.restored {
        out.verdict("\(report.target) already holds data; nothing done (--if-missing)")
        out.record(["type": "summary", "target": .string(report.target), "restored": false, "verified": false])
        return .ok
      }
      if report.manifest == nil {
        Output.error(
          "warning: \(snapshot) has no maestro-admin manifest: restored as a plain tar, nothing could be verified")
      }
      out.record([
        "type": "summary", "target": .string(report.target), "restored": true,
        "verified": .bool(report.manifest != nil), "snapshotId": report.manifest.map { .string($0.id) } ?? .null,
        "movedAside": report.movedAside.map { .string($0) } ?? .null, "files": number(report.files),
        "bytes": number(report.bytes), "seconds": .number((report.seconds * 1000).rounded() / 1000),
        "chain": .array(report.chain.map { .string($0) }),
      ])
      out.verdict(
        "Restored \(grouped(report.files)) files, \(humanBytes(report.bytes)) into \(report.target)\(report.manifest != nil ? " (every SHA-256 verified)" : " (NOT verified: no manifest)")"
      )
      if let aside = report.movedAside { out.text("  the previous content is in \(aside)") }
      if report.chain.count > 1 {
        out.text("  through a chain of \(report.chain.count) snapshots, from \(FileSystem.lastComponent(of: report.chain[0]))")
      }
      return .changed
    }
  }
}

/// `backup prune`.
struct BackupPruneCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prune",
    abstract: "Remove old snapshots by a retention policy (restic forget semantics).",
    discussion: helpParagraphs("""
      Snapshots are walked newest first; each --keep-* rule keeps the newest snapshot of each of
      its N most recent buckets (hour, day, ISO week, month, year, in UTC; --keep-last: the N newest).
      A snapshot kept by any rule stays, and so does every snapshot it builds on ("kept as parent
      of"); the others are removed, newest first, as are .partial files interrupted creates left
      over a day ago. At least one rule is required. --dry-run removes nothing and
      gives each snapshot's keep or remove reasons. Exit 1 when snapshots were removed, else 0.
      """)
  )

  @Option(name: .long, help: ArgumentHelp("The backup folder or s3://BUCKET/PREFIX.", valueName: "dir"))
  var dest: String

  @Option(name: .long, help: ArgumentHelp("Keep the N newest snapshots.", valueName: "n")) var keepLast: Int?
  @Option(name: .long, help: ArgumentHelp("Keep the newest of each of the last N hours.", valueName: "n")) var keepHourly: Int?
  @Option(name: .long, help: ArgumentHelp("Keep the newest of each of the last N days.", valueName: "n")) var keepDaily: Int?
  @Option(name: .long, help: ArgumentHelp("Keep the newest of each of the last N weeks.", valueName: "n")) var keepWeekly: Int?
  @Option(name: .long, help: ArgumentHelp("Keep the newest of each of the last N months.", valueName: "n")) var keepMonthly: Int?
  @Option(name: .long, help: ArgumentHelp("Keep the newest of each of the last N years.", valueName: "n")) var keepYearly: Int?

  @Flag(name: .long, help: "Remove nothing; print each snapshot's decision and reasons.")
  var dryRun = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var metrics: MetricsOptions

  func validate() throws {
    for (flag, n) in [("last", keepLast), ("hourly", keepHourly), ("daily", keepDaily), ("weekly", keepWeekly), ("monthly", keepMonthly), ("yearly", keepYearly)] {
      if let n, n < 0 { throw ValidationError("--keep-\(flag) must be 0 or more") }
    }
    if RetentionPolicy(
      last: keepLast, hourly: keepHourly, daily: keepDaily, weekly: keepWeekly, monthly: keepMonthly,
      yearly: keepYearly
    ).isEmpty {
      throw ValidationError("give at least one --keep-* rule (prune never removes every snapshot)")
    }
  }

  func run() async throws {
    try await runBackup(metrics, command: "backup prune", target: [("dest", destinationLabel(dest))]) { measured in
      let out = Output(json: output.json)
      let policy = RetentionPolicy(
        last: keepLast, hourly: keepHourly, daily: keepDaily, weekly: keepWeekly, monthly: keepMonthly,
        yearly: keepYearly)
      let report = try SnapshotPruner(destination: try snapshotCollection(at: dest), policy: policy, dryRun: dryRun).run()
      let kept = report.decisions.filter(\.keep)
      measured.snapshots = (kept.count, report.removed)
      measured.bytes = kept.reduce(0) { $0 + $1.snapshot.size }
      for d in report.decisions.reversed() {
        let verb = d.keep ? "keep" : (dryRun ? "would remove" : "removed")
        out.text("\(verb.padding(12)) \(d.snapshot.name.fileName)  \(d.reasons.joined(separator: ", "))")
        out.record([
          "type": "snapshot", "name": .string(d.snapshot.name.fileName), "path": .string(d.snapshot.path),
          "createdAt": .string(isoTime(d.snapshot.name.time)), "action": .string(d.keep ? "keep" : "remove"),
          "reasons": .array(d.reasons.map { .string($0) }),
        ])
      }
      for l in report.leftovers {
        out.text("\((dryRun ? "would remove" : "removed").padding(12)) \(S3Location.isObjectStoreAddress(l) ? l : FileSystem.lastComponent(of: l))  left by an interrupted create over a day ago")
        out.record(["type": "leftover", "path": .string(l), "action": "remove"])
      }
      out.record([
        "type": "summary", "dest": .string(dest), "snapshots": number(report.decisions.count),
        "kept": number(report.decisions.count - report.removed), "removed": number(report.removed),
        "leftovers": number(report.leftovers.count), "dryRun": .bool(dryRun),
      ])
      out.verdict("\(grouped(report.decisions.count - report.removed)) kept, \(grouped(report.removed)) \(dryRun ? "to remove (dry run)" : "removed")")
      return !dryRun && (report.removed > 0 || !report.leftovers.isEmpty) ? .changed : .ok
    }
  }
}

extension TarCompression: ExpressibleByArgument {}
