// DownlinkTests placeholder.
import Testing
@Test func placeholder() {}
