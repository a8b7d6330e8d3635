// StepAttempts: the controller's attempts at one step — start it over the live route, re-issue it after the step
// deadline or when every panel of the route was skipped, abandon it after the last attempt.

/// How long one attempt may take and how many there are.
public struct StepSettings: Sendable, Equatable {
    /// Attempts of one step before it is abandoned.
    public var maxAttempts: Int
    /// An attempt without a result after this long (from its first send) is re-issued from the checkpoint, ns;
    /// also the longest wait for a live panel when every panel is out of the route.
    public var stepDeadlineNs: UInt64
    /// Acknowledgement deadline and resends of the first hop.
    public var firstHop: HopSettings

    public init(maxAttempts: Int, stepDeadlineNs: UInt64, firstHop: HopSettings) {
        self.maxAttempts = maxAttempts; self.stepDeadlineNs = stepDeadlineNs; self.firstHop = firstHop
    }
}

/// What ``StepAttempts`` asks the controller's shell to do.
public enum StepDirective: Sendable, Equatable {
    /// Send the step's start (the checkpoint's particles) of attempt `attempt` as hop `flight`, to
    /// `flight.receiver`; then report the send time with ``StepAttempts/sent(_:at:)``.
    case sendStart(HopFlight, attempt: UInt32)
    /// Leave `panel` out of the routes: it acknowledged none of the step's starts.
    case suspect(panel: Int32)
    /// The step ends without a result.
    case abandon(reason: String)
}

/// One step's attempts, as state. Pure: time and the live route are passed in.
///
/// Rules: an attempt starts over the live route (every panel not suspected); with no live panel it waits up to
/// the step deadline for one, then the step is abandoned. Its first hop is a ``HopSender``: a silent first panel is
/// resent to, then skipped and suspected. An attempt ends when its step deadline (from its first send) passes or
/// every panel of its route was skipped; the next attempt is a re-issue, after the last the step is abandoned with
/// the last attempt's reason. A result of any attempt ends the step (the shell stops asking).
public struct StepAttempts: Sendable {
    enum Phase: Sendable, Equatable {
        /// Attempt `attempt` is to start (at the next tick).
        case starting
        /// No live panel: waiting until then, ns.
        case waitingForRoute(untilNs: UInt64)
        /// The attempt's start is on its way; its deadline is set by the first send.
        case inFlight(deadlineNs: UInt64?)
        case abandoned
    }

    public let step: StepID
    public let settings: StepSettings
    /// The current attempt, 0-based.
    public private(set) var attempt = 0
    /// Attempts after the first that were started.
    public private(set) var reissues = 0
    /// Why the last attempt failed (the abandoned step's reason).
    public private(set) var reason = ""
    /// Time of the first send of the first attempt, ns (0: none): the step's start for its latency.
    public private(set) var firstSendNs: UInt64 = 0
    /// Time of the latest send, ns.
    public private(set) var lastSendNs: UInt64 = 0
    var phase = Phase.starting
    var firstHop: HopSender<UInt32>

    public init(step: StepID, settings: StepSettings) {
        self.step = step
        self.settings = settings
        firstHop = HopSender(settings: settings.firstHop)
    }

    /// The step was abandoned.
    public var isAbandoned: Bool { phase == .abandoned }
    /// An attempt has ended and the next is to start: tick again now, with the live route as it is after the
    /// directives (a suspected panel is out of it), before waiting for anything.
    public var startsNextAttempt: Bool { phase == .starting }
    /// No panel is live and the step waits for one (a result of an earlier attempt is not taken meanwhile).
    public var isWaitingForRoute: Bool { if case .waitingForRoute = phase { true } else { false } }

    /// When the next tick is due, ns (nil: no deadline of its own; poll again soon, e.g. for a readmission).
    public var nextWakeNs: UInt64? {
        guard case .inFlight(let deadline?) = phase else { return nil }
        return firstHop.nextDeadlineNs.map { min($0, deadline) } ?? deadline
    }

    /// Time passes.
    /// - Parameters:
    ///   - now: the controller's monotonic clock, ns.
    ///   - liveRoute: the panels not under suspicion, in chain order.
    public mutating func onTick(now: UInt64, liveRoute: [Int32]) -> [StepDirective] {
        switch phase {
        case .abandoned:
            return []
        case .starting, .waitingForRoute:
            return start(now: now, liveRoute: liveRoute)
        case .inFlight(let deadline):
            guard let deadline else { return [] }
            if now >= deadline { return endAttempt("no result within \(settings.stepDeadlineNs / 1_000_000) ms") }
            var directives: [StepDirective] = []
            for directive in firstHop.onTick(now: now) {
                switch directive {
                case .transmit(let flight, let attempt): directives.append(.sendStart(flight, attempt: attempt))
                case .skip(let receiver, _): directives.append(.suspect(panel: receiver))
                case .routeExhausted: return directives + endAttempt("every panel of the route is silent")
                }
            }
            return directives
        }
    }

    /// The shell sent hop `id` at `ns`: the acknowledgement deadline runs from then, and the attempt's deadline from
    /// its first send.
    public mutating func sent(_ id: HopID, at ns: UInt64) {
        firstHop.sent(id, at: ns)
        lastSendNs = ns
        guard case .inFlight(nil) = phase else { return }
        phase = .inFlight(deadlineNs: ns &+ settings.stepDeadlineNs)
        if attempt == 0 { firstSendNs = ns }
    }

    /// An acknowledgement of hop `id` from panel `receiver`.
    /// - Returns: the acknowledged hop (its `sentNs` gives the round trip), or nil if it is not the current one.
    public mutating func acknowledged(_ id: HopID, by receiver: Int32) -> HopFlight? {
        firstHop.acknowledged(id, by: receiver)
    }

    mutating func start(now: UInt64, liveRoute: [Int32]) -> [StepDirective] {
        guard attempt < settings.maxAttempts else {
            phase = .abandoned
            return [.abandon(reason: reason)]
        }
        if liveRoute.isEmpty {
            // every panel is out: wait (up to the step deadline) for one to be readmitted, rather than giving up
            // every remaining step in a few milliseconds
            if case .waitingForRoute(let until) = phase {
                guard now >= until else { return [] }
                reason = "no live panel within \(settings.stepDeadlineNs / 1_000_000) ms"
                phase = .abandoned
                return [.abandon(reason: reason)]
            }
            phase = .waitingForRoute(untilNs: now &+ settings.stepDeadlineNs)
            return []
        }
        if attempt > 0 { reissues += 1 }
        firstHop = HopSender(settings: settings.firstHop)
        phase = .inFlight(deadlineNs: nil)
        guard case .transmit(let flight, _) = firstHop.send(UInt32(attempt), step: step, route: liveRoute, hop: 0,
                                                           skipped: [], now: now) else { return [] }
        return [.sendStart(flight, attempt: UInt32(attempt))]
    }

    mutating func endAttempt(_ why: String) -> [StepDirective] {
        reason = why
        attempt += 1
        phase = .starting
        return []
    }
}
