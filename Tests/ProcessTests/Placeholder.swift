// ProcessTests placeholder.
import Testing
@Test func placeholder() {}
