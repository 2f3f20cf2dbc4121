import Glibc
import MaestroStorage

/// `syncfs(2)`: Swift's Glibc module leaves it out (it is a GNU extension,
/// declared only under `_GNU_SOURCE`), so it is bound by symbol name.
@_silgen_name("syncfs")
private func c_syncfs(_ fd: Int32) -> Int32

/// A new directory tree built beside its destination and moved into place
/// with one `rename`, so that the destination is never seen half-written:
/// it holds the old tree (or nothing) until the new one is complete.
///
/// Files inside are written with a plain `open`/`write`/`close` and no
/// per-file fsync: the tree only becomes visible under its real name after
/// `commit`, which first flushes the whole file system once (`syncfs`),
/// then renames and fsyncs the parent directory. A crash before the rename
/// leaves only `<out>.generate-<hex>.partial` (safe to delete).
struct StagedDirectory {
  /// The destination, absolute.
  let target: String
  /// Where the tree is built: `<target>.generate-<hex>.partial`.
  let staging: String
  /// The staged companion file (`<target>.faults.json`), if any.
  let companionTarget: String
  let companionStaging: String
  private let parent: String
  private let token: String

  /// Checks the destination and creates the staging directory.
  ///
  /// - Parameters:
  ///   - target: The directory to create or replace.
  ///   - force: Whether a non-empty `target` may be replaced.
  ///   - companionSuffix: The suffix of the file kept beside the tree
  ///     (`.faults.json`), staged and committed with it.
  /// - Throws: `MaestroError(.usage)` if `target` is a non-directory, a
  ///   non-empty directory without `force`, a non-empty directory generate
  ///   did not write (even with `force`), or lies in a data dir generate did
  ///   not write; `.io` errors naming the path.
  init(target rawTarget: String, force: Bool, companionSuffix: String) throws {
    let target = Self.absolute(rawTarget)
    self.target = target
    parent = Self.parentDirectory(of: target)
    guard FileSystem.isDirectory(parent) else {
      throw MaestroError(.notFound, "the parent directory of --out does not exist", path: parent)
    }
    try OutputLocation.refuseServerFolder(target, option: "--out")
    for found in OutputLocation.enclosingDataDirs(of: target) where !Self.isGenerated(found.path, companionSuffix) {
      throw MaestroError(
        .usage,
        (found.path == target ? "--out is" : "--out lies inside") + " the data dir \(found.path), which generate "
          + "did not write (no \(found.path)\(companionSuffix) beside it); refusing even with --force",
        path: target)
    }
    if let status = try? FileSystem.stat(target, followSymlinks: false) {
      guard status.kind == .directory else {
        throw MaestroError(.usage, "--out exists and is not a directory; refusing to replace it", path: target)
      }
      if !(try FileSystem.listDirectory(target)).isEmpty {
        guard force else {
          throw MaestroError(
            .usage, "--out is not empty; pass --force to replace it (the old tree is removed only after the new one is in place)",
            path: target)
        }
        guard Self.isGenerated(target, companionSuffix) else {
          throw MaestroError(
            .usage,
            "--out holds files generate did not write (no \(target)\(companionSuffix) beside it); "
              + "--force replaces only generate's own output", path: target)
        }
      }
    }
    try OutputLocation.checkWritable(parent, option: "--out")
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let mixed = GeneratorRandom.mix(UInt64(UInt32(bitPattern: getpid())) << 32 ^ UInt64(now.tv_nsec) ^ UInt64(now.tv_sec))
    token = String(String(mixed, radix: 16).prefix(8))
    staging = "\(target).generate-\(token).partial"
    companionTarget = target + companionSuffix
    companionStaging = "\(staging)\(companionSuffix)"
    guard mkdir(staging, 0o755) == 0 else {
      throw MaestroError.system("cannot create the staging directory", path: staging)
    }
  }

  /// Creates a directory inside the staging tree (its parent must exist).
  func makeDirectory(_ relative: String) throws {
    let path = staging + "/" + relative
    guard mkdir(path, 0o755) == 0 else {
      throw MaestroError.system("cannot create directory", path: path)
    }
  }

  /// Creates a directory and its missing parents inside the staging tree.
  func makeDirectories(_ relative: String) throws {
    var prefix = ""
    for component in relative.split(separator: "/") {
      prefix += prefix.isEmpty ? String(component) : "/" + component
      let path = staging + "/" + prefix
      if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw MaestroError.system("cannot create directory", path: path)
      }
    }
  }

  /// Writes a new file inside the staging tree (no fsync; see the type's
  /// documentation).
  func writeFile(_ relative: String, _ bytes: [UInt8]) throws {
    try Self.write(bytes, to: staging + "/" + relative)
  }

  /// Writes the companion file's staged copy.
  func writeCompanion(_ bytes: [UInt8]) throws {
    try Self.write(bytes, to: companionStaging)
  }

  /// Flushes everything written to the file system holding the staging
  /// tree (`syncfs`), so the rename cannot reach the disk before the data.
  func sync() throws {
    let fd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw MaestroError.system("cannot open to syncfs", path: staging) }
    defer { _ = close(fd) }
    guard c_syncfs(fd) == 0 else { throw MaestroError.system("syncfs failed", path: staging) }
  }

  /// Moves the staged tree (and companion file) into place: an existing
  /// target is renamed aside first and removed only after the new tree is
  /// in place and the parent directory fsynced.
  func commit() throws {
    var aside: String?
    if FileSystem.isDirectory(target, followSymlinks: false), !(try FileSystem.listDirectory(target)).isEmpty {
      let old = "\(target).generate-\(token).old"
      try FileSystem.rename(target, to: old)
      aside = old
    }
    do {
      try FileSystem.rename(staging, to: target)
    } catch {
      if let aside { try? FileSystem.rename(aside, to: target) }
      throw error
    }
    if FileSystem.fileExists(companionStaging, followSymlinks: false) {
      try FileSystem.rename(companionStaging, to: companionTarget)
    }
    try FileSystem.fsyncDirectory(parent)
    if let aside { Self.removeTree(aside) }
  }

  /// Removes the staging tree and companion after a failure.
  func abandon() {
    Self.removeTree(staging)
    _ = unlink(companionStaging)
  }

  // MARK: Helpers

  /// Whether `folder` is generate's own output: the ground-truth file it
  /// always writes beside its tree (`<folder>.faults.json`) is there and
  /// names the generator.
  static func isGenerated(_ folder: String, _ companionSuffix: String) -> Bool {
    guard let bytes = try? FileSystem.readFile(folder + companionSuffix),
      let document = (try? JSONParser.parse(bytes))?.objectValue
    else { return false }
    return document["generator"]?.objectValue != nil
  }

  private static func write(_ bytes: [UInt8], to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw MaestroError.system("cannot create", path: path) }
    var failure: Int32 = 0
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        if n == 0 {
          failure = EIO
          return
        }
        offset += n
      }
    }
    if failure != 0 {
      _ = close(fd)
      throw MaestroError.system("cannot write", path: path, errno: failure)
    }
    guard close(fd) == 0 else { throw MaestroError.system("cannot close", path: path) }
  }

  /// `rm -rf`, best effort (used on our own staging and replaced trees).
  static func removeTree(_ path: String) {
    guard let status = try? FileSystem.stat(path, followSymlinks: false) else { return }
    if status.kind == .directory {
      for entry in (try? FileSystem.listDirectory(path)) ?? [] {
        removeTree(path + "/" + entry.name)
      }
      _ = rmdir(path)
    } else {
      _ = unlink(path)
    }
  }

  /// `path` made absolute against the working directory, without `.`
  /// components or trailing slashes (symlinks are not resolved).
  static func absolute(_ path: String) -> String { FileSystem.absolutePath(path) }

  static func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
