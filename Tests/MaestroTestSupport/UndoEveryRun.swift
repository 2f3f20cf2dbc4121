import MaestroMaint

/// Undoes, through the built binary, every journal of `dataDir` that is not
/// itself an undo, newest first (the order `undo` requires); an interrupted
/// one is finished by `undo` before it is reversed. The crash tests use it
/// to go back to the original tree after a kill.
///
/// - Returns: each `undo` run's result, in the order they ran.
public func undoEveryRun(dataDir: String) throws -> [(journal: String, result: CommandResult)] {
  var journals = try Journal.list(dataDir: dataDir).filter { $0.undoes == nil }
  journals.sort { $0.createdAt > $1.createdAt || ($0.createdAt == $1.createdAt && $0.id > $1.id) }
  return try journals.map { journal in
    (journal.id, try runMaestroAdmin(["undo", journal.id, "--data-dir", dataDir]))
  }
}
