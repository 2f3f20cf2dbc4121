import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Makes entity ids exactly as Maestro servers do:
/// `` `${prefix}_${Date.now()}_${Math.random().toString(36).substr(2, 9)}` ``.
///
/// The clock and the random source are injected so tests and the data
/// generator get deterministic ids; the defaults are the system's.
public struct IdGenerator: Sendable {
  /// Supplies `Date.now()`.
  public let clock: any MillisecondClock
  /// Supplies `Math.random()`.
  public let random: any RandomDoubleSource

  /// A generator over the given clock and random source.
  public init(
    clock: any MillisecondClock = SystemClock(), random: any RandomDoubleSource = SystemRandom()
  ) {
    self.clock = clock
    self.random = random
  }

  /// A new id, `<prefix>_<ms>_<random>`.
  ///
  /// The random part is up to 9 of `[0-9a-z]`: almost always 9, fewer when
  /// the random double has a short base-36 form (0.5 gives `i`), and empty
  /// for exactly 0, as on a server.
  public func makeId(_ prefix: String) -> String {
    "\(prefix)_\(clock.nowMilliseconds())_\(Self.randomSuffix(random.nextDouble()))"
  }

  /// `value.toString(36).substr(2, 9)` as JavaScript computes it.
  public static func randomSuffix(_ value: Double) -> String {
    // The radix string is ASCII, so bytes are characters.
    let text = javaScriptRadixString(value, radix: 36).utf8
    return String(decoding: text.dropFirst(2).prefix(9), as: UTF8.self)
  }

  /// `Number.prototype.toString(radix)` for a radix other than 10, as V8
  /// prints it (`DoubleToRadixCString` in V8's `conversions.cc`).
  ///
  /// V8 writes fraction digits until the remaining fraction is below half
  /// the gap to the next larger double (`delta`, scaled by the radix with
  /// every digit), so it stops once the digits identify the double; when
  /// the remainder calls for rounding up (more than half, or exactly half
  /// after an odd digit) and rounding up stays within `delta`, it increments
  /// the last digit, carrying into earlier digits and the integer part, and
  /// stops. Integer digits beyond 2^53 print as `0`. Hence
  /// `(0.1).toString(36) == "0.3lllllllllm"` and `(0.5).toString(36) == "0.i"`.
  ///
  /// - Parameters:
  ///   - value: any double; NaN and infinities print as JavaScript does.
  ///   - radix: 2...36 except 10, whose shortest-digits algorithm is a
  ///     different one (V8's `DoubleToCString`).
  public static func javaScriptRadixString(_ value: Double, radix: Int) -> String {
    precondition((2...36).contains(radix) && radix != 10, "radix must be 2...36 and not 10")
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
    if value == 0 { return "0" }

    let chars = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
    let base = Double(radix)
    let magnitude = value.magnitude
    var integer = magnitude.rounded(.down)
    var fraction = magnitude - integer
    // Half the distance to the next double: digits below it are noise.
    var delta = max(0.5 * (magnitude.nextUp - magnitude), Double.leastNonzeroMagnitude)

    var fractionDigits: [Int] = []
    if fraction >= delta {
      repeat {
        fraction *= base
        delta *= base
        let digit = Int(fraction)
        fractionDigits.append(digit)
        fraction -= Double(digit)
        // Round half to even, but only when the rounded digits still name
        // this double (fraction + delta > 1); then stop.
        if fraction > 0.5 || (fraction == 0.5 && digit & 1 == 1), fraction + delta > 1 {
          while true {
            guard let last = fractionDigits.popLast() else {
              integer += 1
              break
            }
            if last + 1 < radix {
              fractionDigits.append(last + 1)
              break
            }
          }
          break
        }
      } while fraction >= delta
    }

    // Integer digits, least significant first. Above 2^53 a double has no
    // units digit to print, so V8 divides down and writes zeros.
    var integerDigits: [UInt8] = []
    while Int((integer / base).exponentBitPattern) - 1075 > 0 {
      integer /= base
      integerDigits.append(UInt8(ascii: "0"))
    }
    repeat {
      let remainder = integer.truncatingRemainder(dividingBy: base)
      integerDigits.append(chars[Int(remainder)])
      integer = (integer - remainder) / base
    } while integer > 0

    var out: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
    out.append(contentsOf: integerDigits.reversed())
    if !fractionDigits.isEmpty {
      out.append(UInt8(ascii: "."))
      out.append(contentsOf: fractionDigits.map { chars[$0] })
    }
    return String(decoding: out, as: UTF8.self)
  }
}

// MARK: - Clocks

/// A source of `Date.now()`: epoch milliseconds.
public protocol MillisecondClock: Sendable {
  /// The current time in whole milliseconds since the Unix epoch.
  func nowMilliseconds() -> Int64
}

/// The system's wall clock, floored to the millisecond as `Date.now()` is.
public struct SystemClock: MillisecondClock {
  /// The system clock.
  public init() {}

  /// `Date.now()`.
  public func nowMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    // tv_nsec is never negative, so this floors even before 1970, as
    // Date.now() does.
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
  }
}

/// A clock stopped at one instant.
public struct FixedClock: MillisecondClock {
  /// The instant it reports.
  public var milliseconds: Int64

  /// A clock that always reports `milliseconds`.
  public init(_ milliseconds: Int64) {
    self.milliseconds = milliseconds
  }

  /// `milliseconds`.
  public func nowMilliseconds() -> Int64 { milliseconds }
}

/// A clock that moves forward by a fixed step on every reading, for
/// generated data whose timestamps must increase.
public final class SteppingClock: MillisecondClock {
  private let next: Mutex<Int64>
  /// The amount added after each reading.
  public let step: Int64

  /// A clock whose first reading is `start`, then `start + step`, and so on.
  public init(start: Int64, step: Int64 = 1) {
    next = Mutex(start)
    self.step = step
  }

  /// The current reading; advances the clock.
  public func nowMilliseconds() -> Int64 {
    next.withLock { value in
      defer { value += step }
      return value
    }
  }
}

// MARK: - Random sources

/// A source of `Math.random()`: doubles in [0, 1).
public protocol RandomDoubleSource: Sendable {
  /// The next double in [0, 1).
  func nextDouble() -> Double
}

/// The system's random numbers, shaped like V8's `Math.random()`: a multiple
/// of 2^-52, so their base-36 forms have the lengths real ids have.
public struct SystemRandom: RandomDoubleSource {
  /// The system source.
  public init() {}

  /// A uniformly random multiple of 2^-52 in [0, 1).
  public func nextDouble() -> Double {
    Double(UInt64.random(in: 0..<(1 << 52))) * 0x1p-52
  }
}

/// A deterministic source (SplitMix64), for tests and reproducible data.
///
/// Safe to share between tasks; the sequence then interleaves in whatever
/// order callers arrive, so share one only where order does not matter.
public final class SeededRandom: RandomDoubleSource {
  private let state: Mutex<UInt64>

  /// A source whose sequence is fixed by `seed`.
  public init(seed: UInt64) {
    state = Mutex(seed)
  }

  /// The next 64 random bits.
  public func nextUInt64() -> UInt64 {
    state.withLock { s in
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// A multiple of 2^-52 in [0, 1), like V8's `Math.random()`.
  public func nextDouble() -> Double {
    Double(nextUInt64() >> 12) * 0x1p-52
  }
}
