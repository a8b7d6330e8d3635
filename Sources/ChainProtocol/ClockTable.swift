// ClockTable: every panel's clock offset to the controller as the controller distributes it, and fronthaul emulation's hold on it.

/// The controller's view of every panel's clock (index k): what its clock PINGs carry and panels keep.
public struct ClockTable: Sendable, Equatable {
    /// Offset of panel k (nil: no exchange with it yet).
    public private(set) var offsets: [ClockOffset?]

    public init(offsets: [ClockOffset?]) { self.offsets = offsets }

    /// From the wire's two parallel lists (bound `UInt64.max`: not known).
    public init(offsetNs: [Int64], boundNs: [UInt64]) {
        offsets = zip(offsetNs, boundNs).map { $1 == .max ? nil : ClockOffset(offsetNs: $0, boundNs: $1) }
    }

    /// The wire's two parallel lists.
    public var wire: (offsetNs: [Int64], boundNs: [UInt64]) {
        (offsets.map { $0?.offsetNs ?? 0 }, offsets.map { $0?.boundNs ?? .max })
    }

    /// Panel k's offset (nil: unknown or out of range).
    public subscript(panel: Int) -> ClockOffset? { panel >= 0 && panel < offsets.count ? offsets[panel] : nil }

    /// An estimate as the chain uses it: an offset within its bound of zero is taken as zero (the exchanges cannot
    /// tell it from one shared clock, e.g. one host, and zero keeps one host's figures exact); the bound stays.
    public static func reported(_ estimate: ClockOffset?) -> ClockOffset? {
        guard let estimate else { return nil }
        return estimate.offsetNs.magnitude <= estimate.boundNs ? ClockOffset(offsetNs: 0, boundNs: estimate.boundNs) : estimate
    }
}

/// Fronthaul emulation of one panel-to-panel hop, on the receiving panel's clock.
public enum FronthaulHold {
    /// When the receiver releases a hop so it takes the modelled time: the sender's send stamp mapped onto the
    /// receiver's clock through both offsets, plus the model — never later than the receipt plus the model (an
    /// offset error cannot make it wait longer than the modelled hop), and the receipt itself when the hop was
    /// already slower. Without both offsets the hop waits the full model from its receipt (never another host's
    /// raw clock).
    /// - Parameters: stamps in ns on the named clocks, `modelNs` the modelled hop time in ns.
    /// - Returns: the release time, receiver clock, ns.
    public static func releaseNs(senderSendNs: UInt64, sender: ClockOffset?, receivedNs: UInt64, receiver: ClockOffset?,
                                 modelNs: UInt64) -> UInt64 {
        guard let sender, let receiver else { return receivedNs &+ modelNs }
        let sentOnReceiver = receiver.nodeTime(ofController: sender.controllerTime(ofNode: senderSendNs))
        let transit = Int64(bitPattern: receivedNs &- sentOnReceiver)
        if transit >= Int64(clamping: modelNs) { return receivedNs }
        if transit <= 0 { return receivedNs &+ modelNs }
        return receivedNs &+ (modelNs - UInt64(transit))
    }
}

extension OneWayTime {
    /// The time as a duration, ns: a negative estimate (possible within the bound) counts as 0.
    public var clampedNs: UInt64 { UInt64(Swift.max(0, ns)) }
}
