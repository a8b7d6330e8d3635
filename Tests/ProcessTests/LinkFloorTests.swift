// LinkFloorTests: the transport floor's statistics, the links of a route, the γ sizes per link and the projection formula.
import ChainRuntime
import Config
import Testing

@Suite struct LinkFloorTests {
    @Test func routeLinksGoControllerPanelsController() {
        let links = RouteLink.along([0, 1, 2])
        #expect(links == [RouteLink(from: -1, to: 0), RouteLink(from: 0, to: 1), RouteLink(from: 1, to: 2),
                          RouteLink(from: 2, to: -1)])
        #expect(links.map(\.isPanelToPanel) == [false, true, true, false])
        #expect(RouteLink.along([]).isEmpty)
        #expect(links[0].description == "controller -> panel 0")
    }

    @Test func oneWayIsHalfTheRoundTripAfterWarmup() {
        // warm-up rounds (the huge first ones) are left out; one-way = round trip / 2
        let f = LinkFloor(link: RouteLink(from: 0, to: 1), payloadBytes: 100,
                          roundTripsNs: [9_000_000, 8_000_000, 100_000, 120_000, 140_000, 160_000, 180_000], warmup: 2)
        #expect(f.roundTripsNs.count == 5)
        #expect(f.oneWayNs == [50_000, 60_000, 70_000, 80_000, 90_000])
        // µs: the median of 50, 60, 70, 80, 90 (the histogram keeps 3 significant digits: within 0.1 %)
        #expect(abs(f.oneWay.p50 - 70) <= 0.07)
        #expect(f.oneWay.max == 90)
    }

    @Test func pooledFloorIsOverPanelToPanelLinksOnly() {
        let floor = TransportFloor(rounds: 2, links: [
            LinkFloor(link: RouteLink(from: -1, to: 0), payloadBytes: 10, roundTripsNs: [2_000_000, 2_000_000]),
            LinkFloor(link: RouteLink(from: 0, to: 1), payloadBytes: 10, roundTripsNs: [200_000, 200_000]),
            LinkFloor(link: RouteLink(from: 1, to: 2), payloadBytes: 10, roundTripsNs: [400_000, 400_000]),
            LinkFloor(link: RouteLink(from: 2, to: -1), payloadBytes: 10, roundTripsNs: [], error: "no PONG"),
        ])
        let pooled = floor.panelToPanel
        #expect(pooled.count == 4)
        #expect(abs(pooled.p50 - 100) <= 0.1)   // one-way samples 100, 100, 200, 200 µs
        #expect(pooled.max == 200)
        #expect(floor.floor(of: RouteLink(from: 2, to: -1))?.oneWay.p50.isNaN == true)
        #expect(TransportFloor.ratio(linkP50Us: 150, floorP50Us: 100) == 1.5)
        #expect(TransportFloor.ratio(linkP50Us: 150, floorP50Us: 0).isNaN)
        #expect(TransportFloor.ratio(linkP50Us: .nan, floorP50Us: 100).isNaN)
    }

    @Test func projectionMatchesAHandComputation() {
        // J = 2: compute 100 + 120 µs; hops controller->0, 0->1, 1->controller with overheads 30, 0 (below the floor,
        // clamped), 10 µs; the 25 Gbit/s model of 25,000 bytes is 8 µs + 0.87 µs per hop.
        var model = FronthaulSection()
        model.rateGbps = 25
        model.perTransferUs = 0.87
        let hops = [ProjectedHop(linkP50Us: 80, floorP50Us: 50, bytes: 25_000),
                    ProjectedHop(linkP50Us: 40, floorP50Us: 50, bytes: 25_000),
                    ProjectedHop(linkP50Us: 70, floorP50Us: 60, bytes: 25_000)]
        let t = DeploymentProjection.microseconds(computeP50Us: [100, 120], hops: hops, fronthaul: model)
        // 220 + (30 + 0 + 10) + 3 * (8 + 0.87) = 286.61
        #expect(abs(t - 286.61) < 1e-9)
        #expect(DeploymentProjection.microseconds(computeP50Us: [100], hops: [ProjectedHop(linkP50Us: .nan, floorP50Us: 1, bytes: 1)],
                                                  fronthaul: model).isNaN)
    }

    @Test func payloadSizesGrowAlongTheRoute() {
        let sizes = floorPayloadBytes(particles: 4096, route: [0, 1, 2, 3], reports: true)
        #expect(sizes.count == 5)
        // four packed float arrays dominate: 4 * 4 * 4096 = 65,536 bytes, plus the header, route, timings, reports
        #expect(sizes.allSatisfy { $0 > 65_536 && $0 < 67_000 })
        #expect(zip(sizes, sizes.dropFirst().dropLast()).allSatisfy { $0 < $1 })  // each panel adds its timing
        #expect(floorPayloadBytes(particles: 16, route: [], reports: false).isEmpty)
    }
}
