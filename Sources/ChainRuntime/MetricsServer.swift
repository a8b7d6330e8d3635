// MetricsServer: a minimal HTTP/1.1 responder on a plain socket thread serving GET /metrics (Prometheus text format).
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Serves `GET /metrics` with ``ChainMetrics/prometheus(controllerRSS:)`` (its Prometheus text), one connection at a
/// time on its own thread (a scrape is a few kB; Prometheus scrapes every few seconds). Anything else gets 404,
/// requests larger than 8 kB 400. No TLS, no keep-alive: bind it to a management interface.
public final class MetricsServer: Sendable {
    let fd: Int32
    /// The address and port actually bound (port 0 asks the kernel for a free one).
    public let address: String
    public let port: Int
    let stopped = Mutex(false)
    let metrics: ChainMetrics

    /// Parses "ADDR:PORT" (ADDR an IPv4 address or `0.0.0.0`/`localhost`; PORT 0...65535).
    public static func parse(_ text: String) throws(RuntimeError) -> (address: String, port: UInt16) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw RuntimeError("--metrics-listen expects ADDR:PORT, e.g. 0.0.0.0:9464 or 127.0.0.1:9464; got '\(text)'")
        }
        var address = String(text[..<colon])
        if address == "localhost" { address = "127.0.0.1" }
        if address.isEmpty || address == "*" { address = "0.0.0.0" }
        var probe = in_addr()
        guard inet_pton(AF_INET, address, &probe) == 1 else {
            throw RuntimeError("--metrics-listen: '\(address)' is not an IPv4 address (e.g. 0.0.0.0 for every interface)")
        }
        return (address, port)
    }

    /// Binds and starts serving.
    /// - Throws: ``RuntimeError`` when the address cannot be bound (in use, not local).
    public init(listen: String, metrics: ChainMetrics = .shared) throws(RuntimeError) {
        let (address, port) = try Self.parse(listen)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError("metrics endpoint: socket() failed (errno \(errno))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &sa.sin_addr)
        let bound = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let e = errno
            close(fd)
            throw RuntimeError("metrics endpoint: cannot listen on \(address):\(port): \(String(cString: strerror(e)))")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.address = address
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.metrics = metrics
        let thread = Thread { [self] in serve() }
        thread.name = "metrics-http"
        thread.start()
    }

    func serve() {
        while !stopped.withLock({ $0 }) {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return  // closed by stop()
            }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            respond(client)
            close(client)
        }
    }

    func respond(_ client: Int32) {
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192 {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { break }
            request += buffer[0..<n]
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
            if let text = String(bytes: request, encoding: .utf8), text.contains("\r\n\r\n") { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let status: String, body: String, type: String
        if request.count >= 8192 {
            (status, body, type) = ("400 Bad Request", "request too large\n", "text/plain")
        } else if line.count >= 2, line[0] == "GET" || line[0] == "HEAD",
                  line[1] == "/metrics" || line[1].hasPrefix("/metrics?") {
            (status, body, type) = ("200 OK", metrics.prometheus(controllerRSS: currentRSSBytes()), "text/plain; version=0.0.4; charset=utf-8")
        } else if line.count >= 2, line[0] == "GET", line[1] == "/" {
            (status, body, type) = ("200 OK", "dmimo-chain controller: metrics at /metrics\n", "text/plain")
        } else {
            (status, body, type) = ("404 Not Found", "not found: only GET /metrics\n", "text/plain")
        }
        let payload = Array(body.utf8)
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        if line.first != "HEAD" { bytes += payload }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    /// Stops accepting and closes the socket.
    public func stop() {
        let already = stopped.withLock { s -> Bool in defer { s = true }; return s }
        guard !already else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
