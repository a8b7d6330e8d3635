// PanelSetup+Model: a panel's model to and from its Configure fields (the controller sends each panel only its own).
import Config
import Localization
import Scenario
import Wire

extension PanelSetup {
    /// The wire form of panel `k`'s model in `experiment`: its position, the radio and filter constants, the room.
    public init(_ experiment: Experiment, panel k: Int) {
        let radio = experiment.source.radio
        let filter = experiment.filter
        self.init(
            x: experiment.source.panelPositions[k].x, y: experiment.source.panelPositions[k].y,
            radio: RadioSetup(bandwidthHz: radio.bandwidthHz, carrierHz: radio.carrierHz, arraySide: UInt32(radio.arraySide),
                              snr1mDb: radio.snr1mDb, reflectionLossDb: radio.reflectionLossDb,
                              detectionThreshold: radio.detectionThreshold, falseAlarmMean: radio.falseAlarmMean,
                              maxDistance: radio.maxDistance),
            filter: FilterSetup(particleCount: UInt32(filter.particleCount), samplingInterval: filter.samplingInterval,
                                accelerationStd: filter.accelerationStd, regularizationFactor: filter.regularizationFactor,
                                regularizationFloor: (0..<4).map { filter.regularizationFloor[$0] },
                                survivalProbability: filter.survivalProbability, birthProbability: filter.birthProbability,
                                amplitudeWalkRelative: filter.randomWalkRelative, amplitudeWalkFloor: filter.randomWalkAbsolute,
                                initialExistence: filter.initialExistence, existenceThreshold: filter.existenceThreshold,
                                reflectionClutterMean: filter.reflectionClutterMean, priorRadius: filter.priorRadius,
                                priorVelocitySpread: filter.priorVelocitySpread,
                                associationMaxIterations: UInt32(filter.associationMaxIterations),
                                associationTolerance: filter.associationTolerance),
            roomSide: experiment.source.room.side,
            walls: experiment.source.room.walls.map {
                WallSetup(startX: $0.start.x, startY: $0.start.y, endX: $0.end.x, endY: $0.end.y,
                          interior: $0.isInterior, name: $0.name)
            })
    }

    /// The room this setup describes.
    public var room: Room {
        Room(side: roomSide, walls: walls.map {
            Wall(start: SIMD2($0.startX, $0.startY), end: SIMD2($0.endX, $0.endY), isInterior: $0.interior, name: $0.name)
        })
    }

    /// The panel model this setup describes.
    /// - Throws: ``RuntimeError`` for constants the filter cannot run with (instead of a trap in the kernels).
    public func panelModel() throws(RuntimeError) -> PanelModel {
        guard filter.particleCount > 0, filter.particleCount % 16 == 0 else {
            throw RuntimeError("particle count \(filter.particleCount) is not a positive multiple of 16")
        }
        guard radio.arraySide > 0, filter.regularizationFloor.count == 4 else {
            throw RuntimeError("array side \(radio.arraySide) or regularization floor \(filter.regularizationFloor) is invalid")
        }
        var r = RadioParameters()
        r.bandwidthHz = radio.bandwidthHz; r.arraySide = Int(radio.arraySide); r.carrierHz = radio.carrierHz
        r.snr1mDb = radio.snr1mDb; r.reflectionLossDb = radio.reflectionLossDb
        r.detectionThreshold = radio.detectionThreshold; r.falseAlarmMean = radio.falseAlarmMean
        r.maxDistance = radio.maxDistance
        var f = FilterParameters()
        f.particleCount = Int(filter.particleCount); f.samplingInterval = filter.samplingInterval
        f.accelerationStd = filter.accelerationStd; f.regularizationFactor = filter.regularizationFactor
        let floor = filter.regularizationFloor
        f.regularizationFloor = SIMD4(floor[0], floor[1], floor[2], floor[3])
        f.survivalProbability = filter.survivalProbability; f.birthProbability = filter.birthProbability
        f.randomWalkRelative = filter.amplitudeWalkRelative; f.randomWalkAbsolute = filter.amplitudeWalkFloor
        f.initialExistence = filter.initialExistence; f.existenceThreshold = filter.existenceThreshold
        f.reflectionClutterMean = filter.reflectionClutterMean; f.priorRadius = filter.priorRadius
        f.priorVelocitySpread = filter.priorVelocitySpread
        f.associationMaxIterations = Int(filter.associationMaxIterations); f.associationTolerance = filter.associationTolerance
        return PanelModel(position: SIMD2(x, y), radio: r, filter: f)
    }
}

extension FronthaulSetup {
    /// The wire form of the `fronthaul` section.
    public init(_ section: FronthaulSection) {
        self.init(emulate: section.mode == .emulate, rateGbps: section.rateGbps, perTransferUs: section.perTransferUs)
    }

    /// The `fronthaul` section this describes.
    public var section: FronthaulSection {
        var section = FronthaulSection()
        section.mode = emulate ? .emulate : .raw
        section.rateGbps = rateGbps
        section.perTransferUs = perTransferUs
        return section
    }
}

/// Builds the panel computation a Configure message names: the probe, or the filter of the panel model it carries.
public func makePanelComputation(_ configure: Configure, panel: Int) throws -> any PanelComputation {
    switch PanelMode(wireName: configure.mode) {
    case .probe?:
        return ProbeComputation()
    case .filter(let method)?:
        guard let setup = configure.panel else {
            throw RuntimeError("panel \(panel): mode '\(configure.mode)' but the Configure message carries no panel model")
        }
        let model: PanelModel
        do { model = try setup.panelModel() } catch {
            throw RuntimeError("panel \(panel): the controller's panel model is invalid: \(error)")
        }
        return FilterComputation(method: method, model: model, room: setup.room, panel: panel, baseSeed: configure.seed)
    case nil:
        throw RuntimeError("panel \(panel): unknown mode '\(configure.mode)' "
                           + "(known: \(PanelMode.allWireNames.joined(separator: ", ")))")
    }
}
