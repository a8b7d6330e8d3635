// Golden vectors (Tests/Fixtures/loca_scenario.json): constants, walls, panels and VAs, trajectory, paths, noise std.
import Foundation
import Testing
@testable import Scenario

/// Geometry and trajectory: relative 1e-9 (docs/MODEL.md §G); the rest here (amplitudes, noise std) are pure
/// closed forms too, so they are held to the same 1e-9 (the brief allows 1e-6).
private let tolerance = 1e-9

@Suite struct GoldenVectorTests {
    let golden: [String: Any]
    init() throws { golden = try GoldenVectors.load() }

    @Test func constants() throws {
        let c = golden["constants"] as! [String: Any]
        let radio = RadioParameters()
        var errors = ErrorTracker()
        #expect(errors.record(speedOfLight, number(c["c0"]), "c0") == 0)
        #expect(errors.record(radio.carrierHz, number(c["f_c"]), "f_c") == 0)
        #expect(errors.record(radio.wavelength, number(c["lambda_m"]), "lambda") <= tolerance)
        #expect(errors.record(radio.snr1mDb, number(c["snr_1m_db"]), "snr") == 0)
        #expect(errors.record(radio.reflectionLossDb, number(c["refl_loss_db"]), "L_refl") == 0)
        #expect(errors.record(radio.detectionThreshold, number(c["u_de"]), "u_de") == 0)
        #expect(errors.record(radio.falseAlarmMean, number(c["mu_fa"]), "mu_fa") == 0)
        #expect(errors.record(radio.amplitudeNoiseVariance, number(c["sigma_u2"]), "sigma_u2") == 0)
        #expect(errors.record(radio.maxDistance, number(c["d_max"]), "d_max") <= tolerance)
        #expect(errors.record(Room.paper.side, number(c["room"]), "room") == 0)
        let filter = c["filter"] as! [String: Any]
        #expect(errors.record(radio.maxAmplitude, number(filter["u_bmax"]), "u_bmax") <= tolerance)
        #expect(errors.record(TrajectoryParameters().timeStep, number(filter["dt"]), "dt") == 0)
        print("golden constants: worst relative error \(errors.worst) (\(errors.worstLabel))")
    }

    @Test func walls() {
        let rows = (golden["walls"] as! [Any]).map { numbers($0) }
        #expect(rows.count == Room.paper.walls.count)
        for (wall, row) in zip(Room.paper.walls, rows) {
            #expect([wall.start.x, wall.start.y, wall.end.x, wall.end.y] == row)
        }
    }

    @Test(arguments: [2, 4, 8, 12, 24, 48])
    func panelsAndVirtualAnchors(panelCount: Int) throws {
        let section = (golden["pa"] as! [String: Any])["\(panelCount)"] as! [String: Any]
        let positions = (section["positions"] as! [Any]).map { numbers($0) }
        let walls = (section["walls"] as! [Any]).map { ($0 as! [Any]).map { Int(number($0)) } }
        let anchors = (section["virtual_anchors"] as! [Any]).map { ($0 as! [Any]).map { numbers($0) } }
        let order = (section["chain_order"] as! [Any]).map { Int(number($0)) }
        let panels = try makePanels(count: panelCount)
        #expect(panels.count == positions.count)
        #expect(order == Array(0..<panelCount))
        var errors = ErrorTracker()
        for (k, panel) in panels.enumerated() {
            #expect(panel.index == order[k])
            #expect(errors.record(panel.position.x, positions[k][0], "J\(panelCount) pa\(k) x") <= tolerance)
            #expect(errors.record(panel.position.y, positions[k][1], "J\(panelCount) pa\(k) y") <= tolerance)
            #expect(panel.walls == walls[k])
            #expect(panel.virtualAnchors.count == anchors[k].count)
            for (va, row) in zip(panel.virtualAnchors, anchors[k]) {
                #expect(va.wall == Int(row[0]))
                #expect(errors.record(va.position.x, row[1], "J\(panelCount) pa\(k) va\(va.wall) x") <= tolerance)
                #expect(errors.record(va.position.y, row[2], "J\(panelCount) pa\(k) va\(va.wall) y") <= tolerance)
            }
        }
        print("golden pa J=\(panelCount): worst relative error \(errors.worst) (\(errors.worstLabel))")
    }

    @Test func trajectory() throws {
        let section = golden["trajectory"] as! [String: Any]
        let trajectory = try Trajectory(TrajectoryParameters())
        var errors = ErrorTracker()
        #expect(trajectory.count == Int(number(section["n_steps"])))
        #expect(trajectory.timeStep == number(section["dt"]))
        #expect(errors.record(trajectory.speed, number(section["speed"]), "speed") <= tolerance)
        #expect(errors.record(trajectory.length, number(section["total_length"]), "length") <= tolerance)
        let prior = numbers(section["prior_centre"])
        #expect(errors.record(trajectory.priorCentre.x, prior[0], "prior x") <= tolerance)
        #expect(errors.record(trajectory.priorCentre.y, prior[1], "prior y") <= tolerance)
        let steps = numbers(section["steps"]).map { Int($0) }
        let positions = (section["pos"] as! [Any]).map { numbers($0) }
        let velocities = (section["vel"] as! [Any]).map { numbers($0) }
        for (k, n) in steps.enumerated() {
            #expect(errors.record(trajectory.positions[n].x, positions[k][0], "p\(n).x") <= tolerance)
            #expect(errors.record(trajectory.positions[n].y, positions[k][1], "p\(n).y") <= tolerance)
            #expect(errors.record(trajectory.velocities[n].x, velocities[k][0], "v\(n).x") <= tolerance)
            #expect(errors.record(trajectory.velocities[n].y, velocities[k][1], "v\(n).y") <= tolerance)
        }
        print("golden trajectory: worst relative error \(errors.worst) (\(errors.worstLabel))")
    }

    @Test func pathsAtThreeSteps() throws {
        let section = golden["paths"] as! [String: Any]
        var parameters = ScenarioParameters()
        parameters.panelCount = Int(number(section["J"]))
        let arrayElements = Int(number(section["N_a"]))
        parameters.radio.arraySide = Int(Double(arrayElements).squareRoot().rounded())
        #expect(parameters.radio.arrayElements == arrayElements)
        let world = try World(parameters)
        var errors = ErrorTracker()
        var pathCount = 0
        for entry in section["per_step"] as! [Any] {
            let stepEntry = entry as! [String: Any]
            let n = Int(number(stepEntry["step"]))
            let agent = numbers(stepEntry["agent"])
            #expect(errors.record(world.agentPosition(step: n).x, agent[0], "agent\(n).x") <= tolerance)
            #expect(errors.record(world.agentPosition(step: n).y, agent[1], "agent\(n).y") <= tolerance)
            for (j, panelAny) in (stepEntry["pa"] as! [Any]).enumerated() {
                let panelEntry = panelAny as! [String: Any]
                #expect(world.losVisible(step: n, panel: j) == (panelEntry["los_visible"] as! Bool))
                let expected = (panelEntry["paths"] as! [Any]).map { numbers($0) }
                let actual = Array(world.visiblePaths(step: n, panel: j))
                #expect(actual.count == expected.count, "step \(n) panel \(j)")
                for (path, row) in zip(actual, expected) {
                    let label = "step \(n) panel \(j) wall \(path.wall)"
                    #expect(path.kind.rawValue == Int(row[0]), "\(label)")
                    #expect(path.wall == Int(row[1]), "\(label)")
                    #expect(errors.record(path.distance, row[2], label + " d") <= tolerance)
                    #expect(errors.record(path.aoa, row[3], label + " aoa") <= tolerance)
                    #expect(errors.record(path.amplitude, row[4], label + " u") <= tolerance)
                    pathCount += 1
                }
            }
        }
        #expect(pathCount > 100)
        print("golden paths: \(pathCount) paths, worst relative error \(errors.worst) (\(errors.worstLabel))")
    }

    @Test func noiseStandardDeviations() {
        let section = golden["noise_std"] as! [String: Any]
        var errors = ErrorTracker()
        for rowAny in section["rows"] as! [Any] {
            let row = numbers(rowAny)
            var radio = RadioParameters()
            radio.bandwidthHz = row[0]
            radio.arraySide = Int(row[1].squareRoot().rounded())
            #expect(Double(radio.arrayElements) == row[1])
            let label = "Bw \(row[0]) Na \(row[1]) u \(row[2])"
            #expect(errors.record(radio.distanceStd(amplitude: row[2]), row[3], label + " sigma_d") <= tolerance)
            #expect(errors.record(radio.aoaStd(amplitude: row[2]), row[4], label + " sigma_phi") <= tolerance)
            // the URA's own Fisher form gives the same σ_φ
            let ura = radio.array.aoaStdTimesU(wavelength: radio.wavelength) / row[2]
            #expect(errors.record(ura, row[4], label + " sigma_phi (URA)") <= tolerance)
        }
        for constAny in section["constants"] as! [Any] {
            let entry = constAny as! [String: Any]
            var radio = RadioParameters()
            radio.bandwidthHz = number(entry["B_w"])
            radio.arraySide = Int(number(entry["N_a"]).squareRoot().rounded())
            let kd = radio.distanceStdTimesU * radio.distanceStdTimesU
            let kphi = radio.aoaStdTimesU * radio.aoaStdTimesU
            #expect(errors.record(kd, number(entry["kd"]), "kd") <= tolerance)
            #expect(errors.record(kphi, number(entry["kphi"]), "kphi") <= tolerance)
        }
        print("golden noise_std: worst relative error \(errors.worst) (\(errors.worstLabel))")
    }
}
