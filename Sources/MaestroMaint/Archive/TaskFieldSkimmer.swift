import MaestroStorage

/// Reads a few top-level members of a task file without building the whole
/// document: every other value (descriptions, timelines) is skipped by
/// bracket and quote counting. `archive create` skims every live task this
/// way and fully parses only the tasks that meet its criteria.
///
/// Skipping does not validate what it skips: a damaged file may yield
/// references a full parse would not, which can only hold more tasks back.
/// A key written with escapes (which `JSON.parse` would decode) makes the
/// skimmer give up, and the caller parses the file fully.
enum TaskFieldSkimmer {
  /// The members `archive create` needs.
  static let wanted: Set<String> = [
    "id", "projectId", "parentId", "title", "status", "completedAt", "updatedAt", "dependencies", "blockedBy",
    "referenceTaskIds",
  ]

  /// The wanted members as an object (in file order), or nil when the file
  /// is not a plain object this skimmer can walk.
  static func skim(_ bytes: [UInt8]) -> JSONObject? {
    bytes.withUnsafeBufferPointer { skim($0) }
  }

  private static func skim(_ b: UnsafeBufferPointer<UInt8>) -> JSONObject? {
    var i = 0
    func space() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
    space()
    guard i < b.count, b[i] == 0x7B else { return nil }
    i += 1
    var out = JSONObject()
    space()
    if i < b.count, b[i] == 0x7D { return out }
    while true {
      space()
      guard i < b.count, b[i] == 0x22 else { return nil }
      let keyStart = i + 1
      guard let keyEnd = stringEnd(b, from: i) else { return nil }
      if b[keyStart..<keyEnd].contains(0x5C) { return nil }
      i = keyEnd + 1
      space()
      guard i < b.count, b[i] == 0x3A else { return nil }
      i += 1
      space()
      let valueStart = i
      guard let valueEnd = valueEnd(b, from: i) else { return nil }
      i = valueEnd
      let key = String(decoding: UnsafeBufferPointer(rebasing: b[keyStart..<keyEnd]), as: UTF8.self)
      if wanted.contains(key) {
        guard let value = try? JSONParser.parse(Array(b[valueStart..<valueEnd])) else { return nil }
        out[key] = value
      }
      space()
      guard i < b.count else { return nil }
      if b[i] == 0x2C {
        i += 1
        continue
      }
      return b[i] == 0x7D ? out : nil
    }
  }

  /// The index of the quote closing the string that opens at `start`.
  private static func stringEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
    var i = start + 1
    while i < b.count {
      switch b[i] {
      case 0x5C: i += 2
      case 0x22: return i
      default: i += 1
      }
    }
    return nil
  }

  /// The index just past the value that starts at `start`.
  private static func valueEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
    guard start < b.count else { return nil }
    switch b[start] {
    case 0x22:
      return stringEnd(b, from: start).map { $0 + 1 }
    case 0x7B, 0x5B:
      var depth = 0
      var i = start
      while i < b.count {
        switch b[i] {
        case 0x22:
          guard let end = stringEnd(b, from: i) else { return nil }
          i = end
        case 0x7B, 0x5B: depth += 1
        case 0x7D, 0x5D:
          depth -= 1
          if depth == 0 { return i + 1 }
        default: break
        }
        i += 1
      }
      return nil
    default:
      var i = start
      while i < b.count, b[i] != 0x2C, b[i] != 0x7D, b[i] != 0x5D, b[i] != 0x20, b[i] != 0x0A, b[i] != 0x0D,
        b[i] != 0x09
      {
        i += 1
      }
      return i > start ? i : nil
    }
  }
}
