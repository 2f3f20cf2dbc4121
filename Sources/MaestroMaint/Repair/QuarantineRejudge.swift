import MaestroStorage

/// The last look before a file is quarantined: check judged the file some
/// time ago, and a running server may have rewritten it since (a session
/// saved again, an in-place write that has finished). The decision is
/// judged again on the bytes read now, and the move then expects exactly
/// those bytes, so what goes to `lost+found/` is always a version the
/// finding holds for, never a newer write that nobody judged.
struct QuarantineRejudge {
  /// The data dir.
  let dataDir: String

  /// What the last look found.
  enum Verdict: Equatable {
    /// The finding holds for these bytes: quarantine them.
    case holds([UInt8])
    /// The file is no longer there, or no longer shows the fault: leave it
    /// (the re-check after the round judges it afresh).
    case changed
  }

  /// Reads `file` and judges `code` (with the finding's `id` and `ref`)
  /// on what it holds now.
  func judge(file: String, code: FindingCode, id: String?, ref: String?) -> Verdict {
    guard let bytes = try? FileSystem.readFile(dataDir + "/" + file) else { return .changed }
    return holds(code, id: id, ref: ref, on: bytes) ? .holds(bytes) : .changed
  }

  /// Whether `code` still describes `bytes`.
  func holds(_ code: FindingCode, id: String?, ref: String?, on bytes: [UInt8]) -> Bool {
    let parsed = try? JSONParser.parse(bytes)
    switch code {
    case .fileEmpty, .fileMalformed, .fileTruncated:
      // Still not JSON (a write in flight that has finished parses now).
      return parsed == nil
    case .fileNotObject:
      guard let parsed else { return false }
      return parsed.objectValue == nil
    case .idMissing:
      guard let object = parsed?.objectValue else { return false }
      guard case .string? = object["id"] else { return true }
      return false
    case .idHostile:
      guard case .string(let value)? = parsed?.objectValue?["id"] else { return false }
      return EntityId.problem(with: value) != nil
    case .taskOrphan, .sessionOrphan:
      guard let object = parsed?.objectValue else { return false }
      guard case .string(let projectId)? = object["projectId"], !projectId.isEmpty else { return ref == nil }
      guard ref == nil || ref == projectId else { return false }
      return !EntityId.isSafe(projectId)
        || !FileSystem.fileExists(dataDir + "/projects/\(projectId).json", followSymlinks: false)
    case .idDuplicate, .legacyConflict:
      // The copy that loses must still be that entity.
      guard let object = parsed?.objectValue else { return false }
      guard case .string(let value)? = object["id"] else { return false }
      return id == nil || id == value
    default:
      return true
    }
  }
}
