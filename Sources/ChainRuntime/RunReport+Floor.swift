// RunReport+Floor: the transport floor beside the measured links — summary fields, links.csv, the report's lines.
import Config

/// One link of the route with its floor and what the run measured on it (µs).
struct FloorRow {
    var floor: LinkFloor
    /// The link's measured one-way p50 before emulation padding (hop into the receiving panel, or the result's hop).
    var linkP50Us: Double
    var overFloor: Double { TransportFloor.ratio(linkP50Us: linkP50Us, floorP50Us: floor.oneWay.p50) }
}

/// The route's links beside their floors: the hop into panel k (raw one-way, `rawLinkByPanel`) for links into a
/// panel, the result's hop (`resultLinks`) for the last panel → controller.
func floorRows(_ floor: TransportFloor, _ acc: RecordAccumulator) -> [FloorRow] {
    floor.links.map { f in
        let measured = f.link.to == RouteLink.controller ? acc.resultLinks.summary
            : (f.link.to < acc.rawLinkByPanel.count ? acc.rawLinkByPanel[f.link.to].summary : LatencySummary(nanoseconds: []))
        return FloorRow(floor: f, linkP50Us: measured.p50)
    }
}

/// Fills summary.json's floor fields: `link_floor_us`, `link_over_floor`, `link_floor_rounds`, `projected_deployment_us`.
func addFloor(to summary: inout RunSummary, _ floor: TransportFloor?, _ acc: RecordAccumulator, fronthaul: FronthaulSection,
              islands: Int = 1) {
    guard let floor else { return }
    let pooled = floor.panelToPanel
    summary.linkFloorUs = pooled
    summary.linkFloorRounds = floor.rounds
    summary.linkOverFloor = TransportFloor.ratio(linkP50Us: acc.interPanelRawLink.summary.p50, floorP50Us: pooled.p50)
    let rows = floorRows(floor, acc)
    let route = floor.links.map(\.link.to).filter { $0 != RouteLink.controller }
    summary.projectedDeploymentUs = DeploymentProjection.microseconds(
        computeP50Us: route.map { $0 < acc.computeByPanel.count ? acc.computeByPanel[$0].summary.p50 : .nan },
        hops: rows.map { ProjectedHop(linkP50Us: $0.linkP50Us, floorP50Us: $0.floor.oneWay.p50, bytes: $0.floor.payloadBytes) },
        fronthaul: fronthaul, islands: islands)
}

/// links.csv: one row per link of the route (docs/RESULTS-FORMAT.md).
func linksCSV(_ floor: TransportFloor, _ acc: RecordAccumulator) -> String {
    var text = "from,to,payload_bytes,rounds,floor_p50_us,floor_p90_us,floor_p99_us,link_p50_us,link_over_floor,error\n"
    func cell(_ x: Double) -> String { x.isFinite ? fixed(x, 2) : "" }
    for row in floorRows(floor, acc) {
        let f = row.floor, s = f.oneWay
        let error = f.error.replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: "\n", with: " ")
        text += "\(f.link.from),\(f.link.to),\(f.payloadBytes),\(f.roundTripsNs.count),\(cell(s.p50)),\(cell(s.p90)),"
            + "\(cell(s.p99)),\(cell(row.linkP50Us)),\(cell(row.overFloor)),\(error)\n"
    }
    return text
}

/// The report's floor lines (nil without a floor).
func floorLines(_ summary: RunSummary, _ floor: TransportFloor?, _ acc: RecordAccumulator) -> [String] {
    guard let floor, let pooled = summary.linkFloorUs else { return [] }
    var lines = ["transport floor (\(floor.rounds) γ-sized ping-pongs per link, one-way = round trip / 2): panel->panel p50 "
        + "\(fixed(pooled.p50)) µs, p90 \(fixed(pooled.p90)) µs, p99 \(fixed(pooled.p99)) µs; panel->panel raw link p50 "
        + "\(fixed(acc.interPanelRawLink.summary.p50)) µs = \(fixed(summary.linkOverFloor ?? .nan, 2))x the floor; links.csv"]
    let rows = floorRows(floor, acc)
    let controllerHops = rows.filter { !$0.floor.link.isPanelToPanel }
    if !controllerHops.isEmpty {
        lines.append("  " + controllerHops.map { "\($0.floor.link): floor \(fixed($0.floor.oneWay.p50)) µs, link \(fixed($0.linkP50Us)) µs (\(fixed($0.overFloor, 2))x)" }
            .joined(separator: "; "))
    }
    for row in rows where !row.floor.error.isEmpty { lines.append("  \(row.floor.link): not timed: \(row.floor.error)") }
    return lines
}

/// The probe's floor table: each link's one-way floor (µs) and its payload.
public func floorTable(_ floor: TransportFloor) -> String {
    let rows = floor.links.map { f -> [String] in
        let s = f.oneWay
        return ["floor \(f.link)", "\(f.roundTripsNs.count)", "\(f.payloadBytes)", fixed(s.p50), fixed(s.p90), fixed(s.p99),
                f.error.isEmpty ? "" : f.error]
    }
    return formatTable(header: ["transport floor (µs, round trip / 2)", "n", "bytes", "p50", "p90", "p99", "error"], rows: rows)
}
