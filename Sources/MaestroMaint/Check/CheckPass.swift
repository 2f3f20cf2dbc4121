import MaestroStorage

/// One run of check, split where the content comes in, so a data dir on
/// disk (`DataDirCheck`) and a snapshot streamed from its archive
/// (`SnapshotContentCheck`) are judged by the same code:
///
/// 1. `init` judges the names alone (layout, strays) and lists the entity
///    files to inspect and the other files `finish` will want
///    (`auxiliaryFiles`);
/// 2. the caller has `inspector` judge every entity file, on any worker and
///    in any order, into `EntityFileInspector.Partial`s;
/// 3. `finish` reads the catalog and the list files and runs the cross-file
///    analysis on the records.
struct CheckPass: Sendable {
  /// The data dir's absolute path, as given (for a snapshot, its source).
  let root: String
  /// The data dir's names.
  let tree: any DataDirTree
  /// The entity files, in scan order; records refer to them by index.
  private(set) var scan: EntityFileScan
  /// The list files (`ordering/`, `task-lists/`, `task-graphs/`).
  let listFiles: [(path: String, shape: ListReferences.Shape)]
  /// Judges one entity file.
  var inspector: EntityFileInspector
  /// Whether the folder is a data dir at all; when it is not, nothing in
  /// it is read and the one finding says so.
  let isDataDirectory: Bool
  /// What the symlinks in the entity folders hide (never followed).
  let symlinks: LayoutFindings.Symlinks
  /// What the names alone showed.
  private(set) var findings: [Finding]

  /// Phase 1: lists what there is to read.
  ///
  /// - Throws: `MaestroError` when a folder cannot be listed.
  init(root: String, aliases: [String], tree: any DataDirTree) throws {
    self.root = root
    self.tree = tree
    let top = try tree.entries(in: "") ?? []
    isDataDirectory = LayoutFindings.isDataDirectory(top)
    guard isDataDirectory else {
      findings = [LayoutFindings.notADataDirectory(top)]
      scan = try EntityFileScan.scan { _ in nil }
      listFiles = []
      inspector = EntityFileInspector(root: root, rootAliases: aliases, files: EntityFileList(), tree: tree)
      symlinks = LayoutFindings.Symlinks()
      return
    }
    findings = LayoutFindings.topLevel(top)
    scan = try EntityFileScan.scan { try tree.entries(in: $0) }
    findings += LayoutFindings.strays(scan.otherFiles)
    let linkedFolders = top.filter { $0.kind == .symlink && DataDirectory.entityFolderNames.contains($0.name) }
    symlinks = LayoutFindings.symlinks(linkedFolders.map(\.name) + scan.symlinks, tree: tree)
    findings += symlinks.findings
    listFiles = try ListReferences.files(in: tree)
    inspector = EntityFileInspector(root: root, rootAliases: aliases, files: scan.files, tree: tree)
  }

  /// Reads the entity files' paths from `files` from now on: the same
  /// paths in the same order, kept elsewhere (`EntityFileList.rebased`
  /// checks that they are).
  mutating func shareFiles(_ files: EntityFileList) {
    scan.files = files
    inspector.files = files
  }

  /// The files besides the entity files whose bytes `finish` reads: the
  /// archive catalog, the list files, and, for legacy flat tasks that also
  /// sit in a project folder under the same name, both copies (to compare
  /// them). A misnamed copy is found by id only while inspecting: set
  /// `inspector.keepsMisnamedTasks` to keep those.
  var auxiliaryFiles: Set<String> {
    var paths = Set(listFiles.map(\.path))
    guard isDataDirectory else { return paths }
    paths.insert(ArchiveCatalog.relativePath)
    let flat = Set(scan.files.lazy.filter { $0.kind == .legacyTask }.map(\.stem))
    guard !flat.isEmpty else { return paths }
    let foldered = Set(scan.files.lazy.filter { $0.kind == .task && flat.contains($0.stem) }.map(\.stem))
    for file in scan.files where foldered.contains(file.stem) && file.kind != .project && file.kind != .session {
      paths.insert(file.relativePath)
    }
    return paths
  }

  /// Phase 3: the catalog, the lists and the cross-file analysis.
  ///
  /// - Parameters:
  ///   - partials: what the workers gathered; emptied as it is merged.
  ///   - read: the bytes of a file named by `auxiliaryFiles` or kept by the
  ///     inspector, or why it could not be read.
  ///   - filter: which codes to report.
  ///   - started: when the check began, for the report's duration.
  /// - Throws: `MaestroError` when the catalog exists but cannot be read,
  ///   `.cancelled` after SIGINT.
  func finish(
    partials: inout [EntityFileInspector.Partial], read: (String) -> Result<[UInt8], MaestroError>,
    filter: FindingFilter, started: ContinuousClock.Instant
  ) throws -> CheckReport {
    var findings = self.findings
    // The records stay in their workers' arrays (no copy at the peak).
    var chunks: [[EntityRecord]] = []
    var merged = EntityFileInspector.Partial()
    for k in partials.indices {
      chunks.append(partials[k].records)
      partials[k].records = []
      merged.merge(partials[k])
    }
    partials = []
    findings += merged.findings
    for (key, tally) in merged.unknownFields {
      let noun = tally.count == 1 ? "\(key.entity) carries" : "\(key.entity)s carry"
      findings.append(
        Finding(
          .fieldUnknown, key.entity, id: nil, file: scan.files[Int(tally.firstFile)].relativePath,
          ref: key.field, count: tally.count,
          "\(CheckReport.grouped(tally.count)) \(noun) the field \(Finding.quoted(key.field)), which no known server writes (kept as found)"
        ))
    }

    var catalog = ArchiveCatalog()
    if isDataDirectory && tree.contains(ArchiveCatalog.relativePath) {
      catalog = ArchiveCatalog(bytes: try read(ArchiveCatalog.relativePath).get())
    }
    findings += catalog.findings
    let lists = ListReferences.scan(listFiles, read: read)
    findings += lists.findings

    var kept: [String: [UInt8]] = [:]
    for (file, bytes) in merged.kept { kept[scan.files[Int(file)].relativePath] = bytes }
    let index = EntityIndex(
      records: RecordList(chunks), files: scan.files, unloadable: merged.unloadable + symlinks.hiddenFiles,
      archived: Set(catalog.ids.map(EntityKey.init)), unlisted: symlinks.hiddenKinds
    ) { path in kept[path] ?? (try? read(path).get()) }
    findings += index.findings
    var analysis = LinkAnalysis(index: index)
    analysis.run(lists: lists.lists, taskListIds: lists.taskListIds)
    findings += analysis.findings
    try Cancellation.check()

    let elapsed = ContinuousClock.now - started
    let ms =
      Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    return CheckReport(
      // Not a data dir: said whatever the filter, or a filtered check of
      // the wrong folder would pass.
      root: root, findings: findings.filter { filter.includes($0.code) || $0.code == .notADataDir },
      filesRead: scan.files.count + lists.filesRead, bytesRead: merged.bytesRead + lists.bytesRead,
      durationMs: ms)
  }
}
