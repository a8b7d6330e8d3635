// MeasurementText: measurements as text lines `run step panel z_d z_phi z_u [origin]` — written and read back.
import Localization
import Scenario

/// The synthesized measurements of run `run` (seed firstSeed + run) of `world` as text, one line per measurement:
/// run step panel z_d (m) z_φ (rad) z_u origin (los, bounce-w<wall>, fa).
public func measurementText(_ world: World, run: Int, firstSeed: UInt64 = 2025) -> String {
    var out = ""
    for step in 0..<world.stepCount {
        for j in 0..<world.panelCount {
            let s = world.synthesize(seed: firstSeed + UInt64(run), step: step, panel: j)
            for m in 0..<s.measurements.count {
                let origin: String
                switch s.origins[m] {
                case .lineOfSight: origin = "los"
                case .singleBounce(let wall): origin = "bounce-w\(wall)"
                case .falseAlarm: origin = "fa"
                }
                out += "\(run) \(step) \(j) \(s.measurements.distance[m]) \(s.measurements.aoa[m]) "
                    + "\(s.measurements.amplitude[m]) \(origin)\n"
            }
        }
    }
    return out
}

/// Reads measurement text ([run][step][panel], runs 0…max run in the file) for `panels` panels and `steps` steps.
/// Blank lines and lines starting with `#` are skipped; any other line that is not `run step panel z_d z_φ z_u
/// [origin]` with run ≥ 0, step < `steps` and panel < `panels` is an error naming its line number.
public func parseMeasurementText(_ text: String, panels: Int, steps: Int) throws(TraceError) -> [[[PanelMeasurements]]] {
    var measurements: [[[PanelMeasurements]]] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        if fields.isEmpty || fields[0].hasPrefix("#") { continue }
        guard fields.count == 6 || fields.count == 7, let run = Int(fields[0]), let step = Int(fields[1]),
              let j = Int(fields[2]), let zd = Double(fields[3]), let zp = Double(fields[4]),
              let zu = Double(fields[5]) else {
            throw TraceError("line \(index + 1): expected 'run step panel z_d z_phi z_u [origin]', got '\(line)'")
        }
        guard run >= 0, (0..<steps).contains(step), (0..<panels).contains(j) else {
            throw TraceError("line \(index + 1): run \(run), step \(step), panel \(j) outside runs ≥ 0, steps "
                             + "0..<\(steps), panels 0..<\(panels)")
        }
        while measurements.count <= run {
            measurements.append(Array(repeating: Array(repeating: PanelMeasurements(), count: panels), count: steps))
        }
        measurements[run][step][j].distance.append(zd)
        measurements[run][step][j].aoa.append(zp)
        measurements[run][step][j].amplitude.append(zu)
    }
    return measurements
}
