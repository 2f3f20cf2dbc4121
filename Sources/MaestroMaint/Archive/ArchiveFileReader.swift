import MaestroStorage

/// Reads an archive `archive create` wrote (or any tar claiming to be one)
/// and judges every member before trusting it: `MANIFEST.json` first, then
/// only regular files with safe relative names the manifest lists, each
/// once, with the manifest's size and SHA-256.
public struct ArchiveFileReader: Sendable {
  /// A member the reader refused or found damaged.
  public struct Problem: Sendable, Equatable, CustomStringConvertible {
    /// The member (or file) the problem is about.
    public var member: String
    /// What is wrong, in words.
    public var message: String
    public var description: String { "\(member): \(message)" }
  }

  /// What a read found.
  public struct Result: Sendable {
    /// The manifest, when the first member is one.
    public var manifest: ArchiveManifest?
    /// Contents of the members asked for, by member path, after their
    /// SHA-256 matched the manifest.
    public var contents: [String: (bytes: [UInt8], mode: UInt32)] = [:]
    /// Every refused, damaged, extra or missing member.
    public var problems: [Problem] = []
    /// Members read, the manifest included.
    public var members = 0
    /// Whether the archive is whole and matches its manifest.
    public var isVerified: Bool { manifest != nil && problems.isEmpty }
  }

  /// The archive file.
  public var path: String

  public init(path: String) {
    self.path = path
  }

  /// Reads the whole archive.
  ///
  /// - Parameters:
  ///   - expectedManifest: the manifest bytes the first member must equal
  ///     (create's read-back).
  ///   - wanted: member paths whose content to return (nil: none).
  /// - Throws: `MaestroError` only when the file cannot be opened; damage
  ///   is reported in `problems`.
  public func read(expectedManifest: [UInt8]? = nil, wanted: Set<String>? = nil) throws -> Result {
    var result = Result()
    let reader = try SnapshotArchiveReader(path: path)
    do {
      guard let first = try reader.next() else {
        result.problems.append(Problem(member: path, message: "the archive is empty"))
        return result
      }
      result.members += 1
      guard first.name == ArchiveManifest.memberName, first.kind == .regular else {
        result.problems.append(
          Problem(member: first.name, message: "the first member is not \(ArchiveManifest.memberName): not a maestro-admin archive"))
        return result
      }
      let bytes = try reader.readAll(expected: first.size)
      if let expectedManifest, bytes != expectedManifest {
        result.problems.append(Problem(member: first.name, message: "differs from the manifest that was written"))
        return result
      }
      let manifest = try ArchiveManifest(parsing: bytes, origin: path)
      result.manifest = manifest
      try checkMembers(reader, manifest: manifest, wanted: wanted, into: &result)
    } catch let error as MaestroError where error.code == .snapshotInvalid || error.code == .archiveRefused {
      result.problems.append(Problem(member: reader.current ?? path, message: error.message))
    }
    return result
  }

  private func checkMembers(
    _ reader: SnapshotArchiveReader, manifest: ArchiveManifest, wanted: Set<String>?, into result: inout Result
  ) throws {
    var expected: [String: Int] = [:]
    for (k, f) in manifest.files.enumerated() {
      if case .failure(let refusal) = MemberPath.normalize(f.path, isDirectory: false) {
        result.problems.append(Problem(member: f.path, message: "listed in the manifest, refused: it \(refusal.reason)"))
        continue
      }
      expected[f.path] = k
    }
    var seen = [Bool](repeating: false, count: manifest.files.count)
    while let member = try reader.next() {
      result.members += 1
      guard member.kind == .regular else {
        result.problems.append(Problem(member: member.name, message: "is a \(member.kind.rawValue); archives hold only files"))
        continue
      }
      if case .failure(let refusal) = MemberPath.normalize(member.name, isDirectory: false) {
        result.problems.append(Problem(member: member.name, message: "refused: the name \(refusal.reason)"))
        continue
      }
      guard let k = expected[member.name] else {
        result.problems.append(Problem(member: member.name, message: "not listed in the manifest (extra member)"))
        continue
      }
      if seen[k] {
        result.problems.append(Problem(member: member.name, message: "appears twice"))
        continue
      }
      seen[k] = true
      let bytes = try reader.readAll(expected: member.size)
      let file = manifest.files[k]
      let digest = SHA256.hex(of: bytes)
      if bytes.count != file.size || digest != file.sha256 {
        result.problems.append(
          Problem(member: member.name, message: "SHA-256 is \(digest) (\(bytes.count) bytes), the manifest says \(file.sha256) (\(file.size) bytes)"))
        continue
      }
      if wanted?.contains(member.name) == true { result.contents[member.name] = (bytes, member.mode & 0o7777) }
    }
    for (k, f) in manifest.files.enumerated() where !seen[k] && expected[f.path] != nil {
      result.problems.append(Problem(member: f.path, message: "missing: the manifest lists it"))
    }
  }
}
