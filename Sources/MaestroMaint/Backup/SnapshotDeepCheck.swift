import Glibc
import MaestroStorage

/// `backup verify --deep`: runs `check` (`DataDirCheck`) on a snapshot's
/// content.
///
/// The checker reads a directory, so the content is extracted, through the
/// same safe two-pass `SnapshotExtractor` as a restore (SHA-256 checked), into
/// a private scratch dir (mode 0700) that is removed afterwards: on the
/// memory-backed `/dev/shm` when it has room, else in `$TMPDIR` or `/tmp`.
/// Nothing is written next to the snapshot or into any data dir.
public enum SnapshotDeepCheck {
  /// Extracts and checks.
  ///
  /// - Parameters:
  ///   - snapshot: The snapshot file (already verified, or not).
  ///   - workers: Threads for extraction and for the checker.
  /// - Returns: The checker's report (its `root` is the scratch dir, which no
  ///   longer exists when this returns).
  /// - Throws: `MaestroError(.snapshotInvalid)` naming the member when the
  ///   snapshot cannot be extracted safely; `.io` for scratch space.
  public static func run(snapshot: String, workers: Int = ParallelMap.defaultWorkers) async throws -> CheckReport {
    let extractor = try SnapshotExtractor(path: snapshot)
    let plan = try extractor.scan()
    guard plan.manifest != nil else {
      throw MaestroError(.snapshotInvalid, "not a maestro-admin snapshot (no manifest)", path: snapshot)
    }
    let scratch = try makeScratch(needing: plan.bytes)
    defer { DirectorySwap.removeTree(scratch) }
    let data = FileSystem.join(scratch, "data")
    guard mkdir(data, 0o700) == 0 else { throw MaestroError.system("cannot create scratch dir", path: data) }
    _ = try extractor.extract(plan, into: data, workers: workers)
    return try await DataDirCheck(root: data, workers: workers).run()
  }

  private static func makeScratch(needing bytes: Int64) throws -> String {
    var candidates: [String] = []
    if free(at: "/dev/shm") > bytes * 2 + (64 << 20) { candidates.append("/dev/shm") }
    if let tmp = getenv("TMPDIR").map({ String(cString: $0) }), !tmp.isEmpty { candidates.append(tmp) }
    candidates.append("/tmp")
    for base in candidates {
      var template = Array((FileSystem.join(base, "maestro-admin-verify-XXXXXX")).utf8CString)
      let made: String? = template.withUnsafeMutableBufferPointer { buffer in
        guard let p = buffer.baseAddress, mkdtemp(p) != nil else { return nil }
        return String(cString: p)
      }
      if let made { return made }
    }
    throw MaestroError.system("cannot create a scratch dir for --deep", path: "/tmp")
  }

  private static func free(at path: String) -> Int64 {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return 0 }
    return Int64(info.f_bavail) * Int64(info.f_frsize)
  }
}
