import Glibc
import Synchronization

/// Named places where a test can make the real process die, for crash tests
/// that run the built `maestro-admin` and then inspect what it left on disk.
///
/// Set the environment variable `MAESTRO_ADMIN_CRASH_AT` to `<site>:<n>` and
/// the process kills itself with `SIGKILL` (no cleanup, no atexit handlers,
/// exactly like `kill -9`) the `n`-th time any code reaches `<site>`. `:<n>`
/// may be omitted and means 1. Sites in use:
///
/// - `atomic-write:<step>` where `<step>` is an `AtomicFile.Step` raw value:
///   `created-temp`, `wrote-half`, `wrote-all`, `fsynced-file`, `renamed`,
///   `fsynced-dir`. Example: `MAESTRO_ADMIN_CRASH_AT=atomic-write:renamed:3`.
/// - `archive:member` (each task file added to an archive),
///   `archive:written`, `archive:verified`: in `archive create`, before its
///   journal exists.
/// - `migrate:staged-file` (each file written or linked into `migrate up`'s
///   staging folder), `migrate:staged` (after its flush): before the
///   journal exists.
/// - `journal:before-action`, `journal:after-action`: around each journaled
///   change (see `JournalRunner`); inside one (`GuardedFileChange`):
///   `journal:temp-written` (the new content is in its temp file),
///   `journal:exchanged` (swapped in; the old content under the temp name,
///   not yet verified; also after a folder exchange), `journal:set-aside` (a
///   file to remove renamed aside), `journal:moved` (a move made, not yet
///   verified), `journal:verified` (the old content verified and the change
///   durable; the old content not yet dropped).
/// - `any`: every site counts, so `any:<n>` dies at the `n`-th site of any
///   kind; a crash test raises `n` until the run completes.
///
/// The variable is read once, at the first site reached; when it is unset a
/// site costs one load and a compare.
public enum CrashPoint {
  /// The environment variable that arms a crash point.
  public static let environmentVariable = "MAESTRO_ADMIN_CRASH_AT"

  /// Kills the process if `site` is the armed site and this is its `n`-th hit.
  ///
  /// - Parameter site: The site's name; only built when a crash point is armed.
  @inline(__always)
  public static func reached(_ site: @autoclosure () -> String) {
    guard let armed else { return }
    armed.hit(site())
  }

  private static let armed: Armed? = {
    guard let raw = getenv(environmentVariable) else { return nil }
    return Armed(spec: String(cString: raw))
  }()

  /// The parsed crash spec and its hit counter, shared by all threads.
  private final class Armed: Sendable {
    let site: String
    let target: Int
    let hits = Atomic<Int>(0)

    init?(spec: String) {
      guard !spec.isEmpty else { return nil }
      // "a:b:3" is site "a:b", third hit; "a:b" is site "a:b", first hit.
      if let colon = spec.lastIndex(of: ":"), let n = Int(spec[spec.index(after: colon)...]), n > 0
      {
        site = String(spec[..<colon])
        target = n
      } else {
        site = spec
        target = 1
      }
    }

    func hit(_ reached: String) {
      guard site == "any" || reached == site else { return }
      if hits.wrappingAdd(1, ordering: .relaxed).newValue == target {
        _ = raise(SIGKILL)
      }
    }
  }
}
