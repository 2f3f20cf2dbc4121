import Foundation
import Glibc
import Synchronization

/// A tiny HTTP server on 127.0.0.1 (an ephemeral port) that imitates a
/// Maestro server's `GET /health`, for live-server detection tests.
///
/// It answers `/health` (under its base path) with `healthStatus` and every
/// other path with 404, or, with `answers: false`, accepts connections and
/// never says anything (a hung server). Every request line is recorded.
public final class HealthListener: Sendable {
  /// The port it listens on.
  public let port: Int
  /// `http://127.0.0.1:<port>`.
  public var url: String { "http://127.0.0.1:\(port)" }

  private let fd: Int32
  private let healthStatus: Int
  private let answers: Bool
  private let state = Mutex<(stopped: Bool, requests: [String])>((false, []))
  private let finished = DispatchSemaphore(value: 0)

  /// Starts listening.
  /// - Parameters:
  ///   - healthStatus: The status `/health` answers (200 for a healthy server).
  ///   - answers: false for a listener that accepts and stays silent.
  public init(healthStatus: Int = 200, answers: Bool = true) throws {
    self.healthStatus = healthStatus
    self.answers = answers
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard s >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, length) }
    }
    guard bound == 0, listen(s, 16) == 0 else {
      close(s)
      throw POSIXError(.init(rawValue: errno) ?? .EIO)
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &length) }
    }
    fd = s
    port = Int(UInt16(bigEndian: address.sin_port))
    let thread = Thread { [self] in self.serve() }
    thread.start()
  }

  /// The request lines received so far (`GET /health HTTP/1.1`).
  public var requests: [String] { state.withLock { $0.requests } }

  /// Stops listening and waits for the serving thread to end.
  public func stop() {
    let wasStopped = state.withLock { s in
      defer { s.stopped = true }
      return s.stopped
    }
    guard !wasStopped else { return }
    finished.wait()
    close(fd)
  }

  deinit { stop() }

  private func serve() {
    var silent: [Int32] = []
    defer {
      silent.forEach { close($0) }
      finished.signal()
    }
    while !state.withLock({ $0.stopped }) {
      var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&entry, 1, 50) > 0 else { continue }
      let client = accept(fd, nil, nil)
      guard client >= 0 else { continue }
      guard answers else {
        silent.append(client)
        continue
      }
      handle(client)
      close(client)
    }
  }

  private func handle(_ client: Int32) {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 2048)
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    while !(received.count >= 4 && received.suffix(4) == [13, 10, 13, 10]) {
      let n = recv(client, &buffer, buffer.count, 0)
      guard n > 0 else { break }
      received.append(contentsOf: buffer[..<n])
    }
    let line = String(decoding: received.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
    state.withLock { $0.requests.append(line) }
    let path = line.split(separator: " ").dropFirst().first.map(String.init) ?? ""
    let status = path.hasSuffix("/health") ? healthStatus : 404
    let body = status == 200 ? #"{"status":"ok"}"# : "{}"
    let answer = Array("HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
    _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  }

  /// A loopback port nothing listens on (bound, read, and closed again).
  public static func unusedPort() throws -> Int {
    let probe = try HealthListener()
    let port = probe.port
    probe.stop()
    return port
  }
}
