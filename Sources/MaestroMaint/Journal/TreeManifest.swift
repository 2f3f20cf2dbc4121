import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A folder tree by content: every entry below its root with its kind and,
/// for a file or a symlink, the SHA-256 of its bytes (of its target, for a
/// symlink). Modes and times are left out: a chmod or a touch is not a
/// change of data.
///
/// An `exchange` journal action keeps one for each of the two trees it
/// swaps, so `undo` can tell whether the live tree still holds exactly what
/// the run left there before swapping it back.
///
/// Serialized as one JSON array per line, `["f","<path>","<sha256>"]`
/// (`d` folder, `l` symlink, `o` anything else), sorted bytewise by path.
public struct TreeManifest: Sendable, Equatable {
  /// One entry below the root.
  public struct Entry: Sendable, Equatable {
    public enum Kind: String, Sendable {
      case file = "f"
      case directory = "d"
      case symlink = "l"
      case other = "o"
    }

    /// Relative to the tree's root.
    public var path: String
    public var kind: Kind
    /// Of a file's bytes or a symlink's target.
    public var sha256: String?

    public init(path: String, kind: Kind, sha256: String? = nil) {
      self.path = path
      self.kind = kind
      self.sha256 = sha256
    }
  }

  /// Sorted bytewise by path.
  public private(set) var entries: [Entry]

  /// The manifest of `entries` (any order).
  public init(entries: [Entry]) {
    self.entries = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }

  /// The manifest as stored in a journal's pack.
  public func serialized() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(entries.count * 120)
    for e in entries {
      var line: [JSONValue] = [.string(e.kind.rawValue), .string(e.path)]
      if let sha = e.sha256 { line.append(.string(sha)) }
      JSONWriter.serialize(.array(line), style: .compact, into: &bytes)
      bytes.append(0x0A)
    }
    return bytes
  }

  /// A manifest read back from `serialized()`.
  /// - Throws: `MaestroError(.badEntity)` for a line that is not an entry.
  public init(bytes: [UInt8], source: String) throws {
    var entries: [Entry] = []
    for (n, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: true).enumerated() {
      guard let a = (try? JSONParser.parse(Array(line)))?.arrayValue, a.count >= 2,
        let kind = a[0].stringValue.flatMap(Entry.Kind.init(rawValue:)), let path = a[1].stringValue
      else {
        throw MaestroError(.badEntity, "tree manifest line \(n + 1) is not an entry", path: source)
      }
      entries.append(Entry(path: path, kind: kind, sha256: a.count > 2 ? a[2].stringValue : nil))
    }
    self.init(entries: entries)
  }

  /// The manifest of the tree at `root` as it is now: listed in one walk,
  /// files read and hashed on `workers` threads.
  /// - Throws: `MaestroError` naming a folder or file that cannot be read.
  public static func scan(_ root: String, workers: Int = ParallelMap.defaultWorkers) throws -> TreeManifest {
    var entries: [Entry] = []
    var pending = [""]
    while let folder = pending.popLast() {
      for e in try FileSystem.listDirectory(folder.isEmpty ? root : root + "/" + folder) {
        let path = folder.isEmpty ? e.name : folder + "/" + e.name
        switch e.kind {
        case .directory:
          entries.append(Entry(path: path, kind: .directory))
          pending.append(path)
        case .file: entries.append(Entry(path: path, kind: .file))
        case .symlink: entries.append(Entry(path: path, kind: .symlink))
        case .other: entries.append(Entry(path: path, kind: .other))
        }
      }
    }
    let hashed = SlotBuffer<Result<String?, MaestroError>>(count: entries.count, initial: .success(nil))
    let threads = max(1, min(workers, entries.count))
    let list = entries
    let work: @Sendable (Int) -> Void = { w in
      var k = w
      while k < list.count {
        let e = list[k]
        let path = root + "/" + e.path
        switch e.kind {
        case .file:
          hashed[k] = Result { try SHA256.hex(of: FileSystem.readFile(path)) }.mapError { error in
            error as? MaestroError ?? MaestroError(.io, "\(error)", path: path)
          }
        case .symlink:
          hashed[k] = Result { try SHA256.hex(of: Self.linkTarget(path)) }.mapError { error in
            error as? MaestroError ?? MaestroError(.io, "\(error)", path: path)
          }
        default:
          break
        }
        k += threads
      }
    }
    NativeThreads.run(threads - 1, work, main: { work(threads - 1) })
    for k in entries.indices { entries[k].sha256 = try hashed[k].get() }
    return TreeManifest(entries: entries)
  }

  /// The bytes a symlink holds (its target).
  static func linkTarget(_ path: String) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
    guard n >= 0 else { throw MaestroError.system("cannot read symlink", path: path) }
    return Array(buffer[..<n])
  }

  /// The paths whose kind or content differ between the two manifests, or
  /// that only one of them has, sorted bytewise.
  public func differences(from other: TreeManifest) -> [String] {
    var result: [String] = []
    var i = 0
    var j = 0
    let a = entries
    let b = other.entries
    while i < a.count || j < b.count {
      if j == b.count || (i < a.count && a[i].path.utf8.lexicographicallyPrecedes(b[j].path.utf8)) {
        result.append(a[i].path)
        i += 1
      } else if i == a.count || b[j].path.utf8.lexicographicallyPrecedes(a[i].path.utf8) {
        result.append(b[j].path)
        j += 1
      } else {
        if a[i] != b[j] { result.append(a[i].path) }
        i += 1
        j += 1
      }
    }
    return result
  }
}
