/// What a failure left behind when it came after a journaled run had begun
/// changing the data dir (Ctrl-C, a full disk, a permission error, a file
/// that changed under the run): the data dir is no longer as it was, and
/// these journals, undone newest first, put it back.
public struct PartialRun: Sendable, Equatable {
  /// The data dir that was changed.
  public var dataDir: String
  /// The journals holding the changes made, oldest first.
  public var journals: [String]

  public init(dataDir: String, journals: [String]) {
    self.dataDir = dataDir
    self.journals = journals
  }
}

extension MaestroError {
  /// `error` as a `MaestroError` that records that `journals` (oldest
  /// first) of `dataDir` hold changes already made; journals it recorded
  /// already are kept after them. Any other error becomes an `.io` one.
  public static func afterChanges(_ error: Error, dataDir: String, journals: [String]) -> MaestroError {
    var failure = (error as? MaestroError) ?? MaestroError(.io, "\(error)")
    guard !journals.isEmpty else { return failure }
    let later = failure.partialRun?.journals ?? []
    failure.partialRun = PartialRun(dataDir: dataDir, journals: journals + later.filter { !journals.contains($0) })
    return failure
  }
}
