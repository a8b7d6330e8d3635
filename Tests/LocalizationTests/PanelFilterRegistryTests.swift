// PanelFilterRegistryTests: the filter-method registry — names unique, the method values derived from it, dispatch.
import Scenario
import Testing
@testable import Localization

@Suite struct PanelFilterRegistryTests {
    /// Every registered type is one method value, found again by its name, and the names are unique.
    @Test func theMethodValuesAreTheRegisteredTypes() {
        let names = PanelFilters.all.map { $0.methodName }
        #expect(Set(names).count == names.count)
        #expect(PanelFilterMethod.allCases.map(\.rawValue) == names)
        for filterType in PanelFilters.all {
            let method = filterType.method
            #expect(PanelFilterMethod(rawValue: filterType.methodName) == method)
            #expect(ObjectIdentifier(method.filterType) == ObjectIdentifier(filterType))
            #expect(method.displayName == filterType.displayName && method.relativeCost == filterType.relativeCost)
            #expect(PanelFilterMethod.documentation.contains("\(filterType.methodName) (\(filterType.summary))"))
        }
        #expect(PanelFilterMethod.locaLoS.rawValue == "loca-los" && PanelFilterMethod.locaMPC.rawValue == "loca-mpc")
        #expect(PanelFilterMethod.allowedValues == "loca-los | loca-mpc")
    }

    /// A name that no registered type has is not a method (the configuration then names the allowed values).
    @Test func anUnknownNameIsNoMethod() {
        #expect(PanelFilterMethod(rawValue: "nope") == nil)
        #expect(PanelFilterMethod(rawValue: "Loca-LoS") == nil)
        #expect(PanelFilterMethod(rawValue: "") == nil)
    }

    /// `AnyPanelFilter(method:)` builds the registered type of that method, with the given panel and model, and its
    /// update is that type's update, bit for bit.
    @Test func anyPanelFilterBuildsAndRunsTheMethodsType() {
        var parameters = ScenarioParameters()
        parameters.panelCount = 4
        let world = try! World(parameters)
        var filter = FilterParameters()
        filter.particleCount = 64
        let model = PanelModel(position: world.panels[1].position, radio: world.radio, filter: filter)
        for method in PanelFilterMethod.allCases {
            var wrapped = AnyPanelFilter(method: method, model: model, room: world.room, panel: 1, seed: 3)
            var plain = method.filterType.init(model: model, room: world.room, panel: 1, seed: 3, step: 0)
            #expect(wrapped.method == method && wrapped.panel == 1 && wrapped.model == model)
            #expect(ObjectIdentifier(type(of: plain)) == ObjectIdentifier(method.filterType))
            var g1 = AgentParticles.prior(seed: 3, centre: world.agentPosition(step: 0),
                                          velocity: world.agentVelocity(step: 0), count: 64, radius: 0.5,
                                          velocitySpread: 0.2)
            var g2 = g1
            for step in 0..<3 {
                let z = world.measurements(seed: 3, step: step, panel: 1)
                let a = wrapped.update(&g1, measurements: z, seed: 3, step: step, isFirstOfRoute: step == 0)
                let b = plain.update(&g2, measurements: z, seed: 3, step: step, isFirstOfRoute: step == 0)
                #expect(a == b && g1 == g2)
            }
        }
        #expect(AnyPanelFilter(LocaLoSFilter(model: model, panel: 0, seed: 1)).method == .locaLoS)
        #expect(AnyPanelFilter(method: .locaMPC, model: model, room: world.room, panel: 0, seed: 1)
            .filter(as: LocaLoSFilter.self) == nil)
    }
}
