// PlotScripts: finds the repository's Python plot scripts (scripts/*.py, run through scripts/python) and runs one.
import Foundation

/// The checkout holding `scripts/<script>`: the working directory or a folder above the running executable.
public func scriptsRoot(containing script: String) -> String? {
    var candidates = [FileManager.default.currentDirectoryPath]
    var dir = URL(fileURLWithPath: currentExecutablePath()).deletingLastPathComponent()
    for _ in 0..<6 { candidates.append(dir.path); dir = dir.deletingLastPathComponent() }
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/scripts/" + script) }
}

/// Runs `scripts/python scripts/<script> arguments…`, passing its output through; returns its standard output.
public func runPlotScript(_ script: String, arguments: [String]) throws(RuntimeError) -> String {
    guard let root = scriptsRoot(containing: script) else {
        throw RuntimeError("scripts/\(script) not found (run from the dmimo-chain checkout, or draw it by hand: scripts/python scripts/\(script) \(arguments.joined(separator: " ")))")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: root + "/scripts/python")
    process.arguments = [root + "/scripts/" + script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { throw RuntimeError("cannot start \(root)/scripts/python: \(error.localizedDescription)") }
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw RuntimeError("scripts/\(script) failed (exit \(process.terminationStatus)): \(out.split(separator: "\n").last ?? "")")
    }
    return out
}
