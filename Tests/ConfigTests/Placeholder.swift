// ConfigTests placeholder.
import Testing
@Test func placeholder() {}
