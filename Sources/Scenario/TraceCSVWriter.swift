// TraceCSVWriter: a Trace as the CSV text of docs/TRACES.md (numbers in shortest round-trip form); no file I/O.

public enum TraceCSVWriter {
    /// The whole trace: geometry, `[agent]` (steps with a known position) and `[paths]`.
    public static func render(_ trace: Trace) -> String {
        var out = geometry(trace)
        if trace.agent.contains(where: { $0 != nil }) {
            out += "[agent]\nstep,x_m,y_m\n"
            for (n, p) in trace.agent.enumerated() {
                if let p { out += "\(n),\(p.x),\(p.y)\n" }
            }
        }
        out += "[paths]\nstep,panel,distance_m,aoa_rad" + amplitudeColumns(trace.paths) + ",kind,wall\n"
        out.reserveCapacity(out.utf8.count + trace.paths.count * 64)
        for n in 0..<trace.stepCount {
            for j in 0..<trace.panelCount {
                for path in trace.paths(step: n, panel: j) {
                    out += "\(n),\(j),\(path.distance),\(path.aoa)"
                    switch path.amplitude {
                    case .normalized(let u): out += ",\(u)"
                    case .complexGain(let re, let im): out += ",\(re),\(im)"
                    case .model: break
                    }
                    out += "," + (path.kind?.text ?? "") + "," + (path.wall.map(String.init) ?? "") + "\n"
                }
            }
        }
        return out
    }

    /// `[trace]`, `[panels]`, `[walls]` and `[prior]`: the geometry part of a trace.
    public static func geometry(_ trace: Trace) -> String {
        var out = "# dmimo-chain trace (docs/TRACES.md)\n[trace]\nkey,value\nformat,dmimo-trace\nversion,1\n"
        out += "level,\(trace.level.rawValue)\nsteps,\(trace.stepCount)\n"
        if let dt = trace.timeStep { out += "time_step_s,\(dt)\n" }
        if !trace.source.isEmpty { out += "source,\(trace.source.filter { $0 != "," && $0 != "\n" })\n" }
        let sizes = trace.panels.allSatisfy { $0.arraySize != nil }
        out += "[panels]\npanel,x_m,y_m,orientation_rad" + (sizes ? ",array_size" : "") + "\n"
        for (k, panel) in trace.panels.enumerated() {
            out += "\(k),\(panel.position.x),\(panel.position.y),\(panel.orientation)"
                + (sizes ? ",\(panel.arraySize!)" : "") + "\n"
        }
        if !trace.walls.isEmpty {
            out += "[walls]\nwall,x1_m,y1_m,x2_m,y2_m\n"
            for (w, wall) in trace.walls.enumerated() {
                out += "\(w),\(wall.start.x),\(wall.start.y),\(wall.end.x),\(wall.end.y)\n"
            }
        }
        if let prior = trace.prior {
            out += "[prior]\nx_m,y_m,vx_mps,vy_mps\n"
                + "\(prior.centre.x),\(prior.centre.y),\(prior.velocity.x),\(prior.velocity.y)\n"
        }
        return out
    }

    /// The amplitude columns: one form for the whole file (the reader accepts one form per file).
    static func amplitudeColumns(_ paths: [TracePath]) -> String {
        func form(_ a: TraceAmplitude) -> Int {
            switch a { case .normalized: 0; case .complexGain: 1; case .model: 2 }
        }
        let first = paths.first.map { form($0.amplitude) } ?? 0
        precondition(paths.allSatisfy { form($0.amplitude) == first }, "a trace's paths mix amplitude forms")
        return [",amplitude", ",gain_re,gain_im", ""][first]
    }
}
