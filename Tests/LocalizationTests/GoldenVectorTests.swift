// GoldenVectorTests: log β, systematic resampling and latency against Tests/Fixtures/loca_scenario.json.
import Foundation
import Scenario
import Testing
@testable import Localization

/// One `log_beta` case of the vectors, with the model it implies.
struct LogBetaCase {
    let name: String
    let model: PanelModel
    let particles: [[Double]]
    let amplitudes: [Double]
    let measurements: PanelMeasurements
    let logMiss: [Double], logClutter: [Double], ell: [[Double]], logBeta: [Double]
    let uBmax: Double, dMax: Double

    init(_ c: [String: Any]) {
        name = c["name"] as! String
        var radio = RadioParameters()
        radio.bandwidthHz = double(c["B_w"])
        let elements = Int(double(c["N_a"]))
        radio.arraySide = Int(Double(elements).squareRoot().rounded())
        precondition(radio.arrayElements == elements)
        var filter = FilterParameters()
        filter.reflectionClutterMean = double(c["mu_mpc"])
        let pa = doubles(c["pa"])
        model = PanelModel(position: SIMD2(pa[0], pa[1]), radio: radio, filter: filter)
        particles = doubleRows(c["particles"])
        amplitudes = doubles(c["u"])
        let z = doubleRows(c["measurements"])
        measurements = PanelMeasurements(distance: z.map { $0[0] }, aoa: z.map { $0[1] }, amplitude: z.map { $0[2] })
        logMiss = doubles(c["log_miss"])
        logClutter = doubles(c["log_clutter"])
        ell = doubleRows(c["ell"])
        logBeta = doubles(c["log_beta"])
        uBmax = double(c["u_bmax"])
        dMax = double(c["d_max"])
    }

    static func all() throws -> [LogBetaCase] {
        try (GoldenVectors.load()["log_beta"] as! [[String: Any]]).map(LogBetaCase.init)
    }
}

/// The spec's tolerance for log-likelihoods: |a − b| ≤ tol · max(1, |b|).
func closeLog(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

@Suite struct GoldenVectorTests {
    @Test func vectorCasesArePresent() throws {
        let cases = try LogBetaCase.all()
        #expect(cases.count == 6)
        #expect(cases.contains { $0.measurements.count == 0 })
    }

    @Test func modelConstantsMatchVectors() throws {
        for c in try LogBetaCase.all() {
            #expect(abs(c.model.maxAmplitude - c.uBmax) <= 1e-9 * c.uBmax, "\(c.name)")
            #expect(abs(c.model.radio.maxDistance - c.dMax) <= 1e-9 * c.dMax, "\(c.name)")
        }
    }

    /// The Double reference path reproduces every intermediate and log β to the spec's 1e−6.
    @Test func referenceLogBetaMatchesVectors() throws {
        var worst = 0.0
        for c in try LogBetaCase.all() {
            let radio = c.model.radio
            for (i, u) in c.amplitudes.enumerated() {
                let miss = LocaLoSReference.logMissProbability(amplitude: u, detectionThreshold: radio.detectionThreshold)
                #expect(closeLog(miss, c.logMiss[i], 1e-6), "\(c.name) log_miss[\(i)]: \(miss) vs \(c.logMiss[i])")
            }
            for m in 0..<c.measurements.count {
                let lc = LocaLoSReference.logClutterIntensity(
                    measuredAmplitude: c.measurements.amplitude[m], radio: radio,
                    reflectionClutterMean: c.model.filter.reflectionClutterMean, maxAmplitude: c.model.maxAmplitude)
                #expect(closeLog(lc, c.logClutter[m], 1e-6), "\(c.name) log_clutter[\(m)]")
                for (i, p) in c.particles.enumerated() {
                    let ell = LocaLoSReference.logLikelihoodRatio(
                        x: p[0], y: p[1], amplitude: c.amplitudes[i], distance: c.measurements.distance[m],
                        aoa: c.measurements.aoa[m], measuredAmplitude: c.measurements.amplitude[m],
                        logClutter: lc, model: c.model)
                    #expect(closeLog(ell, c.ell[i][m], 1e-6), "\(c.name) ell[\(i)][\(m)]: \(ell) vs \(c.ell[i][m])")
                }
            }
            for (i, p) in c.particles.enumerated() {
                let lb = LocaLoSReference.logPseudoLikelihood(x: p[0], y: p[1], amplitude: c.amplitudes[i],
                                                              measurements: c.measurements, model: c.model)
                #expect(closeLog(lb, c.logBeta[i], 1e-6), "\(c.name) log_beta[\(i)]: \(lb) vs \(c.logBeta[i])")
                worst = max(worst, abs(lb - c.logBeta[i]) / max(1, abs(c.logBeta[i])))
            }
        }
        print("reference path: worst scaled log β error \(worst)")
    }

    /// The Float32 SIMD kernel of the panel update reproduces log β to 1e−4 · max(1, |b|). Float32 cannot reach
    /// the spec's 1e−6: positions near 15 m are resolved to about 1e−6 m (input rounding and the computed
    /// distance alike), and ∂ℓ/∂d = u²(z_d − d)/k_d reaches about 10³ per metre in these cases (u = 10, a
    /// bounce 0.5 m from the LoS distance), i.e. about 1e−3 absolute on |log β| ≈ 50. The 1e−6 check of the
    /// math is `referenceLogBetaMatchesVectors` (Double path).
    @Test func float32KernelLogBetaMatchesVectors() throws {
        var worst = 0.0
        for c in try LogBetaCase.all() {
            let got = float32LogBeta(model: c.model, particles: c.particles, amplitudes: c.amplitudes,
                                     measurements: c.measurements)
            for i in c.particles.indices {
                #expect(closeLog(got[i], c.logBeta[i], 1e-4), "\(c.name) log_beta[\(i)]: \(got[i]) vs \(c.logBeta[i])")
                worst = max(worst, abs(got[i] - c.logBeta[i]) / max(1, abs(c.logBeta[i])))
            }
        }
        print("Float32 kernel: worst scaled log β error \(worst)")
    }

    @Test func systematicResamplingMatchesVectors() throws {
        let cases = try GoldenVectors.load()["systematic_resampling"] as! [[String: Any]]
        #expect(cases.count == 4)
        for c in cases {
            let w = doubles(c["w"]), offset = double(c["U"])
            let expected = (c["idx"] as! [Any]).map { Int(double($0)) }
            #expect(LocaLoSReference.systematicResamplingIndices(weights: w, offset: offset) == expected)
            #expect(float32ResamplingIndices(weights: w.map(Float.init), offset: Float(offset)) == expected,
                    "Float32 kernel, w = \(w)")
        }
    }

    @Test func latencyMatchesVectors() throws {
        let section = try GoldenVectors.load()["latency"] as! [String: Any]
        let m = Int(double(section["M"]))
        let model = LatencyModel()
        #expect(model.clockHz == double(section["f_clk_hz"]))
        #expect(model.fronthaulCycles == double(section["tau_fronthaul_cc"]))
        let rows = doubleRows(section["rows"])
        #expect(rows.count == 24)
        for row in rows {
            let j = Int(row[0]), np = Int(row[1])
            #expect(model.cycles(panels: j, particles: np, measurements: m) == row[2])
            let us = model.microseconds(panels: j, particles: np, measurements: m)
            let usTree = model.microseconds(panels: j, particles: np, measurements: m, adderTree: true)
            #expect(abs(us - row[3]) <= 1e-9 * row[3], "J=\(j) N_P=\(np)")
            #expect(abs(usTree - row[4]) <= 1e-9 * row[4], "J=\(j) N_P=\(np) with adder tree")
        }
    }

    /// The spec's worked example (§D): J = 24, N_P = 4096, M = 6 → 741,282 cc = 3.706 ms.
    @Test func latencyOperatingPoint() {
        let model = LatencyModel()
        #expect(model.cycles(panels: 24, particles: 4096) == 741_282)
        #expect(abs(model.seconds(panels: 24, particles: 4096) - 3.706_41e-3) < 1e-9)
    }
}

/// log β by the Float32 kernel of the panel update (particles padded to a multiple of 16 by repetition).
func float32LogBeta(model: PanelModel, particles: [[Double]], amplitudes: [Double],
                    measurements: PanelMeasurements) -> [Double] {
    let count = (particles.count + 15) / 16 * 16
    var x = [Float](), y = [Float](), u = [Float]()
    for i in 0..<count {
        let p = particles[i % particles.count]
        x.append(Float(p[0])); y.append(Float(p[1])); u.append(Float(amplitudes[i % particles.count]))
    }
    var workspace = PanelWorkspace()
    workspace.prepare(particleCount: 16, measurementCount: measurements.count)
    fillMeasurementTerms(measurements, model: model, into: &workspace)
    let constants = likelihoodConstants(model)
    let capacity = workspace.measurementCapacity
    var out = [Float](repeating: 0, count: count)
    workspace.measurementTerms.withUnsafeMutableBufferPointer { terms in
        let t = terms.baseAddress!
        logPseudoLikelihood(measurementCount: measurements.count, count: count, x: x, y: y, amplitude: u,
                            out: &out, constants: constants, terms: t,
                            ellScratch: t + MeasurementTerms.stride * capacity)
    }
    return out.prefix(particles.count).map(Double.init)
}

/// Ancestor indices by the Float32 branch-free kernel.
func float32ResamplingIndices(weights: [Float], offset: Float) -> [Int] {
    let n = weights.count
    var cumulative = [Float](repeating: 0, count: n)
    var marks = [Int32](repeating: 0, count: n)
    var ancestors = [Int32](repeating: 0, count: n + 1)
    systematicResamplingIndices(weights: weights, count: n, offset: offset, cumulative: &cumulative,
                                marks: &marks, ancestors: &ancestors)
    return ancestors.prefix(n).map(Int.init)
}
