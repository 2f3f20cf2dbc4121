import Glibc
import MaestroStorage
import Synchronization

/// Checks a snapshot against its own manifest without writing anything:
/// the manifest's self-hash, then every member (name, type, size, SHA-256),
/// every file the manifest lists but the archive lacks, and every member the
/// manifest does not list.
///
/// One thread decompresses and parses the tar stream while another hashes,
/// so verifying costs about as much as decompressing.
public struct SnapshotVerifier: Sendable {
  /// One mismatch, naming the member.
  public struct Problem: Sendable, Equatable, CustomStringConvertible {
    /// The member (`data/tasks/p1/t1.json`, `MANIFEST.json`) or the archive.
    public var member: String
    /// What is wrong.
    public var message: String

    /// `member: message`.
    public var description: String { "\(member): \(message)" }
  }

  /// What a verification found.
  public struct Report: Sendable {
    /// The snapshot file.
    public var path: String
    /// Its manifest, when it could be read.
    public var manifest: SnapshotManifest?
    /// Everything that does not match; empty means verified.
    public var problems: [Problem] = []
    /// Members read.
    public var members = 0
    /// File bytes hashed.
    public var bytes: Int64 = 0
    /// With `deep`, check's report on the content (named by the snapshot
    /// path); nil without `deep` or when the snapshot did not verify.
    public var check: CheckReport?
    /// Whether nothing is wrong.
    public var isVerified: Bool { problems.isEmpty && manifest != nil }
  }

  /// The snapshot file.
  public var path: String
  /// Problems listed before giving up on a hopeless archive.
  public var maxProblems = 1000
  /// Whether to also run check on the content as it streams past
  /// (`backup verify --deep`): one read of the archive does both.
  public var deep = false
  /// Threads that hash (and, with `deep`, judge) members while the calling
  /// thread decompresses; without `deep` one is enough.
  public var workers = ParallelMap.defaultWorkers

  /// A verifier for the snapshot at `path`.
  public init(path: String) {
    self.path = path
  }

  /// Verifies the snapshot.
  ///
  /// - Parameters:
  ///   - expectedManifest: When given, the manifest member must be exactly
  ///     these bytes.
  ///   - showProgress: Draw a bar on stderr when it is a terminal.
  /// - Returns: The report; `problems` lists every mismatch.
  /// - Throws: `MaestroError` (`.notFound`, `.io`) only when the file cannot
  ///   be opened: damage inside it is reported as problems.
  ///
  /// An incremental snapshot is verified with its whole chain
  /// (`runChain`): every snapshot it builds on, and with `deep` the check
  /// runs on the tree the chain restores.
  public func run(expectedManifest: [UInt8]? = nil, showProgress: Bool = false) throws -> Report {
    if expectedManifest == nil, (try? SnapshotHeader.read(path))?.parent != nil {
      return try runChain(showProgress: showProgress)
    }
    return try run(expected: expectedManifest.map { (SHA256.hex(of: $0), nil) }, showProgress: showProgress)
  }

  /// Verifies against a manifest already in memory (`create`'s read-back):
  /// the member's bytes must hash to `expected.sha256`; with the manifest
  /// given they are hashed as they stream past, never held or parsed.
  func run(expected: (sha256: String, manifest: SnapshotManifest?)?, showProgress: Bool = false) throws -> Report {
    // A file, or an object streamed from S3: a fetch that failed is an
    // operational error (thrown), not a damaged snapshot.
    let source = try SnapshotSource(path)
    let report = try source.preferringFetchFailure {
      try verify(fd: source.fd, expected: expected, showProgress: showProgress, shared: nil)
    }
    try source.finish()
    return report
  }

  /// A content check shared by the snapshots of a chain: `map` gives, for
  /// a snapshot's manifest, each of its files' index in the check's tree
  /// (-1: a later snapshot replaces it).
  struct SharedCheck {
    var content: SnapshotContentCheck
    var map: (SnapshotManifest) -> [Int32]
  }

  func verify(
    fd: Int32, expected: (sha256: String, manifest: SnapshotManifest?)?, showProgress: Bool, shared: SharedCheck?
  ) throws -> Report {
    var report = Report(path: path)
    let reader: SnapshotArchiveReader
    do { reader = try SnapshotArchiveReader(fd: fd, origin: path) } catch let error as MaestroError {
      report.problems.append(Problem(member: path, message: error.message))
      return report
    }
    do {
      guard let manifest = try readManifest(reader, expected: expected, into: &report) else { return report }
      report.manifest = manifest
      let content = shared?.content ?? (deep ? SnapshotContentCheck(workers: workers) : nil)
      if shared == nil { try content?.begin(manifest: manifest) }
      let map = shared?.map(manifest)
      let progress = ProgressBar(
        "verify", total: manifest.files.count, enabled: showProgress && ProgressBar.stderrIsTerminal)
      defer { progress.finish() }
      try checkMembers(reader, manifest: manifest, into: &report, progress: progress, content: content, map: map)
      if shared == nil, let content, report.problems.isEmpty {
        report.check = try content.finish(name: path)
      }
    } catch let error as MaestroError where error.code == .snapshotInvalid {
      report.problems.append(Problem(member: reader.current ?? path, message: error.message))
    }
    return report
  }

  private func readManifest(
    _ reader: SnapshotArchiveReader, expected: (sha256: String, manifest: SnapshotManifest?)?, into report: inout Report
  ) throws -> SnapshotManifest? {
    guard let first = try reader.next() else {
      report.problems.append(Problem(member: path, message: "the archive is empty: not a maestro-admin snapshot"))
      return nil
    }
    report.members += 1
    guard first.name == SnapshotManifest.memberName, first.kind == .regular else {
      report.problems.append(
        Problem(
          member: first.name,
          message: "the first member is not \(SnapshotManifest.memberName): not a maestro-admin snapshot"))
      return nil
    }
    if let expected, let known = expected.manifest {
      let hash = SHA256()
      try reader.readData { hash.update($0) }
      guard hash.finalize() == expected.sha256 else {
        report.problems.append(Problem(member: first.name, message: "differs from the manifest that was written"))
        return nil
      }
      return known
    }
    let bytes = try reader.readAll(expected: first.size)
    if let expected, SHA256.hex(of: bytes) != expected.sha256 {
      report.problems.append(Problem(member: first.name, message: "differs from the manifest that was written"))
      return nil
    }
    do {
      return try SnapshotManifest(parsing: bytes, origin: path)
    } catch let error as MaestroError {
      report.problems.append(Problem(member: first.name, message: error.message))
      return nil
    }
  }

  private func checkMembers(
    _ reader: SnapshotArchiveReader, manifest: SnapshotManifest, into report: inout Report, progress: ProgressBar?,
    content: SnapshotContentCheck?, map: [Int32]?
  ) throws {
    let prefix = SnapshotManifest.memberPrefix
    // Snapshots list files in manifest order, so the next expected file is
    // tried first; the index is built only for an archive out of order.
    var nextFile = 0
    var fileIndex: [String: Int]?
    let files = manifest.files
    func lookup(_ name: String) -> Int? {
      if nextFile < files.count, name.utf8.starts(with: prefix.utf8),
        files.pathEquals(nextFile, name.utf8.dropFirst(prefix.utf8.count))
      {
        nextFile += 1
        return nextFile - 1
      }
      if fileIndex == nil {
        var index: [String: Int] = [:]
        index.reserveCapacity(manifest.files.count)
        for k in files.indices { index[prefix + files.path(k)] = k }
        fileIndex = index
      }
      guard let k = fileIndex?[name] else { return nil }
      nextFile = k + 1
      return k
    }
    var dirIndex: [String: Int] = [:]
    for (k, d) in manifest.directories.enumerated() { dirIndex[prefix + d.path] = k }
    var fileSeen = [Bool](repeating: false, count: manifest.files.count)
    var dirSeen = [Bool](repeating: false, count: manifest.directories.count)
    var sawDataFolder = false

    // Only a digest that differs from the manifest's is kept (rare: a
    // slot per file would take 16 bytes each).
    let wrongDigests = Mutex<[Int: String]>([:])
    // Members travel to the hasher in batches: one hand-off per ~128 files.
    let queue = BoundedQueue<[(Int, [UInt8])]>(capacity: 16)
    var batcher = MemberBatcher(queue: queue, maxCount: 128)
    var problems: [Problem] = []
    func problem(_ member: String, _ message: String) {
      if problems.count < maxProblems { problems.append(Problem(member: member, message: message)) }
    }

    try NativeThreads.run(
      content?.workers ?? 1,
      { worker in
        while let items = queue.pop() {
          for (index, bytes) in items {
            let digest = SHA256.hex(of: bytes)
            if !files.hasDigest(index, digest) { wrongDigests.withLock { $0[index] = digest } }
            let target = map.map { Int($0[index]) } ?? index
            if target >= 0 { content?.consume(worker: worker, file: target, bytes: bytes) }
          }
        }
      },
      main: {
        defer {
          batcher.flush()
          queue.close()
        }
        while let member = try reader.next() {
          report.members += 1
          var name = member.name
          if member.kind == .directory { while name.count > 1 && name.hasSuffix("/") { name.removeLast() } }
          switch member.kind {
          case .directory:
            if name == SnapshotManifest.dataFolder {
              sawDataFolder = true
            } else if let k = dirIndex[name] {
              if dirSeen[k] { problem(name, "appears twice") }
              dirSeen[k] = true
            } else {
              problem(name, "directory not listed in the manifest (extra member)")
            }
          case .regular:
            guard let k = lookup(name) else {
              problem(name, "file not listed in the manifest (extra member)")
              continue
            }
            if fileSeen[k] { problem(name, "appears twice") }
            fileSeen[k] = true
            let bytes = try reader.readAll(expected: member.size)
            report.bytes += Int64(bytes.count)
            if Int64(bytes.count) != files.size(k) {
              problem(name, "size is \(bytes.count) bytes, the manifest says \(files.size(k))")
            } else {
              batcher.add(k, bytes)
            }
            progress?.advance()
          default:
            problem(name, "is a \(member.kind.rawValue); snapshots hold only files and directories")
          }
          if problems.count >= maxProblems { break }
        }
      })
    let wrong = wrongDigests.withLock { $0 }
    for k in wrong.keys.sorted() where fileSeen[k] {
      if let digest = wrong[k] {
        problem(prefix + files.path(k), "SHA-256 is \(digest), the manifest says \(files.sha256(k))")
      }
    }
    if !sawDataFolder && !(manifest.files.isEmpty && manifest.directories.isEmpty) {
      problem(SnapshotManifest.dataFolder, "missing: the manifest lists it")
    }
    for (k, d) in manifest.directories.enumerated() where !dirSeen[k] {
      problem(prefix + d.path, "missing: the manifest lists this directory")
    }
    for k in files.indices where !fileSeen[k] {
      problem(prefix + files.path(k), "missing: the manifest lists this file (\(files.size(k)) bytes)")
    }
    report.problems.append(contentsOf: problems)
  }
}
