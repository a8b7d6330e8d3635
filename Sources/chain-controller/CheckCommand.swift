// CheckCommand: `chain-controller check` — every endpoint of a distributed chain reachable and on our versions, in one line.
import ArgumentParser
import ChainLog
import ChainRuntime
import Config

struct CheckCommand: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a distributed chain's endpoints before a run and print one line: OK, or the first problem.",
        discussion: """
        For the configuration given (--config, --set), checks that the controller can bind chain.controller_bind, \
        that the host of chain.controller_endpoint resolves, and for every panel data endpoint of \
        chain.panel_endpoints (host names or IP addresses) that its name resolves, that a TCP connection opens, and \
        that the panel answers a Ping with a Pong in this controller's wire protocol version and dmimo version, \
        as the panel of that index (and, with --run-id, in that run). With downlink.enabled and a tcp:// \
        downlink.endpoint, the dmimo-downlink node is checked the same way (name, TCP, Ping → Pong in this \
        version; it is in no run). With security.curve the Pings go over CURVE \
        with the controller's key: a panel holding other keys stays silent. Each phase waits at most --timeout-ms. \
        Prints one line, "check: OK …" or "check: FAIL <role> <endpoint> <what is wrong> (and N more: …)"; \
        exit status 0 when everything is fine, 1 when a problem was found.
        """)

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Longest wait of each phase (name resolution, TCP connection, Pong), in milliseconds.")
    var timeoutMs: Int = 2000

    @Option(help: ArgumentHelp(
        "For a running chain: the run id every panel must be in (decimal or 0x hex), or 'running' for one common "
        + "non-idle run. Skips the controller-bind check (the controller holds it).", valueName: "id|running"))
    var runID: String?

    @Flag(help: "Also log every endpoint's finding, one line each (level info), on standard error.")
    var verbose = false

    @OptionGroup var logging: LogOptions

    func validate() throws {
        guard (10...600_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms must be in 10...600000") }
        if let runID, parseRunExpectation(runID) == nil {
            throw ValidationError("--run-id must be a number (decimal or 0x hex) or 'running', got '\(runID)'")
        }
    }

    func run() throws {
        let config = try configOptions.load()
        let panels = config.scenario.panels
        let endpoints = config.chain.endpoints(panels: panels) ?? []
        if !endpoints.isEmpty && endpoints.count != panels {
            print("check: FAIL chain.panel_endpoints lists \(endpoints.count) endpoints for scenario.panels = \(panels)")
            throw ExitCode(1)
        }
        var options = EndpointCheckOptions()
        options.timeoutMs = timeoutMs
        if let runID {
            guard let expectation = parseRunExpectation(runID) else {
                throw ValidationError("--run-id must be a number (decimal or 0x hex) or 'running', got '\(runID)'")
            }
            options.runExpectation = expectation
        }
        options.checkControllerBind = runID == nil
        if config.security.curve {
            do { options.security = try ChainKeyRing(directory: config.security.keysDir).security(for: controllerKeyName) }
            catch { print("check: FAIL security.keys_dir: \(error)"); throw ExitCode(1) }
        }
        // the downlink node: when enabled on a TCP endpoint of its own (empty: `run` starts one itself over ipc)
        let downlink = config.downlink.enabled && config.downlink.endpoint.hasPrefix("tcp://") ? config.downlink.endpoint : nil
        let report = checkEndpoints(panels: endpoints, controllerBind: config.chain.controllerBind,
                                    controllerEndpoint: config.chain.controllerEndpoint, downlink: downlink, options: options)
        if verbose {
            for r in report.results {
                ChainLog.controller.info("\(r.status)", metadata: ["role": "\(r.role)", "endpoint": "\(r.endpoint)"])
            }
        }
        print(report.line)
        if !report.ok { throw ExitCode(1) }
    }
}

/// `running` → ``RunExpectation/sameRunning``; a decimal or 0x-hex number → ``RunExpectation/exactly(_:)``.
func parseRunExpectation(_ text: String) -> RunExpectation? {
    if text == "running" { return .sameRunning }
    if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16).map { .exactly($0) } }
    return UInt64(text).map { .exactly($0) }
}
