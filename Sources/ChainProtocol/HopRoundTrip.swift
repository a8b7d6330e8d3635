// HopRoundTrip: a hop's network round trip from the sender's send → acknowledgement time and the receiver's hold.
/// The receiver of a hop forwards γ first and acknowledges after (acknowledgements off the critical path), so the
/// acknowledgement carries how long the receiver held γ (its clock, ns). The sender's network round trip is its own
/// send → acknowledgement time minus that hold; both are durations, so the two hosts' clocks never meet.
public enum HopRoundTrip {
    /// The network round trip of one hop, ns.
    /// - Parameters:
    ///   - sentNs: the sender put the hop on the wire (sender's clock), ns.
    ///   - ackedNs: the sender read the acknowledgement (sender's clock), ns.
    ///   - heldNs: the receiver's read of γ → send of the acknowledgement (receiver's clock), ns.
    /// - Returns: `ackedNs − sentNs − heldNs`, clamped at 0 (a clock running backwards or a hold longer than the
    ///   round trip, which only clock-rate differences can produce, yields 0, never a wrapped value).
    @inlinable public static func networkNs(sentNs: UInt64, ackedNs: UInt64, heldNs: UInt64) -> UInt64 {
        let elapsed = ackedNs >= sentNs ? ackedNs - sentNs : 0
        return elapsed >= heldNs ? elapsed - heldNs : 0
    }
}
