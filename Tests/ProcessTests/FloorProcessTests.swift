// FloorProcessTests: a distributed run times a finite, positive transport floor on every link of its route.
import ChainRuntime
import Config
import Foundation
import Testing

@Suite(.serialized) struct FloorProcessTests {
    func run(_ overrides: [String]) throws -> String {
        let out = temporaryDirectory("floor")
        var options = RunJobOptions()
        options.out = out
        options.commandLine = ["test"]
        options.panelBinary = siblingExecutable("panel-node")
        let config = try ExperimentConfig.load(yaml: "", overrides: ["scenario.panels=4", "filter.particles=512",
                                                                     "run.steps=10", "run.seed=5"] + overrides)
        _ = try RunJob(config: config, options: options).run()
        return out
    }

    @Test func everyLinkOfTheRouteHasAFinitePositiveFloor() throws {
        let out = try run(["chain.floor_rounds=20"])
        let lines = try String(contentsOfFile: out + "/links.csv", encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        // controller -> 0, 0 -> 1, 1 -> 2, 2 -> 3, 3 -> controller
        #expect(rows.map { "\($0[0])>\($0[1])" } == ["-1>0", "0>1", "1>2", "2>3", "3>-1"])
        let p50 = try #require(header.firstIndex(of: "floor_p50_us"))
        let rounds = try #require(header.firstIndex(of: "rounds"))
        let bytes = try #require(header.firstIndex(of: "payload_bytes"))
        for row in rows {
            let floor = try #require(Double(row[p50]), "\(row)")
            #expect(floor.isFinite && floor > 0, "\(row)")
            #expect(row[rounds] == "20")
            #expect((Int(row[bytes]) ?? 0) > 16 * 512)   // γ-sized: four float arrays of N_p particles and more
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        let pooled = try #require(summary?["link_floor_us"] as? [String: Any])
        #expect(((pooled["p50"] as? Double) ?? 0) > 0)
        #expect((pooled["n"] as? Int) == 3 * 20)
        #expect(((summary?["link_over_floor"] as? Double) ?? 0) > 0)
        #expect(((summary?["projected_deployment_us"] as? Double) ?? 0) > 0)
    }

    @Test func noFloorWhenItIsOff() throws {
        let out = try run(["chain.floor_rounds=0"])
        #expect(!FileManager.default.fileExists(atPath: out + "/links.csv"))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        #expect(summary?["link_floor_us"] == nil && summary?["projected_deployment_us"] == nil)
    }
}
