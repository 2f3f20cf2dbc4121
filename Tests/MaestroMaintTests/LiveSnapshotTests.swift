import MaestroStorage
import Testing

@testable import MaestroMaint

/// A snapshot taken while files changed: the manifest says so, and
/// `verify --deep` tells a link caught half written from a broken one.
@Suite struct LiveSnapshotTests {
  static func manifest(live: SnapshotManifest.Live?, changed: Set<String>) -> SnapshotManifest {
    let paths = ["projects/p.json", "sessions/sess_1.json", "tasks/p/task_1.json", "tasks/p/task_2.json"]
    return SnapshotManifest(
      id: "0badf00d", createdAt: 1_795_816_200_000, source: "/srv/data", hostname: "h", label: nil,
      compression: .zstd, excluded: [], root: .init(path: "", mode: 0o755, mtime: 1), directories: [],
      files: paths.map { .init(path: $0, size: 1, mode: 0o644, mtime: 1, sha256: "ab", changed: changed.contains($0)) },
      live: live)
  }

  @Test func aLiveManifestRoundTripsAndAQuietOneIsAsBefore() throws {
    let live = Self.manifest(live: .init(changedFiles: 1, changedFolders: 2), changed: ["tasks/p/task_1.json"])
    let bytes = live.serialized()
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.contains(#""excluded":[],"live":{"changedFiles":1,"changedFolders":2},"root""#))
    #expect(text.contains(#""path":"tasks/p/task_1.json","size":1,"mode":"0644","mtime":"1","sha256":"ab","changed":true}"#))
    let back = try SnapshotManifest(parsing: bytes, origin: "s")
    #expect(back.serialized() == bytes)
    #expect(back.live == .init(changedFiles: 1, changedFolders: 2))
    #expect(back.files.map(\.changed) == [false, false, true, false])

    let quiet = String(decoding: Self.manifest(live: nil, changed: []).serialized(), as: UTF8.self)
    #expect(!quiet.contains("live") && !quiet.contains("changed"))
  }

  static func finding(_ code: FindingCode, file: String, id: String, ref: String) -> Finding {
    Finding(code, .task, id: id, file: file, ref: ref, "m")
  }

  @Test func linkFindingsOnChangedFilesAreTransientOthersStay() {
    let files = Self.manifest(live: nil, changed: []).files.map(\.path)
    let scan = try? EntityFileScan.scan { folder in
      let names = files.filter { FileSystem.parentDirectory(of: $0) == folder }.map { FileSystem.lastComponent(of: $0) }
      let subfolders = folder == "tasks" ? ["p"] : []
      guard !names.isEmpty || !subfolders.isEmpty else { return nil }
      return (subfolders.map { DirectoryEntry(name: $0, kind: .directory) } + names.map { DirectoryEntry(name: $0, kind: .file) })
        .sorted { $0.name < $1.name }
    }
    let report = CheckReport(
      root: "s",
      findings: [
        // The task was written during the backup: its side of the link is new.
        Self.finding(.linkTaskOnly, file: "tasks/p/task_1.json", id: "task_1", ref: "sess_1"),
        // The session it points at was written during the backup.
        Self.finding(.linkSessionOnly, file: "tasks/p/task_2.json", id: "task_2", ref: "task_1"),
        // Neither file changed: broken before the backup began.
        Self.finding(.taskSessionDangling, file: "tasks/p/task_2.json", id: "task_2", ref: "sess_gone"),
        // Not a link between two files.
        Self.finding(.fileMalformed, file: "tasks/p/task_1.json", id: "task_1", ref: "x"),
      ], filesRead: 4, bytesRead: 4, durationMs: 1)
    let marked = report.markingTakenLive(changed: ["tasks/p/task_1.json"], files: scan?.files ?? EntityFileList())
    let byCode = Dictionary(uniqueKeysWithValues: marked.findings.map { ($0.code.rawValue, $0.severity) })
    #expect(byCode == [
      "link.task-only": .transient, "link.session-only": .transient, "task.session.dangling": .error,
      "file.malformed": .error,
    ])
    #expect(marked.findings.first { $0.severity == .transient }?.transience == .takenLive)
    #expect(marked.changing && marked.exitStatus == .problemsLeft)
  }
}
