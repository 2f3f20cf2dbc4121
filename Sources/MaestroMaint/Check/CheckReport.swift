import MaestroStorage

/// The result of `maestro-admin check`: the findings in their fixed order,
/// what was read, and the exit status they give. Renders itself as text
/// (grouped by code) or as JSON lines.
public struct CheckReport: Sendable {
  /// The data dir checked.
  public var root: String
  /// The findings the filter kept, sorted by code, file, id; transient
  /// findings after all others.
  public var findings: [Finding]
  /// Files read: entity files and list files.
  public var filesRead: Int
  /// Their total size.
  public var bytesRead: Int
  /// Wall time of the run, in milliseconds.
  public var durationMs: Double
  /// Whether files changed while check read them (a running server): a
  /// file behind a finding, or an entity folder's entries. Check compares
  /// only what it has to, so a quiet-looking run can still have raced an
  /// in-place write it did not need to look at again.
  public var changing = false

  /// A report; `findings` are sorted here.
  public init(root: String, findings: [Finding], filesRead: Int, bytesRead: Int, durationMs: Double) {
    self.root = root
    self.findings = Self.ordered(findings)
    self.filesRead = filesRead
    self.bytesRead = bytesRead
    self.durationMs = durationMs
  }

  /// Sorted by code, file, id, with every transient finding after the
  /// others, so each text group holds one severity.
  static func ordered(_ findings: [Finding]) -> [Finding] {
    findings.sorted { a, b in
      (a.transience == nil) != (b.transience == nil) ? a.transience == nil : a < b
    }
  }

  /// How many findings of `severity`.
  public func count(_ severity: Finding.Severity) -> Int {
    findings.reduce(0) { $0 + ($1.severity == severity ? 1 : 0) }
  }

  /// The number of findings per code, in code order (transient findings
  /// in groups of their own, after the others).
  public var countsByCode: [(code: FindingCode, count: Int)] {
    groups.map { ($0.code, $0.count) }
  }

  /// Runs of findings with one code and one severity, in report order.
  private var groups: [(code: FindingCode, severity: Finding.Severity, count: Int)] {
    var result: [(code: FindingCode, severity: Finding.Severity, count: Int)] = []
    for f in findings {
      if let last = result.last, last.code == f.code, last.severity == f.severity {
        result[result.count - 1].count += 1
      } else {
        result.append((f.code, f.severity, 1))
      }
    }
    return result
  }

  /// 4 (`problemsLeft`) when an error or warning finding remains, else 0.
  public var exitStatus: ExitStatus {
    findings.contains { $0.severity.affectsExitCode } ? .problemsLeft : .ok
  }

  /// What each exit code of `check` means, for the summary.
  public static let exitMeanings: [(code: ExitStatus, meaning: String)] = [
    (.ok, "no error or warning finding (info findings may remain)"),
    (.problemsLeft, "error or warning findings remain"),
    (.operationalError, "the data dir could not be read"),
    (.usage, "usage error (e.g. an unknown code in --only)"),
    (.cancelled, "cancelled (SIGINT)"),
  ]

  // MARK: JSON lines

  /// The summary object `--json` prints after the findings.
  public var summaryObject: JSONObject {
    let status = exitStatus
    var perCode = JSONObject()
    var transientPerCode = JSONObject()
    for group in groups {
      if group.severity == .transient {
        transientPerCode[group.code.rawValue] = .number(Double(group.count))
      } else {
        perCode[group.code.rawValue] = .number(Double(group.count))
      }
    }
    var bits = JSONObject()
    for (code, meaning) in Self.exitMeanings { bits[String(code.rawValue)] = .string(meaning) }
    return [
      "type": "summary", "dataDir": .string(root),
      "counts": [
        "error": .number(Double(count(.error))), "warning": .number(Double(count(.warning))),
        "info": .number(Double(count(.info))),
      ],
      "codes": .object(perCode), "transient": .number(Double(count(.transient))),
      "transientCodes": .object(transientPerCode), "changing": .bool(changing),
      "findings": .number(Double(findings.count)),
      "files": .number(Double(filesRead)), "bytes": .number(Double(bytesRead)),
      "durationMs": .number((durationMs * 10).rounded() / 10),
      "exitCode": .number(Double(status.rawValue)),
      "exitMeaning": .string(Self.exitMeanings.first { $0.code == status }?.meaning ?? ""),
      "exitCodes": .object(bits),
    ]
  }

  /// Every line `--json` prints: one per finding, then the summary.
  public var jsonLines: [String] {
    findings.map { JSONWriter.string(.object($0.jsonObject), style: .compact) }
      + [JSONWriter.string(.object(summaryObject), style: .compact)]
  }

  // MARK: Text

  /// The text report: per code, a header with severity, count and repair
  /// action, then the first `maxExamples` findings (0: headers only); then
  /// the verdict.
  public func textLines(maxExamples: Int) -> [String] {
    var lines: [String] = []
    var start = 0
    for (code, severity, count) in groups {
      let what = severity == .transient ? "not damage, nothing to repair" : "repair: \(code.action)"
      lines.append(
        "\(code.rawValue)  \(severity.rawValue)  \(Self.grouped(count)) finding\(count == 1 ? "" : "s")  (\(what))"
      )
      for f in findings[start..<(start + min(count, max(0, maxExamples)))] {
        let place = [f.file, Self.idUnlessNamedByFile(f).map { Finding.quoted($0) }].compactMap { $0 }
          .joined(separator: " ")
        let why = f.transience.map { " [transient: \($0.explanation)]" } ?? ""
        lines.append("  \(place.isEmpty ? "" : place + ": ")\(f.message)\(why)")
      }
      if maxExamples > 0 && count > maxExamples {
        lines.append("  … and \(Self.grouped(count - maxExamples)) more")
      }
      start += count
    }
    if !lines.isEmpty { lines.append("") }
    lines.append(verdict)
    return lines
  }

  /// The finding's id when the file name does not already say it.
  private static func idUnlessNamedByFile(_ f: Finding) -> String? {
    guard let id = f.id else { return nil }
    guard let file = f.file, let name = file.split(separator: "/").last else { return id }
    return name == id + ".json" ? nil : id
  }

  /// One line: `2 errors, 3 warnings, 10 info in 25,100 files — exit 4`.
  public var verdict: String {
    let e = count(.error)
    let w = count(.warning)
    let i = count(.info)
    let t = count(.transient)
    let transient = t > 0 ? ", \(Self.grouped(t)) transient" : ""
    let live = changing ? " (the data dir changed while it was read)" : ""
    return
      "\(Self.grouped(e)) error\(e == 1 ? "" : "s"), \(Self.grouped(w)) warning\(w == 1 ? "" : "s"), \(Self.grouped(i)) info\(transient) in \(Self.grouped(filesRead)) files\(live) — exit \(exitStatus.rawValue)"
  }

  /// 25100 → "25,100" (`NumberText.grouped`).
  static func grouped(_ n: Int) -> String { NumberText.grouped(n) }
}
