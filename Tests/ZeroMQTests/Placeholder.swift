// ZeroMQTests placeholder.
import Testing
@Test func placeholder() {}
