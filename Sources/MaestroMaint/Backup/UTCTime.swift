import Glibc

/// Calendar arithmetic in UTC for snapshot names and retention buckets,
/// without Foundation or the process's time zone.
struct UTCTime: Sendable, Equatable {
  var year: Int
  var month: Int
  var day: Int
  var hour: Int
  var minute: Int
  var second: Int

  /// The civil time of `milliseconds` since the Unix epoch.
  init(milliseconds: Int64) {
    let seconds = Int(milliseconds.dividedRoundingDown(by: 1000))
    let days = seconds.dividedRoundingDown(by: 86_400)
    let secondOfDay = seconds - days * 86_400
    (year, month, day) = Self.civil(fromDays: days)
    hour = secondOfDay / 3600
    minute = secondOfDay % 3600 / 60
    second = secondOfDay % 60
  }

  init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
    (self.year, self.month, self.day) = (year, month, day)
    (self.hour, self.minute, self.second) = (hour, minute, second)
  }

  /// The number of days in `month` (1–12) of `year`, leap years counted
  /// (proleptic Gregorian).
  static func daysInMonth(_ month: Int, year: Int) -> Int {
    switch month {
    case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Milliseconds since the Unix epoch.
  var milliseconds: Int64 {
    Int64(Self.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000
  }

  /// Days since 1970-01-01.
  var epochDay: Int { Self.days(year: year, month: month, day: day) }

  /// `20261127T215000Z`.
  var compact: String {
    "\(Self.pad(year, 4))\(Self.pad(month))\(Self.pad(day))T\(Self.pad(hour))\(Self.pad(minute))\(Self.pad(second))Z"
  }

  /// `2026-11-27T21:50:00Z`.
  var iso8601: String {
    "\(Self.pad(year, 4))-\(Self.pad(month))-\(Self.pad(day))T\(Self.pad(hour)):\(Self.pad(minute)):\(Self.pad(second))Z"
  }

  /// Parses `compact` back; `nil` if `text` is not exactly that form.
  init?(compact text: String) {
    let bytes = Array(text.utf8)
    guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
    func number(_ range: Range<Int>) -> Int? {
      var value = 0
      for b in bytes[range] {
        guard b >= 48 && b <= 57 else { return nil }
        value = value * 10 + Int(b - 48)
      }
      return value
    }
    guard let y = number(0..<4), let mo = number(4..<6), let d = number(6..<8), let h = number(9..<11),
      let mi = number(11..<13), let s = number(13..<15), (1...12).contains(mo), (1...31).contains(d), h < 24,
      mi < 60, s < 61
    else { return nil }
    self.init(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
  }

  /// ISO 8601 week-numbering year and week (weeks start on Monday; week 1
  /// holds the year's first Thursday), as restic's weekly buckets use.
  var isoWeek: (year: Int, week: Int) {
    let days = epochDay
    // 1970-01-01 was a Thursday: weekday 1 = Monday ... 7 = Sunday.
    let weekday = (days + 3).modulo(7) + 1
    let thursday = days - weekday + 4
    let thursdayYear = Self.civil(fromDays: thursday).year
    let dayOfYear = thursday - Self.days(year: thursdayYear, month: 1, day: 1)
    return (thursdayYear, dayOfYear / 7 + 1)
  }

  /// The current time in milliseconds since the Unix epoch.
  /// The real-time clock, nanoseconds since the epoch (file time stamps
  /// are compared with it).
  static func nowNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
  }

  static func nowMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
  }

  // Howard Hinnant's days_from_civil / civil_from_days.
  static func days(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  private static func pad(_ value: Int, _ width: Int = 2) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
  }
}

extension BinaryInteger {
  fileprivate func dividedRoundingDown(by divisor: Self) -> Self {
    let (q, r) = quotientAndRemainder(dividingBy: divisor)
    return r < 0 ? q - 1 : q
  }

  fileprivate func modulo(_ divisor: Self) -> Self {
    let r = self % divisor
    return r < 0 ? r + divisor : r
  }
}
