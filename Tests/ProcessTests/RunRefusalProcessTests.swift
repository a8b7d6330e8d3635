// RunRefusalProcessTests: `chain-controller run` refuses what it cannot run before any process starts, in both modes;
// fault actions map one to one onto the wire's control actions.
import ChainRuntime
import Config
import Foundation
import Testing
import Wire

/// `chain-controller run` as a user runs it, with a configuration it must refuse.
@Suite(.serialized) struct RunRefusalProcessTests {
    /// Runs `chain-controller run` with `arguments` and an output folder of its own.
    /// - Returns: the exit status, standard error, and whether the output folder was created (it is made before the
    ///   panel processes start, so a refusal without it started none).
    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String, wroteResults: Bool) {
        let executable = URL(fileURLWithPath: currentExecutablePath()).deletingLastPathComponent()
            .appendingPathComponent("chain-controller")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw RuntimeError("chain-controller not built at \(executable.path)")
        }
        let out = temporaryDirectory("refusal")
        try? FileManager.default.removeItem(atPath: out)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["run", "--out", out, "--set", "run.steps=2"] + arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self),
                FileManager.default.fileExists(atPath: out))
    }

    @Test(arguments: [[], ["--in-process"]])
    func anUnknownFilterMethodNamesTheAllowedOnes(_ mode: [String]) throws {
        let result = try run(mode + ["--set", "filter.method=nope"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("filter.method") && result.stderr.contains("loca-los | loca-mpc"), "\(result.stderr)")
        #expect(!result.wroteResults)
    }

    @Test(arguments: [[], ["--in-process"]])
    func anUnknownFaultActionNamesTheAllowedOnes(_ mode: [String]) throws {
        let result = try run(mode + ["--set", "faults=[{at_step: 1, action: nope, panel: 0}]"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("faults[0].action")
                && result.stderr.contains("kill | stop | restart | partition | slow | corrupt | duplicate"), "\(result.stderr)")
        #expect(!result.wroteResults)
    }

    /// Panel processes run at most 64 islands (more are refused, never silently run otherwise); in one process
    /// both methods run islands.
    @Test func islandsBeyondSixtyFourAreRefusedOverPanelProcesses() throws {
        // panel processes track a step's islands in a 64-bit mask
        let distributed = try run(["--set", "filter.islands=128"])
        #expect(distributed.status != 0)
        #expect(distributed.stderr.contains("filter.islands = 128") && distributed.stderr.contains("64"),
                "\(distributed.stderr)")
        #expect(!distributed.wroteResults)
        let mpc = try run(["--in-process", "--set", "filter.method=loca-mpc", "--set", "filter.islands=8"])
        #expect(mpc.status == 0, "\(mpc.stderr)")
        #expect(mpc.wroteResults)
    }

    @Test func inProcessRefusesScriptedFaults() throws {
        let result = try run(["--in-process", "--set", "faults=[{at_step: 1, action: kill, panel: 0}]"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--in-process") && result.stderr.contains("faults"), "\(result.stderr)")
        #expect(!result.wroteResults)
    }
}

/// The one mapping between configured fault actions and the wire's control actions.
@Suite struct FaultActionMappingTests {
    @Test func everyFaultActionCrossesTheWireAndComesBack() {
        for action in FaultAction.allCases { #expect(FaultAction(ControlAction(action)) == action) }
        #expect(Set(FaultAction.allCases.map { ControlAction($0) }).count == FaultAction.allCases.count)
        for notAFault: ControlAction in [.shutdown, .heal, .unspecified] { #expect(FaultAction(notAFault) == nil) }
    }
}
