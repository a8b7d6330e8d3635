// Geometry tests: angle wrap, panel placement, URA constants, ε rules, trajectory shape, LoS statistics of docs/MODEL.md §A.4.
import Testing
@testable import Scenario

@Suite struct GeometryTests {
    @Test func wrapStaysInHalfOpenInterval() {
        let pi = Double.pi
        let edges: [Double] = [pi, -pi, pi.nextUp, pi.nextDown, (-pi).nextUp, (-pi).nextDown, 3 * pi, -3 * pi,
                               2 * pi, -2 * pi, 0, -0.0, 1e-300, 101 * pi, -101 * pi, 1e6, -1e6,
                               (3 * pi).nextDown, (-3 * pi).nextUp, (-3 * pi).nextDown]
        var generator = RandomStream(seed: 5, step: 0, panel: noPanel, purpose: .shuffle)
        let random = (0..<20_000).map { _ in (generator.nextUniform() - 0.5) * 40 }
        for angle in edges + random {
            let wrapped = wrapAngle(angle)
            #expect(wrapped >= -pi && wrapped < pi, "wrap(\(angle)) = \(wrapped)")
            // same direction: differs from the input by a multiple of 2π (up to rounding of that multiple)
            let turns = (angle - wrapped) / (2 * pi)
            #expect(abs(turns - turns.rounded()) < 1e-9, "wrap(\(angle)) = \(wrapped)")
        }
        #expect(wrapAngle(pi) == -pi)
        #expect(wrapAngle(-pi) == -pi)
        #expect(wrapAngle(0.5) == 0.5)
        #expect(abs(wrapAngle(pi + 0.25) - (-pi + 0.25)) < 1e-15)
        for angle in [Float.pi, -Float.pi, Float.pi.nextDown, (-Float.pi).nextDown, 7, -7] {
            let wrapped = wrapAngle(angle)
            #expect(wrapped >= -Float.pi && wrapped < Float.pi)
        }
    }

    @Test func panelPlacementForAnyMultipleOfFour() throws {
        for count in [4, 16, 20, 36, 100] {
            let panels = try makePanels(count: count)
            let perWall = count / 4
            #expect(panels.count == count)
            #expect(panels.map(\.index) == Array(0..<count))
            for (k, panel) in panels.enumerated() {
                let wallSlot = k / perWall, i = k % perWall
                let forward = (Double(i) + 0.5) * 30 / Double(perWall)
                let backward = (Double(perWall - 1 - i) + 0.5) * 30 / Double(perWall)
                let expected: SIMD2<Double> = switch wallSlot {
                case 0: SIMD2(forward, 0)       // bottom, left → right
                case 1: SIMD2(30, forward)      // right, bottom → top
                case 2: SIMD2(backward, 30)     // top, right → left
                default: SIMD2(0, backward)     // left, top → bottom
                }
                #expect(panel.position == expected)
                #expect(panel.walls.count == 1)
                #expect(panel.virtualAnchors.count == 5)
                #expect(!panel.virtualAnchors.contains { $0.wall == panel.walls[0] })
            }
        }
        let corners = try makePanels(count: 2)
        #expect(corners.map(\.position) == [SIMD2(0, 30), SIMD2(30, 30)])
        #expect(corners[0].walls == [2, 3] && corners[1].walls == [1, 2])
        #expect(corners.allSatisfy { $0.virtualAnchors.count == 4 })
        for bad in [0, 1, 3, 5, 6, 10, -4] {
            #expect(throws: ScenarioError.invalidPanelCount(bad)) { try makePanels(count: bad) }
        }
    }

    @Test func virtualAnchorIsTheMirrorImage() throws {
        for panel in try makePanels(count: 12) {
            for va in panel.virtualAnchors {
                let wall = Room.paper.walls[va.wall]
                // the wall line is the perpendicular bisector of panel–VA
                let midpoint = (panel.position + va.position) / 2
                let offset = va.position - panel.position
                #expect(abs(cross(wall.direction, midpoint - wall.start)) < 1e-9)
                #expect(abs(dot(wall.direction, offset)) < 1e-9)
            }
        }
    }

    @Test(arguments: [2, 3, 5, 7, 10, 12, 17])
    func arrayApertureMatchesClosedForm(side: Int) {
        let radio: RadioParameters = { var r = RadioParameters(); r.arraySide = side; return r }()
        let array = radio.array
        #expect(array.elementCount == side * side)
        #expect(abs(array.spacing - radio.wavelength / 4) < 1e-18)
        let positions = array.elementPositions
        let centroid = positions.reduce(SIMD2<Double>.zero, +) / Double(positions.count)
        #expect(abs(centroid.x) < 1e-15 && abs(centroid.y) < 1e-15)
        for phi in stride(from: -3.0, through: 3.0, by: 0.37) {
            let numeric = array.squaredAperture(direction: phi)
            #expect(abs(numeric - array.squaredAperture) <= 1e-12 * array.squaredAperture)
        }
        // σ_φ·u from the Fisher information of the URA equals the closed form 24/(π²(M_a² − 1)) for Δ = λ/4
        let fromArray = array.aoaStdTimesU(wavelength: radio.wavelength)
        #expect(abs(fromArray - radio.aoaStdTimesU) <= 1e-12 * radio.aoaStdTimesU)
    }

    @Test func endPointTiesFollowTheEpsilonRules() throws {
        let wall = Wall(start: SIMD2(20, 7.5), end: SIMD2(20, 22.5), isInterior: true, name: "W6")
        // a ray through a wall end point is blocked; a ray ending on the wall (t = 1) is not
        #expect(wall.blocks(from: SIMD2(15, 22.5), to: SIMD2(25, 22.5)))           // grazes the end point
        #expect(wall.blocks(from: SIMD2(20, 0), to: SIMD2(20, 30)) == false)        // collinear: parallel, not blocked
        #expect(wall.blocks(from: SIMD2(15, 20), to: SIMD2(25, 25)))                 // through (20, 22.5)
        #expect(wall.blocks(from: SIMD2(15, 20), to: SIMD2(20, 22.5)) == false)     // ends at the end point
        #expect(wall.blocks(from: SIMD2(15, 20), to: SIMD2(25, 25.0000001)) == false) // passes just above
        // docs/MODEL.md §A.4: J = 48, step 175, agent at (15, 16.5): the LoS of PA 25 at (26.25, 30) passes exactly through
        // the end point (20, 22.5) of W6, so it is blocked
        var parameters = ScenarioParameters()
        parameters.panelCount = 48
        let world = try World(parameters)
        #expect(length(world.agentPosition(step: 175) - SIMD2(15, 16.5)) < 1e-12)   // 16.499999999999993 as in numpy
        #expect(world.panels[25].position == SIMD2(26.25, 30))
        #expect(world.losVisible(step: 175, panel: 25) == false)
        #expect(world.visiblePaths(step: 175, panel: 25).map(\.wall) == [0, 4])
    }

    @Test func trajectoryShape() throws {
        let trajectory = try Trajectory(TrajectoryParameters())
        #expect(trajectory.count == 526)
        #expect(abs(trajectory.length - 104.35) < 0.005)                 // docs/MODEL.md §A.3: 104.35 m
        #expect(abs(trajectory.speed - 0.9938) < 0.00005)                // 0.9938 m/s
        #expect(trajectory.positions[0] == SIMD2(4, 10))
        #expect(trajectory.positions[525] == SIMD2(15, 9.5))
        var previous = trajectory.positions[0]
        for n in 1..<trajectory.count {
            let p = trajectory.positions[n], v = trajectory.velocities[n]
            let step = length(p - previous)
            // chord ≤ arc length = speed·Δt, and close to it (fillet radius 2 m, arc 0.2 m)
            #expect(step <= trajectory.speed * 0.2 + 1e-12 && step > trajectory.speed * 0.2 * 0.999)
            #expect(abs(length(v) - trajectory.speed) < 1e-12)
            // the agent never touches a wall: strictly inside the room
            #expect(p.x > 0 && p.x < 30 && p.y > 0 && p.y < 30)
            previous = p
        }
        // centre crossings near steps 183 and 497 (0-based)
        let distances = trajectory.positions.map { length($0 - SIMD2(15, 15)) }
        let firstHalf = distances[0..<300].indices.min { distances[$0] < distances[$1] }!
        let secondHalf = distances[300...].indices.min { distances[$0] < distances[$1] }!
        #expect(firstHalf == 183 && secondHalf == 497)
        #expect(trajectory.priorVelocity == trajectory.velocities[0])
    }

    /// docs/MODEL.md §A.4 "Resulting statistics": LoS-visible PAs per step (mean / min) over the whole track, with the
    /// spec's rounding: J=2: 1.17/0; J=4: 2.2/2; J=8: 4.9/4; J=12: 6.4/4; J=24: 13.6/8; J=48: 27.0/16.
    @Test(arguments: [(2, 1.17, 2, 0), (4, 2.2, 1, 2), (8, 4.9, 1, 4), (12, 6.4, 1, 4), (24, 13.6, 1, 8),
                      (48, 27.0, 1, 16)])
    func losVisibilityStatistics(panelCount: Int, mean: Double, decimals: Int, minimum: Int) throws {
        var parameters = ScenarioParameters()
        parameters.panelCount = panelCount
        let world = try World(parameters)
        let counts = (0..<world.stepCount).map { world.losVisibleCount(step: $0) }
        let measuredMean = Double(counts.reduce(0, +)) / Double(counts.count)
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        print("J=\(panelCount): LoS-visible panels per step mean \(measuredMean), min \(counts.min()!), max \(counts.max()!)")
        #expect((measuredMean * scale).rounded() / scale == mean)
        #expect(counts.min() == minimum)
        if panelCount >= 4 {
            // "about 2.3 visible paths per PA and step", "about 1.8 visible single bounces"
            var paths = 0, bounces = 0
            for n in 0..<world.stepCount {
                for j in 0..<panelCount {
                    let visible = world.visiblePaths(step: n, panel: j)
                    paths += visible.count
                    bounces += visible.filter { $0.kind == .singleBounce }.count
                }
            }
            let pairs = Double(world.stepCount * panelCount)
            print("J=\(panelCount): paths per PA-step \(Double(paths) / pairs), bounces \(Double(bounces) / pairs)")
            #expect(abs(Double(paths) / pairs - 2.35) < 0.15)
            #expect(abs(Double(bounces) / pairs - 1.8) < 0.15)
        }
        if panelCount == 24 {
            let losFraction = measuredMean / Double(panelCount)      // "about 57 % of PA-steps"
            #expect((losFraction * 100).rounded() == 57)
        }
    }
}
