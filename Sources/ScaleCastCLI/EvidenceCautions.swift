import Hardware
import Planning
import Reports
import Scenario
import Workload

/// What the published corpus says about the configurations a command prints: each run's
/// record (`explain` and `report` show it) and the cautions `simulate` and `plan` print
/// under their tables (`report` words the same `MeasuredErrors.Evidence.caution` in its answer).
enum EvidenceCautions {
    /// The corpus's record on `run`'s GPU, in the precision it computes in, on `gpus` GPUs
    /// (`MeasuredErrors.evidence`; the GPU's architecture siblings where it has none).
    static func evidence(_ run: RunSpec, gpus: Int = 1, errors: MeasuredErrors, catalog: Catalog) -> MeasuredErrors.Evidence {
        // Fitted kernel efficiencies price convolutions under a kernel library: a network without any, or a run
        // without a library, is priced without them.
        let convolves = run.software.kernelLibrary != nil && run.network.layers.contains { if case .convolution = $0.kind { true } else { false } }
        let record = errors.evidence(gpu: run.cluster.gpu.name, precision: run.evidencePrecision, model: run.modelLabel, gpus: gpus,
                                     architecture: run.cluster.gpu.architecture, architectureOf: { catalog.gpu(named: $0)?.architecture },
                                     fittedKernels: convolves && run.cluster.gpu.kernelEfficiency[run.evidencePrecision.rawValue] != nil,
                                     fitted: { catalog.gpu(named: $0)?.kernelEfficiency[run.evidencePrecision.rawValue] != nil })
        // A scenario's entry under a built-in name with other hardware figures is another board (an entry that only
        // refits efficiencies, as `import kernel-times` writes, is the same board, which the corpus measured).
        let gpu = run.cluster.gpu
        // Compared as the catalog replaces entries: by name, case-insensitively.
        guard let builtIn = try? Catalog.builtIn().gpus.first(where: { $0.name.lowercased() == gpu.name.lowercased() }) else { return record }
        let differences = replacedFigures(builtIn, by: gpu)
        return differences.isEmpty ? record : record.replacingBuiltInBoard(differences)
    }

    /// The figures a simulation reads in which `entry` differs from the built-in board of its
    /// name, each as "what: given (built in)": the peaks of the precisions a run computes in
    /// (fp8's, a catalog fact no run uses, left out: an entry copied without it is the same
    /// board), the memory bandwidth and the memory.
    static func replacedFigures(_ builtIn: GPUSpec, by entry: GPUSpec) -> [String] {
        func tflops(_ x: Double?) -> String { x.map { Format.fixed($0 / 1e12, 1) + " TFLOP/s" } ?? "none" }
        var out: [String] = []
        for precision in ["fp32", "tf32", "fp16", "bf16"] where builtIn.peakFLOPsPerSecond[precision] != entry.peakFLOPsPerSecond[precision] {
            out.append("\(precision) peak \(tflops(entry.peakFLOPsPerSecond[precision])) (built in: \(tflops(builtIn.peakFLOPsPerSecond[precision])))")
        }
        if builtIn.memoryBytesPerSecond != entry.memoryBytesPerSecond {
            out.append("memory bandwidth \(Format.fixed(entry.memoryBytesPerSecond / 1e9, 0)) GB/s (built in: "
                       + "\(Format.fixed(builtIn.memoryBytesPerSecond / 1e9, 0)))")
        }
        if builtIn.memoryBytes != entry.memoryBytes {
            out.append("memory \(Format.gib(entry.memoryBytes)) GiB (built in: \(Format.gib(builtIn.memoryBytes)))")
        }
        return out
    }

    /// A caution on one GPU and precision group: `text` names both (it reads on its own, as
    /// `explain` prints it); `json` prefixes them, "GPU in group: why", as the JSON's `cautions` list.
    struct Caution: Equatable {
        var gpu: String
        var precisionGroup: String
        var text: String

        var json: String { "\(gpu) in \(precisionGroup): \(text)" }
    }

    /// A caution for each GPU and precision group of `runs` where the published corpus
    /// contradicts the model or has not measured it (`MeasuredErrors.Evidence.caution`),
    /// each once, in the order first met.
    static func lines(_ runs: [RunSpec], catalog: Catalog) throws -> [Caution] {
        let errors = try MeasuredErrors.builtIn()
        var seen = Set<String>(), cautions: [Caution] = []
        for run in runs {
            let record = evidence(run, errors: errors, catalog: catalog)
            guard seen.insert("\(record.gpu)/\(record.precisionGroup)").inserted, let caution = record.caution else { continue }
            cautions.append(Caution(gpu: record.gpu, precisionGroup: record.precisionGroup, text: caution))
        }
        return cautions
    }

    /// `cautions` as the text commands print them after their tables: a blank line, then
    /// one paragraph each, "Caution: why" (the why names the GPU and the precision group);
    /// "" when there is none.
    static func text(_ cautions: [Caution]) -> String {
        cautions.map { "\nCaution: \($0.text) (`scalecast explain` lists the evidence).\n" }.joined()
    }
}
