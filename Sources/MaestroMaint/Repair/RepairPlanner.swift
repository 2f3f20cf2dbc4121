import MaestroStorage

/// Turns check's findings into one round of repair (README, "maestro-admin
/// repair"): which files to quarantine, move or create, and which lists to
/// edit, grouped so each file is read, edited in memory and written once.
///
/// The planner decides from the findings and the files they name; it does
/// not predict the consequences of its own moves and quarantines (a
/// quarantined task leaves the sessions that list it dangling). Those show
/// up when `RepairJob` checks again after the round, and the next round
/// repairs them; `RepairPlan.needsRecheck` says when that is needed.
public struct RepairPlanner: Sendable {
  /// The data dir.
  public var dataDir: String
  /// Which codes to repair; the others are left as found.
  public var filter: FindingFilter
  /// Whether an orphan gets a placeholder project instead of quarantine.
  public var recreateMissingProjects: Bool
  /// Where quarantined files go, relative to the data dir:
  /// `lost+found/<UTC yyyyMMddTHHmmssZ>`.
  public var quarantineFolder: String
  /// Epoch milliseconds for the placeholder projects' timestamps.
  public var now: Double

  /// A planner for `dataDir`.
  public init(
    dataDir: String, filter: FindingFilter = FindingFilter(), recreateMissingProjects: Bool = false,
    quarantineFolder: String, now: Double
  ) {
    self.dataDir = dataDir
    self.filter = filter
    self.recreateMissingProjects = recreateMissingProjects
    self.quarantineFolder = quarantineFolder
    self.now = now
  }

  /// What the policy does with a code.
  enum Treatment {
    /// Move the finding's file to `lost+found/`.
    case quarantine
    /// Change files (edit, move, create).
    case repair
    /// Report, change nothing: a fact, or `migrate`'s business.
    case reportOnly
    /// Report for a person to decide (exit 4).
    case manual
  }

  /// The policy's treatment of `code`.
  static func treatment(_ code: FindingCode) -> Treatment {
    switch code {
    case .fileEmpty, .fileMalformed, .fileTruncated, .fileNotObject, .idMissing, .idHostile, .strayTmp:
      return .quarantine
    case .taskOrphan, .sessionOrphan, .idDuplicate, .legacyConflict, .taskMisplaced, .idMismatch,
      .sessionTaskDangling, .taskSessionDangling, .linkSessionOnly, .linkTaskOnly, .sessionTaskIdsDuplicate,
      .taskSessionIdsDuplicate, .parentDangling, .dependencyDangling, .referenceDangling, .parentCycle,
      .dependencyCycle, .sessionStatusUnlinked, .docRelocated, .sessionParentDangling, .sessionRootDangling,
      .listDangling:
      return .repair
    default:
      return code.action == "none" || code.action == "migrate" || code.severity == .info ? .reportOnly : .manual
    }
  }

  /// Plans one round for `findings`.
  /// - Throws: `MaestroError` naming the file when one the plan must read
  ///   cannot be read.
  public func plan(_ findings: [Finding]) throws -> RepairPlan {
    var builder = try RepairPlanBuilder(planner: self)
    // A transient finding was a write in flight (check on a live data dir):
    // nothing to repair, only to report.
    builder.plan.reportOnly += findings.filter { filter.includes($0.code) && $0.transience != nil }
    let selected = findings.filter { filter.includes($0.code) && $0.transience == nil }
    // Pass 1: whole files (quarantine, move, create), so that pass 2 knows
    // which files leave this round.
    var duplicates: [String: [Finding]] = [:]
    var relocations: [Finding] = []
    for finding in selected {
      switch Self.treatment(finding.code) {
      case .reportOnly: builder.plan.reportOnly.append(finding)
      case .manual: builder.plan.manual.append(finding)
      case .quarantine: builder.quarantine(finding)
      case .repair:
        switch finding.code {
        case .taskOrphan, .sessionOrphan: try builder.orphan(finding)
        case .idDuplicate: duplicates["\(finding.entity)\u{0}\(finding.id ?? "")", default: []].append(finding)
        case .legacyConflict: try builder.legacyConflict(finding)
        case .taskMisplaced, .idMismatch: relocations.append(finding)
        default: break
        }
      }
    }
    for key in duplicates.keys.sorted() { builder.duplicate(duplicates[key] ?? []) }
    // Moves last: a duplicate quarantined above frees the name a
    // mismatched file moves to in the next round, not this one.
    for finding in relocations { builder.relocate(finding) }
    // Pass 2: edits inside files that stay.
    for finding in selected where Self.treatment(finding.code) == .repair {
      try builder.edit(for: finding)
    }
    return try builder.finish()
  }
}
