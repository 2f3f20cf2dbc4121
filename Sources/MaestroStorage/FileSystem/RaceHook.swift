import Synchronization

/// Named places where a test can act as another process writing the data
/// dir at the exact moment that matters (between a check and the change it
/// guards), in the spirit of `CrashPoint`: the code under test calls
/// `reached(_:path:)`, and every hook installed runs there with the site and
/// the absolute path concerned.
///
/// Sites in use: `journal:before-action` (before a journaled change is
/// checked against the state it expects), `journal:before-swap` (checked,
/// the new content ready; the next step exchanges, renames or sets the
/// file aside), `journal:swapped` (the old content is out of its place, not
/// yet verified), `journal:verified` (verified and durable; a last look
/// comes before the old content is dropped), `migrate:scanned` (every live
/// file is read and staged; the pre-swap comparison comes next; the path is
/// the data dir), `fmt:read` (a file `fmt` will rewrite has been read).
///
/// Production code never installs a hook; with none installed a site costs
/// one atomic load.
public enum RaceHook {
  /// A hook: the site and the absolute path concerned.
  public typealias Hook = @Sendable (_ site: String, _ path: String) -> Void

  /// Removes its hook when released (`remove()`), so parallel tests do not
  /// see each other's writers.
  public struct Token: Sendable {
    let key: Int
    /// Removes the hook.
    public func remove() { RaceHook.remove(key) }
  }

  private static let installed = Atomic<Int>(0)
  private static let hooks = Mutex<[Int: Hook]>([:])
  private static let nextKey = Atomic<Int>(1)

  /// Calls every installed hook with `site` and `path`.
  @inline(__always)
  public static func reached(_ site: @autoclosure () -> String, path: @autoclosure () -> String) {
    guard installed.load(ordering: .acquiring) > 0 else { return }
    let all = hooks.withLock { Array($0.values) }
    let s = site()
    let p = path()
    for hook in all { hook(s, p) }
  }

  /// Installs `hook` until the token's `remove()`. A hook should act only on
  /// paths of its own test's folder.
  public static func install(_ hook: @escaping Hook) -> Token {
    let key = nextKey.add(1, ordering: .relaxed).oldValue
    hooks.withLock { $0[key] = hook }
    installed.add(1, ordering: .releasing)
    return Token(key: key)
  }

  private static func remove(_ key: Int) {
    let removed = hooks.withLock { $0.removeValue(forKey: key) != nil }
    if removed { installed.subtract(1, ordering: .releasing) }
  }
}
