import MaestroStorage

extension SnapshotVerifier {
  /// Verifies an incremental snapshot with its chain: the links (every
  /// parent present, its id, manifest hash and depth as named), then every
  /// snapshot of the chain, oldest first, each against its own manifest;
  /// problems in a parent name it. With `deep`, `check` judges the tree the
  /// chain restores, each file streamed from the snapshot holding its last
  /// version, in the same single read of each archive.
  ///
  /// - Throws: `MaestroError` only when a snapshot cannot be opened or
  ///   fetched: a broken chain or damage is reported as problems.
  func runChain(showProgress: Bool) throws -> Report {
    var report = Report(path: path)
    let chain: SnapshotChain
    do { chain = try SnapshotChain.resolve(path) } catch let error as MaestroError where error.code == .snapshotInvalid {
      report.problems.append(Problem(member: error.path ?? path, message: error.message))
      return report
    }
    let tree = chain.tree
    var shared: [SharedCheck?] = Array(repeating: nil, count: chain.links.count)
    var content: SnapshotContentCheck?
    if deep {
      let check = SnapshotContentCheck(workers: workers)
      try check.begin(chain: chain)
      content = check
      for k in chain.links.indices {
        shared[k] = SharedCheck(
          content: check,
          // The link's own manifest (the one the chain was resolved with).
          map: { _ in tree.filesHeld(by: k) })
      }
    }
    for (k, link) in chain.links.enumerated() {
      let isHead = k == chain.links.count - 1
      let source = try SnapshotSource(link.path)
      let part = try source.preferringFetchFailure {
        // The manifest read to resolve the chain, its member hashed again.
        try verify(
          fd: source.fd, expected: (link.memberSha256, link.manifest), showProgress: showProgress, shared: shared[k])
      }
      try source.finish()
      report.members += part.members
      report.bytes += part.bytes
      for p in part.problems {
        report.problems.append(
          isHead ? p : Problem(member: p.member == link.path ? link.path : "\(link.name): \(p.member)", message: p.message))
      }
      if !isHead, let expected = chain.links[k + 1].manifest.parent?.manifestSha256,
        let read = part.manifest?.recordedSha256, read != expected
      {
        report.problems.append(Problem(member: link.path, message: "changed while the chain was verified"))
      }
      if isHead { report.manifest = part.manifest }
    }
    if let content, report.problems.isEmpty {
      report.check = try content.finish(name: path)
    }
    return report
  }
}
