// Config tests: defaults == configs/default.yaml, golden filter constants, YAML round trip, overrides, error messages.
import Foundation
import Testing
import Yams
@testable import Config
import Localization
import Scenario
import TestFixtures

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()


private func message(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}

@Suite struct ConfigDefaultsTests {
    @Test func defaultsAreThePapersOperatingPoint() {
        let config = ExperimentConfig()
        #expect(config.scenario.panels == 24)
        #expect(config.scenario.arraySize == 25 && config.scenario.arraySide == 5)
        #expect(config.radio.bandwidthHz == 400e6)
        #expect(config.filter.method == .locaLoS)
        #expect(config.filter.particles == 4096)
        #expect(config.run.steps == 526 && config.run.runs == 1 && config.run.seed == 2025)
        #expect(config.runSeed(0) == 2025 && config.runSeed(4) == 2029)
        // the scenario defaults of the Scenario module are the same operating point
        #expect(config.radioParameters == RadioParameters())
        #expect(config.trajectoryParameters == TrajectoryParameters())
        #expect(config.scenarioParameters == ScenarioParameters())
    }

    /// `configs/default.yaml` loads to `ExperimentConfig()` and is exactly its documented rendering (so every
    /// key is in the file with its current doc). On a mismatch the expected file is written to the temporary
    /// directory; copy it over configs/default.yaml after checking the difference.
    @Test func defaultYAMLFileIsTheDefault() throws {
        let url = repositoryRoot.appendingPathComponent("configs/default.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(try ExperimentConfig.load(yaml: text) == ExperimentConfig())
        let rendering = ExperimentConfig().yaml()
        if text != rendering {
            let expected = FileManager.default.temporaryDirectory.appendingPathComponent("default.yaml.expected")
            try rendering.write(to: expected, atomically: true, encoding: .utf8)
            Issue.record("configs/default.yaml differs from ExperimentConfig().yaml(); expected text in \(expected.path)")
        }
        for key in ExperimentConfig.keys {
            #expect(text.contains("\n  \(key.key): \(key.defaultValue)\n"), "\(key.name) missing from default.yaml")
        }
    }

    /// The filter and model constants of Tests/Fixtures/loca_scenario.json (`constants`, `constants.filter`, named as
    /// in the reference's default_filter_params) are the config defaults.
    @Test func defaultsMatchTheGoldenConstants() throws {
        let golden = try Fixtures.jsonObject("loca_scenario.json")
        let constants = try #require(golden["constants"] as? [String: Any])
        let filter = try #require(constants["filter"] as? [String: Any])
        let config = ExperimentConfig()
        func value(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }
        var checked = 0
        for (name, entry) in filter {
            switch name {
            case "dt":
                #expect(config.scenario.timeStep == value(entry))
            case "u_bmax":
                #expect(abs(config.radioParameters.maxAmplitude - value(entry)) <= 1e-12 * value(entry))
            case "reg_floor":
                #expect(config.filter.regularizationFloor == (entry as! [Any]).map(value))
            default:
                let text = try config.value(forKey: "filter.\(name)")
                #expect(Double(text) == value(entry), "filter.\(name) = \(text), golden \(value(entry))")
            }
            checked += 1
        }
        #expect(checked == 12)
        #expect(config.radio.carrierHz == value(constants["f_c"]))
        #expect(config.radio.snr1mDb == value(constants["snr_1m_db"]))
        #expect(config.radio.reflectionLossDb == value(constants["refl_loss_db"]))
        #expect(config.radio.detectionThreshold == value(constants["u_de"]))
        #expect(config.radio.falseAlarmMean == value(constants["mu_fa"]))
        #expect(config.radio.maxDistance == value(constants["d_max"]))
    }

    @Test func worldFromConfig() throws {
        var config = ExperimentConfig()
        try config.set("scenario.panels=8")
        try config.set("scenario.array_size=289")
        let world = try World(config.scenarioParameters)
        #expect(world.panelCount == 8)
        #expect(world.array.side == 17 && world.array.elementCount == 289)
        #expect(world.stepCount == 526)
    }
}

@Suite struct ConfigTextTests {
    /// Every key changed, written, read back: equal, and the rendering is a fixed point.
    @Test func roundTripThroughYAML() throws {
        let overrides = [
            "scenario.panels=48", "scenario.array_size=289", "scenario.trajectory_samples=1000",
            "scenario.time_step_s=0.1", "scenario.fillet_radius_m=1.5",
            "radio.bandwidth_hz=40e6", "radio.carrier_hz=3.5e9", "radio.snr_1m_db=27.5",
            "radio.reflection_loss_db=6", "radio.detection_threshold=2.5", "radio.false_alarm_mean=2",
            "radio.max_distance_m=50", "filter.method=loca-mpc", "filter.particles=1024", "filter.islands=4", "filter.sigma_a=0.3",
            "filter.h_reg=0.2", "filter.reg_floor=[0.002, 0.002, 1e-4, 0.1]", "filter.p_s=0.9", "filter.p_b=0.1",
            "filter.rw_rel=0.07", "filter.rw_abs=0.2", "filter.pe0=0.4", "filter.p_de=0.6", "filter.mu_mpc=0",
            "filter.prior_radius_m=1", "filter.prior_velocity_halfwidth_mps=0.1", "filter.bp_max_iterations=50",
            "filter.bp_tolerance=1e-9", "run.steps=900", "run.runs=20", "run.seed=18446744073709551615",
            "chain.controller_bind=tcp://*:5500", "chain.controller_endpoint=tcp://10.0.0.1:5500",
            "chain.panel_endpoints=tcp://panel-{k}.lab:5550", "chain.startup_timeout_ms=30000",
            "chain.lookahead_steps=4", "chain.ack_timeout_ms=100", "chain.hop_retries=2", "chain.step_deadline_ms=5000",
            "chain.max_attempts=5", "chain.readmit_after_ms=1000", "chain.cpu_placement=spread", "chain.floor_rounds=20", "fronthaul.mode=emulate", "fronthaul.rate_gbps=10",
            "fronthaul.per_transfer_us=2", "downlink.enabled=true", "downlink.endpoint=tcp://10.0.0.2:5600",
            "downlink.follow_chain=false", "downlink.protocol=P2", "downlink.power_dbm=-20",
            "downlink.illumination_points=49", "downlink.phase_offset_deg=-30", "downlink.max_in_flight=8",
            "downlink.processing=hybrid,adaptive,coherent,noncoherent",
            "security.curve=true", "security.keys_dir=/etc/dmimo/keys",
            "trace.file=traces/room.csv",
        ]
        let faults = "faults=[{at_step: 100, action: kill, panel: 3}, {at_step: 300, action: stop, panel: 5, duration_ms: 2000}]"
        let config = try ExperimentConfig.load(yaml: "", overrides: overrides + [faults])
        #expect(config.faults == [FaultSpec(atStep: 100, action: .kill, panel: 3),
                                  FaultSpec(atStep: 300, action: .stop, panel: 5, durationMs: 2000)])
        #expect(config.chain.endpoints(panels: 3) == ["tcp://panel-0.lab:5550", "tcp://panel-1.lab:5550", "tcp://panel-2.lab:5550"])
        let defaults = ExperimentConfig()
        #expect(overrides.count == ExperimentConfig.keys.count)  // the fault list is not a table key
        for key in ExperimentConfig.keys {
            #expect(key.render(config) != key.render(defaults), "\(key.name) not changed by the test")
        }
        let text = config.yaml()
        let reloaded = try ExperimentConfig.load(yaml: text)
        #expect(reloaded == config)
        #expect(reloaded.yaml() == text)
        #expect(config.filter.regularizationFloor == [0.002, 0.002, 1e-4, 0.1])
        #expect(config.run.seed == UInt64.max && config.runSeed(1) == 0)
    }

    @Test func partialYAMLKeepsDefaultsAndAcceptsBothKeyForms() throws {
        let nested = try ExperimentConfig.load(yaml: "filter:\n  particles: 1024\n  method: loca-mpc\n")
        var expected = ExperimentConfig()
        expected.filter.particles = 1024
        expected.filter.method = .locaMPC
        #expect(nested == expected)
        let dotted = try ExperimentConfig.load(yaml: "filter.particles: 1_024\nfilter.method: \"loca-mpc\"\n")
        #expect(dotted == expected)
        #expect(try ExperimentConfig.load(yaml: "# only a comment\n") == ExperimentConfig())
        #expect(try ExperimentConfig.load(yaml: "radio: {bandwidth_hz: 4.0e+7}").radio.bandwidthHz == 40e6)
    }

    @Test func overrides() throws {
        var config = ExperimentConfig()
        try config.set("filter.particles=1024")
        try config.set(" filter.method = loca-mpc ")
        try config.set("radio.bandwidth_hz=40e6")
        try config.set("filter.reg_floor=0.002,0.002,0.01,0.01")
        try config.set("scenario.array_size=1_024")
        #expect(config.filter.particles == 1024)
        #expect(config.filter.method == .locaMPC)
        #expect(config.radio.bandwidthHz == 40e6)
        #expect(config.filter.regularizationFloor == [0.002, 0.002, 0.01, 0.01])
        #expect(config.scenario.arraySide == 32)
        // overrides are applied after the file
        let loaded = try ExperimentConfig.load(yaml: "filter:\n  particles: 2048\n", overrides: ["filter.particles=8192"])
        #expect(loaded.filter.particles == 8192)
        #expect(try loaded.value(forKey: "filter.particles") == "8192")
    }

    @Test func errorsNameKeyValueAndRange() {
        var config = ExperimentConfig()
        #expect(message { try config.set("x.y=3") } == "unknown key 'x.y'")
        #expect(message { try config.set("filter.particles=-3") } == "filter.particles = -3 is out of range (1...1048576)")
        #expect(message { try config.set("filter.particle=3") }
                == "unknown key 'filter.particle' (did you mean 'filter.particles'?)")
        #expect(message { try config.set("scenario.bandwidth_hz=4e8") }
                == "unknown key 'scenario.bandwidth_hz' (did you mean 'radio.bandwidth_hz'?)")
        #expect(message { try config.set("filter.particles=abc") }
                == "filter.particles = abc is invalid: expected an integer (1...1048576)")
        #expect(message { try config.set("filter.particles=4096.5") }
                == "filter.particles = 4096.5 is invalid: expected an integer (1...1048576)")
        #expect(message { try config.set("scenario.array_size=24") }
                == "scenario.array_size = 24 is invalid: expected a perfect square M_a² with M_a ≥ 2 (4, 9, 16, 25, …), 4...1048576")
        #expect(message { try config.set("scenario.array_size=1") } == "scenario.array_size = 1 is out of range (4...1048576)")
        #expect(message { try config.set("scenario.panels=6") }
                == "scenario.panels = 6 is invalid: expected 2 or a multiple of 4, 2...4096")
        #expect(message { try config.set("filter.method=loca") }
                == "filter.method = loca is invalid: expected one of loca-los | loca-mpc")
        #expect(message { try config.set("radio.bandwidth_hz=-1") } == "radio.bandwidth_hz = -1 is out of range (1000...1e12)")
        #expect(message { try config.set("radio.bandwidth_hz=nan") }?.contains("radio.bandwidth_hz = nan") == true)
        #expect(message { try config.set("filter.p_s=1.5") } == "filter.p_s = 1.5 is out of range (0...1)")
        #expect(message { try config.set("filter.reg_floor=[1, 2]") }
                == "filter.reg_floor = [1, 2] is invalid: expected 4 numbers, each 0...10")
        #expect(message { try config.set("filter.reg_floor=[1, 2, 3, 40]") }
                == "filter.reg_floor = [1, 2, 3, 40] is out of range (4 numbers, each 0...10)")
        #expect(message { try config.set("run.seed=-1") } == "run.seed = -1 is invalid: expected an integer (0...18446744073709551615)")
        #expect(message { try config.set("filter.particles") }
                == "'filter.particles' is not an assignment of the form section.key=value")
        #expect(message { try config.set("filter.particles=") }?.hasPrefix("filter.particles = '' is invalid") == true)
        // nothing was changed by the rejected assignments
        #expect(config == ExperimentConfig())
    }

    /// The allowed filter methods are the cases of the one method enum the panels and the in-process chain run, so
    /// a method the filters do not know cannot be configured (and a new one needs no second list).
    @Test func theFilterMethodsAreTheFiltersOwnEnum() throws {
        let key = try #require(ExperimentConfig.key(named: "filter.method"))
        #expect(key.allowed == PanelFilterMethod.allCases.map(\.rawValue).joined(separator: " | "))
        for method in PanelFilterMethod.allCases {
            #expect(try ExperimentConfig.load(yaml: "", overrides: ["filter.method=\(method.rawValue)"]).filter.method == method)
        }
    }

    @Test func anUnknownFaultActionNamesTheAllowedOnes() {
        #expect(message { _ = try ExperimentConfig.load(yaml: "", overrides: ["faults=[{at_step: 1, action: nope, panel: 0}]"]) }
                == "faults[0].action = nope is invalid: expected one of kill | stop | restart | partition | slow | corrupt | duplicate")
        #expect(message { _ = try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 1, panel: 0}\n") }
                == "faults[0].action = missing is invalid: expected one of kill | stop | restart | partition | slow | corrupt | duplicate")
    }

    @Test func yamlErrors() {
        #expect(message { _ = try ExperimentConfig.load(yaml: "filter:\n  particle: 10\n") }
                == "unknown key 'filter.particle' (did you mean 'filter.particles'?)")
        #expect(message { _ = try ExperimentConfig.load(yaml: "filter:\n  particles: -3\n") }
                == "filter.particles = -3 is out of range (1...1048576)")
        #expect(message { _ = try ExperimentConfig.load(yaml: "gpu:\n  count: 2\n") } == "unknown key 'gpu.count'")
        #expect(message { _ = try ExperimentConfig.load(yaml: "filter:\n  particles: 10\nfilter.particles: 20\n") }
                == "invalid configuration YAML: key 'filter.particles' is given twice")
        #expect(message { _ = try ExperimentConfig.load(yaml: "- 1\n- 2\n") }
                == "invalid configuration YAML: the top level must be a mapping of sections")
        #expect(message { _ = try ExperimentConfig.load(yaml: "filter: [1, 2\n") }?.hasPrefix("invalid configuration YAML") == true)
        #expect(message { _ = try ExperimentConfig.load(yaml: "filter:\n  particles: {a: 1}\n") }
                == "filter.particles = a mapping is invalid: expected 1...1048576")
    }

    @Test func crossKeyValidation() {
        #expect(message { _ = try ExperimentConfig.load(yaml: "run:\n  steps: 600\n") }
                == "run.steps = 600 is out of range (1...526 = scenario.trajectory_samples)")
        #expect(message { _ = try ExperimentConfig.load(yaml: "run:\n  steps: 600\n",
                                                        overrides: ["scenario.trajectory_samples=600"]) } == nil)
        // u_bmax = √(10^(−10/10) · 25) = 1.58 < u_de = 2
        #expect(message { _ = try ExperimentConfig.load(yaml: "radio:\n  snr_1m_db: -10\n") }?
                    .hasPrefix("radio.detection_threshold = 2.0 must be below u_bmax") == true)
        // the panel kernels need whole blocks of 16 particles: refused at load, not a precondition trap at run time
        #expect(message { _ = try ExperimentConfig.load(yaml: "", overrides: ["filter.particles=1000"]) }
                == "filter.particles = 1000 must be a multiple of 16 (the panel kernels work in blocks of 16 particles), e.g. 992")
        #expect(message { _ = try ExperimentConfig.load(yaml: "", overrides: ["filter.particles=1008"]) } == nil)
        // islands: N_p/B must be a whole multiple of 16; the message lists every B that is
        #expect(message { _ = try ExperimentConfig.load(yaml: "", overrides: ["filter.islands=3"]) }
                == "filter.islands = 3 must split filter.particles = 4096 into islands of a whole multiple of 16 "
                   + "particles (the panel kernels work in blocks of 16): one of 1, 2, 4, 8, 16, 32, 64, 128, 256")
        #expect(message { _ = try ExperimentConfig.load(yaml: "", overrides: ["filter.islands=512"]) } != nil)
        #expect(message { _ = try ExperimentConfig.load(yaml: "", overrides: ["filter.islands=0"]) } != nil)
        #expect(message { _ = try ExperimentConfig.load(yaml: "", overrides: ["filter.particles=1008", "filter.islands=7"]) }
                == nil)
        #expect(message { _ = try ExperimentConfig.load(yaml: "", overrides: ["filter.islands=256"]) } == nil)
        // a scripted fault that could never fire is refused before anything runs (it used to fail at its step or never)
        #expect(message { _ = try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 5, action: kill, panel: 9}\n",
                                                        overrides: ["scenario.panels=8"]) }
                == "faults[0].panel = 9 does not exist: scenario.panels = 8 (panels 0...7)")
        #expect(message { _ = try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 40, action: kill, panel: 1}\n",
                                                        overrides: ["run.steps=40"]) }
                == "faults[0].at_step = 40 never happens: run.steps = 40 (steps 0...39)")
        #expect(message { _ = try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 3, action: kill, panel: 1, run: 2}\n",
                                                        overrides: ["run.runs=2"]) }
                == "faults[0].run = 2 never happens: run.runs = 2 (runs 0...1)")
        #expect(message { _ = try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 39, action: kill, panel: 7, run: 1}\n",
                                                        overrides: ["scenario.panels=8", "run.steps=40", "run.runs=2"]) } == nil)
    }
}

@Suite struct ConfigHelperTests {
    @Test func realFormattingIsShortestRoundTripAndYAML11Friendly() {
        #expect(formatReal(400e6) == "400000000.0")
        #expect(formatReal(1e-6) == "1.0e-06")
        #expect(formatReal(1e20) == "1.0e+20")
        #expect(formatReal(30 * 2.0.squareRoot()) == "42.42640687119285")
        var stream = RandomStream(seed: 1, step: 0, panel: noPanel, purpose: .prior)
        for _ in 0..<2000 {
            let x = Double(sign: .plus, exponent: stream.nextInt(below: 80) - 40, significand: 1 + stream.nextUniform())
            #expect(parseReal(formatReal(x)) == x)
        }
    }

    @Test func rangeBoundsAreShort() {
        #expect(formatCompact(1000) == "1000" && formatCompact(1e12) == "1e12" && formatCompact(3.5e9) == "3.5e9")
        #expect(formatCompact(1e-6) == "1e-6" && formatCompact(0.01) == "0.01" && formatCompact(-100) == "-100")
        #expect(formatCompact(1e-15) == "1e-15" && formatCompact(1e6) == "1e6" && formatCompact(1_048_576) == "1048576")
    }

    @Test func quotedTextSurvivesYAML() throws {
        for text in ["plain", "tcp://10.0.0.1:5555", "a: b", "# not a comment", "quote \" and \\ backslash",
                     "tab\tnew\nline", "ünïcødé ✓", "", "true", "123"] {
            let node = try #require(try Yams.compose(yaml: "key: " + yamlQuoted(text)))
            #expect(node["key"]?.string == text)
        }
        #expect(parseFlag(" yes ") == true && parseFlag("off") == false && parseFlag("maybe") == nil)
    }

    @Test func keyTableIsWellFormed() {
        var names = Set<String>()
        for key in ExperimentConfig.keys {
            #expect(names.insert(key.name).inserted, "duplicate \(key.name)")
            #expect(key.name.split(separator: ".").count == 2)
            #expect(!key.doc.isEmpty && !key.allowed.isEmpty)
            #expect(ExperimentConfig.sections.contains { $0.name == key.section })
            // the default value is accepted by its own key
            var config = ExperimentConfig()
            #expect(throws: Never.self) { try config.set("\(key.name)=\(key.defaultValue)") }
            #expect(config == ExperimentConfig())
        }
    }
}

@Suite struct FaultScheduleTests {
    @Test func badFaultsAreRejectedWithTheirIndexAndField() {
        #expect(throws: ConfigError.self) { try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 1, action: explode, panel: 2}\n") }
        #expect(throws: ConfigError.self) { try ExperimentConfig.load(yaml: "faults:\n  - {action: kill, panel: 2}\n") }
        #expect(throws: ConfigError.self) { try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 1, action: kill, panel: 2, colour: red}\n") }
        do {
            _ = try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 1, action: kill, panel: 2}\n  - {at_step: -4, action: kill, panel: 1}\n")
            Issue.record("a negative step was accepted")
        } catch {
            #expect("\(error)".contains("faults[1].at_step"))
        }
    }

    @Test func blockStyleFaultListLoads() throws {
        let yaml = "faults:\n  - at_step: 10\n    action: partition\n    panel: 4\n    duration_ms: 750\n"
        let config = try ExperimentConfig.load(yaml: yaml)
        #expect(config.faults == [FaultSpec(atStep: 10, action: .partition, panel: 4, durationMs: 750)])
        #expect(try ExperimentConfig.load(yaml: config.yaml()) == config)
    }
}
