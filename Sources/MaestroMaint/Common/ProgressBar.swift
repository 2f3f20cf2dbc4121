import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

private let progressSuppressed = Atomic<Bool>(false)

/// A progress bar on stderr for long work, drawn only when stderr is a
/// terminal (silent when piped or under `--json`). Safe to advance from any
/// number of workers; redraws at most once per percent.
public final class ProgressBar: Sendable {
  private let label: String
  private let total: Int
  private let enabled: Bool
  private let done = Atomic<Int>(0)
  private let drawnPercent = Atomic<Int>(-1)

  /// A bar for `total` units of work; `enabled: false` makes it silent.
  public init(_ label: String, total: Int, enabled: Bool = ProgressBar.stderrIsTerminal) {
    self.label = label
    self.total = max(total, 1)
    self.enabled = enabled && total > 0 && !progressSuppressed.load(ordering: .relaxed)
  }

  /// Silences every bar made from now on, whatever the caller asks
  /// (`--no-progress`, `--quiet`).
  public static func suppressAll() { progressSuppressed.store(true, ordering: .relaxed) }

  /// Whether stderr is a terminal.
  public static var stderrIsTerminal: Bool { isatty(2) == 1 }

  /// Records `count` more units done.
  public func advance(by count: Int = 1) {
    guard enabled else { return }
    let now = done.wrappingAdd(count, ordering: .relaxed).newValue
    let percent = min(100, now * 100 / total)
    let previous = drawnPercent.load(ordering: .relaxed)
    guard percent > previous,
      drawnPercent.compareExchange(expected: previous, desired: percent, ordering: .relaxed).exchanged
    else { return }
    let width = 30
    let filled = width * percent / 100
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    let line = "\r\(label) [\(bar)] \(percent)% \(NumberText.grouped(min(now, total)))/\(NumberText.grouped(total))"
    StandardError.write(line)
  }

  /// Clears the bar's line.
  public func finish() {
    guard enabled, drawnPercent.load(ordering: .relaxed) >= 0 else { return }
    StandardError.write("\r\u{1B}[K")
  }
}
