import ArgumentParser
import Foundation
import Hardware
import Reports
import Scenario
import Software
import Workload
import YAMLSupport

/// `scalecast models [MODEL.yaml ...] [--json]`.
struct ModelsCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the built-in models, or the models in the given files, with their parameters and FLOPs per image.")

    @Argument(help: "Custom model files (a model YAML, as tools/export_model.py writes): list these instead of the built-in models.")
    var files: [String] = []

    @Flag(name: .long, help: "Print JSON: a list of objects with name, parameters, forward_flops_per_image.")
    var json = false

    /// The folder relative `files` are read from where a notebook runs the command from its root
    /// (`PathArguments`); the files are shown as written, so the table's widths are those of the
    /// text the notebook keeps. Not for users: nil reads them from the current folder.
    @Option(name: .customLong("files-root"), help: .private)
    var filesRoot: String?

    func produce() throws -> CommandOutput {
        let paths = files.map { file in filesRoot.map { file.hasPrefix("/") ? file : $0 + "/" + file } ?? file }
        // A built-in model's name given as a file: say what it is, rather than only that no file has the name.
        for (file, path) in zip(files, paths) where !FileManager.default.fileExists(atPath: path) && Zoo.entry(named: file) != nil {
            throw UsageError(message: "\(file.singleLine): no such file; it is a built-in model's name, which `scalecast models` "
                             + "without files lists (a scenario takes it as model: \(file.singleLine))")
        }
        // A scenario given where a model file goes: say so, where the model reader would name a key it does not know.
        for file in paths {
            guard let yaml = try? YAMLValue.load(path: file), yaml.isMapping, (try? yaml.optional("layers")) == nil,
                  let key = ["model", "runs", "cluster", "batch_per_gpu"].first(where: { (try? yaml.optional($0)) != nil }),
                  let node = try? yaml.optional(key) else { continue }
            throw node.error("this is a scenario (it has \(key):), not a model file (name, input, layers); "
                              + "`scalecast explain` lists a scenario's layers, and `scalecast models` without files the built-in models")
        }
        let shown = zip(paths, files).map { (path: $0, shown: $1) }
        return CommandOutput(stdout: json ? try CatalogReport.modelsJSON(files: shown) : try CatalogReport.modelsTable(files: shown))
    }
}

/// `scalecast hardware [FILE] [--json]`.
struct HardwareCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "hardware",
        abstract: "List the GPUs and links of the built-in catalog, or of the catalog a scenario or catalog file makes, with sources.")

    @Argument(help: ArgumentHelp(
        "A scenario or a catalog file: list the catalog its runs see, the built-in one with the file's entries added or in place of "
            + "built-in ones of the same name (a scenario's catalog: key and the files it lists; a catalog file's gpus: and links:).",
        valueName: "file"))
    var file: String?

    @Flag(name: .long, help: "Print the catalog as JSON.")
    var json = false

    func produce() throws -> CommandOutput {
        let builtIn = try Catalog.builtIn()
        guard let file else {
            return CommandOutput(stdout: json ? try CatalogReport.hardwareJSON(builtIn) : CatalogReport.hardwareTable(builtIn))
        }
        let catalog = try Self.catalog(seenBy: file)
        if json { return CommandOutput(stdout: try CatalogReport.hardwareJSON(catalog)) }
        return CommandOutput(stdout: CatalogReport.changes(from: builtIn, to: catalog, by: file.singleLine) + "\n"
                             + CatalogReport.hardwareTable(catalog))
    }

    /// The catalog `path` makes: a catalog file's (top-level `gpus:`, `links:` and nothing
    /// else) read over the built-in one, as a scenario's `catalog.files` reads it; else a
    /// scenario's (`Scenario.catalog`). A file that is neither is refused.
    static func catalog(seenBy path: String) throws -> Catalog {
        let root = try YAMLValue.load(path: path)
        let keys = root.isMapping ? try root.entries().map(\.key) : []
        if !keys.isEmpty && keys.allSatisfy({ ["gpus", "links"].contains($0) }) {
            var catalog = try Catalog.builtIn()
            try catalog.read(gpus: root.optional("gpus"), links: root.optional("links"))
            return catalog
        }
        guard keys.contains(where: { Scenario.topLevelKeys.contains($0) }) else {
            throw root.error("neither a catalog file (gpus:, links:) nor a scenario (catalog:, runs:, cluster:, ...)")
        }
        return try Scenario.catalog(yaml: root, baseDirectory: (path as NSString).deletingLastPathComponent)
    }
}

/// `scalecast software [--json]`: the built-in execution profiles with their sources.
struct SoftwareCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "software",
        abstract: "List the built-in execution profiles (scenario key software:) with their figures and sources.")

    @Flag(name: .long, help: "Print the profiles as JSON.")
    var json = false

    func produce() throws -> CommandOutput {
        let catalog = try ProfileCatalog.builtIn()
        if json {
            // Microseconds as written in the profile: seconds back to microseconds, rounded to
            // the picosecond (15 us is stored as 1.5e-5 s, which times 1e6 is 14.999999999999998).
            func microseconds(_ seconds: Double) -> Double { (seconds * 1e12).rounded() / 1e6 }
            let objects: [[String: Any]] = catalog.profiles.map { p in
                var o: [String: Any] = [
                    "name": p.name, "summary": p.summary,
                    "launch_us_per_kernel_forward": microseconds(p.launchSecondsPerKernelForward),
                    "launch_us_per_kernel_backward": microseconds(p.launchSecondsPerKernelBackward),
                    "launch_us_per_kernel_update": microseconds(p.launchSecondsPerKernelUpdate),
                    "gradient_sync": p.gradientSync.rawValue, "sources": p.sources,
                ]
                o["gradient_bytes_per_element"] = p.gradientBytesPerElement ?? "precision"
                if p.loader != .synthetic {
                    o["loader"] = p.loader.rawValue
                    if let x = p.loaderImagesPerSecondPerCore { o["loader_images_per_second_per_core"] = x }
                    if let x = p.loaderImagesPerSecondPerNode { o["loader_images_per_second_per_node"] = x }
                    if let x = p.loaderImagesPerSecondPerWorker { o["loader_images_per_second_per_worker"] = x }
                    if let n = p.loaderWorkersPerGPU { o["loader_workers_per_gpu"] = n }
                    if p.loaderAugmentation != .none { o["loader_augmentation"] = p.loaderAugmentation.rawValue }
                }
                if let library = p.kernelLibrary { o["kernel_library"] = library.name }
                if let bytes = p.workspaceLimitBytes { o["workspace_mb"] = bytes / 1_048_576 }
                if p.algorithmChoice != .fastest { o["algorithm_choice"] = p.algorithmChoice.rawValue }
                // How the profile's kernels see the layers: always written, defaults too (a reader should not
                // have to know that an absent memory_format means nhwc).
                o["memory_format"] = p.memoryFormat.rawValue
                o["depthwise_kernels"] = p.depthwiseKernels.rawValue
                o["grouped_convolutions"] = p.groupedConvolutionsPerGroup ? "per-group" : "library"
                o["fused_batchnorm"] = p.batchNormFusion.rawValue
                if p.autograd.clonesInPlaceActivationInput { o["inplace_activation_clone"] = true }
                if p.autograd.reducesBroadcastGradient { o["broadcast_grad_sum_to"] = true }
                if p.autograd.clonesInPlaceReLU6Input { o["inplace_relu6_clone"] = true }
                if p.autograd.keepsMaxPoolIndices { o["max_pool_indices"] = true }
                if p.computeJitterCV > 0 { o["compute_jitter_cv"] = p.computeJitterCV }
                if p.hostSyncBeforeUpdate { o["host_sync_before_update"] = true }
                if p.autocastWeightCopies { o["autocast_weight_copies"] = true }
                if let collective = p.collective { o["collective"] = collective.rawValue }
                if p.collectiveSMShare > 0 { o["collective_sm_share"] = p.collectiveSMShare }
                for setting in p.mechanisms.settings + p.communication.settings {
                    o[setting.key] = setting.value.map { $0 == $0.rounded() && abs($0) < 1e15 ? Int($0) as Any : $0 as Any }
                        ?? (setting.text == "true" ? true as Any : setting.text as Any)
                }
                return o
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return CommandOutput(stdout: String(decoding: data, as: UTF8.self) + "\n")
        }
        func us(_ seconds: Double) -> String { String(format: "%g", seconds * 1e6) }
        var lines = ["profile                 launch us/kernel (fwd/bwd/update)  gradient bytes  gradient sync   kernel library  collective",
                     "----------------------  ---------------------------------  --------------  --------------  --------------  ----------"]
        for p in catalog.profiles {
            let launch = "\(us(p.launchSecondsPerKernelForward)) / \(us(p.launchSecondsPerKernelBackward)) / \(us(p.launchSecondsPerKernelUpdate))"
            lines.append(p.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                         + launch.padding(toLength: 35, withPad: " ", startingAt: 0)
                         + (p.gradientBytesPerElement.map(String.init) ?? "precision").padding(toLength: 16, withPad: " ", startingAt: 0)
                         + p.gradientSync.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + (p.kernelLibrary?.name ?? "-").padding(toLength: 16, withPad: " ", startingAt: 0)
                         + (p.collective?.rawValue ?? "scenario's"))
        }
        lines.append("")
        for p in catalog.profiles where p.loader == .cpu {
            let rate = p.loaderImagesPerSecondPerNode.map { "\(String(format: "%g", $0)) images/s per node" }
                ?? p.loaderImagesPerSecondPerCore.map { "\(String(format: "%g", $0)) images/s per CPU core x cluster.cpu_cores_per_node" } ?? "?"
            let workers = p.loaderImagesPerSecondPerWorker.map { perWorker in
                "; and at most \(String(format: "%g", perWorker)) images/s per DataLoader worker x "
                    + (p.loaderWorkersPerGPU.map { "\($0) workers per GPU" } ?? "software.loader_workers_per_gpu (none by default: no worker limit)")
                    + " x the node's GPUs, the workers at most one per cluster.cpu_cores_per_node"
            } ?? ""
            lines.append("\(p.name) loader: cpu, at most \(rate)\(workers)")
        }
        for p in catalog.profiles where p.collectiveSMShare > 0 {
            lines.append("\(p.name) interference: each block of an NCCL collective takes \(String(format: "%g", p.collectiveSMShare)) SM "
                         + "from the compute it overlaps")
        }
        for p in catalog.profiles {
            lines.append("\(p.name) kernels: memory_format \(p.memoryFormat.rawValue), depthwise_kernels \(p.depthwiseKernels.rawValue), "
                         + "grouped_convolutions \(p.groupedConvolutionsPerGroup ? "per-group" : "library"), fused_batchnorm \(p.batchNormFusion.rawValue)")
        }
        for p in catalog.profiles where !p.mechanisms.isNone {
            lines.append("\(p.name) schedule: " + p.mechanisms.settings.map { "\($0.key) \($0.text)" }.joined(separator: ", "))
        }
        for p in catalog.profiles where !p.communication.isNone {
            lines.append("\(p.name) communication: " + p.communication.settings.map { "\($0.key) \($0.text)" }.joined(separator: ", "))
        }
        lines.append("")
        for p in catalog.profiles {
            lines.append("\(p.name): \(p.summary)")
            for key in ExecutionProfile.fieldKeys { if let source = p.sources[key] { lines.append("  \(key): \(source)") } }
        }
        lines.append("")
        lines.append("Kernel libraries (software.kernel_library; the convolution algorithms each pass may run, the fastest that fits wins):")
        for library in catalog.libraries {
            let passes = ConvolutionPass.allCases.map { "\($0.rawValue): \(library.offered(for: $0).map(\.rawValue).joined(separator: ", "))" }
            lines.append("  \(library.name): \(library.summary)")
            lines.append("    \(passes.joined(separator: "; "))")
            lines.append("    source: \(library.source)")
        }
        lines.append("")
        lines.append("Loader augmentation (software.loader_augmentation, for a cpu loader; the CPU time each image adds on its worker, "
                     + "beyond the pipeline the loader rates were measured on):")
        lines.append("  " + LoaderAugmentation.allCases.map { "\($0.rawValue) +\(String(format: "%.3f", $0.extraSecondsPerImage * 1e3)) ms" }
                        .joined(separator: ", "))
        lines.append("  source: \(LoaderAugmentation.source)")
        lines.append("")
        lines.append("Choose one with `software: NAME` in a scenario, or override fields: `software: {profile: pytorch-ddp, launch_us_per_kernel_forward: 5}`"
                     + " or `software: {profile: ideal, kernel_library: cudnn-8, workspace_mb: 1024}`.")
        return CommandOutput(stdout: lines.joined(separator: "\n") + "\n")
    }
}
