// CompareCommand: `chain-controller compare A B` — two result folders side by side with bootstrap intervals.
import ArgumentParser
import ChainRuntime
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two result folders: accuracy, latency percentiles, faults and memory, with each difference.",
        discussion: """
        Reads A/summary.json and B/summary.json (docs/RESULTS-FORMAT.md) and their per_step.csv. Accuracy (position \
        error p50, p90, RMSE over steps; cm) and end-to-end latency (p50, p90, p99; µs) come from the per-step data, \
        with a bootstrap interval of the difference B - A: whole runs are resampled when both folders hold several \
        runs (the spread over runs), blocks of √n consecutive steps otherwise (steps of one trajectory are \
        correlated). A difference is SIGNIFICANT when that interval excludes 0. Rates, fault counts and times (ms) \
        and memory (MiB) are one number per folder: shown with their difference ("differs"), without a verdict.
        """)

    @Argument(help: "First result folder (A).") var a: String
    @Argument(help: "Second result folder (B); differences are B - A.") var b: String
    @Option(help: "Bootstrap resamples (100...100000).") var resamples = 2000
    @Option(help: "Seed of the bootstrap's random streams.") var seed: UInt64 = 1
    @Option(help: "Two-sided level of the interval, 0.5...0.999.") var level = 0.95
    @Flag(help: "Print the comparison as JSON (docs/RESULTS-FORMAT.md conventions) instead of the table.") var json = false

    func validate() throws {
        guard (100...100_000).contains(resamples) else { throw ValidationError("--resamples must be 100...100000; got \(resamples)") }
        guard level >= 0.5, level <= 0.999 else { throw ValidationError("--level must be 0.5...0.999; got \(level)") }
    }

    func run() throws {
        do {
            let comparison = try compareResultFolders(a, b, settings: BootstrapSettings(resamples: resamples, seed: seed, level: level))
            if json {
                print(String(decoding: try ResultsJSON.encode(comparison), as: UTF8.self))
            } else {
                print(comparison.text)
            }
        } catch let error as RuntimeError {
            FileHandle.standardError.write(Data("chain-controller compare: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
