import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Small helpers shared by the benchmarks: a monotonic clock, peak RSS,
/// recursive `.json` discovery and number formatting.
enum BenchSupport {
  /// Seconds on the monotonic clock (`CLOCK_MONOTONIC`).
  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// Times `body` and returns its duration in seconds.
  static func time(_ body: () -> Void) -> Double {
    let start = now()
    body()
    return now() - start
  }

  /// Peak resident set size in KiB (`VmHWM` in /proc/self/status), or nil
  /// where /proc is not available.
  static func peakRSSKiB() -> Int? {
    guard let bytes = try? FileSystem.readFile("/proc/self/status") else { return nil }
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      let digits = line.dropFirst("VmHWM:".count).filter { $0.isNumber }
      return Int(digits)
    }
    return nil
  }

  /// Every regular file ending in `.json` under `root`, depth first, in the
  /// listing's byte order. Symlinks are not followed.
  static func jsonFiles(under root: String) throws -> [String] {
    var result: [String] = []
    var stack = [root]
    while let dir = stack.popLast() {
      for entry in try FileSystem.listDirectory(dir) {
        let path = dir + "/" + entry.name
        switch entry.kind {
        case .directory: stack.append(path)
        case .file where entry.name.hasSuffix(".json"): result.append(path)
        default: continue
        }
      }
    }
    return result
  }

  /// `value` with `digits` decimals, without Foundation.
  static func fixed(_ value: Double, _ digits: Int = 1) -> String {
    guard value.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (value * scale).rounded()
    let whole = Int(scaled / scale)
    guard digits > 0 else { return String(whole) }
    var frac = String(Int(abs(scaled).truncatingRemainder(dividingBy: scale)))
    while frac.count < digits { frac = "0" + frac }
    return (scaled < 0 && whole == 0 ? "-" : "") + String(whole) + "." + frac
  }
}

/// A usage error: printed with the usage text, exit status 2.
struct UsageError: Error {
  var message: String
}

/// The options every subcommand takes: a directory and `--repeat N`.
struct BenchOptions {
  var directory: String
  var repeatCount = 5

  init(_ arguments: ArraySlice<String>) throws(UsageError) {
    var directory: String?
    var rest = arguments
    while let arg = rest.popFirst() {
      switch arg {
      case "--repeat":
        guard let text = rest.popFirst(), let n = Int(text), n > 0 else {
          throw UsageError(message: "--repeat needs a positive integer")
        }
        repeatCount = n
      case _ where arg.hasPrefix("-"):
        throw UsageError(message: "unknown option \(arg)")
      default:
        guard directory == nil else { throw UsageError(message: "only one directory may be given") }
        directory = arg
      }
    }
    guard let directory else { throw UsageError(message: "missing DIR") }
    self.directory = directory
  }
}
