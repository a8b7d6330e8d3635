// EndpointCheckTests: endpoint parsing, Pong classification, the one-line verdict, and checks against fake panels.
import ChainRuntime
import Foundation
import Testing
import Wire

/// The encoded Pong a panel following the contract sends.
func pong(seq: UInt32, sender: Int32, version: UInt32 = wireProtocolVersion, software: String = dmimoVersion,
          runID: UInt64 = 0) -> [UInt8] {
    WireCodec.encode(Envelope(header: Header(runID: runID, sender: sender, protocolVersion: version),
                              body: .pong(Ping(sentNs: 5, seq: seq, payload: Array(software.utf8)))))
}

func fastOptions(_ timeoutMs: Int = 1000) -> EndpointCheckOptions {
    var options = EndpointCheckOptions()
    options.timeoutMs = timeoutMs
    return options
}

struct EndpointParsingTests {
    @Test func hostNamesIPv4AndBracketedIPv6Parse() {
        #expect(TCPEndpoint(parsing: "tcp://panel-3.lab:5550") == TCPEndpoint(host: "panel-3.lab", port: 5550))
        #expect(TCPEndpoint(parsing: " tcp://10.1.2.3:1 ") == TCPEndpoint(host: "10.1.2.3", port: 1))
        #expect(TCPEndpoint(parsing: "tcp://[::1]:65535") == TCPEndpoint(host: "::1", port: 65535))
        #expect(TCPEndpoint(host: "::1", port: 7).description == "tcp://[::1]:7")
        #expect(TCPEndpoint(host: "panel-0", port: 7).description == "tcp://panel-0:7")
    }

    @Test func bindOnlyAndMalformedEndpointsDoNotParse() {
        for text in ["tcp://*:5550", "tcp://host:*", "tcp://host:0", "tcp://host:65536", "tcp://host", "tcp://:5550",
                     "ipc:///tmp/x", "udp://h:1", "tcp://::1:5550", "tcp://[::1:5550", "tcp://eth0;10.0.0.1:5550"] {
            #expect(TCPEndpoint(parsing: text) == nil, "\(text)")
        }
    }
}

struct PongClassificationTests {
    @Test func aContractPongIsOKWithItsRunAndRoundTrip() {
        let status = classifyPong(pong(seq: 4, sender: 2, runID: 9), panel: 2, seq: 4, software: dmimoVersion,
                                  expectation: .ignore, roundTripNs: 1234)
        #expect(status == .ok(runID: 9, software: dmimoVersion, roundTripNs: 1234))
    }

    @Test func thePanelNodePayloadFormatCarriesTheVersion() {
        #expect(softwareVersion(inPongPayload: Array("0.1.0".utf8)) == "0.1.0")
        #expect(softwareVersion(inPongPayload: Array("dmimo-chain 0.1.0 panel 3 run-id 0".utf8)) == "0.1.0")
        #expect(softwareVersion(inPongPayload: Array("dmimo-chain 0.2.0".utf8)) == "0.2.0")
        #expect(softwareVersion(inPongPayload: []) == "")
        let described = classifyPong(pong(seq: 1, sender: 3, software: "dmimo-chain 0.1.0 panel 3 run-id 7", runID: 7),
                                     panel: 3, seq: 1, software: "0.1.0", expectation: .exactly(7), roundTripNs: 9)
        #expect(described == .ok(runID: 7, software: "0.1.0", roundTripNs: 9))
        let other = classifyPong(pong(seq: 1, sender: 3, software: "dmimo-chain 0.3.0 panel 3 run-id 0"),
                                 panel: 3, seq: 1, software: "0.1.0", expectation: .ignore, roundTripNs: 9)
        #expect(other == .softwareMismatch("0.3.0"))
    }

    @Test func eachMismatchIsNamed() {
        func classify(_ bytes: [UInt8], _ expectation: RunExpectation = .ignore) -> EndpointStatus {
            classifyPong(bytes, panel: 2, seq: 4, software: "0.1.0", expectation: expectation, roundTripNs: 0)
        }
        #expect(classify(pong(seq: 4, sender: 2, version: wireProtocolVersion + 1)) == .protocolMismatch(wireProtocolVersion + 1))
        #expect(classify(pong(seq: 0, sender: 2, version: 7)) == .protocolMismatch(7))  // version reply to any message
        #expect(classify(pong(seq: 4, sender: 2, software: "0.2.0")) == .softwareMismatch("0.2.0"))
        #expect(classify(pong(seq: 4, sender: 3)) == .wrongNode(3))
        #expect(classify(pong(seq: 4, sender: 2, runID: 5), .exactly(6)) == .runMismatch(found: 5, expected: 6))
        #expect(classify(pong(seq: 4, sender: 2, runID: 6), .exactly(6)) == .ok(runID: 6, software: "0.1.0", roundTripNs: 0))
        guard case .badReply = classify(pong(seq: 3, sender: 2)) else { Issue.record("stale sequence accepted"); return }
        guard case .badReply = classify([0xff, 0x01, 0x02]) else { Issue.record("garbage accepted"); return }
        let ack = WireCodec.encode(Envelope(header: Header(runID: 0, sender: 2), body: .hopAck(HopAck(hop: 0, recvNs: 0))))
        guard case .badReply = classify(ack) else { Issue.record("HopAck accepted as Pong"); return }
    }

    @Test func sameRunMarksIdleAndMinorityPanels() {
        let results = [(0, 7), (1, 7), (2, 0), (3, 8), (4, 7)].map { k, run in
            EndpointCheckResult(role: "panel \(k)", panel: k, endpoint: "tcp://p\(k):1",
                                status: .ok(runID: UInt64(run), software: "v", roundTripNs: 0))
        }
        let marked = applySameRun(results).map(\.status)
        #expect(marked[0] == results[0].status && marked[1] == results[1].status && marked[4] == results[4].status)
        #expect(marked[2] == .runMismatch(found: 0, expected: 7))
        #expect(marked[3] == .runMismatch(found: 8, expected: 7))
        // all idle: nobody is running
        let idle = results.map { var r = $0; r.status = .ok(runID: 0, software: "v", roundTripNs: 0); return r }
        #expect(applySameRun(idle).allSatisfy { $0.status == .runMismatch(found: 0, expected: nil) })
    }
}

struct SummaryLineTests {
    @Test func theMostBasicProblemIsNamedFirstOnOneLine() {
        let results = [
            EndpointCheckResult(role: "panel 0", panel: 0, endpoint: "tcp://a:1", status: .protocolMismatch(2)),
            EndpointCheckResult(role: "panel 1", panel: 1, endpoint: "tcp://b:1", status: .ok(runID: 0, software: "v", roundTripNs: 1)),
            EndpointCheckResult(role: "panel 2", panel: 2, endpoint: "tcp://c:1", status: .unreachable("Connection refused")),
        ]
        let line = checkSummaryLine(results, protocolVersion: 1, software: "v")
        #expect(line == "check: FAIL panel 2 tcp://c:1 is unreachable: Connection refused (and 1 more: panel 0)")
        #expect(!line.contains("\n"))
        #expect(!EndpointCheckReport(results: results).ok)
    }

    @Test func aCleanCheckSaysWhatWasChecked() {
        let results = [
            EndpointCheckResult(role: "controller bind", panel: nil, endpoint: "tcp://*:5500", status: .fine),
            EndpointCheckResult(role: "panel 0", panel: 0, endpoint: "tcp://a:1", status: .ok(runID: 0, software: "v", roundTripNs: 250_000)),
            EndpointCheckResult(role: "panel 1", panel: 1, endpoint: "tcp://b:1", status: .ok(runID: 0, software: "v", roundTripNs: 1_500_000)),
        ]
        let line = checkSummaryLine(results, protocolVersion: 1, software: "v")
        #expect(line == "check: OK 2 panels (tcp://a:1 … tcp://b:1) answer: protocol version 1, dmimo v, all idle (run id 0), "
                + "Ping round trip max 1.500 ms; controller bind tcp://*:5500 is free")
        #expect(EndpointCheckReport(results: results).ok)
    }
}

@Suite(.serialized) struct FakePanelCheckTests {
    @Test func panelsThatFollowTheContractPass() throws {
        let fakes = try (0..<3).map { try FakePanel(.pong(index: Int32($0))) }
        defer { fakes.forEach { $0.stop() } }
        let report = checkEndpoints(panels: fakes.map(\.endpoint), controllerBind: "tcp://127.0.0.1:*",
                                    controllerEndpoint: "tcp://localhost:5500", options: fastOptions())
        #expect(report.ok, "\(report.line)")
        #expect(report.line.hasPrefix("check: OK 3 panels (\(fakes[0].endpoint) … \(fakes[2].endpoint)) answer"))
    }

    @Test func aMismatchedProtocolVersionIsNamedWithItsEndpoint() throws {
        let fakes = try [FakePanel(.pong(index: 0)), FakePanel(.pong(index: 1, protocolVersion: wireProtocolVersion + 1))]
        defer { fakes.forEach { $0.stop() } }
        let report = checkEndpoints(panels: fakes.map(\.endpoint), controllerBind: nil, controllerEndpoint: nil,
                                    options: fastOptions())
        #expect(report.line == "check: FAIL panel 1 \(fakes[1].endpoint) speaks protocol version \(wireProtocolVersion + 1), "
                + "this controller speaks \(wireProtocolVersion)")
    }

    @Test func anUnreachableEndpointIsNamedBeforeLesserProblems() throws {
        let closed = try closedLoopbackEndpoint()
        let fakes = try [FakePanel(.pong(index: 0, software: "9.9.9")), FakePanel(.pong(index: 1))]
        defer { fakes.forEach { $0.stop() } }
        let report = checkEndpoints(panels: [fakes[0].endpoint, fakes[1].endpoint, closed], controllerBind: nil,
                                    controllerEndpoint: nil, options: fastOptions())
        #expect(report.line.hasPrefix("check: FAIL panel 2 \(closed) is unreachable: "), "\(report.line)")
        #expect(report.line.hasSuffix("(and 1 more: panel 0)"), "\(report.line)")
        #expect(report.results[0].status == .softwareMismatch("9.9.9"))
    }

    @Test func silenceAndSwappedPanelsAndRunIDsAreCaughtWithinTheTimeout() throws {
        let fakes = try [FakePanel(.silent), FakePanel(.pong(index: 2, runID: 5)), FakePanel(.pong(index: 1, runID: 5)),
                         FakePanel(.pong(index: 3, runID: 6))]
        defer { fakes.forEach { $0.stop() } }
        var options = fastOptions(300)
        options.runExpectation = .exactly(5)
        let start = ContinuousClock.now
        let report = checkEndpoints(panels: fakes.map(\.endpoint), controllerBind: nil, controllerEndpoint: nil, options: options)
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(report.results.map(\.status) == [.silent(timeoutMs: 300), .wrongNode(2), .wrongNode(1),
                                                 .runMismatch(found: 6, expected: 5)])
        #expect(report.line.hasPrefix("check: FAIL panel 0 \(fakes[0].endpoint) accepts TCP but sent no Pong within 300 ms"))
    }

    @Test func aControllerBindInUseIsNamed() throws {
        let holder = try FakePanel(.silent)
        defer { holder.stop() }
        let report = checkEndpoints(panels: [], controllerBind: holder.endpoint, controllerEndpoint: nil, options: fastOptions())
        #expect(report.line == "check: FAIL controller bind \(holder.endpoint) cannot be bound: Address already in use")
    }
}

/// `chain-controller check` as a user runs it: one line on standard output, exit status 1 on a problem.
@Suite(.serialized) struct CheckCommandTests {
    func runCheck(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let executable = URL(fileURLWithPath: currentExecutablePath()).deletingLastPathComponent()
            .appendingPathComponent("chain-controller")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw RuntimeError("chain-controller not built at \(executable.path)")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["check"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theCommandPrintsOneLineNamingTheUnreachableEndpoint() throws {
        let fakes = try (0..<3).map { try FakePanel(.pong(index: Int32($0))) }
        defer { fakes.forEach { $0.stop() } }
        let closed = try closedLoopbackEndpoint()
        let endpoints = fakes.map(\.endpoint) + [closed]
        let bad = try runCheck(["--set", "scenario.panels=4", "--set", "chain.panel_endpoints=\(endpoints.joined(separator: ","))",
                                "--timeout-ms", "500"])
        #expect(bad.status == 1)
        #expect(bad.stdout.split(separator: "\n").count == 1)
        #expect(bad.stdout.hasPrefix("check: FAIL panel 3 \(closed) is unreachable: "), "\(bad.stdout)")

        let good = try runCheck(["--set", "scenario.panels=2", "--set",
                                 "chain.panel_endpoints=\(fakes[0].endpoint),\(fakes[1].endpoint)", "--timeout-ms", "500"])
        #expect(good.status == 0)
        #expect(good.stdout.hasPrefix("check: OK 2 panels"), "\(good.stdout)")
        #expect(good.stdout.split(separator: "\n").count == 1)
    }

    @Test func aListOfTheWrongLengthIsOneLineToo() throws {
        let result = try runCheck(["--set", "scenario.panels=4", "--set", "chain.panel_endpoints=tcp://127.0.0.1:1,tcp://127.0.0.1:2"])
        #expect(result.status == 1)
        #expect(result.stdout == "check: FAIL chain.panel_endpoints lists 2 endpoints for scenario.panels = 4\n")
    }
}
