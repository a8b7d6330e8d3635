// PlotCommand: `chain-controller plot RESULTS_DIR` — draws one run set's picture with scripts/plot_run.py and prints its path.
import ArgumentParser
import ChainLog
import ChainRuntime
import Foundation

struct PlotCommand: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw the picture of one run set's result folder (chain-controller run --out DIR) as DIR/run.png.",
        discussion: """
        Panels: error vs step (median over runs with the 10-90 % band), error CDF with the 50/80/90 % marks, \
        end-to-end latency histogram and CDF from latency.hgrm with p50/p90/p99 and the eq. (10) FPGA model line, \
        per-panel compute and link times (median and p90, from hops.csv), and the fault timeline when faults.csv \
        exists. In-process runs have no latency.hgrm or hops.csv; those panels then say so.
        """)

    @Argument(help: "Result folder of one run set (holds per_step.csv and summary.json).")
    var resultsDirectory: String

    @Option(help: "Output PNG (default: RESULTS_DIRECTORY/run.png).")
    var out: String?

    @Flag(help: "Also write the picture as PDF (same name, .pdf).")
    var pdf = false

    @OptionGroup var logging: LogOptions

    func run() throws {
        let png = out ?? resultsDirectory + "/run.png"
        do {
            let output = try runPlotScript("plot_run.py", arguments: [resultsDirectory, "--out", png] + (pdf ? ["--pdf"] : []))
            print(output, terminator: "")
        } catch {
            ChainLog.controller.error("plot: \(error)")
            throw ExitCode(2)
        }
    }
}
