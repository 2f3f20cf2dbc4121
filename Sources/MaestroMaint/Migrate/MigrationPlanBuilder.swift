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

  /// What becomes of one flat task file (`j`, and `k` the project-folder
  /// file with the same id, by index into the scanned files).
  public enum FlatOutcome: Sendable, Equatable {
    /// Cannot be placed (unreadable, no usable id or project, a name
    /// taken): goes to lost+found as it is.
    case quarantine(j: Int)
    /// Goes into its project folder (rewritten on the way when migrated).
    case move(j: Int, destination: String)
    /// The project folder holds the same task: the flat copy goes.
    case dedupe(j: Int)
    /// The flat copy is newer: it replaces the project-folder copy, which
    /// goes to lost+found.
    case flatWins(j: Int, k: Int)
    /// The project-folder copy is as new or newer: it stays (rewritten when
    /// migrated); the flat copy goes to lost+found.
    case projectWins(j: Int, k: Int)
  }

  /// What the pending migrations do to the files, decided once for both
  /// ways of applying them (file by file, or whole folders swapped).
  public struct Decisions: Sendable {
    /// Per flat task, in scan order.
    public var flat: [FlatOutcome] = []
    /// The project-folder and session files rewritten in place (migrated
    /// bytes differ), by index; a `projectWins` copy included.
    public var rewrites: [Int] = []
    public var steps: [MigrationStep] = []
    public var conflicts: [MigrationConflict] = []
  }

  /// Decides every flat task's fate and lists the rewrites.
  /// - Parameter content: the scanned files (re-read only to compare two
  ///   copies of a task that differ in bytes).
  public func decide(_ content: MigrationContent) throws -> Decisions {
    let files = content.files
    var d = Decisions()
    var handled = Set<String>()
    var byPath: [String: Int] = [:]
    for (k, f) in files.enumerated() where f.kind == .task { byPath[f.path] = k }
    var claimed = Set<String>()
    func lostFound(_ k: Int) -> String { quarantineFolder + "/" + files[k].path }

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
        let to = lostFound(j)
        d.flat.append(.quarantine(j: j))
        d.steps.append(MigrationStep(kind: .quarantine, path: f.path, destination: to, versions: [1], diffs: []))
        d.conflicts.append(
          MigrationConflict(
            id: f.id ?? String(name.dropLast(5)), flatPath: f.path, otherPath: nil, kept: nil, quarantinedTo: to,
            message: "\(f.path) \(reason); moved to \(to) for a person to look at"))
        continue
      }
      claimed.insert(destination)
      guard let k = byPath[destination] else {
        d.flat.append(.move(j: j, destination: destination))
        d.steps.append(MigrationStep(kind: .move, path: f.path, destination: destination, versions: f.changedBy, diffs: f.diffs))
        continue
      }
      let other = files[k]
      if other.problem == nil, try Self.sameContent(content, j, k) {
        d.flat.append(.dedupe(j: j))
        d.steps.append(MigrationStep(kind: .dedupe, path: f.path, destination: destination, versions: [1], diffs: []))
        continue
      }
      // A real conflict: the newer by updatedAt stays live (tie: the project-folder copy).
      let flatWins = other.problem != nil || (f.updatedAt ?? -.infinity) > (other.updatedAt ?? -.infinity)
      handled.insert(destination)
      if flatWins {
        let to = lostFound(k)
        d.flat.append(.flatWins(j: j, k: k))
        d.steps.append(MigrationStep(kind: .quarantine, path: destination, destination: to, versions: [1], diffs: []))
        d.steps.append(MigrationStep(kind: .move, path: f.path, destination: destination, versions: f.changedBy, diffs: f.diffs))
        d.conflicts.append(
          MigrationConflict(
            id: f.id!, flatPath: f.path, otherPath: destination, kept: f.path, quarantinedTo: to,
            message: "task \(f.id!): \(f.path) and \(destination) differ; the flat copy is newer (updatedAt \(Self.number(f.updatedAt)) > \(Self.number(other.updatedAt))) and stays live at \(destination); the other copy went to \(to)"))
      } else {
        let to = lostFound(j)
        d.flat.append(.projectWins(j: j, k: k))
        if other.migratedSha != nil {
          d.rewrites.append(k)
          d.steps.append(MigrationStep(kind: .rewrite, path: other.path, destination: nil, versions: other.changedBy, diffs: other.diffs))
        }
        d.steps.append(MigrationStep(kind: .quarantine, path: f.path, destination: to, versions: [1], diffs: []))
        d.conflicts.append(
          MigrationConflict(
            id: f.id!, flatPath: f.path, otherPath: destination, kept: destination, quarantinedTo: to,
            message: "task \(f.id!): \(f.path) and \(destination) differ; the project-folder copy is \(f.updatedAt == other.updatedAt ? "as new (updatedAt equal; the project-folder copy wins ties)" : "newer (updatedAt \(Self.number(other.updatedAt)) > \(Self.number(f.updatedAt)))") and stays live; the flat copy went to \(to)"))
      }
    }
    for (k, f) in files.enumerated() where f.kind != .flatTask && !handled.contains(f.path) {
      guard f.migratedSha != nil else { continue }
      d.rewrites.append(k)
      d.steps.append(MigrationStep(kind: .rewrite, path: f.path, destination: nil, versions: f.changedBy, diffs: f.diffs))
    }
    return d
  }

  /// Builds the file-by-file plan; `record` (the new history), when given,
  /// is written last.
  /// - Parameter content: the scanned files.
  public func build(_ content: MigrationContent, record: MigrationHistory?) throws -> Result {
    let files = content.files
    let decisions = try decide(content)
    var writes: [(path: String, before: FileState, sha: String, mode: UInt32, needs: MigrationContent.Needs)] = []
    var removes: [Int] = []
    func newFile(_ path: String, _ sha: String, mode: UInt32, from source: MigrationContent.Source) {
      writes.append((path, .absent, sha, mode, .init(before: nil, after: source)))
    }
    func quarantine(_ k: Int) {
      newFile(quarantineFolder + "/" + files[k].path, files[k].originalSha, mode: files[k].mode, from: .original(k))
    }
    func rewrite(_ k: Int, from source: Int) {
      let f = files[k]
      writes.append(
        (f.path, FileState(exists: true, sha256: f.originalSha, mode: f.mode), files[source].resultSha, f.mode,
         .init(before: .original(k), after: .result(source))))
    }
    for outcome in decisions.flat {
      switch outcome {
      case .quarantine(let j):
        quarantine(j)
        removes.append(j)
      case .move(let j, let destination):
        newFile(destination, files[j].resultSha, mode: files[j].mode, from: .result(j))
        removes.append(j)
      case .dedupe(let j):
        removes.append(j)
      case .flatWins(let j, let k):
        quarantine(k)
        rewrite(k, from: j)
        removes.append(j)
      case .projectWins(let j, _):
        quarantine(j)
        removes.append(j)
      }
    }
    for k in decisions.rewrites { rewrite(k, from: k) }
    let steps = decisions.steps
    let conflicts = decisions.conflicts

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
