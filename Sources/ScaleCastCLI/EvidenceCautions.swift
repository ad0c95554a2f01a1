import Hardware
import Planning
import Scenario

/// What the published corpus says against the configurations a command prints: the
/// cautions `simulate` and `plan` print under their tables (`report` and `explain` word the
/// same `MeasuredErrors.Evidence.caution` in their own sections).
enum EvidenceCautions {
    /// A caution for each GPU and precision group of `runs` where the published corpus
    /// contradicts the model or has not measured it (`MeasuredErrors.Evidence.caution`),
    /// each once, in the order first met: "GPU in group: why".
    static func lines(_ runs: [RunSpec], catalog: Catalog) throws -> [String] {
        let errors = try MeasuredErrors.builtIn()
        var seen = Set<String>(), cautions: [String] = []
        for run in runs {
            let evidence = errors.evidence(gpu: run.cluster.gpu.name, precision: run.evidencePrecision, model: run.network.name,
                                           architecture: run.cluster.gpu.architecture,
                                           architectureOf: { catalog.gpu(named: $0)?.architecture },
                                           fittedKernels: run.cluster.gpu.kernelEfficiency[run.evidencePrecision.rawValue] != nil)
            guard seen.insert("\(evidence.gpu)/\(evidence.precisionGroup)").inserted, let caution = evidence.caution else { continue }
            cautions.append("\(evidence.gpu) in \(evidence.precisionGroup): \(caution)")
        }
        return cautions
    }

    /// `cautions` as the text commands print them after their tables: a blank line, then
    /// one paragraph each; "" when there is none.
    static func text(_ cautions: [String]) -> String {
        cautions.map { "\nCaution, \($0) (`scalecast explain` lists the evidence).\n" }.joined()
    }
}
