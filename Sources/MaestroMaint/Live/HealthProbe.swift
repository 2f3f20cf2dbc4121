import MaestroStorage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `GET <url>/health` over a plain socket, bounded by one deadline: the probe
/// that tells whether the server a `server-url` names is running.
///
/// The newest servers answer it without credentials when the request comes
/// from loopback. A tiny HTTP/1.1 client is enough: one request, the status
/// line of the answer, nothing else read. `https` URLs cannot be spoken to
/// without TLS, so for them a port that accepts a connection is the answer.
///
/// A stale `server-url` names a port nothing listens on: the connection is
/// refused at once. A port that accepts the connection but sends nothing
/// in time is taken for a busy or hung server, which still holds its data:
/// live, on the side of caution.
public struct HealthProbe: Sendable {
  /// What a probe found.
  public enum Answer: Sendable, Equatable {
    /// An HTTP status that says a server is there: 2xx (healthy), 401 or
    /// 403 (a server that wants credentials, as a Maestro server does for a
    /// request that does not come from loopback), 5xx (a server in trouble
    /// still holds its data).
    case server(status: Int)
    /// An `https` port that accepted a connection (not spoken to).
    case listening
    /// A port that accepted the connection but sent no answer within the
    /// timeout (a busy or hung server).
    case silent(milliseconds: Int)
    /// An HTTP answer that is not a health answer (404: no `/health` there,
    /// so something else holds the port).
    case otherAnswer(status: Int)
    /// Nothing answered in time, or the address could not be reached.
    case unreachable(reason: String)

    /// Whether the answer means a server is running there.
    public var isLive: Bool {
      switch self {
      case .server, .listening, .silent: return true
      case .otherAnswer, .unreachable: return false
      }
    }

    /// In words, for reports: `answers /health (HTTP 200)`, `connection refused`.
    public var summary: String {
      switch self {
      case .server(let status): return "answers /health (HTTP \(status))"
      case .listening: return "accepts connections (https: not spoken to)"
      case .silent(let ms): return "accepts connections but sent no answer within \(ms) ms (busy or hung)"
      case .otherAnswer(let status): return "answered HTTP \(status), not a health answer"
      case .unreachable(let reason): return reason
      }
    }
  }

  /// The whole probe's budget: resolving, connecting, sending and reading
  /// the status line, across every address of the host.
  public var timeoutMilliseconds: Int

  /// A probe that gives up after `timeoutMilliseconds` (default 500).
  public init(timeoutMilliseconds: Int = 500) {
    self.timeoutMilliseconds = timeoutMilliseconds
  }

  /// Whether an HTTP status means a server is there (see `Answer.server`).
  public static func meansServer(_ status: Int) -> Bool {
    (200..<300).contains(status) || status == 401 || status == 403 || (500..<600).contains(status)
  }

  /// Probes `url`: each address its host resolves to, in order, until one
  /// answers or the deadline passes.
  public func probe(_ url: ServerURL) -> Answer {
    let deadline = MonotonicClock.milliseconds() + Int64(max(timeoutMilliseconds, 1))
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    #if canImport(Glibc)
      hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    #else
      hints.ai_socktype = SOCK_STREAM
    #endif
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(url.host, String(url.port), &hints, &list)
    guard rc == 0, let first = list else {
      return .unreachable(reason: "cannot resolve \(url.host): \(String(cString: gai_strerror(rc)))")
    }
    defer { freeaddrinfo(first) }
    var reason = "no address for \(url.host)"
    var next: UnsafeMutablePointer<addrinfo>? = first
    while let entry = next {
      next = entry.pointee.ai_next
      let answer = attempt(entry.pointee, url, deadline: deadline)
      if case .unreachable(let why) = answer {
        reason = why
        if MonotonicClock.milliseconds() >= deadline { break }
        continue
      }
      return answer
    }
    return .unreachable(reason: reason)
  }

  private func attempt(_ address: addrinfo, _ url: ServerURL, deadline: Int64) -> Answer {
    #if canImport(Glibc)
      let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    #else
      let type = SOCK_STREAM
    #endif
    let fd = socket(address.ai_family, type, 0)
    guard fd >= 0 else { return .unreachable(reason: "cannot open a socket: \(Errno.description(errno))") }
    defer { close(fd) }
    if connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
      guard errno == EINPROGRESS || errno == EINTR else {
        return .unreachable(reason: Errno.description(errno).lowercased())
      }
      guard Self.wait(fd, for: Int16(POLLOUT), until: deadline) else {
        return .unreachable(reason: "no answer within \(timeoutMilliseconds) ms")
      }
      var error: Int32 = 0
      var length = socklen_t(MemoryLayout<Int32>.size)
      _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
      if error != 0 { return .unreachable(reason: Errno.description(error).lowercased()) }
    }
    if url.scheme == "https" { return .listening }
    let hostHeader = url.host.contains(":") ? "[\(url.host)]:\(url.port)" : "\(url.host):\(url.port)"
    let request = Array(
      "GET \(url.healthPath) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: maestro-admin\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        .utf8)
    var sent = 0
    while sent < request.count {
      let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
      if n > 0 {
        sent += n
      } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        guard Self.wait(fd, for: Int16(POLLOUT), until: deadline) else {
          return .unreachable(reason: "no answer within \(timeoutMilliseconds) ms")
        }
      } else {
        return .unreachable(reason: "the connection failed: \(Errno.description(errno).lowercased())")
      }
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1024)
    while !received.contains(UInt8(ascii: "\n")) && received.count < 4096 {
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if n > 0 {
        received.append(contentsOf: buffer[..<n])
      } else if n == 0 {
        break
      } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
        guard Self.wait(fd, for: Int16(POLLIN), until: deadline) else {
          return .silent(milliseconds: timeoutMilliseconds)
        }
      } else {
        return .unreachable(reason: "the connection failed: \(Errno.description(errno).lowercased())")
      }
    }
    guard let status = Self.statusCode(received) else {
      return .unreachable(reason: received.isEmpty ? "connected, but closed without an answer" : "connected, but the answer is not HTTP")
    }
    return Self.meansServer(status) ? .server(status: status) : .otherAnswer(status: status)
  }

  /// The status of an HTTP/1.x status line (`HTTP/1.1 200 OK`).
  static func statusCode(_ bytes: [UInt8]) -> Int? {
    let line = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    let parts = line.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
      let status = Int(parts[1]), (100...599).contains(status)
    else { return nil }
    return status
  }

  /// Polls `fd` for `events` until `deadline`; false on timeout or error.
  private static func wait(_ fd: Int32, for events: Int16, until deadline: Int64) -> Bool {
    while true {
      let left = deadline - MonotonicClock.milliseconds()
      guard left > 0 else { return false }
      var entry = pollfd(fd: fd, events: events, revents: 0)
      let n = poll(&entry, 1, Int32(min(left, Int64(Int32.max))))
      if n > 0 { return true }
      if n == 0 { return false }
      if errno != EINTR { return false }
    }
  }

}
