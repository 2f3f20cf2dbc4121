import MaestroStorage

/// What `DataGenerator.run` wrote.
public struct GenerateReport: Sendable {
  /// Seconds spent in each phase.
  public struct Timings: Sendable {
    /// Building the link structure and planting faults.
    public var plan: Double = 0
    /// Building and writing every file (all workers).
    public var write: Double = 0
    /// `syncfs` of the new tree (0 when `sync` is off).
    public var sync: Double = 0
    /// Renaming into place, fsyncing the parent, removing a replaced tree.
    public var commit: Double = 0
    /// The whole run.
    public var total: Double = 0
  }

  /// The data dir, absolute.
  public var out: String
  /// The ground-truth file beside it (`<out>.faults.json`).
  public var faultsFile: String
  /// The clean entities (fault entities come on top).
  public var counts: GeneratorOptions.Counts
  /// Tasks and sessions planted for faults, beyond `counts`.
  public var faultEntities: Int
  /// Every planted fault, in class order (as in `.faults.json`).
  public var faults: [PlantedFault]
  /// Regular files written in the data dir.
  public var files: Int
  /// Directories created in the data dir.
  public var directories: Int
  /// Bytes of all those files.
  public var bytes: Int64
  /// `GeneratedTreeHash` of the data dir; equal to the tests'
  /// `TreeHash.hash(of: out)`.
  public var treeHash: UInt64
  /// Write workers used (the output does not depend on it).
  public var workers: Int
  /// Where the time went.
  public var timings: Timings

  /// The `--json` summary object.
  public var json: JSONObject {
    func n(_ v: Int) -> JSONValue { .number(Double(v)) }
    func s(_ v: Double) -> JSONValue { .number((v * 1000).rounded() / 1000) }
    return [
      "type": "summary", "out": .string(out), "faultsFile": .string(faultsFile),
      "projects": n(counts.projects), "tasks": n(counts.tasks), "sessions": n(counts.sessions),
      "faultEntities": n(faultEntities), "faults": n(faults.count),
      "files": n(files), "directories": n(directories), "bytes": .number(Double(bytes)),
      "treeHash": .string(GeneratedTreeHash.hex(treeHash)), "workers": n(workers),
      "seconds": .object([
        "plan": s(timings.plan), "write": s(timings.write), "sync": s(timings.sync),
        "commit": s(timings.commit), "total": s(timings.total),
      ]),
    ]
  }
}
