// FilterStudiesTests: measurement text round trip and its errors, trace files, particle checks, method comparison.
import FilterStudies
import Foundation
import Localization
import Scenario
import Testing

@Suite struct FilterStudiesTests {
    let world = try! StudyScenario(panels: 2, bandwidthMHz: 40).world()

    /// `mpc-sweep measurements` text read back gives exactly the synthesized measurements.
    @Test func measurementTextRoundTrips() throws {
        let text = measurementText(world, run: 1)
        let parsed = try parseMeasurementText("# comment\n\n" + text, panels: 2, steps: world.stepCount)
        #expect(parsed.count == 2)
        #expect(parsed[0].allSatisfy { $0.allSatisfy { $0.count == 0 } })  // run 0 not in the text
        for step in [0, 100, 525] {
            for j in 0..<2 { #expect(parsed[1][step][j] == world.measurements(seed: 2026, step: step, panel: j)) }
        }
    }

    /// A malformed line or one outside the scenario is an error naming the line, never skipped or a trap.
    @Test func badMeasurementLinesAreErrors() {
        func message(_ text: String) -> String? {
            do { _ = try parseMeasurementText(text, panels: 2, steps: 526); return nil } catch { return error.description }
        }
        #expect(message("0 0 0 1.0 0.1 3.0 los\n0 1 x 1 2 3\n")?.hasPrefix("line 2: expected 'run step panel") == true)
        #expect(message("0 0 2 1.0 0.1 3.0\n")?.hasPrefix("line 1: run 0, step 0, panel 2 outside") == true)
        #expect(message("0 526 0 1.0 0.1 3.0\n")?.contains("step 526") == true)
        #expect(message("-1 0 0 1.0 0.1 3.0\n") != nil)
        #expect(message("0 0 0 1.0 0.1\n") != nil)
    }

    /// A trace file decodes to the setup and measurements it describes; a wrong shape is an error.
    @Test func traceFiles() throws {
        let json = """
        {"panels": [[0, 1], [2, 3]], "prior_centre": [5, 6], "prior_velocity": [0.5, 0], "bandwidth_hz": 4e7,
         "array_side": 4, "truth": [[5, 6], [5.5, 6]], "los_visible": [[1, 0], [0, 1]],
         "runs": [{"measurements": [[[[3.0, 0.1, 4.0]], []], [[], [[1.0, -0.2, 3.0], [2.0, 0.3, 2.5]]]]}]}
        """
        let trace = try ReferenceTrace(json: Data(json.utf8))
        let setup = trace.setup(filter: studyFilter(particles: 64))
        #expect(setup.panelPositions == [SIMD2(0, 1), SIMD2(2, 3)] && setup.radio.arraySide == 4
                && setup.radio.bandwidthHz == 4e7 && setup.priorCentre == SIMD2(5, 6))
        let m = trace.measurements(run: 0)
        #expect(m[0][0] == PanelMeasurements(distance: [3], aoa: [0.1], amplitude: [4]) && m[0][1].count == 0)
        #expect(m[1][1].distance == [1, 2] && trace.visibleFlat == [true, false, false, true])
        #expect(throws: TraceError.self) { try ReferenceTrace(json: Data("{}".utf8)) }
        let badRow = json.replacingOccurrences(of: "[3.0, 0.1, 4.0]", with: "[3.0, 0.1]")
        #expect(throws: TraceError.self) { try ReferenceTrace(json: Data(badRow.utf8)) }
    }

    @Test func particleCounts() {
        #expect(particleCountProblem(1024) == nil && particleCountProblem(16) == nil)
        #expect(particleCountProblem(100) != nil && particleCountProblem(0) != nil && particleCountProblem(-16) != nil)
    }

    /// Every registered method gets its summary line and table row, on the same measurements.
    @Test func comparisonCoversEveryMethod() {
        let measurements = syntheticMeasurements(world, runs: 1, steps: 5, firstSeed: 2025)
        let result = compareMethods(world, measurements: measurements, particles: 64, label: "t")
        #expect(result.rows.count == PanelFilterMethod.allCases.count)
        for method in PanelFilterMethod.allCases {
            #expect(result.rows.contains { $0.contains("| \(method.displayName) |") })
        }
        let mpc = runMethod(world, method: .locaMPC, particles: 64, measurements: measurements)
        #expect(mpc.panelUpdates == 10 && mpc.statistics.steps == 5 && !mpc.iterations.isEmpty)
        #expect(runMethod(world, method: .locaLoS, particles: 64, measurements: measurements).iterationSummary == "-")
    }
}
