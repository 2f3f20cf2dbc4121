import MaestroStorage

/// `maestro-bench codec DIR`: single-threaded parse and emit throughput of
/// `JSONParser` and `JSONWriter` over every `.json` file under DIR, to set
/// beside Node's `JSON.parse` / `JSON.stringify` (scripts/node-codec-bench.js).
///
/// Files are read into memory first; only parsing and printing are timed.
/// Each file is printed in the style it was written in, and the output is
/// compared with the input byte for byte.
struct CodecBench {
  var options: BenchOptions

  struct Result {
    var files: Int
    var bytes: Int
    var emittedBytes: Int
    var parseSeconds: Double
    var emitSeconds: Double
    var mismatches: Int
    var parseFailures: Int
  }

  func run() throws -> Result {
    let paths = try BenchSupport.jsonFiles(under: options.directory)
    let inputs = try paths.map { try FileSystem.readFile($0) }
    let styles = inputs.map { JSONStyle.detect($0) }
    let totalBytes = inputs.reduce(0) { $0 + $1.count }

    var parseFailures = 0
    var values: [JSONValue] = []
    var bestParse = Double.infinity
    for _ in 0..<options.repeatCount {
      // Free the previous run's values outside the timed region.
      values = []
      var parsed: [JSONValue] = []
      parsed.reserveCapacity(inputs.count)
      var failures = 0
      let seconds = BenchSupport.time {
        for bytes in inputs {
          do {
            parsed.append(try JSONParser.parse(bytes))
          } catch {
            failures += 1
            parsed.append(.null)
          }
        }
      }
      bestParse = min(bestParse, seconds)
      parseFailures = failures
      values = parsed
    }

    var outputs: [[UInt8]] = []
    var bestEmit = Double.infinity
    for _ in 0..<options.repeatCount {
      outputs = []
      var emitted: [[UInt8]] = []
      emitted.reserveCapacity(values.count)
      let seconds = BenchSupport.time {
        for k in values.indices {
          emitted.append(JSONWriter.serialize(values[k], style: styles[k]))
        }
      }
      bestEmit = min(bestEmit, seconds)
      outputs = emitted
    }

    var mismatches = 0
    var emittedBytes = 0
    for k in inputs.indices {
      emittedBytes += outputs[k].count
      if outputs[k] != inputs[k] {
        mismatches += 1
        if mismatches <= 5 { print("mismatch: \(paths[k])") }
      }
    }
    return Result(
      files: inputs.count, bytes: totalBytes, emittedBytes: emittedBytes, parseSeconds: bestParse,
      emitSeconds: bestEmit, mismatches: mismatches, parseFailures: parseFailures)
  }

  func report(_ r: Result) {
    let parseMBps = Double(r.bytes) / 1e6 / r.parseSeconds
    let emitMBps = Double(r.emittedBytes) / 1e6 / r.emitSeconds
    print("codec: \(r.files) files, \(BenchSupport.fixed(Double(r.bytes) / 1e6, 2)) MB, best of \(options.repeatCount), single-threaded")
    print("  parse  \(BenchSupport.fixed(r.parseSeconds * 1000)) ms  \(BenchSupport.fixed(parseMBps)) MB/s")
    print("  emit   \(BenchSupport.fixed(r.emitSeconds * 1000)) ms  \(BenchSupport.fixed(emitMBps)) MB/s")
    print("  mismatches \(r.mismatches), parse failures \(r.parseFailures)")
    print(
      "{\"files\":\(r.files),\"bytes\":\(r.bytes),\"parseMBps\":\(BenchSupport.fixed(parseMBps)),"
        + "\"emitMBps\":\(BenchSupport.fixed(emitMBps)),\"mismatches\":\(r.mismatches),"
        + "\"parseFailures\":\(r.parseFailures)}")
  }
}
