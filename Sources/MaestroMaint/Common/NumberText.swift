/// Numbers as people read them, the same in every command's text output.
public enum NumberText {
  /// Digits grouped by thousands with commas: 251000 → `251,000`.
  public static func grouped(_ n: Int) -> String {
    let s = String(n.magnitude)
    var out = ""
    for (k, c) in s.enumerated() {
      if k > 0 && (s.count - k) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return n < 0 ? "-" + out : out
  }
}
