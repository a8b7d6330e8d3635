// IslandAssembly: the islands of one step gathered where its route ends, and which of them the step result keeps.

/// The islands of a step (filter.islands = B > 1, docs/MODEL.md §B.7) collected by the panel where they end (the
/// last panel of the route, or a sender whose successors were all silent), until all B of one attempt are in.
/// A newer attempt or step replaces what was gathered; an older one is refused. Pure.
///
/// Which islands the result keeps (``Completed/kept``): every island that skipped the fewest panels (ties: the
/// skipped set most islands share, then the smallest in order). An island that missed a panel some other island
/// passed lacks that panel's measurements, so its log weight is not comparable: it is left out (weight 0). The
/// result lists as skipped every panel any island skipped, so a step that lost part of its particles on the way is
/// never reported delivered.
public struct IslandAssembly<Payload: Sendable>: Sendable {
    /// What a complete set of islands gives.
    public struct Completed: Sendable {
        public var step: StepID
        public var attempt: UInt32
        /// The islands in index order.
        public var parts: [Payload]
        /// Per island: whether the result keeps it.
        public var kept: [Bool]
        /// Every panel some island skipped, in the order of the route.
        public var skipped: [Int32]
    }

    var key: (step: StepID, attempt: UInt32)?
    var parts: [Payload?] = []
    var skippedSets: [[Int32]] = []

    public init() {}

    /// The (step, attempt) being gathered.
    public var gathering: (step: StepID, attempt: UInt32)? { key }

    /// Adds island `island` of `islands`, which skipped `skipped` on its way through `route`.
    /// - Returns: the complete set once all B islands of the attempt are in (the assembly is then empty), else nil.
    ///   An island of an older attempt or step than the one gathered, or one already in, changes nothing.
    public mutating func add(_ payload: Payload, island: Int, islands: Int, step: StepID, attempt: UInt32,
                             route: [Int32], skipped: [Int32]) -> Completed? {
        precondition(islands >= 1 && island >= 0 && island < islands, "island \(island) of \(islands)")
        if let key {
            if (step, attempt) < (key.step, key.attempt) { return nil }
            if step != key.step || attempt != key.attempt || parts.count != islands { start(step, attempt, islands) }
        } else {
            start(step, attempt, islands)
        }
        guard parts[island] == nil else { return nil }
        parts[island] = payload
        skippedSets[island] = skipped
        guard parts.allSatisfy({ $0 != nil }) else { return nil }
        let done = Completed(step: step, attempt: attempt, parts: parts.map { $0! },
                             kept: Self.kept(skippedSets),
                             skipped: route.filter { panel in skippedSets.contains { $0.contains(panel) } })
        self.key = nil
        parts.removeAll(keepingCapacity: true)
        skippedSets.removeAll(keepingCapacity: true)
        return done
    }

    mutating func start(_ step: StepID, _ attempt: UInt32, _ islands: Int) {
        key = (step, attempt)
        parts = Array(repeating: nil, count: islands)
        skippedSets = Array(repeating: [], count: islands)
    }

    /// Per island, whether it belongs to the kept skipped set (see the type's rule).
    public static func kept(_ skippedSets: [[Int32]]) -> [Bool] {
        let normalised = skippedSets.map { $0.sorted() }
        let fewest = normalised.map(\.count).min() ?? 0
        var best: [Int32]?
        var bestShare = 0
        for candidate in normalised where candidate.count == fewest {
            let share = normalised.filter { $0 == candidate }.count
            if share > bestShare || (share == bestShare && candidate.lexicographicallyPrecedes(best ?? [])) {
                best = candidate
                bestShare = share
            }
        }
        return normalised.map { $0 == best }
    }
}
