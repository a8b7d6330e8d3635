// ScenarioCSV: the scenario as CSV text (panels, walls, track, visibility) for plots and reports; no file I/O.

/// Renders a ``World`` as CSV strings. Numbers are written in Swift's shortest round-trip form; a header
/// row names the columns; lines end with "\n".
public enum ScenarioCSV {
    /// `panels.csv`: `index,x,y,wall`: chain index (0-based), position (m), the wall(s) the panel lies on
    /// as 0-based wall indices (two corner walls for J = 2 are joined by ";", e.g. "2;3").
    public static func panels(_ world: World) -> String {
        var out = "index,x,y,wall\n"
        for panel in world.panels {
            out += "\(panel.index),\(panel.position.x),\(panel.position.y),"
                + panel.walls.map(String.init).joined(separator: ";") + "\n"
        }
        return out
    }

    /// `walls.csv`: `index,name,x0,y0,x1,y1,interior`: 0-based wall index, spec name, segment end points (m),
    /// 1 for an interior wall.
    public static func walls(_ room: Room) -> String {
        var out = "index,name,x0,y0,x1,y1,interior\n"
        for (index, wall) in room.walls.enumerated() {
            out += "\(index),\(wall.name),\(wall.start.x),\(wall.start.y),\(wall.end.x),\(wall.end.y),"
                + (wall.isInterior ? "1" : "0") + "\n"
        }
        return out
    }

    /// `track.csv`: `step,x,y,vx,vy`: true agent position (m) and velocity (m/s) per 0-based step.
    public static func track(_ trajectory: Trajectory) -> String {
        var out = "step,x,y,vx,vy\n"
        for n in 0..<trajectory.count {
            let p = trajectory.positions[n], v = trajectory.velocities[n]
            out += "\(n),\(p.x),\(p.y),\(v.x),\(v.y)\n"
        }
        return out
    }

    /// `visibility.csv`: `step,panel,los_visible,n_paths`: per step and panel (chain index), 1 if the LoS is
    /// visible, and the number of visible paths (LoS + single bounces).
    public static func visibility(_ world: World) -> String {
        var out = "step,panel,los_visible,n_paths\n"
        for n in 0..<world.stepCount {
            for j in 0..<world.panelCount {
                out += "\(n),\(j),\(world.losVisible(step: n, panel: j) ? 1 : 0),"
                    + "\(world.visiblePaths(step: n, panel: j).count)\n"
            }
        }
        return out
    }

    /// All four files as (file name, contents), in the order panels, walls, track, visibility.
    public static func all(_ world: World) -> [(name: String, contents: String)] {
        [("panels.csv", panels(world)), ("walls.csv", walls(world.room)),
         ("track.csv", track(world.trajectory)), ("visibility.csv", visibility(world))]
    }
}
