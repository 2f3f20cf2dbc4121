// maestro-bench: codec and loader throughput, run in release by
// scripts/bench.sh. Not a test; nothing here is part of maestro-admin.
//
//   maestro-bench codec DIR [--repeat N]   single-threaded parse/emit MB/s
//   maestro-bench load DIR [--repeat N]    Storage.load() time, counts, peak RSS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let usage = """
  usage: maestro-bench codec DIR [--repeat N]
         maestro-bench load DIR [--repeat N]
  """

func fail(_ message: String, status: Int32) -> Never {
  let text = Array("maestro-bench: \(message)\n".utf8)
  _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
  exit(status)
}

let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first else { fail("missing command\n" + usage, status: 2) }
do {
  let options = try BenchOptions(arguments.dropFirst())
  switch command {
  case "codec":
    let bench = CodecBench(options: options)
    let result = try bench.run()
    bench.report(result)
    exit(result.mismatches == 0 && result.parseFailures == 0 ? 0 : 1)
  case "load":
    try await LoadBench(options: options).run()
  default:
    fail("unknown command \(command)\n" + usage, status: 2)
  }
} catch let error as UsageError {
  fail(error.message + "\n" + usage, status: 2)
} catch {
  fail("\(error)", status: 1)
}
