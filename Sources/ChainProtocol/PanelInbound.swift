// PanelInbound: a panel's rules for an arriving γ (or island) — malformed, duplicate, re-issued, stale, held for its measurements.

/// What the panel knows about an arriving γ before deciding what to do with it.
public struct InboundGamma: Sendable, Equatable {
    public var step: StepID
    /// The controller's attempt number of the step (0 = first; a re-issue from the checkpoint counts up).
    public var attempt: UInt32
    /// The step's route: panel indices in chain order.
    public var route: [Int32]
    /// Position of the receiving panel in ``route``.
    public var hop: Int
    /// Panels skipped on the way so far.
    public var skipped: [Int32]
    /// The γ asks for fresh panel state (the first step of a run).
    public var reset: Bool
    /// The payload is usable: consistent particle arrays, and the panel is configured.
    public var wellFormed: Bool
    /// The step's measurement batch (sent ahead on the control plane) has arrived.
    public var measurementsReady: Bool
    /// Which island of the step this γ carries (< ``islands``; 0 without islands).
    public var island: Int
    /// How many islands B the step's particles travel as (1: one γ carries them all; at most 64).
    public var islands: Int

    public init(step: StepID, attempt: UInt32, route: [Int32], hop: Int, skipped: [Int32], reset: Bool,
                wellFormed: Bool, measurementsReady: Bool, island: Int = 0, islands: Int = 1) {
        self.step = step; self.attempt = attempt; self.route = route; self.hop = hop; self.skipped = skipped
        self.reset = reset; self.wellFormed = wellFormed; self.measurementsReady = measurementsReady
        self.island = island; self.islands = islands
    }
}

/// How to run the panel update on a γ that passed the rules.
public struct ProcessOrder: Sendable, Equatable {
    /// Start from fresh panel state: the γ asks for it, or this panel missed the previous step of the run
    /// (stopped, cut off, restarted).
    public var resetState: Bool
    /// This panel is the first of the route to process the step (every panel before it was skipped): it applies
    /// the motion model.
    public var isFirstOfRoute: Bool
    /// The measurement batch did not arrive within the wait: update without measurements.
    public var measurementsMissing = false
    /// γ was held for its measurement batch before this order (the shell times the wait: `measurement_wait_us`).
    public var wasHeld = false
    /// The island to update (0 without islands).
    public var island = 0
    /// The first island of the step at this panel: the shell begins the step (its measurements, its own
    /// prediction) before updating the island. Always true without islands.
    public var beginsStep = true
    /// The last island of the step at this panel: the shell ends the step (report, own state) after it. Always
    /// true without islands.
    public var completesStep = true

    public init(resetState: Bool, isFirstOfRoute: Bool, measurementsMissing: Bool = false, wasHeld: Bool = false,
                island: Int = 0, beginsStep: Bool = true, completesStep: Bool = true) {
        self.resetState = resetState; self.isFirstOfRoute = isFirstOfRoute; self.measurementsMissing = measurementsMissing
        self.wasHeld = wasHeld
        self.island = island; self.beginsStep = beginsStep; self.completesStep = completesStep
    }
}

/// Why an arriving γ was dropped.
public enum GammaDropReason: Sendable, Equatable {
    /// Not addressed to this panel (route and hop disagree), unusable payload, or the panel is not configured.
    case malformed
    /// An attempt of a step this panel already processed, not newer than the one it processed.
    case duplicate
    /// Older than the newest step this panel processed.
    case stale
}

/// What to do with an arriving γ.
public enum GammaVerdict<Payload: Sendable>: Sendable {
    case drop(GammaDropReason)
    /// A re-issued (newer) attempt of a step this panel already processed: its state has already taken the step's
    /// measurements, so it hands γ on unchanged, listing itself as skipped.
    case handOn(Payload)
    /// Held until the step's measurements arrive (``PanelInbound/measurementsArrived(for:)``) or the wait ends
    /// (``PanelInbound/onTick(now:)``); read no further γ meanwhile.
    case hold
    /// Run the panel update.
    case process(ProcessOrder, Payload)
}

extension GammaVerdict: Equatable where Payload: Equatable {}

/// A panel's inbound rules, as state: which steps it processed (each at most once), the newest one, and the γ held
/// for its measurements. Pure: time is passed in.
///
/// Islands (filter.islands = B > 1, docs/MODEL.md §B.7): every island is a γ of its own. The first island of a step
/// decides as a whole γ does (processed, held for the measurements, handed on, stale); the step's other islands of
/// the same attempt are processed once each, without a wait (the step has begun); a re-issued attempt is handed on
/// island by island. A step begun and left before all its islands came (one was lost) is not ended: the panel
/// starts its next step from fresh state.
public struct PanelInbound<Payload: Sendable>: Sendable {
    struct Held: Sendable {
        var step: StepID
        var order: ProcessOrder
        var payload: Payload
        var deadlineNs: UInt64
    }

    /// This panel's index.
    public let panel: Int32
    /// Longest wait for a held γ's measurements, ns.
    public private(set) var measurementWaitNs: UInt64
    /// How many processed steps are remembered for duplicate detection.
    public let memory: Int
    var processed = Set<StepID>()
    var processedOrder: [StepID] = []
    /// Highest attempt seen of each remembered step.
    var processedAttempt: [StepID: UInt32] = [:]
    /// The newest step processed: older ones arriving late are stale.
    public private(set) var latestProcessed: StepID?
    var held: Held?
    /// The step being processed (the latest), its attempt, its island count and the islands processed (bit b).
    var current: (step: StepID, attempt: UInt32, islands: Int, done: UInt64)?
    /// The newest re-issued attempt handed on of each step, and its islands handed on (bit b).
    var handedOn: [StepID: (attempt: UInt32, done: UInt64)] = [:]
    /// Run id of the configuration this panel works for (nil: not configured yet).
    public private(set) var runID: UInt64?

    /// - Parameters:
    ///   - panel: this panel's index.
    ///   - measurementWaitNs: longest wait for a held γ's measurement batch, ns.
    ///   - memory: processed steps remembered for duplicate detection.
    public init(panel: Int32, measurementWaitNs: UInt64, memory: Int = 4096) {
        self.panel = panel
        self.measurementWaitNs = measurementWaitNs
        self.memory = memory
    }

    /// Whether a message stamped with `runID` belongs to this panel's run: false before the first configuration
    /// and for every other run id (a stale controller, another experiment).
    public func admits(runID: UInt64) -> Bool { self.runID == runID }

    /// Whether a γ is held for its measurements (the shell reads no further γ until it is released).
    public var isHolding: Bool { held != nil }
    /// The step of the held γ.
    public var heldStep: StepID? { held?.step }
    /// When the held γ is processed without its measurements, ns.
    public var holdDeadlineNs: UInt64? { held?.deadlineNs }

    /// A γ of this panel's run (``admits(runID:)``) arrived; call only while not holding one.
    /// - Parameter now: the panel's monotonic clock, ns.
    public mutating func onGamma(_ gamma: InboundGamma, payload: consuming Payload, now: UInt64) -> GammaVerdict<Payload> {
        precondition(held == nil, "a γ arrived while another is held for its measurements")
        guard gamma.wellFormed, gamma.hop >= 0, gamma.hop < gamma.route.count, gamma.route[gamma.hop] == panel,
              gamma.islands >= 1, gamma.islands <= 64, gamma.island >= 0, gamma.island < gamma.islands else {
            return .drop(.malformed)
        }
        let step = gamma.step, bit = UInt64(1) << UInt64(gamma.island)
        let before = gamma.route[..<gamma.hop]
        let isFirstOfRoute = before.allSatisfy { gamma.skipped.contains($0) }
        if processed.contains(step) {
            let attempt = processedAttempt[step, default: 0]
            if gamma.attempt == attempt, let c = current, c.step == step, c.attempt == attempt, c.islands == gamma.islands {
                // a further island of the step begun: processed once, without a wait
                guard c.done & bit == 0 else { return .drop(.duplicate) }
                let done = c.done | bit
                current = (step, attempt, c.islands, done)
                return .process(ProcessOrder(resetState: false, isFirstOfRoute: isFirstOfRoute, island: gamma.island,
                                             beginsStep: false, completesStep: done == Self.allIslands(c.islands)),
                                payload)
            }
            // an island of a step this panel has left (it began a newer one without it)
            if gamma.attempt == attempt, gamma.islands > 1, current?.step != step { return .drop(.stale) }
            guard gamma.attempt > attempt else { return .drop(.duplicate) }
            // a re-issued attempt: handed on, each island once
            var record = handedOn[step] ?? (attempt: gamma.attempt, done: 0)
            if gamma.attempt > record.attempt { record = (gamma.attempt, 0) }
            guard gamma.attempt == record.attempt, record.done & bit == 0 else { return .drop(.duplicate) }
            record.done |= bit
            handedOn[step] = record
            return .handOn(payload)
        }
        if let latest = latestProcessed, step < latest { return .drop(.stale) }
        remember(step, attempt: gamma.attempt)
        let missedPrevious = latestProcessed.map { step.skipsSteps(after: $0) } ?? (step.step > 0)
        // the previous step began here and lost an island: its panel state was never completed
        let leftIncomplete = isMidStep
        latestProcessed = step
        current = (step, gamma.attempt, gamma.islands, bit)
        let order = ProcessOrder(resetState: gamma.reset || missedPrevious || leftIncomplete, isFirstOfRoute: isFirstOfRoute,
                                 island: gamma.island, beginsStep: true,
                                 completesStep: bit == Self.allIslands(gamma.islands))
        guard gamma.measurementsReady else {
            held = Held(step: step, order: order, payload: payload, deadlineNs: now &+ measurementWaitNs)
            return .hold
        }
        return .process(order, payload)
    }

    /// The mask of B islands (bits 0 ..< B).
    static func allIslands(_ islands: Int) -> UInt64 { islands >= 64 ? .max : (UInt64(1) << UInt64(islands)) &- 1 }

    /// Whether the step this panel processes now has begun and not yet received all its islands.
    public var isMidStep: Bool { current.map { $0.done != Self.allIslands($0.islands) } ?? false }

    /// A measurement batch of `step` was stored.
    /// - Returns: `.process` of the held γ if it was waiting for this batch.
    public mutating func measurementsArrived(for step: StepID) -> GammaVerdict<Payload>? {
        guard var held, held.step == step else { return nil }
        self.held = nil
        held.order.wasHeld = true
        return .process(held.order, held.payload)
    }

    /// Time passes.
    /// - Returns: `.process` of the held γ, without measurements, once its wait is over.
    public mutating func onTick(now: UInt64) -> GammaVerdict<Payload>? {
        guard var held, now >= held.deadlineNs else { return nil }
        self.held = nil
        held.order.measurementsMissing = true
        held.order.wasHeld = true
        return .process(held.order, held.payload)
    }

    /// A new configuration for run id `runID`: forget every step processed and the held γ.
    /// - Parameter measurementWaitNs: the configured longest wait for a held γ's measurements, ns (nil: unchanged).
    public mutating func configure(runID: UInt64, measurementWaitNs: UInt64? = nil) {
        self.runID = runID
        if let measurementWaitNs { self.measurementWaitNs = measurementWaitNs }
        processed.removeAll(keepingCapacity: true); processedOrder.removeAll(keepingCapacity: true)
        processedAttempt.removeAll(keepingCapacity: true)
        // sized once for the whole memory: remembering a step never allocates (a panel's data path)
        processed.reserveCapacity(memory + 1); processedOrder.reserveCapacity(memory + 1)
        processedAttempt.reserveCapacity(memory + 1)
        latestProcessed = nil
        held = nil
        current = nil
        handedOn.removeAll()
    }

    mutating func remember(_ step: StepID, attempt: UInt32) {
        processed.insert(step)
        processedAttempt[step] = attempt
        processedOrder.append(step)
        if processedOrder.count > memory {
            let old = processedOrder.removeFirst()
            processed.remove(old)
            processedAttempt.removeValue(forKey: old)
            handedOn.removeValue(forKey: old)
        }
    }
}
