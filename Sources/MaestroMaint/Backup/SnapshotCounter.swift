/// Counts a snapshot's files per entity and per top-level folder, one file
/// at a time (`SnapshotManifest.counts`, an incremental's `tree`).
///
/// Files usually come in walk order, so a top-level folder's files are
/// adjacent: runs are counted and the dictionary touched once per run (any
/// order still counts right).
struct SnapshotCounter {
  private var counts = SnapshotManifest.Counts()
  private var folders: [String: Int] = [:]
  private var runFolder: [UInt8] = []
  private var runName = ""
  private var runCount = 0

  /// Adds one regular file.
  mutating func add(_ path: String, size: Int64, torn: Bool, invalidJSON: Bool) {
    var path = path
    path.withUTF8 { add(utf8: $0, size: size, torn: torn, invalidJSON: invalidJSON) }
  }

  /// Adds one regular file, its path given as UTF-8.
  mutating func add(utf8 bytes: UnsafeBufferPointer<UInt8>, size: Int64, torn: Bool, invalidJSON: Bool) {
    counts.files += 1
    counts.bytes += size
    if torn { counts.tornFiles += 1 }
    if invalidJSON { counts.invalidJSONFiles += 1 }
    var runFolder = self.runFolder
    let (slashes, isJSON, sameFolder) = { () -> (Int, Bool, Bool) in
      var slashes = 0
      var top = bytes.count
      for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "/") {
        if slashes == 0 { top = i }
        slashes += 1
      }
      let n = bytes.count
      let isJSON =
        n > 5 && bytes[n - 5] == UInt8(ascii: ".") && bytes[n - 4] == UInt8(ascii: "j")
        && bytes[n - 3] == UInt8(ascii: "s") && bytes[n - 2] == UInt8(ascii: "o") && bytes[n - 1] == UInt8(ascii: "n")
      let same = top == runFolder.count && runFolder.withUnsafeBufferPointer { $0.elementsEqual(bytes[..<top]) }
      if !same { runFolder = Array(bytes[..<top]) }
      return (slashes, isJSON, same)
    }()
    self.runFolder = runFolder
    if sameFolder {
      runCount += 1
    } else {
      if runCount > 0 { folders[runName, default: 0] += runCount }
      runName = String(decoding: runFolder, as: UTF8.self)
      runCount = 1
    }
    guard isJSON else { return }
    switch (runName, slashes) {
    case ("projects", 1): counts.projects += 1
    case ("sessions", 1): counts.sessions += 1
    case ("tasks", 2): counts.tasks += 1
    case ("tasks", 1):
      counts.tasks += 1
      counts.legacyTaskFiles += 1
    default: break
    }
  }

  /// The counts (with `directories` and `excluded` as given) and the files
  /// per top-level entry, sorted by name.
  func finish(directories: Int, excluded: Int) -> (SnapshotManifest.Counts, [(String, Int)]) {
    var counts = self.counts
    var folders = self.folders
    counts.directories = directories
    counts.excluded = excluded
    if runCount > 0 { folders[runName, default: 0] += runCount }
    let ordered = folders.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
    return (counts, ordered)
  }
}
