extension DataDirectory {
  /// A top-level folder or file that some Maestro server writes
  /// (FORMAT.md §2), so later code can tell it from an unknown one.
  public struct KnownEntry: Sendable, Equatable {
    /// Whether the entry is a folder or a plain file.
    public enum Kind: Sendable, Equatable {
      case folder
      case file
    }

    /// Which servers write it.
    public enum Era: Sendable, Equatable {
      /// The seed's three entity folders; every server has them.
      case seed
      /// Newer servers.
      case newer
      /// Only older servers; left behind, never read by current ones.
      case older
    }

    /// The name directly under the data dir.
    public let name: String
    /// Folder or file.
    public let kind: Kind
    /// Which servers write it.
    public let era: Era
    /// Whether it holds an entity folder's one-JSON-file-per-entity data.
    public let isEntityFolder: Bool
    /// Whether its contents are secret: copies must keep its mode (0600).
    public let isSecret: Bool
    /// What it holds, for reports.
    public let summary: String

    /// An entry description.
    public init(
      name: String, kind: Kind, era: Era, isEntityFolder: Bool = false, isSecret: Bool = false,
      summary: String
    ) {
      self.name = name
      self.kind = kind
      self.era = era
      self.isEntityFolder = isEntityFolder
      self.isSecret = isSecret
      self.summary = summary
    }
  }

  /// Every top-level entry servers of any age are known to write; a backup,
  /// restore or migration carries each of them through untouched.
  public static let knownEntries: [KnownEntry] = [
    .init(
      name: "projects", kind: .folder, era: .seed, isEntityFolder: true,
      summary: "projects/<projectId>.json"),
    .init(
      name: "tasks", kind: .folder, era: .seed, isEntityFolder: true,
      summary: "tasks/<projectId>/<taskId>.json, and legacy flat tasks/<taskId>.json"),
    .init(
      name: "sessions", kind: .folder, era: .seed, isEntityFolder: true,
      summary: "sessions/<sessionId>.json"),
    .init(
      name: "ordering", kind: .folder, era: .newer,
      summary: "ordering/{task,session,task-list}/<projectId>.json: ordered id lists"),
    .init(
      name: "task-lists", kind: .folder, era: .newer,
      summary: "task-lists/<projectId>/*.json with orderedTaskIds"),
    .init(
      name: "task-graphs", kind: .folder, era: .newer,
      summary: "task-graphs/<projectId>/*.json with nodes[].taskId and edges[]"),
    .init(name: "teams", kind: .folder, era: .newer, summary: "teams/<projectId>/"),
    .init(
      name: "team-members", kind: .folder, era: .newer,
      summary: "team-members/<projectId or __global__>/"),
    .init(
      name: "images", kind: .folder, era: .newer, summary: "images/<projectId>/<taskId>/*, binary"),
    .init(
      name: "session-docs", kind: .folder, era: .newer,
      summary:
        "session-docs/<sessionId>/*.md|.excalidraw, named by sessions' docs[].contentFilePath"),
    .init(name: "custom-prompts", kind: .folder, era: .newer, summary: "custom prompts"),
    .init(name: "model-profiles", kind: .folder, era: .newer, summary: "model profiles"),
    .init(name: "session-prompts", kind: .folder, era: .newer, summary: "session prompts"),
    .init(
      name: "command-logs", kind: .folder, era: .newer,
      summary: "command-logs/*.jsonl, JSON lines, appended"),
    .init(name: "modals", kind: .folder, era: .newer, summary: "modals/*.html"),
    .init(name: "server-url", kind: .file, era: .newer, summary: "the running server's URL"),
    .init(
      name: ".migrated-team-member-tasks", kind: .file, era: .newer,
      summary: "marker of a one-time server migration"),
    .init(
      name: ".auth-secret", kind: .file, era: .newer, isSecret: true,
      summary: "the server's auth secret, mode 0600"),
    .init(name: "queues", kind: .folder, era: .older, summary: "left by older servers"),
    .init(name: "templates", kind: .folder, era: .older, summary: "left by older servers"),
    .init(name: "mail", kind: .folder, era: .older, summary: "left by older servers"),
  ]

  /// The three folders whose `.json` files are entities.
  public static let entityFolderNames: [String] = ["projects", "tasks", "sessions"]

  /// What a name directly under the data dir is, or nil if no known server
  /// writes it. The caller checks that the kind (folder or file) matches.
  public static func knownEntry(named name: String) -> KnownEntry? {
    knownEntries.first { $0.name == name }
  }
}
