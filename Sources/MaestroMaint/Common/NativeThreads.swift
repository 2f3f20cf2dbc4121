import Glibc

/// Plain POSIX threads for the backup pipelines and the journal's batched
/// removals.
///
/// The readers and writers of `create` and `restore` block in system calls
/// and wait for each other; on Swift's cooperative pool (one thread per
/// core, two here) a worker blocked on a full queue could starve the very
/// consumer it waits for. Dedicated threads cannot deadlock that way.
enum NativeThreads {
  private final class Box {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }

  /// Runs `body(k)` for `k` in `0..<count` on `count` new threads, plus
  /// `main` on the calling thread, and returns when all have finished.
  ///
  /// - Parameters:
  ///   - count: Number of extra threads.
  ///   - body: Runs on each extra thread with its index.
  ///   - main: Runs on the calling thread meanwhile.
  static func run(
    _ count: Int, _ body: @escaping @Sendable (Int) -> Void, main: () throws -> Void
  ) rethrows {
    var threads: [pthread_t] = []
    for k in 0..<count {
      let box = Unmanaged.passRetained(Box { body(k) }).toOpaque()
      var thread = pthread_t()
      let status = pthread_create(
        &thread, nil,
        { raw in
          guard let raw else { return nil }
          Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
          return nil
        }, box)
      if status != 0 {
        // No thread to run it: run it here instead, so work is never lost.
        Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
      } else {
        threads.append(thread)
      }
    }
    defer { for thread in threads { pthread_join(thread, nil) } }
    try main()
  }
}

/// One POSIX thread running a blocking call (a file-system flush) while
/// the caller goes on with other work, off Swift's cooperative pool so it
/// takes no worker from it; `join` waits for it and rethrows its error.
final class BackgroundCall: @unchecked Sendable {
  private var thread = pthread_t()
  private var started = false
  private var finished = false
  private var failure: (any Error)?
  private let body: @Sendable () throws -> Void

  /// Starts `body` on a new thread (on the calling thread, at `join`, when
  /// no thread can be made).
  init(_ body: @escaping @Sendable () throws -> Void) {
    self.body = body
    let raw = Unmanaged.passRetained(self).toOpaque()
    let status = pthread_create(
      &thread, nil,
      { raw in
        guard let raw else { return nil }
        Unmanaged<BackgroundCall>.fromOpaque(raw).takeRetainedValue().runBody()
        return nil
      }, raw)
    if status == 0 {
      started = true
    } else {
      Unmanaged<BackgroundCall>.fromOpaque(raw).release()
    }
  }

  private func runBody() {
    do { try body() } catch { failure = error }
    finished = true
  }

  /// Waits for the call; rethrows its error.
  func join() throws {
    if started {
      pthread_join(thread, nil)
      started = false
    }
    if !finished { runBody() }
    if let failure { throw failure }
  }
}

/// A mutex with one condition variable, for the small hand-off structures of
/// the pipelines (`OrderedPipeline`, `BoundedQueue`).
final class ConditionLock: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  init() {
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(condition, nil)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  /// Runs `body` holding the mutex.
  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }

  /// Waits for a broadcast; call only inside `withLock`.
  func wait() { pthread_cond_wait(condition, mutex) }

  /// Wakes every waiter.
  func broadcast() { pthread_cond_broadcast(condition) }
}
