import Glibc
import MaestroStorage

/// The end of a check on a data dir that may be live: every error and
/// warning whose files changed since the first pass read them is judged
/// again on fresh reads of those files, a few times with growing pauses,
/// because a running server writes a link's two files one after the other
/// and a seed-era server rewrites files in place (truncate, then write).
///
/// Per finding, a round reads its involved files (`FindingInvolvement`)
/// and re-runs check on those files alone (`SubsetTree`):
///
/// - gone, and every involved file read whole and stable → transient
///   (`settled`): a write was in flight;
/// - still there, on the same versions of its files as the round before →
///   real: it keeps its severity;
/// - otherwise another round; after the last one → transient
///   (`stillChanging`).
///
/// On a data dir at rest no file behind a finding changes, so nothing is
/// re-read and the report stays exactly as the first pass made it.
struct LiveRecheck {
  /// The data dir.
  let root: String
  /// Its real path, when it differs (for session doc paths).
  let aliases: [String]
  /// The first pass's entity files (indices match the ledger).
  let files: EntityFileList
  /// What the first pass saw.
  let ledger: ReadLedger
  /// Pauses before each round, in milliseconds (about 0.8 s at most).
  var pauses: [Int] = [25, 50, 100, 200, 400]
  /// Runs before each round's reads, with the round's number from 1 (tests
  /// stand in for a server writing here).
  var beforeRound: (@Sendable (Int) -> Void)?

  /// The identity of one involved file in one round.
  private struct Version: Hashable {
    var stamp: UInt64
    var content: Int
  }

  /// A finding's involved files and their versions in one round.
  private typealias Signature = [String: Version?]

  /// `report` with findings whose files were caught mid-write marked
  /// transient, and `changing` set when anything was seen changing.
  func run(_ report: CheckReport) -> CheckReport {
    var report = report
    let candidates = report.findings.indices.filter {
      report.findings[$0].severity.affectsExitCode && FindingInvolvement.canRejudge(report.findings[$0].code)
    }
    var changedFolders = self.changedFolders()
    report.changing = ledger.sawChangeWhileReading || !changedFolders.isEmpty
    guard !candidates.isEmpty else { return report }

    var stems: Set<String> = []
    var ownFiles: Set<String> = []
    for i in candidates {
      stems.formUnion(FindingInvolvement.stems(of: report.findings[i]))
      if let file = report.findings[i].file { ownFiles.insert(file) }
    }
    // The first pass's files with those names, and the stamps they were read with.
    var firstPaths: [String: [String]] = [:]
    var firstStamps: [String: UInt64] = [:]
    for (k, file) in files.enumerated() where stems.contains(file.stem) || ownFiles.contains(file.relativePath) {
      if stems.contains(file.stem) { firstPaths[file.stem, default: []].append(file.relativePath) }
      firstStamps[file.relativePath] = ledger.stamp(entity: k)
    }
    func firstStamp(_ path: String) -> UInt64? {
      if let s = firstStamps[path], s != 0 { return s }
      return ledger.stamp(other: path)
    }
    func involved(_ finding: Finding) -> [String] {
      var paths: [String] = finding.file.map { [$0] } ?? []
      for stem in FindingInvolvement.stems(of: finding) {
        // The finding's own file can be one of them (the copies of a duplicated id).
        paths += (firstPaths[stem] ?? []).filter { !paths.contains($0) }
        for folder in changedFolders where FindingInvolvement.isEntityFolder(folder) {
          let candidate = folder + "/" + stem + ".json"
          if !paths.contains(candidate) && FileStamp.of(root + "/" + candidate) != nil { paths.append(candidate) }
        }
      }
      return paths
    }
    func changedSinceFirstRead(_ path: String, isOwnFile: Bool) -> Bool {
      let now = FileStamp.of(root + "/" + path)?.digest
      if let first = firstStamp(path) { return now != first }
      // Listed but never read (a stray temp file): changed if it is gone.
      // Not seen at all (found in a folder that changed): new.
      return isOwnFile ? now == nil : now != nil
    }

    var pending: [Int: Signature?] = [:]
    for i in candidates {
      let f = report.findings[i]
      if involved(f).contains(where: { changedSinceFirstRead($0, isOwnFile: $0 == f.file) }) { pending[i] = .some(nil) }
    }
    guard !pending.isEmpty else { return report }
    report.changing = true

    for (number, pause) in pauses.enumerated() where !pending.isEmpty {
      usleep(useconds_t(pause * 1000))
      beforeRound?(number + 1)
      changedFolders = self.changedFolders()
      var paths: [Int: [String]] = [:]
      var all: Set<String> = []
      for i in pending.keys {
        paths[i] = involved(report.findings[i])
        all.formUnion(paths[i]!)
      }
      let round = readRound(all)
      let seen = judge(round)
      for (i, previous) in pending {
        let f = report.findings[i]
        let signature = Signature(uniqueKeysWithValues: paths[i]!.map { ($0, round.versions[$0]) })
        if !seen.contains(Key(f)) {
          if paths[i]!.allSatisfy({ round.whole.contains($0) || round.versions[$0] == nil }) {
            report.findings[i] = f.marked(.settled)
            pending[i] = nil
            continue
          }
        } else if let previous, previous == signature {
            pending[i] = nil  // still there on the same versions: real
          continue
        }
        pending[i] = .some(signature)
      }
    }
    for i in pending.keys { report.findings[i] = report.findings[i].marked(.stillChanging) }
    report.findings = CheckReport.ordered(report.findings)
    return report
  }

  // MARK: Reading

  /// What one round read.
  private struct Round {
    /// Path → its bytes, for files read.
    var bytes: [String: [UInt8]] = [:]
    /// Path → version, for every path where something is.
    var versions: [String: Version] = [:]
    /// Files read whole and stable (for `.json`: one complete JSON text).
    var whole: Set<String> = []
  }

  private func readRound(_ paths: Set<String>) -> Round {
    var round = Round()
    for path in paths {
      let absolute = root + "/" + path
      guard let (bytes, stamp) = try? FileSystem.readFileStamped(absolute) else {
        if let stamp = FileStamp.of(absolute) { round.versions[path] = Version(stamp: stamp.digest, content: 0) }
        continue
      }
      round.bytes[path] = bytes
      round.versions[path] = Version(stamp: stamp.digest, content: bytes.hashValue)
      if stamp.size >= 0 && FileStamp.of(absolute) == stamp && (!path.hasSuffix(".json") || JSONShapeCheck.isComplete(bytes)) {
        round.whole.insert(path)
      }
    }
    return round
  }

  // MARK: Judging

  /// What identifies a finding across runs.
  private struct Key: Hashable {
    var code: String
    var file: String?
    var id: String?
    var ref: String?

    init(_ f: Finding) {
      code = f.code.rawValue
      file = f.file
      id = f.id
      ref = f.ref
    }
  }

  /// Check on the files of `round` alone: the keys of what it finds.
  private func judge(_ round: Round) -> Set<Key> {
    let tree = SubsetTree(root: root, paths: round.versions.keys)
    guard let pass = try? CheckPass(root: root, aliases: aliases, tree: tree) else { return [] }
    let read = { (relative: String) -> Result<[UInt8], MaestroError> in
      if let bytes = round.bytes[relative] { return .success(bytes) }
      do { return .success(try FileSystem.readFile(root + "/" + relative)) } catch let error as MaestroError {
        return .failure(error)
      } catch { return .failure(MaestroError(.io, "\(error)", path: relative)) }
    }
    var partial = EntityFileInspector.Partial()
    for (k, file) in pass.scan.files.enumerated() { pass.inspector.inspect(k, read(file.relativePath), into: &partial) }
    var partials = [partial]
    guard let report = try? pass.finish(partials: &partials, read: read, filter: FindingFilter(), started: .now)
    else { return [] }
    return Set(report.findings.map(Key.init))
  }

  /// Folders whose stamp moved since they were listed, and project folders
  /// of `tasks/` that were not there.
  private func changedFolders() -> [String] {
    let listed = ledger.folderStamps
    var changed: [String] = []
    for (folder, digest) in listed {
      let path = folder.isEmpty ? root : root + "/" + folder
      if (FileStamp.of(path)?.digest ?? 0) != digest { changed.append(folder) }
    }
    if changed.contains("tasks"), let entries = try? DirectoryTree(root: root).entries(in: "tasks") {
      for e in entries where e.kind == .directory && listed["tasks/" + e.name] == nil {
        changed.append("tasks/" + e.name)
      }
    }
    return changed.sorted()
  }
}
