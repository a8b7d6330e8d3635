// Trace tests: CSV round trip, world export → impaired true paths == world measurements, and one test per rejection reason.
import Testing
@testable import Scenario

/// A small valid trace: two panels, one wall, truth at both steps; `paths` replaces the [paths] section's rows,
/// `pathsHeader` its header.
func sampleTrace(panels: String = "0,0,0,0,25\n1,10,0,1.5,25\n",
                 pathsHeader: String = "step,panel,distance_m,aoa_rad,amplitude,kind,wall",
                 paths: String = "0,0,5.0,0.5,12.0,los,\n0,1,7.0,-0.25,3.0,r1,0\n1,0,5.5,0.4,11.0,los,\n") -> String {
    """
    # a comment
    [trace]
    key,value
    format,dmimo-trace
    version,1
    level,true-paths
    steps,2
    [panels]
    panel,x_m,y_m,orientation_rad,array_size
    \(panels)[walls]
    wall,x1_m,y1_m,x2_m,y2_m
    0,0,0,10,0
    [agent]
    step,x_m,y_m
    0,3,4
    1,3.1,4.2
    [paths]
    \(pathsHeader)
    \(paths)
    """
}

/// The rejection of `text`: its line and reason (fails the test if the text is accepted).
func rejection(_ text: String) -> TraceFileError? {
    do {
        _ = try TraceCSVReader.parse(text: text, file: "t.csv")
        Issue.record("accepted a bad trace")
        return nil
    } catch {
        return error
    }
}

@Suite struct TraceReaderTests {
    @Test func readsTheSample() throws {
        let trace = try TraceCSVReader.parse(text: sampleTrace(), file: "t.csv")
        #expect(trace.level == .truePaths && trace.stepCount == 2 && trace.panelCount == 2 && trace.walls.count == 1)
        #expect(trace.panels[1].orientation == 1.5 && trace.panels[1].arraySize == 25)
        #expect(trace.agent == [SIMD2(3, 4), SIMD2(3.1, 4.2)])
        #expect(trace.paths(step: 0, panel: 0).map(\.distance) == [5.0])
        #expect(trace.paths(step: 0, panel: 1).first == TracePath(distance: 7, aoa: -0.25, amplitude: .normalized(3),
                                                                  kind: .reflection(order: 1), wall: 0))
        #expect(trace.paths(step: 1, panel: 1).isEmpty)
    }

    @Test func writerRoundTripsExactly() throws {
        let trace = try TraceCSVReader.parse(text: sampleTrace(), file: "t.csv")
        let again = try TraceCSVReader.parse(text: TraceCSVWriter.render(trace), file: "w.csv")
        #expect(again == trace)
    }

    @Test func delayAndComplexGainColumns() throws {
        let trace = try TraceCSVReader.parse(text: sampleTrace(
            pathsHeader: "step,panel,delay_s,aoa_rad,gain_re,gain_im,kind",
            paths: "0,0,1e-8,0.5,1e-4,-2e-4,los\n"), file: "t.csv")
        let path = trace.paths(step: 0, panel: 0).first!
        #expect(path.distance == speedOfLight * 1e-8)
        #expect(path.amplitude == .complexGain(re: 1e-4, im: -2e-4))
    }

    // MARK: one test per rejection reason, each checking file, line and message

    @Test func rejectsAMissingColumn() {
        let e = rejection(sampleTrace(pathsHeader: "step,panel,distance_m,amplitude,kind,wall",
                                      paths: "0,0,5.0,12.0,los,\n"))
        #expect(e?.file == "t.csv" && e?.line == 20)
        #expect(e?.reason == "[paths]: missing column aoa_rad")
    }

    @Test func rejectsNaN() {
        let e = rejection(sampleTrace(paths: "0,0,5.0,nan,12.0,los,\n"))
        #expect(e?.line == 21)
        #expect(e?.reason == "column aoa_rad: nan is not a finite number (NaN and infinities are rejected)")
    }

    @Test func rejectsAnUnknownPanel() {
        let e = rejection(sampleTrace(panels: "0,0,0,0,25\n3,10,0,1.5,25\n"))
        #expect(e?.line == 11)
        #expect(e?.reason == "[panels]: unknown panel 3: panels are numbered 0, 1, … in chain order, expected 1")
    }

    @Test func rejectsStepsOutOfOrder() {
        let e = rejection(sampleTrace(paths: "1,0,5.0,0.5,12.0,los,\n0,1,7.0,-0.25,3.0,r1,0\n"))
        #expect(e?.line == 22)
        #expect(e?.reason == "[paths]: step 0 out of order (after step 1): rows are in step order")
    }

    @Test func rejectsAPathOnAnUnknownPanel() {
        let e = rejection(sampleTrace(paths: "0,0,5.0,0.5,12.0,los,\n0,2,7.0,-0.25,3.0,r1,0\n"))
        #expect(e?.line == 22)
        #expect(e?.reason == "[paths]: path on unknown panel 2 (the trace lists panels 0..<2)")
    }

    @Test func rejectsAWrongUnit() {
        let e = rejection(sampleTrace(pathsHeader: "step,panel,distance_m,aoa_deg,amplitude,kind,wall"))
        #expect(e?.line == 20)
        #expect(e?.reason == "[paths]: column aoa_deg: unit 'deg' is not accepted (write aoa_rad)")
    }

    @Test func rejectsAnUndeclaredUnit() {
        let e = rejection(sampleTrace(pathsHeader: "step,panel,distance,aoa_rad,amplitude,kind,wall"))
        #expect(e?.line == 20)
        #expect(e?.reason == "[paths]: column distance declares no unit (write distance_m or delay_s)")
    }

    @Test func rejectsARowOfTheWrongWidth() {
        let e = rejection(sampleTrace(paths: "0,0,5.0,0.5,12.0,los\n"))
        #expect(e?.line == 21)
        #expect(e?.reason == "[paths]: 6 fields where the header has 7")
    }
}

@Suite struct TraceExportTests {
    func world(panels: Int = 8) throws -> World {
        var p = ScenarioParameters()
        p.panelCount = panels
        p.trajectory.samples = 40
        return try World(p)
    }

    /// The world's true paths, through CSV and back, impaired by the same synthesis: every measurement identical.
    @Test func truePathsReproduceTheWorldsMeasurements() throws {
        let world = try world()
        let text = TraceCSVWriter.render(Trace(world: world, level: .truePaths, seed: 0))
        let trace = try TraceMeasurements(TraceCSVReader.parse(text: text, file: "e.csv"), radio: world.radio, file: "e.csv")
        for seed: UInt64 in [1, 2025] {
            for n in 0..<world.stepCount {
                for j in 0..<world.panelCount {
                    #expect(trace.measurements(seed: seed, step: n, panel: j) == world.measurements(seed: seed, step: n, panel: j))
                    #expect(trace.losVisible(step: n, panel: j) == world.losVisible(step: n, panel: j))
                }
                #expect(trace.truth(step: n) == world.agentPosition(step: n))
            }
        }
        #expect(trace.prior.centre == world.trajectory.priorCentre)
    }

    @Test func measurementsAreUsedAsGiven() throws {
        let world = try world()
        let text = TraceCSVWriter.render(Trace(world: world, level: .measurements, seed: 7))
        let trace = try TraceMeasurements(TraceCSVReader.parse(text: text, file: "m.csv"), radio: world.radio, file: "m.csv")
        for n in 0..<world.stepCount {
            for j in 0..<world.panelCount {
                // any seed: the trace's measurements are those of seed 7
                #expect(trace.measurements(seed: 99, step: n, panel: j) == world.measurements(seed: 7, step: n, panel: j))
            }
        }
    }

    /// AoAs are in the panel's frame: a panel turned by θ reports AoA − θ, and the chain sees the global angle.
    @Test func orientationTurnsAoAsIntoTheGlobalFrame() throws {
        let trace = try TraceCSVReader.parse(text: sampleTrace(), file: "t.csv")
        var radio = RadioParameters()
        radio.falseAlarmMean = 0
        let resolved = try TraceMeasurements(trace, radio: radio, file: "t.csv")
        // panel 1 (orientation 1.5 rad) has one reflection at AoA −0.25 in its frame; the noise is centred on 1.25
        var sum = 0.0, count = 0
        for seed: UInt64 in 0..<400 {
            let m = resolved.measurements(seed: seed, step: 0, panel: 1)
            for a in m.aoa { sum += a; count += 1 }
        }
        #expect(count > 200 && abs(sum / Double(count) - 1.25) < 0.02)
    }

    @Test func rejectsAnArraySizeOtherThanTheRadios() throws {
        let trace = try TraceCSVReader.parse(text: sampleTrace(panels: "0,0,0,0,25\n1,10,0,1.5,49\n"), file: "t.csv")
        #expect(throws: TraceFileError(file: "t.csv", line: 0, reason: "panel 1 has array_size 49 but the radio constants "
                                   + "have N_a = 25 (every panel of a run has the same array)")) {
            _ = try TraceMeasurements(trace, radio: RadioParameters(), file: "t.csv")
        }
    }
}
