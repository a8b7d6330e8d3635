// LocalizationTests placeholder.
import Testing
@Test func placeholder() {}
