import Testing
@testable import Reports
@testable import Scenario

@Suite struct MechanismTableTests {
    /// A mechanism that makes the step faster than what replaces it when off has a negative
    /// cost, and the table says what that means; a table without one says nothing more.
    @Test func aNegativeCostIsExplained() {
        let note = "A negative cost: the step is faster with the mechanism"
        let costly = [ScenarioRunner.MechanismCost(name: "barrier (pass_barrier)", seconds: 0.002)]
        #expect(!ExplainReport.mechanismTable(costly, stepSeconds: 0.1).contains(note))
        let cheaper = costly + [ScenarioRunner.MechanismCost(name: "host broadcast (activation_broadcast)", seconds: -0.0003)]
        let table = ExplainReport.mechanismTable(cheaper, stepSeconds: 0.1)
        #expect(table.contains("-0.30") && table.contains(note), "\(table)")
    }
}
