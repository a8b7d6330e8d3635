// BenchInput: the C baseline's fixed panel-update input (little-endian Float64 file) and the agent particle cloud.
import ArgumentParser
import Foundation
import Localization
import Scenario

/// The fixed input of the panel-update benchmark (Tests/Fixtures/README.md, `panel_input_M6.bin`).
struct BenchInput {
    /// Panel position, metres.
    var panel: SIMD2<Double>
    /// True agent position (metres) and velocity (m/s) at the input's step.
    var truth: SIMD2<Double>, velocity: SIMD2<Double>
    /// Measurement rows (z_d metres, z_φ radians, z_u normalized amplitude).
    var rows: [[Double]]
    /// k_d² of the input's radio (σ_d² · u²).
    var distanceVarianceTimesU2: Double

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        let values: [Double] = data.withUnsafeBytes { raw in
            (0..<(raw.count / 8)).map {
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
            }
        }
        guard values.count >= 29, let n = Int(exactly: values[0]), let m = Int(exactly: values[1]), n >= 0, m >= 0,
              values.count >= 29 + 5 * n + 3 * m else {
            throw ValidationError("\(path) is not a panel-bench input (29 header numbers, N × 5 particles, M × 3 rows)")
        }
        let zStart = 29 + 5 * n
        rows = (0..<m).map { Array(values[(zStart + 3 * $0)..<(zStart + 3 * $0 + 3)]) }
        panel = SIMD2(values[2], values[3])
        truth = SIMD2(values[24], values[25])
        velocity = SIMD2(values[26], values[27])
        distanceVarianceTimesU2 = values[4]
    }

    /// Agent particles as in the C baseline: 5 cm around the truth, velocity ± 0.1 m/s (std), keyed by the repeat.
    func particleCloud(count n: Int, repeatIndex: Int) -> AgentParticles {
        var g = RandomStream(seed: 12345, step: repeatIndex, panel: 0, purpose: .shuffle)
        var gamma = AgentParticles(count: n)
        for i in 0..<n {
            gamma.x[i] = Float(truth.x + 0.05 * g.nextGaussian())
            gamma.y[i] = Float(truth.y + 0.05 * g.nextGaussian())
            gamma.vx[i] = Float(velocity.x + 0.1 * g.nextGaussian())
            gamma.vy[i] = Float(velocity.y + 0.1 * g.nextGaussian())
        }
        return gamma
    }
}
