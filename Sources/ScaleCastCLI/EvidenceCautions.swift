import Hardware
import Planning
import Scenario

/// What the published corpus says about the configurations a command prints: each run's
/// record (`explain` and `report` show it) and the cautions `simulate` and `plan` print
/// under their tables (`report` words the same `MeasuredErrors.Evidence.caution` in its answer).
enum EvidenceCautions {
    /// The corpus's record on `run`'s GPU, in the precision it computes in, on `gpus` GPUs
    /// (`MeasuredErrors.evidence`; the GPU's architecture siblings where it has none).
    static func evidence(_ run: RunSpec, gpus: Int = 1, errors: MeasuredErrors, catalog: Catalog) -> MeasuredErrors.Evidence {
        errors.evidence(gpu: run.cluster.gpu.name, precision: run.evidencePrecision, model: run.network.name, gpus: gpus,
                        architecture: run.cluster.gpu.architecture, architectureOf: { catalog.gpu(named: $0)?.architecture },
                        fittedKernels: run.cluster.gpu.kernelEfficiency[run.evidencePrecision.rawValue] != nil)
    }

    /// A caution for each GPU and precision group of `runs` where the published corpus
    /// contradicts the model or has not measured it (`MeasuredErrors.Evidence.caution`),
    /// each once, in the order first met: "GPU in group: why".
    static func lines(_ runs: [RunSpec], catalog: Catalog) throws -> [String] {
        let errors = try MeasuredErrors.builtIn()
        var seen = Set<String>(), cautions: [String] = []
        for run in runs {
            let record = evidence(run, errors: errors, catalog: catalog)
            guard seen.insert("\(record.gpu)/\(record.precisionGroup)").inserted, let caution = record.caution else { continue }
            cautions.append("\(record.gpu) in \(record.precisionGroup): \(caution)")
        }
        return cautions
    }

    /// `cautions` as the text commands print them after their tables: a blank line, then
    /// one paragraph each; "" when there is none.
    static func text(_ cautions: [String]) -> String {
        cautions.map { "\nCaution, \($0) (`scalecast explain` lists the evidence).\n" }.joined()
    }
}
