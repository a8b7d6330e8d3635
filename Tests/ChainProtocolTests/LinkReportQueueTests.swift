// LinkReportQueueTests: link reports ride in the next γ, or go alone once they waited the hold time.
import ChainProtocol
import Testing

@Suite struct LinkReportQueueTests {
    @Test func reportsRideInTheNextCarrierInOrder() {
        var queue = LinkReportQueue<Int>(holdNs: 1_000)
        #expect(queue.dueNs == nil)
        #expect(!queue.isDue(now: 10_000))
        queue.add(7, now: 100)
        queue.add(8, now: 600)
        var gammaReports = [1, 2]  // what γ already carries from the panels before
        queue.move(into: &gammaReports)
        #expect(gammaReports == [1, 2, 7, 8])
        #expect(queue.reports.isEmpty)
        #expect(queue.dueNs == nil)
    }

    @Test func theOldestReportSetsWhenTheyAreDue() {
        var queue = LinkReportQueue<Int>(holdNs: 1_000)
        queue.add(7, now: 100)
        queue.add(8, now: 900)
        #expect(queue.dueNs == 1_100)
        #expect(!queue.isDue(now: 1_099))
        #expect(queue.isDue(now: 1_100))
        queue.removeAll()
        #expect(!queue.isDue(now: 5_000))
        queue.add(9, now: 5_000)
        #expect(queue.dueNs == 6_000)
    }
}
