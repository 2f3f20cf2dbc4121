/// Words quoted for a POSIX shell, for the commands messages tell people to
/// run ("to undo: maestro-admin undo ... --data-dir ...").
public enum ShellQuote {
  /// `word` as the shell reads it back: unchanged when it holds only
  /// characters no shell treats specially, else in single quotes (a `'`
  /// inside becomes `'\''`).
  public static func quote(_ word: String) -> String {
    let plain = !word.isEmpty && word.utf8.allSatisfy { c in
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        || "-_./:=+,@%".utf8.contains(c)
    }
    if plain { return word }
    return "'" + word.replacingAll("'", with: "'\\''") + "'"
  }
}

extension String {
  fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
    var out = ""
    for c in self { if c == target { out += replacement } else { out.append(c) } }
    return out
  }
}
