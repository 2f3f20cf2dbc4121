import MaestroMaint
import MaestroStorage

/// Tells, from a `ServerImitator` log and the data dir afterwards, whether
/// a maintenance command that ran meanwhile destroyed a server write: for
/// every file the imitator wrote, its last write must still be what is on
/// disk, or (for a command allowed to change files) the file on disk must
/// have been computed from that last write, not from an older version.
public struct LostWriteVerifier: Sendable {
  /// What the command ran alongside the writer may do.
  public enum Policy: Sendable {
    /// Nothing may differ (check, backup create): every file is exactly
    /// its last write.
    case untouched
    /// Files may have been rewritten after the last server write, from
    /// that write: the version marker on disk (`updatedAt`,
    /// `lastActivity`) is at least the last write's. A file gone counts
    /// as lost unless `removable` accepts its path (archived tasks).
    case derived(removable: @Sendable (String) -> Bool)
  }

  /// One server write that did not survive.
  public struct Loss: Sendable, Hashable, CustomStringConvertible {
    /// The file, relative to the data dir.
    public var path: String
    /// `missing`, `stale` (an older version is on disk), `replaced`
    /// (other bytes) or `unreadable`.
    public var kind: String
    /// Details for a person.
    public var detail: String

    /// `path: kind (detail)`.
    public var description: String { "\(path): \(kind) (\(detail))" }
  }

  /// The verdict.
  public struct Report: Sendable {
    /// Files the imitator wrote.
    public var files = 0
    /// Writes in the log.
    public var writes = 0
    /// Files exactly as last written.
    public var intact = 0
    /// Files the command changed after the last server write, from it.
    public var changedFromLastWrite: [String] = []
    /// Files removed and accepted by the policy.
    public var removed: [String] = []
    /// Files gone from their place whose last write lies byte-identical in
    /// `lost+found/<stamp>/<path>` (a repair quarantined exactly that
    /// version: kept, journaled, undoable; not lost, not overwritten).
    public var quarantined: [String] = []
    /// Lost or stale-overwritten writes.
    public var losses: [Loss] = []
  }

  /// The policy.
  public var policy: Policy

  /// A verifier with `policy`.
  public init(policy: Policy) {
    self.policy = policy
  }

  /// Compares the last logged write of every file with the file under `root`.
  public func verify(log: [ImitatorWrite], root: String) -> Report {
    var last: [String: ImitatorWrite] = [:]
    for write in log { last[write.path] = write }
    var report = Report()
    report.writes = log.count
    report.files = last.count
    for (path, write) in last.sorted(by: { $0.key < $1.key }) {
      guard let bytes = try? FileSystem.readFile(root + "/" + path) else {
        if case .derived(let removable) = policy, removable(path) {
          report.removed.append(path)
        } else if case .derived = policy, Self.quarantinedVerbatim(path, sha256: write.sha256, root: root) {
          report.quarantined.append(path)
        } else {
          report.losses.append(Loss(path: path, kind: "missing", detail: "last written by the server at \(write.time) ms"))
        }
        continue
      }
      if SHA256.hex(of: bytes) == write.sha256 {
        report.intact += 1
        continue
      }
      guard case .derived = policy else {
        report.losses.append(
          Loss(path: path, kind: "replaced", detail: "\(bytes.count) bytes on disk, not the server's last \(write.size)"))
        continue
      }
      let key = path.hasPrefix("sessions/") ? "lastActivity" : "updatedAt"
      guard let object = (try? JSONParser.parse(bytes))?.objectValue else {
        report.losses.append(Loss(path: path, kind: "unreadable", detail: "not a JSON object on disk"))
        continue
      }
      let marker = object[key]?.numberValue ?? -1
      if marker >= write.marker {
        report.changedFromLastWrite.append(path)
      } else {
        report.losses.append(
          Loss(
            path: path, kind: "stale",
            detail: "\(key) \(JSONWriter.string(object[key] ?? .null, style: .compact)) on disk, the server's last write had \(write.marker)"
          ))
      }
    }
    return report
  }

  /// Whether some `lost+found/<stamp>/` under `root` holds `path` with
  /// exactly the content `sha256`.
  static func quarantinedVerbatim(_ path: String, sha256: String, root: String) -> Bool {
    let folder = root + "/lost+found"
    guard let stamps = try? FileSystem.listDirectory(folder) else { return false }
    return stamps.contains { stamp in
      guard let bytes = try? FileSystem.readFile(folder + "/" + stamp.name + "/" + path) else { return false }
      return SHA256.hex(of: bytes) == sha256
    }
  }
}
