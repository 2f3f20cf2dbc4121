#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Bounded parallelism for file-at-a-time work: one worker per core, each
/// striding over the items, results returned in input order.
///
/// One child task per file measured slower here than a worker per core that
/// strides; striding also keeps neighbouring (similar-sized) files spread over
/// the workers.
public enum ParallelMap {
  /// The number of workers to use by default: the cores this process may use.
  public static var defaultWorkers: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  }

  /// Applies `transform` to every item on `workers` workers and returns the
  /// results in the order of `items`.
  public static func map<Items: RandomAccessCollection & Sendable, Output: Sendable>(
    _ items: Items,
    workers: Int = defaultWorkers,
    _ transform: @escaping @Sendable (Items.Element) -> Output
  ) async -> [Output] where Items.Index == Int, Items.Element: Sendable {
    let workerCount = max(1, min(workers, items.count))
    if workerCount == 1 { return items.map(transform) }
    return await withTaskGroup(of: (Int, [Output]).self) { group in
      for w in 0..<workerCount {
        group.addTask {
          var out: [Output] = []
          out.reserveCapacity(items.count / workerCount + 1)
          var k = w
          while k < items.count {
            out.append(transform(items[k]))
            k += workerCount
          }
          return (w, out)
        }
      }
      var perWorker = [[Output]](repeating: [], count: workerCount)
      for await (w, out) in group { perWorker[w] = out }
      var result: [Output] = []
      result.reserveCapacity(items.count)
      for k in 0..<items.count { result.append(perWorker[k % workerCount][k / workerCount]) }
      return result
    }
  }

  /// Folds `items` into one accumulator per worker and returns the
  /// accumulators, so that streaming jobs keep only what they summarise.
  public static func reduce<Items: RandomAccessCollection & Sendable, Accumulator: Sendable>(
    _ items: Items,
    workers: Int = defaultWorkers,
    initial: @escaping @Sendable () -> Accumulator,
    _ step: @escaping @Sendable (inout Accumulator, Items.Element) -> Void
  ) async -> [Accumulator] where Items.Index == Int, Items.Element: Sendable {
    let workerCount = max(1, min(workers, items.count))
    return await withTaskGroup(of: (Int, Accumulator).self) { group in
      for w in 0..<workerCount {
        group.addTask {
          var acc = initial()
          var k = w
          while k < items.count {
            step(&acc, items[items.startIndex + k])
            k += workerCount
          }
          return (w, acc)
        }
      }
      var results: [(Int, Accumulator)] = []
      for await r in group { results.append(r) }
      return results.sorted { $0.0 < $1.0 }.map(\.1)
    }
  }
}
