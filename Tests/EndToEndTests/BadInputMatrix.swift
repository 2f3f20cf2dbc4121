import MaestroStorage
import MaestroTestSupport

/// The table of the bad-input matrix (issue 15 §7): every command, the path
/// a bad input replaces, and the exit code each bad input must give. Change
/// an expectation here; `BadInputMatrixTests` runs the rows.
enum BadInput: String, CaseIterable, Sendable {
  /// The path does not exist.
  case missing
  /// A regular file where a folder is expected (a folder where a snapshot
  /// file is expected).
  case wrongKind
  /// An empty folder (an empty snapshot file).
  case empty
  /// A file inside the target that cannot be read (EACCES: mode 000, run as
  /// another user when the tests run as root, who reads anything).
  case unreadable
  /// The target lives on a read-only mount.
  case readOnly
  /// The target lives on a full tmpfs.
  case fullDisk
}

/// Which path of a row's scratch folder the bad input replaces.
enum MatrixTarget: Sendable {
  /// `data`: the data dir.
  case dataDir
  /// `snaps`: a backup folder holding two snapshots.
  case backupFolder
  /// `snaps/<first>`: a snapshot file.
  case snapshot
  /// `restore`: `backup restore --to` (absent when good).
  case restoreTarget
  /// `dest`: `backup create --dest` (absent when good).
  case createDest
  /// `out`: `generate --out` (absent when good).
  case generateOut

  /// Whether a good target is a file rather than a folder.
  var isFile: Bool { self == .snapshot }

  /// The target's path in the scratch folder `scratch`.
  func path(in scratch: String, snapshot: String) -> String {
    switch self {
    case .dataDir: scratch + "/data"
    case .backupFolder: scratch + "/snaps"
    case .snapshot: scratch + "/snaps/" + snapshot
    case .restoreTarget: scratch + "/restore"
    case .createDest: scratch + "/dest"
    case .generateOut: scratch + "/out"
    }
  }
}

/// Which prepared data dir a command starts from.
enum MatrixFixture: String, Sendable {
  /// xs, legacy layout, one fault of every class: something to repair,
  /// migrate and archive.
  case faulty
  /// `faulty` repaired and archived: journals, an archive, a catalog, and a
  /// project file fmt would rewrite.
  case worked
}

/// One command of the matrix.
struct MatrixCommand: Sendable, CustomStringConvertible {
  /// The command as typed (`archive show`).
  var name: String
  /// The path bad input replaces.
  var target: MatrixTarget
  /// The data dir it starts from.
  var fixture: MatrixFixture
  /// Whether the command only reads (its scratch folder must never change).
  var readsOnly: Bool
  /// The bad inputs with which the command still makes the changes it can
  /// although it ends with 4 or 8 (repair fixes the rest and leaves the
  /// unreadable file to a person; fmt rewrites the other files). Otherwise
  /// only a changing command's 0 or 1 may change its scratch folder.
  var changesDespiteFailure: Set<BadInput> = []
  /// Its arguments, given the scratch folder and the prepared names.
  var arguments: @Sendable (_ scratch: String, _ names: MatrixNames) -> [String]
  /// The exit code for each bad input.
  var expected: [BadInput: Int32]

  var description: String { name }
}

/// Names the prepared fixtures hold (journal ids, an archived task, a snapshot).
struct MatrixNames: Sendable {
  /// The journal of `worked`'s archive run (its newest).
  var journal: String
  /// A task `worked` archived.
  var archivedTask: String
  /// The first snapshot in `snaps`.
  var snapshot: String
}

/// One row: a command and a bad input.
struct MatrixRow: Sendable, CustomStringConvertible {
  var command: MatrixCommand
  var input: BadInput
  var expected: Int32 { command.expected[input]! }
  var description: String { "\(command.name) × \(input.rawValue) → \(expected)" }
}

extension MatrixCommand {
  /// Every command with its expectations. Codes: 0 ok, 1 changed, 4 problems
  /// left or refused, 8 operational error, 16 usage/refused location.
  static let all: [MatrixCommand] = [
    MatrixCommand(
      name: "stats", target: .dataDir, fixture: .faulty, readsOnly: true,
      arguments: { s, _ in ["stats", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 0, .unreadable: 0, .readOnly: 0, .fullDisk: 0]),
    MatrixCommand(
      name: "check", target: .dataDir, fixture: .faulty, readsOnly: true,
      arguments: { s, _ in ["check", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 4, .unreadable: 4, .readOnly: 4, .fullDisk: 4]),
    MatrixCommand(
      name: "fmt", target: .dataDir, fixture: .worked, readsOnly: false, changesDespiteFailure: [.unreadable],
      arguments: { s, _ in ["fmt", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 0, .unreadable: 8, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "repair", target: .dataDir, fixture: .faulty, readsOnly: false, changesDespiteFailure: [.unreadable],
      arguments: { s, _ in ["repair", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 16, .unreadable: 4, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "undo", target: .dataDir, fixture: .worked, readsOnly: false,
      arguments: { s, n in ["undo", n.journal, "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 8, .unreadable: 1, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "migrate status", target: .dataDir, fixture: .faulty, readsOnly: true,
      arguments: { s, _ in ["migrate", "status", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 16, .unreadable: 8, .readOnly: 4, .fullDisk: 4]),
    MatrixCommand(
      name: "migrate plan", target: .dataDir, fixture: .faulty, readsOnly: true,
      arguments: { s, _ in ["migrate", "plan", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 16, .unreadable: 8, .readOnly: 4, .fullDisk: 4]),
    MatrixCommand(
      name: "migrate up", target: .dataDir, fixture: .faulty, readsOnly: false,
      arguments: { s, _ in ["migrate", "up", "--no-snapshot", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 16, .unreadable: 8, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "archive create", target: .dataDir, fixture: .faulty, readsOnly: false,
      arguments: { s, _ in ["archive", "create", "--older-than", "0d", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 16, .unreadable: 1, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "archive list", target: .dataDir, fixture: .worked, readsOnly: true,
      arguments: { s, _ in ["archive", "list", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 0, .unreadable: 0, .readOnly: 0, .fullDisk: 0]),
    MatrixCommand(
      name: "archive search", target: .dataDir, fixture: .worked, readsOnly: true,
      arguments: { s, _ in ["archive", "search", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 0, .unreadable: 0, .readOnly: 0, .fullDisk: 0]),
    MatrixCommand(
      name: "archive show", target: .dataDir, fixture: .worked, readsOnly: true,
      arguments: { s, n in ["archive", "show", n.archivedTask, "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 4, .unreadable: 0, .readOnly: 0, .fullDisk: 0]),
    MatrixCommand(
      name: "archive restore", target: .dataDir, fixture: .worked, readsOnly: false,
      arguments: { s, n in ["archive", "restore", n.archivedTask, "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 16, .unreadable: 1, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "backup create", target: .dataDir, fixture: .faulty, readsOnly: false,
      arguments: { s, _ in ["backup", "create", "--data-dir", s + "/data", "--dest", s + "/dest"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 0, .unreadable: 8, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "backup create --dest", target: .createDest, fixture: .faulty, readsOnly: false,
      arguments: { s, _ in ["backup", "create", "--data-dir", s + "/data", "--dest", s + "/dest"] },
      expected: [.missing: 0, .wrongKind: 8, .empty: 0, .unreadable: 0, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "backup list", target: .backupFolder, fixture: .faulty, readsOnly: true,
      arguments: { s, _ in ["backup", "list", "--dest", s + "/snaps"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 0, .unreadable: 4, .readOnly: 0, .fullDisk: 0]),
    MatrixCommand(
      name: "backup verify", target: .snapshot, fixture: .faulty, readsOnly: true,
      arguments: { s, n in ["backup", "verify", s + "/snaps/" + n.snapshot] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 4, .unreadable: 8, .readOnly: 0, .fullDisk: 0]),
    MatrixCommand(
      name: "backup restore", target: .restoreTarget, fixture: .faulty, readsOnly: false,
      arguments: { s, n in ["backup", "restore", s + "/snaps/" + n.snapshot, "--to", s + "/restore"] },
      expected: [.missing: 1, .wrongKind: 8, .empty: 1, .unreadable: 16, .readOnly: 8, .fullDisk: 8]),
    MatrixCommand(
      name: "backup prune", target: .backupFolder, fixture: .faulty, readsOnly: false,
      arguments: { s, _ in ["backup", "prune", "--dest", s + "/snaps", "--keep-last", "1"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 0, .unreadable: 1, .readOnly: 8, .fullDisk: 1]),
    MatrixCommand(
      name: "journal list", target: .dataDir, fixture: .worked, readsOnly: true,
      arguments: { s, _ in ["journal", "list", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 0, .unreadable: 0, .readOnly: 0, .fullDisk: 0]),
    MatrixCommand(
      name: "journal show", target: .dataDir, fixture: .worked, readsOnly: true,
      arguments: { s, n in ["journal", "show", n.journal, "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 8, .unreadable: 0, .readOnly: 0, .fullDisk: 0]),
    MatrixCommand(
      name: "journal prune", target: .dataDir, fixture: .worked, readsOnly: false,
      arguments: { s, _ in ["journal", "prune", "--keep", "0", "--data-dir", s + "/data"] },
      expected: [.missing: 8, .wrongKind: 8, .empty: 16, .unreadable: 1, .readOnly: 8, .fullDisk: 1]),
    MatrixCommand(
      name: "generate", target: .generateOut, fixture: .faulty, readsOnly: false,
      arguments: { s, _ in ["generate", "--out", s + "/out", "--scale", "xs", "--no-sync"] },
      expected: [.missing: 0, .wrongKind: 16, .empty: 0, .unreadable: 16, .readOnly: 8, .fullDisk: 8]),
  ]

  /// Every row of the matrix for `inputs`.
  static func rows(_ inputs: [BadInput]) -> [MatrixRow] {
    all.flatMap { command in inputs.map { MatrixRow(command: command, input: $0) } }
  }
}
