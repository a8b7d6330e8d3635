// ReferenceTrace: the numpy reference's measurements and truth (JSON by scripts/compare-ref.py) and the chain on them.
import Foundation
import Localization
import Scenario

/// A trace file: the reference's panels, prior, radio knobs, truth and per-run measurements, so that the Swift chain
/// filters exactly the measurements the reference filtered.
public struct ReferenceTrace: Sendable, Decodable {
    /// Panel positions in chain order, metres.
    public var panels: [[Double]]
    /// Prior position centre (metres) and velocity (m/s).
    public var priorCentre: [Double], priorVelocity: [Double]
    /// Bandwidth B_w, Hz.
    public var bandwidthHz: Double
    /// Array side M_a.
    public var arraySide: Int
    /// True agent position per step, metres.
    public var truth: [[Double]]
    /// LoS visibility of run 0 per step and panel (0/1).
    public var losVisible: [[Int]]
    /// Per run: measurements [step][panel][row] = (z_d m, z_φ rad, z_u).
    public var runs: [Run]

    public struct Run: Sendable, Decodable {
        public var measurements: [[[[Double]]]]
    }

    enum CodingKeys: String, CodingKey {
        case panels, priorCentre = "prior_centre", priorVelocity = "prior_velocity", bandwidthHz = "bandwidth_hz",
             arraySide = "array_side", truth, losVisible = "los_visible", runs
    }

    /// Decodes and checks the shape (points of 2 numbers, rows of 3, one panel list per step).
    public init(json data: Data) throws(TraceError) {
        do {
            self = try JSONDecoder().decode(ReferenceTrace.self, from: data)
        } catch {
            throw TraceError("not a trace file (JSON from scripts/compare-ref.py): \(error)")
        }
        guard !panels.isEmpty, (panels + truth + [priorCentre, priorVelocity]).allSatisfy({ $0.count == 2 }) else {
            throw TraceError("panels, truth, prior_centre and prior_velocity must be [x, y] points")
        }
        for (r, run) in runs.enumerated() {
            guard run.measurements.count <= truth.count,
                  run.measurements.allSatisfy({ $0.count == panels.count && $0.allSatisfy { $0.allSatisfy { $0.count == 3 } } })
            else {
                throw TraceError("run \(r): expected at most \(truth.count) steps of \(panels.count) panels' "
                                 + "[z_d, z_phi, z_u] rows")
            }
        }
    }

    /// The chain on this trace with `filter` (its radio: the default one at the trace's bandwidth and array side).
    public func setup(filter: FilterParameters) -> ChainSetup {
        var radio = RadioParameters()
        radio.bandwidthHz = bandwidthHz
        radio.arraySide = arraySide
        func point(_ a: [Double]) -> SIMD2<Double> { SIMD2(a[0], a[1]) }
        return ChainSetup(panelPositions: panels.map(point), radio: radio, filter: filter,
                          priorCentre: point(priorCentre), priorVelocity: point(priorVelocity))
    }

    /// Run `index`'s measurements as [step][panel].
    public func measurements(run index: Int) -> [[PanelMeasurements]] {
        runs[index].measurements.map { panels in
            panels.map { rows in
                PanelMeasurements(distance: rows.map { $0[0] }, aoa: rows.map { $0[1] }, amplitude: rows.map { $0[2] })
            }
        }
    }

    /// True positions per step.
    public var truthPoints: [SIMD2<Double>] { truth.map { SIMD2($0[0], $0[1]) } }

    /// LoS visibility, step-major.
    public var visibleFlat: [Bool] { losVisible.flatMap { $0.map { $0 != 0 } } }
}

/// A trace or measurement file that cannot be used, with the reason.
public struct TraceError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
