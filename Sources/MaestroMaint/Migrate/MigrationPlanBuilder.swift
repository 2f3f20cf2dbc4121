import MaestroStorage

/// Turns scanned files into one journaled change plan: folders first, then
/// every file write and removal (independent of each other, so they can be
/// applied in parallel), and as the very last change the new
/// `migrations.json`, so that the record is on disk exactly when the data
/// it describes is, and `undo` takes it back with the data.
///
/// Moves and quarantines are planned as a write of the new file plus the
/// removal of the old one (both bytes in the journal), never as renames,
/// because a moved flat task is usually rewritten on the way too.
///
/// The plan holds no file bytes: `needs` says, per action, which scanned
/// file's old or migrated bytes the journal's pack must hold, and
/// `MigrationContent.blobs` produces them batch by batch.
public struct MigrationPlanBuilder: Sendable {
  /// The plan and what it does, in words.
  public struct Result: Sendable {
    public var changes: ChangePlan
    /// Per action (index seq - 1), the scanned bytes it replaces and writes.
    public var needs: [MigrationContent.Needs?]
    public var steps: [MigrationStep]
    public var conflicts: [MigrationConflict]
    /// Actions before the record (the part that may run in parallel).
    public var bulkCount: Int
  }

  public var dataDir: String
  /// `lost+found/<UTC stamp>`.
  public var quarantineFolder: String

  public init(dataDir: String, quarantineFolder: String) {
    self.dataDir = dataDir
    self.quarantineFolder = quarantineFolder
  }

  /// Builds the plan; `record` (the new history), when given, is written last.
  /// - Parameter content: the scanned files (re-read only to compare two
  ///   copies of a task that differ in bytes).
  public func build(_ content: MigrationContent, record: MigrationHistory?) throws -> Result {
    let files = content.files
    var steps: [MigrationStep] = []
    var conflicts: [MigrationConflict] = []
    var writes: [(path: String, before: FileState, sha: String, mode: UInt32, needs: MigrationContent.Needs)] = []
    var removes: [Int] = []
    var handled = Set<String>()
    var byPath: [String: Int] = [:]
    for (k, f) in files.enumerated() where f.kind == .task { byPath[f.path] = k }
    var claimed = Set<String>()

    func newFile(_ path: String, _ sha: String, mode: UInt32, from source: MigrationContent.Source) {
      writes.append((path, .absent, sha, mode, .init(before: nil, after: source)))
    }
    func quarantine(_ k: Int) -> String {
      let f = files[k]
      let destination = quarantineFolder + "/" + f.path
      newFile(destination, f.originalSha, mode: f.mode, from: .original(k))
      return destination
    }

    for (j, f) in files.enumerated() where f.kind == .flatTask {
      let name = FileSystem.lastComponent(of: f.path)
      var reason: String? = f.problem
      if reason == nil {
        if f.id.map(EntityId.isSafe) != true { reason = "has no usable id" }
        else if f.projectId.map(EntityId.isSafe) != true { reason = "has no usable projectId" }
      }
      let destination = reason == nil ? "tasks/\(f.projectId!)/\(f.id!).json" : ""
      if reason == nil && claimed.contains(destination) { reason = "another flat file holds the same id \"\(f.id!)\"" }
      if reason == nil && byPath[destination] == nil && FileSystem.fileExists(dataDir + "/" + destination, followSymlinks: false) {
        reason = "\(destination) exists and is not a task file"
      }
      let folder = "tasks/" + (f.projectId ?? "")
      if reason == nil && FileSystem.fileExists(dataDir + "/" + folder, followSymlinks: false)
        && !FileSystem.isDirectory(dataDir + "/" + folder, followSymlinks: false)
      {
        reason = "cannot go to \(destination): \(folder) is not a folder"
      }
      if let reason {
        let to = quarantine(j)
        removes.append(j)
        steps.append(MigrationStep(kind: .quarantine, path: f.path, destination: to, versions: [1], diffs: []))
        conflicts.append(
          MigrationConflict(
            id: f.id ?? String(name.dropLast(5)), flatPath: f.path, otherPath: nil, kept: nil, quarantinedTo: to,
            message: "\(f.path) \(reason); moved to \(to) for a person to look at"))
        continue
      }
      claimed.insert(destination)
      guard let k = byPath[destination] else {
        newFile(destination, f.resultSha, mode: f.mode, from: .result(j))
        removes.append(j)
        steps.append(MigrationStep(kind: .move, path: f.path, destination: destination, versions: f.changedBy, diffs: f.diffs))
        continue
      }
      let other = files[k]
      if other.problem == nil, try Self.sameContent(content, j, k) {
        removes.append(j)
        steps.append(MigrationStep(kind: .dedupe, path: f.path, destination: destination, versions: [1], diffs: []))
        continue
      }
      // A real conflict: the newer by updatedAt stays live (tie: the project-folder copy).
      let flatWins = other.problem != nil || (f.updatedAt ?? -.infinity) > (other.updatedAt ?? -.infinity)
      handled.insert(destination)
      if flatWins {
        let to = quarantine(k)
        writes.append(
          (destination, FileState(exists: true, sha256: other.originalSha, mode: other.mode), f.resultSha, other.mode,
           .init(before: .original(k), after: .result(j))))
        removes.append(j)
        steps.append(MigrationStep(kind: .quarantine, path: destination, destination: to, versions: [1], diffs: []))
        steps.append(MigrationStep(kind: .move, path: f.path, destination: destination, versions: f.changedBy, diffs: f.diffs))
        conflicts.append(
          MigrationConflict(
            id: f.id!, flatPath: f.path, otherPath: destination, kept: f.path, quarantinedTo: to,
            message: "task \(f.id!): \(f.path) and \(destination) differ; the flat copy is newer (updatedAt \(Self.number(f.updatedAt)) > \(Self.number(other.updatedAt))) and stays live at \(destination); the other copy went to \(to)"))
      } else {
        let to = quarantine(j)
        removes.append(j)
        if let sha = other.migratedSha {
          writes.append(
            (other.path, FileState(exists: true, sha256: other.originalSha, mode: other.mode), sha, other.mode,
             .init(before: .original(k), after: .result(k))))
          steps.append(MigrationStep(kind: .rewrite, path: other.path, destination: nil, versions: other.changedBy, diffs: other.diffs))
        }
        steps.append(MigrationStep(kind: .quarantine, path: f.path, destination: to, versions: [1], diffs: []))
        conflicts.append(
          MigrationConflict(
            id: f.id!, flatPath: f.path, otherPath: destination, kept: destination, quarantinedTo: to,
            message: "task \(f.id!): \(f.path) and \(destination) differ; the project-folder copy is \(f.updatedAt == other.updatedAt ? "as new (updatedAt equal; the project-folder copy wins ties)" : "newer (updatedAt \(Self.number(other.updatedAt)) > \(Self.number(f.updatedAt)))") and stays live; the flat copy went to \(to)"))
      }
    }
    for (k, f) in files.enumerated() where f.kind != .flatTask && !handled.contains(f.path) {
      guard let sha = f.migratedSha else { continue }
      writes.append(
        (f.path, FileState(exists: true, sha256: f.originalSha, mode: f.mode), sha, f.mode,
         .init(before: .original(k), after: .result(k))))
      steps.append(MigrationStep(kind: .rewrite, path: f.path, destination: nil, versions: f.changedBy, diffs: f.diffs))
    }

    var plan = ChangePlan(dataDir: dataDir)
    var needs: [MigrationContent.Needs?] = []
    var folders = Set<String>()
    for w in writes where w.before == .absent {
      var parent = FileSystem.parentDirectory(of: w.path)
      while parent != "." && !folders.contains(parent) && !FileSystem.isDirectory(dataDir + "/" + parent) {
        folders.insert(parent)
        parent = FileSystem.parentDirectory(of: parent)
      }
    }
    plan.reserveCapacity(folders.count + writes.count + removes.count + 1)
    needs.reserveCapacity(folders.count + writes.count + removes.count)
    // Sorted bytewise, a parent comes before its children.
    for folder in folders.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
      try EntityPath.checkRelative(folder)
      plan.appendPrepared(
        JournalAction(
          operation: .mkdir, path: folder, reason: "migrate", summary: "create folder \(folder)", before: .absent,
          after: FileState(exists: true, isDirectory: true)),
        oldBytes: nil)
      needs.append(nil)
    }
    for w in writes {
      try EntityPath.checkRelative(w.path)
      plan.appendPrepared(
        JournalAction(
          operation: .write, path: w.path, reason: "migrate", summary: "write \(w.path)", before: w.before,
          after: FileState(exists: true, sha256: w.sha, mode: w.mode)),
        oldBytes: nil)
      needs.append(w.needs)
    }
    for k in removes {
      let f = files[k]
      plan.appendPrepared(
        JournalAction(
          operation: .remove, path: f.path, reason: "migrate", summary: "remove \(f.path)",
          before: FileState(exists: true, sha256: f.originalSha, mode: f.mode), after: .absent),
        oldBytes: nil)
      needs.append(.init(before: .original(k), after: nil))
    }
    let bulkCount = plan.actions.count
    if let record {
      let path = MigrationHistory.relativePath
      let current = try FileState.current(at: dataDir + "/" + path)
      let bytes = record.serialized()
      plan.appendPrepared(
        JournalAction(
          operation: .write, path: path, reason: "migrate", summary: "record migrations in \(path)", before: current,
          after: FileState.file(bytes, mode: 0o600), newBytes: bytes),
        oldBytes: current.exists ? try FileSystem.readFile(dataDir + "/" + path) : nil)
    }
    return Result(changes: plan, needs: needs, steps: steps, conflicts: conflicts, bulkCount: bulkCount)
  }

  /// Whether the migrated files `j` and `k` hold the same JSON value
  /// (whatever their style); their bytes are read again only when their
  /// hashes differ.
  static func sameContent(_ content: MigrationContent, _ j: Int, _ k: Int) throws -> Bool {
    if content.files[j].resultSha == content.files[k].resultSha { return true }
    return sameContent(try content.bytes(.result(j)), try content.bytes(.result(k)))
  }

  /// Whether two task files hold the same JSON value (whatever their style).
  static func sameContent(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    if a == b { return true }
    guard let x = try? JSONParser.parse(a), let y = try? JSONParser.parse(b) else { return false }
    return x == y
  }

  private static func number(_ v: Double?) -> String {
    v.map { JSONWriter.string(.number($0), style: .compact) } ?? "none"
  }
}
