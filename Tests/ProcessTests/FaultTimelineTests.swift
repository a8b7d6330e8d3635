// FaultTimelineTests: the fault accounting is the same whether the step timeline starts at step 0 or at the first fault.
import Config
import Testing
import Wire
@testable import ChainRuntime

@Suite struct FaultTimelineTests {
    /// 2 runs x 50 steps, errors 1-99 mm, steps 30-32 abandoned; step g starts at g ms. Returns the outcome with the
    /// timeline started before step 0 (every step in it, as before) and with it started at the first fault.
    static func outcomes() -> (full: RunSetOutcome, fromFirstFault: RunSetOutcome) {
        var full = RecordAccumulator(runs: 2, steps: 50, panels: 4)
        var late = RecordAccumulator(runs: 2, steps: 50, panels: 4)
        full.startTimeline()
        var kill = FaultRecord(spec: FaultSpec(atStep: 10, action: .kill, panel: 3), injectedAt: 10, injectedNs: 10_000_000)
        var slow = FaultRecord(spec: FaultSpec(atStep: 10, action: .slow, panel: 1, durationMs: 5, delayUs: 100, run: 1),
                               injectedAt: 60, injectedNs: 60_000_000)
        for g in 0..<100 {
            if g == kill.injectedAt { late.startTimeline() }
            let abandoned = (30...32).contains(g)
            let out = g >= 11 && g < 20    // panel 3 out of the route from step 11 until step 20
            let contributing: [Int] = out ? [0, 1, 2] : [0, 1, 2, 3]
            let e = Double((g * 37) % 99 + 1) / 1000
            let record = StepRecord(run: g / 50, step: g % 50, truth: SIMD2(0, 0), estimate: abandoned ? SIMD4(.nan, .nan, .nan, .nan) : SIMD4(e, 0, 0, 0),
                                    contributing: abandoned ? [] : contributing, skipped: out ? [3] : [],
                                    existence: [0.9, 0.9, 0.9, 0.9], losDetected: [true, false, true, false],
                                    losVisible: [true, true, false, false], latencyNs: 1000,
                                    outcome: abandoned ? .abandoned : out ? .degraded : .delivered, startNs: UInt64(g) * 1_000_000)
            full.add(record); late.add(record)
            if !abandoned {
                for f in [0, 1] {
                    let skipped: [Int32] = out ? [3] : []
                    let ns = UInt64(g) * 1_000_000 + 500_000
                    if f == 0 { kill.detection.observe(skipped: skipped, contributed: contributing.map(Int32.init), globalStep: g, at: ns) }
                    else { slow.detection.observe(skipped: skipped, contributed: contributing.map(Int32.init), globalStep: g, at: ns) }
                }
            }
        }
        return (RunSetOutcome(accumulator: full, interrupted: false, faults: [kill, slow]),
                RunSetOutcome(accumulator: late, interrupted: false, faults: [kill, slow]))
    }

    @Test func summariesAreIdenticalWithTheTimelineFromTheFirstFault() throws {
        let (full, late) = Self.outcomes()
        #expect(full.accumulator.timeline.count == 100 && late.accumulator.timeline.count == 90)
        #expect(late.accumulator.beforeTimeline.count == 10)
        let a = summarizeFaults(full, stepsPerRun: 50), b = summarizeFaults(late, stepsPerRun: 50)
        #expect(a.count == 2 && b.count == 2)
        for (x, y) in zip(a, b) {
            #expect(x.rmseBefore == y.rmseBefore && x.rmseDuring == y.rmseDuring && x.rmseAfter == y.rmseAfter)
            #expect(x.stepsDelivered == y.stepsDelivered && x.stepsDegraded == y.stepsDegraded && x.stepsAbandoned == y.stepsAbandoned)
            #expect(x.detectionMs == y.detectionMs && x.recoveryMs == y.recoveryMs)
        }
        // the kill: detected at step 11, back at step 20; the slow hops: undetected, their 5 ms end after step 65
        #expect(b[0].stepsDegraded == 9 && b[0].stepsDelivered == 1 && b[0].recoveryMs == 10.5)
        #expect(b[1].stepsDelivered == 6 && b[1].detectionMs == nil)
        // "RMSE before" of the slow fault: steps 0-59 without the abandoned 30-32, summed in step order
        var sum = 0.0, n = 0
        for g in 0..<60 where !(30...32).contains(g) { let e = Double((g * 37) % 99 + 1) / 1000; sum += e * e; n += 1 }
        #expect(b[1].rmseBefore == (sum / Double(n)).squareRoot())
    }
}
