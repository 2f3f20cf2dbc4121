import Glibc
import MaestroStorage

/// A deterministic fingerprint of a directory tree, for tests that check a
/// tree came through a backup, restore or dry run unchanged.
///
/// Entries are walked in bytewise name order; each contributes its relative
/// path, kind, content (files) or target (symlinks), and optionally its
/// permission bits. The hash is FNV-1a 64: fine for telling trees apart in
/// tests, not for security.
public enum TreeHash {
  /// One entry of a tree, in walk order.
  public struct Entry: Sendable, Hashable, CustomStringConvertible {
    /// Path relative to the root, `/`-separated.
    public var path: String
    /// What the entry is (symlinks are not followed).
    public var kind: FileKind
    /// Permission bits, when requested.
    public var mode: UInt32?
    /// FNV-1a 64 of the content (files) or link target (symlinks); 0 otherwise.
    public var contentHash: UInt64

    /// A line like `file 0644 tasks/p1/t1.json 1f2e…`, handy in failure output.
    public var description: String {
      let modeText = mode.map { " " + String($0, radix: 8) } ?? ""
      return "\(kind)\(modeText) \(path) \(String(contentHash, radix: 16))"
    }
  }

  /// Lists every entry under `root` (not `root` itself) in walk order.
  ///
  /// Compare two listings to see exactly which entries differ.
  ///
  /// - Parameters:
  ///   - root: The directory to walk.
  ///   - includeModes: Whether permission bits are part of each entry.
  /// - Returns: The entries, parents before children, siblings by name bytes.
  /// - Throws: `MaestroError` if anything cannot be listed or read.
  public static func entries(of root: String, includeModes: Bool = false) throws -> [Entry] {
    var result: [Entry] = []
    try walk(root: root, relative: "", includeModes: includeModes, into: &result)
    return result
  }

  /// The hash of the whole tree under `root`.
  ///
  /// - Parameters:
  ///   - root: The directory to walk.
  ///   - includeModes: Whether permission bits count.
  /// - Returns: A 64-bit hash equal for trees with equal entries.
  /// - Throws: `MaestroError` if anything cannot be listed or read.
  public static func hash(of root: String, includeModes: Bool = false) throws -> UInt64 {
    var hasher = FNV1a64()
    for entry in try entries(of: root, includeModes: includeModes) {
      hasher.combine(entry.path.utf8)
      // Separators no path byte can be, so ("a", "bc") and ("ab", "c") differ.
      hasher.combine(CollectionOfOne(0))
      hasher.combine(entry.kind.rawValue.utf8)
      hasher.combine(CollectionOfOne(0))
      if let mode = entry.mode { hasher.combineLittleEndian(UInt64(mode)) }
      hasher.combineLittleEndian(entry.contentHash)
    }
    return hasher.value
  }

  private static func walk(
    root: String, relative: String, includeModes: Bool, into result: inout [Entry]
  ) throws {
    let directory = relative.isEmpty ? root : root + "/" + relative
    for child in try FileSystem.listDirectory(directory) {
      let childRelative = relative.isEmpty ? child.name : relative + "/" + child.name
      let childPath = root + "/" + childRelative
      var contentHash: UInt64 = 0
      switch child.kind {
      case .file:
        var hasher = FNV1a64()
        hasher.combine(try FileSystem.readFile(childPath))
        contentHash = hasher.value
      case .symlink:
        var hasher = FNV1a64()
        hasher.combine(try readLink(childPath).utf8)
        contentHash = hasher.value
      case .directory, .other:
        break
      }
      let mode = includeModes ? try FileSystem.stat(childPath, followSymlinks: false).mode : nil
      result.append(
        Entry(path: childRelative, kind: child.kind, mode: mode, contentHash: contentHash))
      if child.kind == .directory {
        try walk(root: root, relative: childRelative, includeModes: includeModes, into: &result)
      }
    }
  }

  private static func readLink(_ path: String) throws -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink(path, &buffer, buffer.count - 1)
    guard n >= 0 else { throw MaestroError.system("cannot read link", path: path) }
    return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}

/// The 64-bit FNV-1a hash.
struct FNV1a64 {
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  mutating func combine<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    for byte in bytes {
      value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
  }

  mutating func combineLittleEndian(_ word: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      combine(CollectionOfOne(UInt8(truncatingIfNeeded: word >> UInt64(shift))))
    }
  }
}
