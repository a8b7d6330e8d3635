// HopSender: one sender's hop reliability — send γ, wait for the acknowledgement, resend, skip the silent receiver.

/// How long a sender waits for an acknowledgement and how often it tries the same receiver.
public struct HopSettings: Sendable, Equatable {
    /// A hop without acknowledgement after this long is resent, or its receiver skipped, ns.
    public var ackTimeoutNs: UInt64
    /// Resends to the same receiver before it is skipped (0: skip after the first timeout).
    public var retries: Int

    @inlinable public init(ackTimeoutNs: UInt64, retries: Int) {
        self.ackTimeoutNs = ackTimeoutNs
        self.retries = retries
    }
}

/// A hop on its way: the step's route, the receiver's position in it, the panels skipped so far, its timers.
public struct HopFlight: Sendable, Equatable {
    public var step: StepID
    /// The step's route: panel indices in chain order.
    public var route: [Int32]
    /// Position of the receiver in ``route``.
    public var hop: Int
    /// Panels skipped on this step's way so far (the γ lists them).
    public var skipped: [Int32]
    /// The island the hop carries (0 without islands).
    public var island = 0
    /// Transmissions to the current receiver after the first.
    public var resends = 0
    /// Last time the hop was put on the wire, ns of the sender's monotonic clock.
    public var sentNs: UInt64
    /// When the hop is resent or its receiver skipped if no acknowledgement came, ns.
    public var deadlineNs: UInt64
    /// Encoded size of the last transmission, bytes.
    public var bytes = 0
    /// The shell's encoding of the last transmission, ns (a duration on the sender's clock; 0 if not timed).
    public var encodeNs: UInt64 = 0
    /// The shell's send call(s) of the last transmission, ns (0 if not timed).
    public var sendCallNs: UInt64 = 0

    @inlinable public init(step: StepID, route: [Int32], hop: Int, skipped: [Int32], sentNs: UInt64, deadlineNs: UInt64,
                           island: Int = 0) {
        self.step = step; self.route = route; self.hop = hop; self.skipped = skipped
        self.sentNs = sentNs; self.deadlineNs = deadlineNs; self.island = island
    }

    @inlinable public var id: HopID { HopID(step: step, hop: hop, island: island) }
    /// The panel this hop is sent to.
    @inlinable public var receiver: Int32 { route[hop] }
}

/// What a ``HopSender`` asks its shell to do.
public enum HopDirective<Payload: Sendable>: Sendable {
    /// Put the hop on the wire to `flight.receiver` (first time or again), the γ carrying `flight.hop` and
    /// `flight.skipped`; then report the send time with ``HopSender/sent(_:at:bytes:encodeNs:sendCallNs:)``.
    case transmit(HopFlight, Payload)
    /// `receiver` acknowledged none of `retries + 1` transmissions of hop `hop` and is skipped; a `.transmit` to the
    /// next panel of the route, or `.routeExhausted`, follows.
    case skip(receiver: Int32, hop: HopID)
    /// Every panel after the sender was skipped: the sender ends the step itself (`flight.skipped` lists them).
    case routeExhausted(HopFlight, Payload)
}

extension HopDirective: Equatable where Payload: Equatable {}

/// The hops one sender (the controller for the first hop, a panel for the next one) has sent and not yet had
/// acknowledged. Pure: time is passed in; the shell executes the directives and reports back.
///
/// Rules: a hop is transmitted once, and again (`retries` times) after every `ackTimeoutNs` without an
/// acknowledgement; then its receiver is skipped and the same payload goes to the next panel of the route, with
/// fresh tries; after the last panel, the route is exhausted. An acknowledgement ends the hop; it counts only if it
/// names the hop (step and position) and comes from the panel the hop was sent to.
///
/// It runs on every hop and every turn of a panel's loop: its methods are inlinable, so the shell gets them
/// specialized for its payload (unspecialized, one hop cost about 13 µs).
public struct HopSender<Payload: Sendable>: Sendable {
    @usableFromInline struct Entry: Sendable {
        @usableFromInline var flight: HopFlight
        @usableFromInline var payload: Payload

        @inlinable init(flight: HopFlight, payload: Payload) {
            self.flight = flight
            self.payload = payload
        }
    }

    public let settings: HopSettings
    @usableFromInline var entries: [HopID: Entry] = [:]

    @inlinable public init(settings: HopSettings) { self.settings = settings }

    /// Hops waiting for their acknowledgement.
    @inlinable public var count: Int { entries.count }
    @inlinable public var isEmpty: Bool { entries.isEmpty }

    /// The earliest deadline of a hop in flight, ns (nil: nothing in flight).
    @inlinable public var nextDeadlineNs: UInt64? {
        var soonest: UInt64?
        for entry in entries.values where entry.flight.deadlineNs < soonest ?? .max { soonest = entry.flight.deadlineNs }
        return soonest
    }

    /// The hop in flight with this identifier.
    @inlinable public func flight(_ id: HopID) -> HopFlight? { entries[id]?.flight }

    /// Starts a hop: `payload` for the panel at position `hop` of `route` (replacing a hop in flight with the same
    /// identifier).
    /// - Parameters:
    ///   - skipped: panels already skipped on this step's way.
    ///   - island: the island the payload carries (0 without islands): each island is a hop of its own.
    ///   - now: the sender's monotonic clock, ns.
    /// - Returns: the `.transmit` to execute.
    @inlinable public mutating func send(_ payload: Payload, step: StepID, route: [Int32], hop: Int, skipped: [Int32],
                              island: Int = 0, now: UInt64) -> HopDirective<Payload> {
        precondition(hop >= 0 && hop < route.count, "hop \(hop) outside a route of \(route.count) panels")
        let flight = HopFlight(step: step, route: route, hop: hop, skipped: skipped, sentNs: now,
                               deadlineNs: now &+ settings.ackTimeoutNs, island: island)
        entries[flight.id] = Entry(flight: flight, payload: payload)
        return .transmit(flight, payload)
    }

    /// The shell put hop `id` on the wire at `ns` (`bytes` long): its acknowledgement deadline runs from then.
    /// `encodeNs` and `sendCallNs`: how long the shell's encoding and send call(s) of this transmission took, ns.
    @inlinable public mutating func sent(_ id: HopID, at ns: UInt64, bytes: Int = 0, encodeNs: UInt64 = 0,
                                         sendCallNs: UInt64 = 0) {
        guard let index = entries.index(forKey: id) else { return }
        entries.values[index].flight.sentNs = ns
        entries.values[index].flight.deadlineNs = ns &+ settings.ackTimeoutNs
        entries.values[index].flight.bytes = bytes
        entries.values[index].flight.encodeNs = encodeNs
        entries.values[index].flight.sendCallNs = sendCallNs
    }

    /// An acknowledgement of hop `id` from panel `receiver`.
    /// - Returns: the acknowledged hop (its `sentNs` gives the round trip), or nil if none such is in flight.
    @inlinable public mutating func acknowledged(_ id: HopID, by receiver: Int32) -> HopFlight? {
        acknowledge(id, by: receiver)?.flight
    }

    /// An acknowledgement of hop `id` from panel `receiver`, handing back the payload (whose storage the shell may
    /// reuse for the next hop).
    /// - Returns: the acknowledged hop and its payload, or nil if none such is in flight.
    @inlinable public mutating func acknowledge(_ id: HopID, by receiver: Int32) -> (flight: HopFlight, payload: Payload)? {
        guard let index = entries.index(forKey: id), entries.values[index].flight.receiver == receiver else { return nil }
        let entry = entries.remove(at: index).value
        return (entry.flight, entry.payload)
    }

    /// Forgets every hop in flight (a new run, or a cut link that lost them).
    @inlinable public mutating func removeAll() { entries.removeAll() }

    /// Resends the hops whose deadline has passed, or skips their receiver.
    /// - Parameter now: the sender's monotonic clock, ns.
    /// - Returns: the directives, in order of the hops' deadlines.
    @inlinable public mutating func onTick(now: UInt64) -> [HopDirective<Payload>] {
        guard let soonest = nextDeadlineNs, soonest <= now else { return [] }
        let overdue = entries.values.filter { $0.flight.deadlineNs <= now }
            .sorted { ($0.flight.deadlineNs, $0.flight.step, $0.flight.hop) < ($1.flight.deadlineNs, $1.flight.step, $1.flight.hop) }
        var directives: [HopDirective<Payload>] = []
        for var entry in overdue {
            let id = entry.flight.id
            if entry.flight.resends < settings.retries {
                entry.flight.resends += 1
                entry.flight.deadlineNs = now &+ settings.ackTimeoutNs
                entries[id] = entry
                directives.append(.transmit(entry.flight, entry.payload))
                continue
            }
            entries.removeValue(forKey: id)
            let silent = entry.flight.receiver
            directives.append(.skip(receiver: silent, hop: id))
            var next = entry.flight
            next.skipped.append(silent)
            guard next.hop + 1 < next.route.count else {
                directives.append(.routeExhausted(next, entry.payload))
                continue
            }
            directives.append(send(entry.payload, step: next.step, route: next.route, hop: next.hop + 1,
                                   skipped: next.skipped, island: next.island, now: now))
        }
        return directives
    }
}
