// TraceSection: the configuration's `trace` section — run the chain on a trace file instead of the synthetic world.

/// Where the measurements come from when they are not synthesized (docs/TRACES.md).
public struct TraceSection: Sendable, Equatable {
    /// Trace file (CSV); "" = the synthetic world.
    public var file = ""
    /// The trace's geometry sections as text, filled in by the controller for the panel processes; "" otherwise.
    public var geometry = ""

    public init() {}
}
