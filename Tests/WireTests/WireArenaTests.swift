// WireArenaTests: decoding into a reused γ and a reused arena gives the same messages as a fresh decode.
import Testing
import Wire

@Suite struct WireArenaTests {
    func gamma(_ n: Int, hop: UInt32, seed: UInt64) -> Envelope {
        let p = sampleParticles(n, seed: seed)
        let timings = (0..<Int(hop)).map { HopTiming(panel: Int32($0), recvNs: UInt64($0) * 10, sendNs: UInt64($0) * 10 + 5) }
        let reports = (0..<Int(hop)).map { PanelReport(panel: Int32($0), existence: 0.5, losDetected: true, amplitude: 1) }
        return Envelope(header: Header(runID: 0x9e37_79b9_7f4a_7c15, run: 1, step: UInt32(seed), sender: Int32(hop) - 1),
                        body: .gamma(Gamma(route: [0, 1, 2, 3], hop: hop, particles: p, timings: timings, skipped: [],
                                           reports: reports, checksum: particleChecksum(p))))
    }

    @Test func reusedStorageAndArenaDecodeLikeAFreshDecode() throws {
        let arena = WireArena(capacity: 1024)  // too small at first: it must grow, not fail
        var spare = Gamma.empty
        // sizes up and down, so the spare's arrays are both too small and larger than needed
        for (i, n) in [16, 4096, 1024, 4096, 0, 64].enumerated() {
            let message = gamma(n, hop: UInt32(i % 4), seed: UInt64(i + 1))
            let encoded = WireCodec.encode(message)
            var reusedEncode: [UInt8] = []
            WireCodec.encode(message, into: &reusedEncode, arena: arena)
            #expect(reusedEncode == encoded)
            let fresh = try WireCodec.decode(encoded)
            let reused = try encoded.withUnsafeBytes { try WireCodec.decode($0, arena: arena, reusing: &spare) }
            #expect(reused == fresh && reused == message)
            #expect(spare == Gamma.empty)  // moved into the result
            if case .gamma(let g) = reused.body { spare = g }
        }
    }

    @Test func aCorruptedGammaFailsTheSameWayWithAnArena() throws {
        var encoded = WireCodec.encode(gamma(256, hop: 1, seed: 3))
        encoded[encoded.count / 2] ^= 0x40  // inside the particles: the checksum no longer matches
        var spare = Gamma.empty
        let arena = WireArena()
        #expect(throws: WireError.checksumMismatch) {
            _ = try encoded.withUnsafeBytes { try WireCodec.decode($0, arena: arena, reusing: &spare) }
        }
        #expect(throws: WireError.checksumMismatch) { _ = try WireCodec.decode(encoded) }
    }
}
