// WireTests placeholder.
import Testing
@Test func placeholder() {}
