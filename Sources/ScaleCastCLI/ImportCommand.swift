import ArgumentParser
import Calibration
import Foundation
import CostModel
import Hardware
import Reports
import Workload

/// `scalecast import nccl-tests LOG... --out network.yaml`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Turn measurements made elsewhere into catalog entries.",
        subcommands: [NCCLTests.self, LayerTimesImport.self])

    struct LayerTimesImport: ParsableCommand, OutputProducing {
        static let configuration = CommandConfiguration(
            commandName: "layer-times",
            abstract: "Fit a GPU's efficiency curve, per precision, to per-layer times from tools/profile_layers.py.",
            discussion: "Name the profile in a scenario with cost_model: {profile: profile.yaml}. --holdout fits even rows and "
                + "reports the error on the odd ones.")

        @Argument(help: "The CSV written by tools/profile_layers.py.")
        var csv: String

        @Option(name: .long, help: "The catalog GPU the times were measured on.")
        var gpu: String

        @Option(name: .long, help: "Write the profile here (YAML).")
        var out: String?

        @Flag(name: .long, help: "Fit half of the rows and report how well the fit predicts the other half.")
        var holdout = false

        @Flag(name: .long, help: "Overwrite --out if it exists.")
        var force = false

        func produce() throws -> CommandOutput {
            let catalog = try Catalog.builtIn()
            guard let spec = catalog.gpu(named: gpu) else { throw UsageError(message: "--gpu: unknown GPU '\(gpu)'") }
            guard let text = try? String(contentsOfFile: csv, encoding: .utf8) else { throw UsageError(message: "\(csv): cannot read the file") }
            let times = try LayerTimes(csv: text, file: csv)
            var output = "\(csv): \(times.rows.count) layer timings; peaks of the catalog's \(spec.name)\n"
            var profile = "# Fitted by `scalecast import layer-times` from \(csv); efficiencies are relative to the catalog's \(spec.name) peaks.\ngpu: \(spec.name)\n"
            var efficiency: [String] = [], half: [String] = [], error: [String] = [], overhead: [String] = []
            for precision in Precision.allCases where times.rows.contains(where: { $0.precision == precision }) {
                let peak = spec.peakFLOPsPerSecond(precision: precision.rawValue)
                let rows = times.rows.filter { $0.precision == precision }
                let training = holdout ? rows.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) : rows
                guard let fit = try LayerTimes.fit(training, precision: precision, peak: peak) else {
                    throw UsageError(message: "\(csv): the \(precision.rawValue) rows cannot be fitted (at least 3 layers with positive times are needed)")
                }
                output += "\n\(precision.rawValue): max efficiency \(Format.fixed(fit.curve.maxEfficiency, 3)), half-saturation "
                    + "\(Format.fixed(fit.curve.halfSaturation, 1)), launch overhead \(Format.fixed(fit.curve.overheadSeconds * 1e6, 1)) us; "
                    + "forward times within \(Format.fixed(fit.reportedError * 100, 1))% for 90% of the \(training.count) layers fitted\n"
                if holdout {
                    let tested = rows.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
                    let errors = try tested.map {
                        abs(try LayerTimes.predictForward($0, curve: fit.curve, peak: peak) / $0.forwardSeconds - 1)
                    }.sorted()
                    output += "  held out: \(tested.count) layers, median |error| \(Format.fixed(errors[errors.count / 2] * 100, 1))%, "
                        + "90th percentile \(Format.fixed(LayerTimes.percentile(errors, 0.9) * 100, 1))%\n"
                }
                efficiency.append("\(precision.rawValue): \(Format.fixed(fit.curve.maxEfficiency, 4))")
                half.append("\(precision.rawValue): \(Format.fixed(fit.curve.halfSaturation, 2))")
                error.append("\(precision.rawValue): \(Format.fixed(fit.reportedError, 4))")
                overhead.append("\(precision.rawValue): \(Format.fixed(fit.curve.overheadSeconds * 1e6, 3))")
            }
            profile += "max_efficiency: {\(efficiency.joined(separator: ", "))}\nhalf_saturation: {\(half.joined(separator: ", "))}\n"
                + "launch_overhead_us: {\(overhead.joined(separator: ", "))}\nreported_error: {\(error.joined(separator: ", "))}\n"
            if let out {
                try OutputFile.write(profile, to: out, force: force)
                output += "wrote \(out)\n"
            }
            return CommandOutput(stdout: output)
        }
    }

    struct NCCLTests: ParsableCommand, OutputProducing {
        static let configuration = CommandConfiguration(
            commandName: "nccl-tests",
            abstract: "Fit latency and bandwidth (alpha-beta) to nccl-tests logs and write them as catalog links.",
            discussion: """
                Each log gives one link: bandwidth = the fitted bus bandwidth (busbw, comparable to one link's speed); \
                latency per hop = the fitted alpha spread over the collective's steps and the two hops of a transfer \
                through a switch (ring all-reduce: 2(N-1) steps). Name the file in a scenario with \
                catalog: {files: [network.yaml]} and the link under cluster.nvlink or cluster.network.link.
                """)

        @Argument(help: "Logs printed by all_reduce_perf, all_gather_perf, reduce_scatter_perf, broadcast_perf or sendrecv_perf.")
        var logs: [String]

        @Option(name: .long, help: "Write the links here (YAML, the catalog's form).")
        var out: String?

        @Option(name: .long, help: "The collective, if the file name does not say it: all_reduce, all_gather, reduce_scatter, broadcast, sendrecv.")
        var collective: String?

        @Option(name: .long, help: "The kind of the links written: nvlink, pcie, infiniband or ethernet.")
        var kind: String = "nvlink"

        @Flag(name: .long, help: "Overwrite --out if it exists.")
        var force = false

        func produce() throws -> CommandOutput {
            let chosen = try collective.map { name -> NCCLTestsLog.Collective in
                guard let c = NCCLTestsLog.Collective(rawValue: name) else {
                    throw UsageError(message: "--collective: '\(name)' is not one of \(NCCLTestsLog.Collective.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return c
            }
            guard ["nvlink", "pcie", "infiniband", "ethernet"].contains(kind) else { throw UsageError(message: "--kind must be nvlink, pcie, infiniband or ethernet") }
            var text = "", yaml = "# Fitted by `scalecast import nccl-tests`; each link's figures come from the log it names.\nlinks:\n"
            for path in logs {
                guard let data = FileManager.default.contents(atPath: path), let content = String(data: data, encoding: .utf8) else {
                    throw UsageError(message: "\(path): cannot read the file")
                }
                let log = try NCCLTestsLog.parse(content, file: path, collective: chosen)
                let fit = try log.fit()
                let steps: Double
                switch log.collective {
                case .allReduce: steps = 2 * Double(log.ranks - 1)
                case .allGather, .reduceScatter: steps = Double(log.ranks - 1)
                case .broadcast, .sendRecv: steps = 1
                }
                let name = "nccl-\(log.collective.rawValue)-\(log.ranks)gpus-" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                text += "\(path): \(log.collective.rawValue) on \(log.ranks) GPUs, \(log.rows.count) sizes from "
                    + "\(Format.fixed(log.rows.first!.bytes, 0)) to \(Format.fixed(log.rows.last!.bytes, 0)) bytes\n"
                text += "  alpha \(Format.fixed(fit.latencySeconds * 1e6, 2)) us, algbw \(Format.fixed(fit.bytesPerSecond / 1e9, 2)) GB/s, "
                    + "busbw \(Format.fixed(fit.busBytesPerSecond / 1e9, 2)) GB/s"
                    + (log.averageBusGBPerSecond.map { " (the log's average busbw: \(Format.fixed($0, 2)))" } ?? "") + "\n"
                var table = TextTable(headers: ["bytes", "measured us", "fitted us", "error"], alignments: [.right, .right, .right, .right])
                for (row, error) in zip(log.rows, fit.relativeErrors) {
                    table.append([Format.fixed(row.bytes, 0), Format.fixed(row.microseconds, 2),
                                  Format.fixed(row.microseconds * (1 + error), 2), Format.fixed(error * 100, 1) + "%"])
                }
                text += table.render() + "\n"
                yaml += "  - {name: \(name), kind: \(kind), bandwidth_gb_per_s: \(Format.fixed(fit.busBytesPerSecond / 1e9, 3)), "
                    + "latency_us: \(Format.fixed(fit.latencySeconds * 1e6 / steps / 2, 3)), "
                    + "source: \"fitted from \(path): \(log.collective.rawValue), \(log.ranks) GPUs, alpha \(Format.fixed(fit.latencySeconds * 1e6, 2)) us "
                    + "over \(Int(steps)) steps x 2 hops\"}\n"
            }
            if let out {
                try OutputFile.write(yaml, to: out, force: force)
                text += "wrote \(out)\n"
            } else {
                text += yaml
            }
            return CommandOutput(stdout: text)
        }
    }
}
