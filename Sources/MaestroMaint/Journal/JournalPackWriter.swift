import MaestroStorage

/// Streams the bytes a journal needs (old content for undo, new content for
/// finishing) into its pack file, keeping only where each blob lies.
///
/// `Journal.create` makes the pack durable before the plan exists. A big
/// run (a migration) adds blobs batch by batch, so memory holds one batch
/// at most.
final class JournalPackWriter {
  /// Where each action's blobs lie, by seq.
  private(set) var ranges: [Int: (before: Range<Int>?, after: Range<Int>?)] = [:]
  private let file: StreamedFile

  /// Opens a new temp pack in `folder` (created if needed).
  init(folder: String) throws {
    file = try StreamedFile(folder: folder, name: "journal.pack")
  }

  /// Appends the old and new content of action `seq`.
  func add(seq: Int, before: [UInt8]?, after: [UInt8]?) throws {
    let b = try before.map { try file.append($0) }
    let a = try after.map { try file.append($0) }
    if b != nil || a != nil { ranges[seq] = (b, a) }
  }

  /// Makes the pack durable at `path`.
  func finish(to path: String) throws {
    try file.finish(to: path)
    CrashPoint.reached("journal:pack-written")
  }
}
