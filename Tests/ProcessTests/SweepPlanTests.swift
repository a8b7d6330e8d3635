// Sweep plan tests: units per point and run, ids stable under grid edits, shards partition the units, study commands.
import Testing
@testable import ChainRuntime
import Config

private func plan(_ text: String, quick: Bool = false) throws -> SweepPlan {
    try SweepPlan(file: SweepFile(path: "t.yaml", text: text), quick: quick)
}

@Suite struct SweepPlanTests {
    @Test func oneUnitPerPointAndRunWithUniqueIDs() throws {
        let p = try plan("runs: 3\ngrid:\n  - scenario.panels: [4, 12]\n  - filter.particles: [1024, 2048]\n")
        #expect(p.points.count == 4 && p.units.count == 12)
        #expect(Set(p.units.map(\.id)).count == 12)
        #expect(p.keys == ["scenario.panels", "filter.particles"])
        #expect(p.points[1].values.map(\.value) == ["4", "2048"])
        #expect(p.unitConfigYAML(p.units[2]).contains("seed: 2027"))   // run 2 of seed 2025
    }

    @Test func idsSurviveGridEditsAndShardsPartitionTheUnits() throws {
        let small = try plan("runs: 2\ngrid:\n  - scenario.panels: [4, 12]\n")
        let larger = try plan("runs: 2\ngrid:\n  - scenario.panels: [4, 8, 12]\n")
        #expect(Set(small.units.map(\.id)).isSubset(of: Set(larger.units.map(\.id))))
        let shards = (1...3).map { k in larger.units.filter { $0.index % 3 == k - 1 }.map(\.id) }
        #expect(shards.flatMap { $0 }.sorted() == larger.units.map(\.id).sorted())
        #expect(parseShard("2/3")! == (2, 3) && parseShard("4/3") == nil && parseShard("0/2") == nil)
    }

    @Test func downlinkUnitsBecomeStudyOptions() throws {
        let p = try plan("kind: downlink-rmse-vs-power\nruns: 7\ngrid:\n  - downlink.protocol: [P2]\n  - downlink.power_dbm: [-20]\n")
        let (name, arguments) = p.command(p.units[0], directory: "d")
        #expect(name == "dmimo-downlink")
        #expect(arguments.starts(with: ["study", "rmse-vs-power", "--out", "d/study.csv", "--quiet", "--runs", "7"]))
        #expect(arguments.contains("--protocols") && arguments.contains("P2") && arguments.contains("--powers-dbm"))
        #expect(throws: SweepError.self) { try plan("kind: downlink-peb-vs-x\ngrid:\n  - filter.particles: [1024]\n") }
        #expect(throws: SweepError.self) { try plan("grid:\n  - filter.particles: [1000]\n") }   // not a multiple of 16
    }
}
