// ClockOffset: a node's clock offset to the controller from timestamped exchanges, filtered by minimum round trip.

/// One timestamped request/answer exchange between the controller and a node (NTP's four stamps), nanoseconds.
/// `controllerSendNs` and `controllerRecvNs` are read on the controller's clock, `nodeRecvNs` and `nodeSendNs`
/// on the node's; the two clocks may differ by any amount (hosts with unrelated `CLOCK_MONOTONIC`s).
public struct ClockExchange: Sendable, Equatable {
    /// The controller sent the request (controller clock), ns.
    public var controllerSendNs: UInt64
    /// The node received it (node clock), ns.
    public var nodeRecvNs: UInt64
    /// The node sent its answer (node clock), ns.
    public var nodeSendNs: UInt64
    /// The controller received the answer (controller clock), ns.
    public var controllerRecvNs: UInt64

    public init(controllerSendNs: UInt64, nodeRecvNs: UInt64, nodeSendNs: UInt64, controllerRecvNs: UInt64) {
        self.controllerSendNs = controllerSendNs
        self.nodeRecvNs = nodeRecvNs
        self.nodeSendNs = nodeSendNs
        self.controllerRecvNs = controllerRecvNs
    }

    /// Time on the wire, both ways, without the node's turnaround, ns (0 when the stamps contradict each other).
    public var roundTripNs: UInt64 {
        let total = Int64(bitPattern: controllerRecvNs &- controllerSendNs)
        let turnaround = Int64(bitPattern: nodeSendNs &- nodeRecvNs)
        return UInt64(max(0, total - turnaround))
    }

    /// node clock − controller clock, assuming the two directions took equally long, ns. Its error is at most
    /// half the round trip, whatever the asymmetry.
    public var offsetNs: Int64 {
        let outbound = Int64(bitPattern: nodeRecvNs &- controllerSendNs)
        let inbound = Int64(bitPattern: nodeSendNs &- controllerRecvNs)
        return (outbound + inbound) / 2
    }
}

/// A node's clock relative to the controller's: `node = controller + offsetNs`, within ± `boundNs`.
public struct ClockOffset: Sendable, Equatable, CustomStringConvertible {
    /// node clock − controller clock, ns.
    public var offsetNs: Int64
    /// The true offset lies within `offsetNs ± boundNs` (half the round trip of the exchange it comes from), ns.
    public var boundNs: UInt64

    public init(offsetNs: Int64, boundNs: UInt64) {
        self.offsetNs = offsetNs
        self.boundNs = boundNs
    }

    /// The controller's reading at the moment the node's clock read `nodeNs`.
    public func controllerTime(ofNode nodeNs: UInt64) -> UInt64 { nodeNs &- UInt64(bitPattern: offsetNs) }

    /// The node's reading at the moment the controller's clock read `controllerNs`.
    public func nodeTime(ofController controllerNs: UInt64) -> UInt64 { controllerNs &+ UInt64(bitPattern: offsetNs) }

    /// The controller itself: offset 0, exactly.
    public static let controller = ClockOffset(offsetNs: 0, boundNs: 0)

    public var description: String { "offset \(offsetNs) ns ± \(boundNs) ns" }
}

/// A one-way time between two nodes' stamps, in the controller's time base, with its uncertainty.
public struct OneWayTime: Sendable, Equatable {
    /// Receiver's stamp − sender's stamp, both mapped to controller time, ns (may be negative within the bound).
    public var ns: Int64
    /// The true one-way time lies within `ns ± boundNs`, ns.
    public var boundNs: UInt64

    /// From a send stamp on one node's clock to a receive stamp on another's.
    public init(sentNs: UInt64, by sender: ClockOffset, receivedNs: UInt64, by receiver: ClockOffset) {
        ns = Int64(bitPattern: receiver.controllerTime(ofNode: receivedNs) &- sender.controllerTime(ofNode: sentNs))
        boundNs = sender.boundNs + receiver.boundNs
    }
}

/// Minimum-round-trip filter over the most recent exchanges with one node: the estimate is the offset of the
/// exchange with the shortest round trip among the last `window` (queueing only ever lengthens a round trip and
/// skews its offset, so the fastest exchange is the most trustworthy; a window, not the whole history, lets the
/// estimate follow clock drift). Pure: exchanges in, estimate out.
public struct ClockOffsetEstimator: Sendable {
    /// How many recent exchanges the filter keeps.
    public let window: Int
    private var recent: [ClockExchange] = []
    private var next = 0

    public init(window: Int = 16) {
        precondition(window > 0, "a clock filter needs a window of at least one exchange")
        self.window = window
        recent.reserveCapacity(window)
    }

    /// Exchanges held (at most `window`).
    public var count: Int { recent.count }

    /// Adds an exchange, replacing the oldest once the window is full.
    public mutating func add(_ exchange: ClockExchange) {
        if recent.count < window {
            recent.append(exchange)
        } else {
            recent[next] = exchange
        }
        next = (next + 1) % window
    }

    /// The current estimate (nil before the first exchange).
    public var estimate: ClockOffset? {
        guard let best = recent.min(by: { $0.roundTripNs < $1.roundTripNs }) else { return nil }
        return ClockOffset(offsetNs: best.offsetNs, boundNs: (best.roundTripNs + 1) / 2)
    }
}
