import MaestroStorage

extension CheckReport {
  /// The report on a snapshot taken while files changed, with every link
  /// finding (`FindingInvolvement.linkCodes`) that involves a file written
  /// during the backup (`changed`) marked transient (`takenLive`): one of
  /// the link's two files was written and the other not yet, or the other
  /// way round. A link between files that did not change stays an error
  /// or warning: it was broken before the backup began.
  ///
  /// - Parameters:
  ///   - changed: Paths flagged `changed` in the manifest.
  ///   - files: The snapshot's entity files, to find a reference's file.
  func markingTakenLive(changed: Set<String>, files: EntityFileList) -> CheckReport {
    var report = self
    report.changing = true
    var changedStems: Set<String> = []
    for file in files where changed.contains(file.relativePath) { changedStems.insert(file.stem) }
    for k in report.findings.indices {
      let f = report.findings[k]
      guard f.severity.affectsExitCode, FindingInvolvement.linkCodes.contains(f.code) else { continue }
      let ownChanged = f.file.map { changed.contains($0) } ?? false
      if ownChanged || FindingInvolvement.stems(of: f).contains(where: changedStems.contains) {
        report.findings[k] = f.marked(.takenLive)
      }
    }
    report.findings = Self.ordered(report.findings)
    return report
  }
}
