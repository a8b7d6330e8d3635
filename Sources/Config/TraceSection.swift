// TraceSection: the configuration's `trace` section — run the chain on a trace file instead of the synthetic world.

/// Where the measurements come from when they are not synthesized (docs/TRACES.md).
public struct TraceSection: Sendable, Equatable {
    /// Trace file (CSV); "" = the synthetic world.
    public var file = ""

    public init() {}
}
