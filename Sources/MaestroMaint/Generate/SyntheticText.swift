/// Text for generated entities: titles, descriptions, prompts, event
/// payloads and session docs that read like a software team's tasks.
///
/// About one sentence in seven carries non-ASCII text (accents, CJK, an
/// emoji, typographic quotes), and some carry characters JSON must escape
/// (`"`, `\`, tab, newline, and now and then an ESC or BEL control
/// character from captured terminal output), so the codec's escaping is
/// exercised on every data dir.
enum SyntheticText {
  static let verbs = [
    "Add", "Fix", "Refactor", "Document", "Migrate", "Remove", "Speed up", "Test", "Rename", "Split",
    "Validate", "Cache", "Retry", "Log", "Harden", "Port", "Audit", "Simplify",
  ]
  static let objects = [
    "the session list endpoint", "task ordering", "the WebSocket reconnect logic", "project settings",
    "the CLI login flow", "skill loading", "agent spawning", "the timeline view", "file watcher events",
    "team member invites", "the search index", "dark mode colours", "the queue worker", "image uploads",
    "markdown rendering", "the docs sidebar", "config parsing", "rate limiting", "error toasts",
    "the build pipeline", "the release notes", "keyboard shortcuts", "the Größe column", "naïve date parsing",
  ]
  static let words: [String] = """
    the a an of to and in for on with when after before so that this it we our server client task \
    session project agent skill storage file write read load save event timeline status update queue \
    worker retry error timeout cache index order list graph node edge user team member prompt model \
    token stream socket handler route request response payload schema field value default migration \
    legacy config option flag path directory lock rename fsync crash restart debounce should must can \
    will does not still only also every each other first last slow fast large small empty missing \
    broken flaky stale duplicate invalid
    """.split(separator: " ").map(String.init)
  static let accented = [
    "café", "naïve", "façade", "déjà vu", "Größe", "coöperate", "résumé", "niño", "São Paulo", "Zürich",
    "→", "—", "…", "✓", "日本語", "emoji 🚀", "“quoted”", "Ελληνικά", "привет", "½ done",
  ]
  static let escaped = [
    "\"quoted\"", "C:\\Users\\dev\\repo", "tab\tseparated", "line one\nline two", "path/with/slashes",
    "ansi \u{1B}[31mred\u{1B}[0m", "bell\u{07}", "back\\slash",
  ]
  static let projectNames = [
    "Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper",
    "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchid", "Quartz",
  ]
  static let skills = ["code-review", "testing", "docs-writer", "frontend", "backend", "devops", "security"]
  static let agents = ["claude", "codex", "gemini", "aider"]
  static let hosts = ["vm", "dev-laptop", "build-01", "build-02", "mbp-anna", "ci-runner-7"]
  static let platforms: [(String, Int)] = [("linux", 70), ("darwin", 28), ("win32", 2)]
  static let tools = ["Read", "Edit", "Bash", "Grep", "Write", "WebFetch"]

  /// A sentence of `words` words (drawn from the range), capitalised.
  static func sentence(_ r: inout GeneratorRandom, _ range: ClosedRange<Int> = 6...16) -> String {
    var parts: [String] = []
    let n = r.int(in: range)
    parts.reserveCapacity(n + 2)
    for _ in 0..<n { parts.append(r.pick(words)) }
    if r.chance(0.15) { parts.insert(r.pick(accented), at: r.int(parts.count)) }
    if r.chance(0.06) { parts.insert(r.pick(escaped), at: r.int(parts.count)) }
    if r.chance(0.1) { parts.insert("src/\(r.pick(words))/\(r.pick(words)).ts", at: r.int(parts.count)) }
    var s = parts.joined(separator: " ")
    if let first = s.unicodeScalars.first, first.value < 128 {
      s = s.prefix(1).uppercased() + s.dropFirst()
    }
    return s + "."
  }

  /// A few sentences.
  static func paragraph(_ r: inout GeneratorRandom, _ range: ClosedRange<Int> = 2...5) -> String {
    (0..<r.int(in: range)).map { _ in sentence(&r) }.joined(separator: " ")
  }

  /// A task title: "Fix the queue worker", sometimes with a detail.
  static func title(_ r: inout GeneratorRandom) -> String {
    var t = "\(r.pick(verbs)) \(r.pick(objects))"
    if r.chance(0.2) { t += " (\(r.pick(accented)))" }
    if r.chance(0.05) { t += " for \"\(r.pick(words))\" mode" }
    return t
  }

  /// Markdown-ish task description, about 150–2,000 bytes, with newlines.
  static func description(_ r: inout GeneratorRandom) -> String {
    var parts = [paragraph(&r)]
    if r.chance(0.6) {
      parts.append(
        "Acceptance criteria:\n"
          + (0..<r.int(in: 2...5)).map { _ in "- " + sentence(&r, 4...9) }.joined(separator: "\n"))
    }
    if r.chance(0.5) { parts.append(paragraph(&r, 1...3)) }
    if r.chance(0.1) {
      parts.append(
        "```\n" + (0..<3).map { _ in "\t\(r.pick(words))(\(r.pick(words)));" }.joined(separator: "\n") + "\n```")
    }
    return parts.joined(separator: "\n\n")
  }

  /// A session doc's Markdown body.
  static func document(_ r: inout GeneratorRandom, title: String) -> String {
    var out = "# \(title)\n\n\(paragraph(&r))\n"
    for _ in 0..<r.int(in: 1...3) {
      out += "\n## \(r.pick(verbs)) \(r.pick(objects))\n\n\(paragraph(&r, 1...4))\n"
    }
    return out
  }
}
