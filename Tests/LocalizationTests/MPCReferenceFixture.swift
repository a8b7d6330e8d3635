// MPCReferenceFixture: Loca-MPC values of the numpy reference, read from Tests/Fixtures/mpc_reference.json.
import TestFixtures

/// One BP data-association case: inputs, and the reference's messages, iterations and marginals.
struct ReferenceAssociationCase: Decodable {
    let features: Int, measurements: Int
    /// log beta_bar, K x (M + 1) row-major.
    let logInputs: [Double]
    /// log nu (K x M), iterations (tol 1e-6, cap 1000), BP marginals and brute-force marginals (K x (M + 1)).
    let logMessages: [Double]
    let iterations: Int
    let marginals: [Double]
    let exactMarginals: [Double]?
}

/// Per-feature log ratios of one panel (docs/MODEL.md §C.2): particles (x, y), amplitudes per feature (K+1 x N),
/// measurements (M x 3: z_d, z_phi, z_u), d_k, phi_k (K+1 x N), log b(0) (K+1 x N), log b(m) (K+1 x N x M).
struct ReferenceRatioCase: Decodable {
    let panelCount: Int, panelIndex: Int, bandwidth: Double
    let panel: [Double]
    let particles: [Double]
    let amplitudes: [Double]
    let measurements: [Double]
    let distances: [Double], angles: [Double]
    let logMiss: [Double], logRatios: [Double]
}

/// The fixture file: 242 association cases and 3 ratio cases (scripts/fixtures/make_mpc_fixture.py).
struct MPCReferenceFixture: Decodable {
    let associationCases: [ReferenceAssociationCase]
    let ratioCases: [ReferenceRatioCase]

    private static let loaded = Result { try Fixtures.decode(MPCReferenceFixture.self, from: "mpc_reference.json") }

    /// The fixture, or an error naming the file (a test failure, never a crash).
    static func load() throws -> MPCReferenceFixture { try loaded.get() }
}
