// DownlinkServeProcessTests: a `dmimo-downlink serve` process answers every processing mode, each with its PEB.
import ChainRuntime
import ComplexModule
import Downlink
import Foundation
import Testing
import Wire
import ZeroMQ

@Suite(.serialized) struct DownlinkServeProcessTests {
    /// One P1 and one P2 snapshot per estimator, plus one asking for an unknown estimator, to a node process over ipc.
    @Test func serveAnswersEveryModeWithItsPEB() throws {
        let endpoint = "ipc://" + temporaryDirectory("serve") + "/downlink.ipc"
        let node = Process()
        node.executableURL = builtProductsDirectory().appendingPathComponent("dmimo-downlink")
        node.arguments = ["serve", "--endpoint", endpoint, "--parent-pid", String(getpid())]
        node.standardOutput = FileHandle.nullDevice
        node.standardError = FileHandle.nullDevice
        try node.run()
        defer { node.terminate(); node.waitUntilExit() }

        let context = try ZMQContext()
        let socket = try ZMQSocket(context, .dealer)
        defer { socket.close() }
        try socket.connect(endpoint)

        var options = DownlinkNetworkOptions()
        options.squareCentre = Point2(15, 15)
        options.regionCentre = Point2(15.4, 14.2)
        let network = try DownlinkNetwork(options: options)
        let user = Point2(14.6, 15.1), powerDBm = -10.0
        let modes = DownlinkEstimatorKind.allCases.map(\.rawValue) + ["fast"]
        var step: UInt32 = 0
        var asked: [UInt32: (proto: Downlink.DownlinkProtocol, mode: String)] = [:]
        for proto in Downlink.DownlinkProtocol.allCases {
            let samples = DownlinkSignalModel.noisySnapshot(network: network, protocol: proto, user: user, phaseOffset: 0.2,
                                                            perAPPower: watts(fromDBm: powerDBm), noiseVariance: DownlinkConstants.noiseVariance,
                                                            seed: 5, runIndex: 3)
            for mode in modes {
                let snapshot = DownlinkSnapshot(downlinkProtocol: proto == .p2 ? .p2 : .p1, re: samples.map(\.real),
                                                im: samples.map(\.imaginary), illuminationX: network.illuminationX,
                                                illuminationY: network.illuminationY, powerDbm: powerDBm,
                                                centreX: 15.4, centreY: 14.2, frame: downlinkFrameName, processing: mode)
                let envelope = Envelope(header: Header(runID: 7, run: 0, step: step, sender: 0),
                                        body: .downlinkSnapshot(snapshot))
                #expect(try socket.send(WireCodec.encode(envelope), dontWait: false))
                asked[step] = (proto, mode)
                step += 1
            }
        }
        var answers: [UInt32: Wire.DownlinkEstimate] = [:]
        let deadline = Date().addingTimeInterval(60)
        while answers.count < asked.count && Date() < deadline {
            _ = try zmqPoll([socket], timeoutMs: 200)
            while let message = try socket.receive(dontWait: true) {
                let envelope = try WireCodec.decode(message.bytes)
                if case .downlinkEstimate(let e) = envelope.body, envelope.header.runID == 7 { answers[envelope.header.step] = e }
            }
        }
        #expect(answers.count == asked.count, "answers to \(answers.count) of \(asked.count) snapshots")
        let reading = DownlinkReading()
        for (step, request) in asked.sorted(by: { $0.key < $1.key }) {
            guard let e = answers[step] else { continue }
            guard let kind = DownlinkEstimatorKind(name: request.mode) else {
                #expect(e.error.contains("unknown processing 'fast'") && e.error.contains("adaptive"), "\(e.error)")
                continue
            }
            #expect(e.error.isEmpty, "\(request): \(e.error)")
            #expect(e.processing == kind.rawValue)
            let position = Point2(e.x, e.y)
            // the PEBs are those of the snapshot's geometry and power at the answered position
            func peb(_ processing: DownlinkProcessing) -> Double {
                reading.peb(network: network, protocol: request.proto, processing: processing, user: position,
                            phaseOffset: e.phaseOffsetRad.isNaN ? 0 : e.phaseOffsetRad, powerDBm: powerDBm)
            }
            #expect(abs(e.pebCoherentM / peb(.coherent) - 1) < 1e-9, "\(request) coherent PEB \(e.pebCoherentM)")
            #expect(abs(e.pebNonCoherentM / peb(.nonCoherent) - 1) < 1e-9, "\(request) non-coherent PEB \(e.pebNonCoherentM)")
            #expect(e.pebM == (kind == .nonCoherent ? e.pebNonCoherentM : e.pebCoherentM))
            #expect(e.pebCoherentM > 0 && e.pebCoherentM < e.pebNonCoherentM)
            #expect(e.computeNs > 0)
            let error = position.distance(to: user)
            switch kind {
            case .hybrid, .adaptive:
                #expect(error < 5 * e.pebCoherentM, "\(request): error \(error) m, PEB \(e.pebCoherentM) m")
                #expect(!e.phaseOffsetRad.isNaN)
            case .nonCoherent:
                #expect(error < 5 * e.pebNonCoherentM, "\(request): error \(error) m, PEB \(e.pebNonCoherentM) m")
                #expect(e.phaseOffsetRad.isNaN)
            case .coherent:
                // the coherent cost alone: some carrier-phase lobe near the coarse grid's best point, within a grid cell
                #expect(error < 0.5, "\(request): error \(error) m")
            }
        }
    }
}

@Suite(.serialized) struct DownlinkCheckProcessTests {
    /// `checkEndpoints` (chain-controller check) includes a downlink node over TCP: it answers Ping with Pong in this
    /// version; a port nobody listens on is reported unreachable.
    @Test func checkIncludesTheDownlinkEndpoint() throws {
        let port = Int.random(in: 20_000...40_000)
        let endpoint = "tcp://127.0.0.1:\(port)"
        let node = Process()
        node.executableURL = builtProductsDirectory().appendingPathComponent("dmimo-downlink")
        node.arguments = ["serve", "--endpoint", "tcp://127.0.0.1:\(port)", "--parent-pid", String(getpid())]
        node.standardOutput = FileHandle.nullDevice
        node.standardError = FileHandle.nullDevice
        try node.run()
        defer { node.terminate(); node.waitUntilExit() }
        var options = EndpointCheckOptions()
        options.checkControllerBind = false
        var report = checkEndpoints(panels: [], controllerBind: nil, controllerEndpoint: nil, downlink: endpoint, options: options)
        for _ in 0..<20 where !report.ok {   // the node may still be starting
            usleep(100_000)
            report = checkEndpoints(panels: [], controllerBind: nil, controllerEndpoint: nil, downlink: endpoint, options: options)
        }
        #expect(report.ok, "\(report.line)")
        #expect(report.line.contains("downlink node \(endpoint) answers"), "\(report.line)")
        let dead = checkEndpoints(panels: [], controllerBind: nil, controllerEndpoint: nil,
                                  downlink: "tcp://127.0.0.1:\(port + 1)", options: options)
        #expect(!dead.ok && dead.line.contains("downlink node"), "\(dead.line)")
    }
}

@Suite(.serialized) struct DownlinkInProcessTests {
    /// `chain-controller run --in-process` with downlink.enabled: the node process answers every step beside the
    /// in-process chain, one row per estimator with its PEB.
    @Test func theDownlinkNodeAnswersBesideAnInProcessRun() throws {
        let out = temporaryDirectory("downlink-inproc")
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent("chain-controller")
        process.arguments = ["run", "--in-process", "--set", "scenario.panels=4", "--set", "filter.particles=256", "--steps", "12",
                             "--set", "downlink.enabled=true", "--set", "downlink.max_in_flight=1000",
                             "--set", "downlink.processing=noncoherent,adaptive", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let rows = try String(contentsOfFile: out + "/downlink.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 1 + 2 * 12)
        let header = rows[0].split(separator: ",").map(String.init)
        let processing = try #require(header.firstIndex(of: "processing")), peb = try #require(header.firstIndex(of: "peb_m"))
        let error = try #require(header.firstIndex(of: "error_m"))
        let nonCoherentPEB = try #require(header.firstIndex(of: "peb_noncoherent_m"))
        var counts: [String: Int] = [:]
        for row in rows.dropFirst() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            counts[cells[processing], default: 0] += 1
            let bound = Double(cells[peb]) ?? .nan
            #expect(bound > 0 && (Double(cells[error]) ?? 1) < 5 * bound, "\(row)")
            if cells[processing] == "noncoherent" { #expect(cells[peb] == cells[nonCoherentPEB]) }
        }
        #expect(counts == ["noncoherent": 12, "adaptive": 12])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        #expect((summary?["downlink"] as? [String: Any])?["estimates_received"] as? Int == 24)
    }
}
