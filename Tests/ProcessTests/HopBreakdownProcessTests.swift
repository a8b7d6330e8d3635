// Process-level test of hops.csv's per-hop breakdown: decode, measurement wait, update, encode, send (durations).
import Foundation
import Testing

@Suite(.serialized) struct HopBreakdownProcessTests {
    /// A short distributed run of `chain-controller run`: every panel→panel row has the five breakdown columns,
    /// finite and ≥ 0, and the three that fall inside the panel's compute span add up to at most compute_us.
    @Test func hopsCsvBreaksEveryPanelToPanelHopDown() throws {
        let out = temporaryDirectory("breakdown")
        let steps = 20, panels = 4
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent("chain-controller")
        process.arguments = ["run", "--set", "scenario.panels=\(panels)", "--set", "filter.particles=1024",
                             "--steps", "\(steps)", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let text = try String(contentsOfFile: out + "/hops.csv", encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(rows.first)
        let names = ["decode_us", "measurement_wait_us", "update_us", "encode_us", "send_us"]
        // added at the end, after the columns that were there before
        #expect(Array(header.suffix(names.count)) == names)
        #expect(header.firstIndex(of: "link_bound_us") == header.count - names.count - 1)
        let column = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        let compute = try #require(column["compute_us"]), run = try #require(column["run"]), step = try #require(column["step"])

        // rows come in route order per (run, step): the first is the controller's hop, the others panel→panel
        var seen: Set<String> = [], panelToPanel = 0
        for row in rows.dropFirst() {
            #expect(row.count == header.count)
            let key = row[run] + "," + row[step]
            guard seen.insert(key).inserted else { panelToPanel += 1; checkPanelToPanel(row, column, names, compute); continue }
            // the controller's hop: the panel's own three are there; encode and send are not reported
            for name in names.prefix(3) { #expect((Double(row[column[name]!]) ?? -1) >= 0, "\(name) in \(row)") }
        }
        #expect(seen.count == steps)
        #expect(panelToPanel == steps * (panels - 1))
    }

    func checkPanelToPanel(_ row: [String], _ column: [String: Int], _ names: [String], _ compute: Int) {
        var values: [String: Double] = [:]
        for name in names {
            let value = Double(row[column[name]!])
            #expect(value.map { $0.isFinite && $0 >= 0 } == true, "\(name) in \(row)")
            values[name] = value ?? .nan
        }
        // compute_us spans decode, the wait and the update (no emulation padding here); each column is rounded
        // to 1 ns, hence the 0.005 µs
        let inside = values["decode_us"]! + values["measurement_wait_us"]! + values["update_us"]!
        #expect(inside <= (Double(row[compute]) ?? -1) + 0.005, "\(row)")
        #expect(values["update_us"]! > 0, "an update takes time: \(row)")
    }
}
