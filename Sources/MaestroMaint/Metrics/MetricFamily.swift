/// One metric family of the Prometheus text exposition format (version
/// 0.0.4, what node_exporter's textfile collector reads): a name, its
/// `# HELP` and `# TYPE` lines, then one sample line per label set.
///
/// Rendering follows the format's rules: `# HELP` text escapes backslash
/// and newline; label values escape backslash, double quote and newline;
/// every line ends with a newline; no timestamps (the textfile collector
/// refuses them).
public struct MetricFamily: Sendable, Equatable {
  /// The metric type named on the `# TYPE` line.
  public enum Kind: String, Sendable {
    /// A value that can go up and down.
    case gauge
  }

  /// One sample: a label set and a value.
  public struct Sample: Sendable, Equatable {
    /// Label names and values, in the order they are written.
    public var labels: [(name: String, value: String)]
    /// The value.
    public var value: Double

    /// Creates a sample.
    public init(labels: [(name: String, value: String)], value: Double) {
      self.labels = labels
      self.value = value
    }

    public static func == (a: Sample, b: Sample) -> Bool {
      a.value == b.value && a.labels.map(\.name) == b.labels.map(\.name)
        && a.labels.map(\.value) == b.labels.map(\.value)
    }
  }

  /// The metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
  public var name: String
  /// The `# HELP` text (unescaped).
  public var help: String
  /// The `# TYPE`.
  public var kind: Kind
  /// The samples, written in this order.
  public var samples: [Sample]

  /// Creates a family.
  public init(name: String, help: String, kind: Kind = .gauge, samples: [Sample]) {
    self.name = name
    self.help = help
    self.kind = kind
    self.samples = samples
  }

  /// The family's lines, each ending with a newline.
  public var text: String {
    var out = "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    for sample in samples {
      out += Self.sampleLine(name: name, labels: sample.labels, value: sample.value) + "\n"
    }
    return out
  }

  /// `name{a="x",b="y"} value` (no braces without labels).
  public static func sampleLine(name: String, labels: [(name: String, value: String)], value: Double) -> String {
    seriesKey(name: name, labels: labels) + " " + formatValue(value)
  }

  /// `name{a="x",b="y"}`: what identifies a series in a file.
  public static func seriesKey(name: String, labels: [(name: String, value: String)]) -> String {
    guard !labels.isEmpty else { return name }
    return name + "{" + labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",") + "}"
  }

  /// A label value escaped: `\` → `\\`, `"` → `\"`, newline → `\n`.
  public static func escapeLabelValue(_ value: String) -> String { escape(value, quotes: true) }

  /// `# HELP` text escaped: `\` → `\\`, newline → `\n`.
  public static func escapeHelp(_ text: String) -> String { escape(text, quotes: false) }

  private static func escape(_ text: String, quotes: Bool) -> String {
    var out = ""
    for c in text.unicodeScalars {
      switch c {
      case "\\": out += "\\\\"
      case "\"" where quotes: out += "\\\""
      case "\n": out += "\\n"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }

  /// A value as the format writes it: integers without a fraction,
  /// `NaN`, `+Inf`, `-Inf`, else the shortest decimal that reads back.
  public static func formatValue(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
    return String(value)
  }
}
