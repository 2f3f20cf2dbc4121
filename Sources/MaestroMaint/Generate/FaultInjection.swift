import MaestroStorage

/// How many faults of each class to plant: the parsed `--inject` value.
public struct FaultInjection: Sendable, Equatable {
  /// Faults per class; classes with 0 are absent.
  public private(set) var counts: [FaultClass: Int]
  /// The count `all=N` asked for, applied by `resolved(for:projects:)` to
  /// every class the data can hold.
  public private(set) var all: Int

  /// No faults.
  public init() {
    counts = [:]
    all = 0
  }

  /// Parses `class=N,class=N,...`; `all=N` plants N of every class that
  /// applies (explicit entries override it). Whitespace around items is
  /// ignored and an empty spec means no faults.
  ///
  /// - Throws: `MaestroError(.usage)` for an unknown class (the message
  ///   lists the valid ones), a missing `=` or a count that is not a
  ///   non-negative integer.
  public init(parsing spec: String) throws {
    self.init()
    for item in spec.split(separator: ",") {
      let text = item.trimmingWhitespace()
      if text.isEmpty { continue }
      guard let eq = text.firstIndex(of: "=") else {
        throw MaestroError(.usage, "--inject: '\(text)' is not class=N")
      }
      let name = String(text[..<eq])
      guard let n = Int(text[text.index(after: eq)...]), n >= 0 else {
        throw MaestroError(.usage, "--inject: the count in '\(text)' is not a non-negative integer")
      }
      if name == "all" {
        all = n
      } else if let c = FaultClass(rawValue: name) {
        counts[c] = n
      } else {
        throw MaestroError(
          .usage,
          "--inject: unknown fault class '\(name)'; valid classes: all, "
            + FaultClass.allCases.map(\.rawValue).joined(separator: ", "))
      }
    }
  }

  /// Sets the count of one class.
  public subscript(_ c: FaultClass) -> Int {
    get { counts[c] ?? 0 }
    set { counts[c] = newValue == 0 ? nil : newValue }
  }

  /// Whether nothing is to be planted.
  public var isEmpty: Bool { all == 0 && counts.values.allSatisfy { $0 == 0 } }

  /// The most faults of one class a data dir of `counts` takes: its clean
  /// task count (or project count, if larger). Every fault brings entities
  /// of its own, so an unbounded count would dwarf the data it is planted
  /// in (`all=99999` on xs once wrote 15 GB).
  public static func limit(for counts: GeneratorOptions.Counts) -> Int {
    max(counts.tasks, counts.projects)
  }

  /// Refuses a plan with more faults of a class than `limit(for:)`.
  /// - Throws: `MaestroError(.usage)` naming the class, the count and the limit.
  public static func checkBound(_ plan: [(FaultClass, Int)], counts: GeneratorOptions.Counts) throws {
    let limit = limit(for: counts)
    if let (c, n) = plan.first(where: { $0.1 > limit }) {
      throw MaestroError(
        .usage,
        "--inject: \(n) faults of \(c.rawValue) is more than this data's limit of \(limit) per class "
          + "(the clean task count, or project count if larger); ask for at most \(limit), or a bigger scale")
    }
  }

  /// The faults to plant in a data dir of `format` with `projects` projects,
  /// in class order: `all` expanded to the classes that apply, explicit
  /// counts as given.
  ///
  /// - Throws: `MaestroError(.usage)` when an explicitly requested class
  ///   cannot be planted (`session.doc.missing` outside `--format current`,
  ///   a cross-project class with fewer than two projects).
  public func resolved(for format: GenerateFormat, projects: Int) throws -> [(FaultClass, Int)] {
    var result: [(FaultClass, Int)] = []
    for c in FaultClass.allCases {
      let explicit = counts[c]
      let applies = (!c.requiresCurrentFormat || format == .current) && (!c.requiresTwoProjects || projects >= 2)
      if let explicit, explicit > 0, !applies {
        let why = c.requiresCurrentFormat && format != .current ? "needs --format current" : "needs at least two projects"
        throw MaestroError(.usage, "--inject: \(c.rawValue) \(why)")
      }
      let n = explicit ?? (applies ? all : 0)
      if n > 0 { result.append((c, n)) }
    }
    return result
  }
}

extension Substring {
  func trimmingWhitespace() -> String {
    var s = self
    while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" { s.removeLast() }
    return String(s)
  }
}
