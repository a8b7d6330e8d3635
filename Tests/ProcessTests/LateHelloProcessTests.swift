// LateHelloProcessTests: panels repeat Hello until configured; a Hello sent before the Configure arrived is no restart.
import ChainRuntime
import Config
import Foundation
import Testing

@Suite(.serialized) struct LateHelloProcessTests {
    @Test func onlyANewProcessOrAHelloAfterTheConfigurationIsARestart() {
        // the same process, not yet heard as configured: a Hello it sent before the Configure reached it
        #expect(!ChainSession.helloIsRestart(pid: 4242, host: "panel-3", knownPID: 4242, knownHost: "panel-3", heardConfigured: false))
        // a new process (pid or host changed)
        #expect(ChainSession.helloIsRestart(pid: 4243, host: "panel-3", knownPID: 4242, knownHost: "panel-3", heardConfigured: false))
        #expect(ChainSession.helloIsRestart(pid: 4242, host: "panel-9", knownPID: 4242, knownHost: "panel-3", heardConfigured: false))
        // the same pid after the panel was heard configured: restarted (e.g. pid 1 in a restarted container)
        #expect(ChainSession.helloIsRestart(pid: 1, host: "panel-3", knownPID: 1, knownHost: "panel-3", heardConfigured: true))
    }

    /// Panels started before the controller with 10 ms heartbeats send Hello every 10 ms until configured, so Hellos
    /// keep arriving after start-up; before the fix some panels left the route at step 0 as "restarted" and the
    /// steps were degraded (seen in about one run of four).
    @Test func panelsStartedBeforeTheControllerStayInTheRoute() throws {
        let panels = 4, steps = 10
        let config = try ExperimentConfig.load(yaml: "", overrides: [
            "scenario.panels=\(panels)", "filter.particles=256", "run.steps=\(steps)", "run.seed=5", "chain.ack_timeout_ms=2000"])
        let experiment = try Experiment(config: config)
        let signals = try SignalWatcher()
        for attempt in 0..<4 {
            let directory = temporaryDirectory("late-hello")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let control = "ipc://\(directory)/control"
            let endpoints = (0..<panels).map { "ipc://\(directory)/panel-\($0)" }
            let children = ChildProcesses()
            defer { children.terminateAll() }
            for k in 0..<panels {
                _ = try children.spawn(name: "panel-\(k)", executable: try panelExecutable(), arguments: [
                    "run", "--index", "\(k)", "--controller", control, "--bind", endpoints[k], "--heartbeat-ms", "10",
                    "--controller-silence-ms", "30000"], logPath: "\(directory)/panel-\(k).log")
            }
            var options = SessionOptions(panels: panels, runID: UInt64(700 + attempt))
            options.spawn = false
            options.controlBind = control
            options.panelEndpoints = endpoints
            let config = try ExperimentConfig.load(yaml: experiment.configYAML)
            options.runFilter(experiment, chain: config.chain, fronthaul: config.fronthaul)
            let session = try ChainSession(options: options, signals: signals)
            defer { session.shutdown() }
            try session.start()
            let files = try ResultFiles(directory: directory, panels: panels, withHops: false)
            let result = try runDistributed(experiment, session: session, files: files, liveness: LivenessSettings(config.chain),
                                            progress: ProgressLine(label: "test"))
            files.close()
            #expect(result.accumulator.delivered == steps, "attempt \(attempt)")
        }
    }
}
