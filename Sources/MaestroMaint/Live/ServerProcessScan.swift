import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Finds running processes that serve a data dir, for servers that write no
/// `server-url` (Linux `/proc`; elsewhere it finds nothing).
///
/// A process counts when it plausibly is a Maestro server and the data dir
/// it would use is this one:
///
/// - plausibly a server: the base name of its `argv[0]` is a JavaScript
///   runtime (`node`, `nodejs`, `bun`, `deno`), or starts with `maestro`
///   (a packaged server, or a Node server that set its process title) but
///   not `maestro-admin`. Shells, editors and pagers of the same user are
///   never taken for a server, even when their `HOME` points at the data
///   dir.
/// - its data dir: its environment's `DATA_DIR` (a leading `~` expanded
///   against its own `HOME`, relative paths against its own working
///   directory, as the server does), else its `$HOME/.maestro/data`
///   (`HOME`, else the password database entry of its owner), resolved
///   with `realpath` and compared with this data dir's.
///
/// This process is skipped. Its ancestors count only through `DATA_DIR`: a
/// server that started this run from one of its own sessions names its data
/// dir that way, while a Node program that merely launched it (an editor, an
/// agent's command line) is not taken for a server by its `HOME` alone.
///
/// Limits: only what this user may read (another user's process is listed
/// as uninspected, and a `/proc` mounted with `hidepid` hides it entirely);
/// `/proc/<pid>/environ` is the environment the process started with, so a
/// `DATA_DIR` the server sets itself (from a `.env` file) is not seen, nor
/// are paths inside another mount namespace (a container).
public struct ServerProcessScan: Sendable {
  /// What a scan found.
  public struct Result: Sendable, Equatable {
    /// Processes serving the data dir.
    public var matches: [ServerProcess] = []
    /// Server-like processes whose environment could not be read.
    public var uninspected: [UninspectedProcess] = []
  }

  /// Base names of `argv[0]` taken for a JavaScript runtime.
  public static let runtimeNames: Set<String> = ["node", "nodejs", "bun", "deno"]

  /// Where `/proc` is (a parameter, for tests).
  public var procRoot: String
  /// The process whose ancestors are treated as launchers (default: this one).
  public var ownPid: Int32

  /// A scan of `procRoot`, seen from `ownPid`.
  public init(procRoot: String = "/proc", ownPid: Int32 = getpid()) {
    self.procRoot = procRoot
    self.ownPid = ownPid
  }

  /// Whether a command line's `argv[0]` plausibly is a Maestro server.
  public static func isServerLike(argv0: String) -> Bool {
    let name = FileSystem.lastComponent(of: argv0)
    if runtimeNames.contains(name) { return true }
    let lower = name.lowercased()
    return lower.hasPrefix("maestro") && !lower.hasPrefix("maestro-admin")
  }

  /// The processes serving `dataDir`, and the server-like ones that could
  /// not be inspected.
  public func scan(for dataDir: String) -> Result {
    var result = Result()
    guard let entries = try? FileSystem.listDirectory(procRoot) else { return result }
    let target = CanonicalPath.of(dataDir)
    let ancestors = ancestors(of: ownPid)
    for entry in entries {
      guard let pid = Int32(entry.name), pid > 0, pid != ownPid else { continue }
      let base = procRoot + "/" + entry.name
      guard case .success(let cmdline) = Self.readSmallFile(base + "/cmdline"), !cmdline.isEmpty else { continue }
      let arguments = cmdline.split(separator: 0, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
      }
      guard let argv0 = arguments.first, Self.isServerLike(argv0: argv0) else { continue }
      let command = Self.shortened(arguments.filter { !$0.isEmpty }.joined(separator: " "))
      let environment: [String: String]
      switch Self.readSmallFile(base + "/environ") {
      case .success(let bytes):
        environment = Self.parseEnvironment(bytes)
      case .failure(let error) where error.code == ENOENT || error.code == ESRCH:
        continue  // gone since the listing: nothing to say
      case .failure(let error):
        result.uninspected.append(
          UninspectedProcess(pid: pid, command: command, reason: "environment not readable: \(Errno.description(error.code).lowercased())"))
        continue
      }
      let variable = environment[DataDirectory.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
      let evidence: ServerProcess.Evidence = variable == nil ? .home : .dataDirVariable
      if evidence == .home && ancestors.contains(pid) { continue }
      let workingDirectory = Self.readLink(base + "/cwd")
      if let variable, !variable.hasPrefix("/"), !variable.hasPrefix("~"), workingDirectory == nil {
        result.uninspected.append(
          UninspectedProcess(pid: pid, command: command, reason: "DATA_DIR \(variable) is relative and its working directory is not readable"))
        continue
      }
      // An absolute DATA_DIR needs no home directory.
      let home =
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.ownerHome(base)
        ?? (variable?.hasPrefix("/") == true ? "/" : nil)
      guard let home,
        let resolved = try? DataDirectory.resolve(
          explicit: nil, environment: environment, homeDirectory: home, currentDirectory: workingDirectory ?? "/")
      else {
        result.uninspected.append(UninspectedProcess(pid: pid, command: command, reason: "no home directory to resolve its data dir"))
        continue
      }
      if CanonicalPath.of(resolved.root) == target {
        result.matches.append(ServerProcess(pid: pid, command: command, evidence: evidence))
      }
    }
    result.matches.sort { $0.pid < $1.pid }
    result.uninspected.sort { $0.pid < $1.pid }
    return result
  }

  /// `KEY=value` entries of a NUL-separated environment block; the first
  /// of a repeated key wins, as `getenv` finds it.
  static func parseEnvironment(_ bytes: [UInt8]) -> [String: String] {
    var environment: [String: String] = [:]
    for entry in bytes.split(separator: 0) {
      guard let eq = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
      let key = String(decoding: entry[entry.startIndex..<eq], as: UTF8.self)
      if environment[key] == nil {
        environment[key] = String(decoding: entry[(eq + 1)...], as: UTF8.self)
      }
    }
    return environment
  }

  /// The pids above `pid` up to init, from `/proc/<pid>/stat`.
  func ancestors(of pid: Int32) -> Set<Int32> {
    var result: Set<Int32> = []
    var current = pid
    while current > 1, result.count < 4096 {
      guard let parent = parentPid(of: current), parent > 0, !result.contains(parent) else { break }
      result.insert(parent)
      current = parent
    }
    return result
  }

  private func parentPid(of pid: Int32) -> Int32? {
    guard case .success(let stat) = Self.readSmallFile(procRoot + "/\(pid)/stat") else { return nil }
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses,
    // so the fields start after the last ')'.
    guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
    let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
    guard fields.count >= 2 else { return nil }
    return Int32(String(decoding: fields[1], as: UTF8.self))
  }

  /// The home directory of the user owning `/proc/<pid>` (password database).
  private static func ownerHome(_ processFolder: String) -> String? {
    guard let owner = try? FileSystem.stat(processFolder) else { return nil }
    var entry = passwd()
    var found: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getpwuid_r(uid_t(owner.uid), &entry, &buffer, buffer.count, &found) == 0, found != nil,
      let directory = entry.pw_dir
    else { return nil }
    let home = String(cString: directory)
    return home.isEmpty ? nil : home
  }

  /// An errno as an `Error`, for `Result`.
  struct SystemError: Error {
    var code: Int32
  }

  /// Reads a `/proc` file (which reports size 0) whole, up to 1 MiB.
  static func readSmallFile(_ path: String) -> Swift.Result<[UInt8], SystemError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(SystemError(code: errno)) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while bytes.count < 1 << 20 {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        return .failure(SystemError(code: errno))
      }
      if n == 0 { break }
      bytes.append(contentsOf: chunk[..<n])
    }
    return .success(bytes)
  }

  private static func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink(path, &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  private static func shortened(_ text: String) -> String {
    text.count <= 160 ? text : String(text.prefix(159)) + "…"
  }
}
