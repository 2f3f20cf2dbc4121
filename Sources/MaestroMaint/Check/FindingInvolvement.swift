import MaestroStorage

/// Which files a finding depends on: its own file, and the entity files
/// named after the ids it refers to (the other side of a link, the target
/// of a reference, the other copies of a duplicated id). A finding can only
/// be an artefact of a write in flight when one of those files changed.
enum FindingInvolvement {
  /// Whether re-judging `code` on its involved files alone gives the same
  /// verdict as the whole data dir would. A cycle spans files the finding
  /// does not name, so it is never re-judged (it stays as found).
  static func canRejudge(_ code: FindingCode) -> Bool {
    code != .parentCycle && code != .dependencyCycle && !namesOnly.contains(code)
  }

  /// Codes about names alone (a symlink, a folder that is not a data dir):
  /// no file content is behind them, and servers never make symlinks, so
  /// a write in flight cannot explain them.
  static let namesOnly: Set<FindingCode> = [
    .notADataDir, .fileSymlink, .fileSymlinkOutside, .folderSymlink, .folderSymlinkOutside,
  ]

  /// Codes that relate two files, which a write caught between the first
  /// and the second file leaves inconsistent: what a snapshot taken live
  /// can hold without any damage (`backup verify --deep`).
  static let linkCodes: Set<FindingCode> = [
    .sessionTaskDangling, .taskSessionDangling, .linkSessionOnly, .linkTaskOnly, .parentDangling,
    .dependencyDangling, .referenceDangling, .sessionParentDangling, .sessionRootDangling, .listDangling,
    .taskOrphan, .sessionOrphan,
  ]

  /// The ids whose entity files the finding depends on besides its own file.
  static func stems(of finding: Finding) -> [String] {
    var stems: [String] = []
    // The ref of a field finding is a field name, not an id.
    let refIsField = finding.code == .fieldUnknown || finding.code == .fieldType || finding.code == .fieldTypeTolerated
    if let ref = finding.ref, !refIsField, EntityId.problem(with: ref) == nil {
      stems.append(ref)
    }
    if finding.code == .idDuplicate || finding.code == .legacyConflict || finding.code == .idMismatch,
      let id = finding.id, EntityId.problem(with: id) == nil
    {
      stems.append(id)
    }
    return stems
  }

  /// Where an entity file named `stem` can sit: in `projects/`,
  /// `sessions/`, flat in `tasks/`, or in a project folder of `tasks/`.
  static func isEntityFolder(_ folder: String) -> Bool {
    folder == "projects" || folder == "sessions" || folder == "tasks"
      || (folder.hasPrefix("tasks/") && !folder.dropFirst(6).contains("/"))
  }
}
