import Planning
import Scenario

/// The terminal table of `scalecast simulate`.
public enum ResultsTable {
    /// Time and money to train, for a result whose run states a training goal.
    public struct TrainingCell: Sendable {
        public var hours: Double
        /// Nil without `pricing:`.
        public var dollars: Double?
        /// The price basis: the offer and its dollars per GPU-hour, when the price was
        /// seen, its source, and every figure in one line; nil without `pricing:`.
        public var offer: String?
        public var usdPerGPUHour: Double?
        public var priceSeen: String?
        public var priceSource: String?
        public var priceDetails: String?
        /// Owned clusters: dollars up front and over the stated life; nil in the cloud.
        public var capexUSD: Double?
        public var tcoUSD: Double?
        /// The epochs trained at this row's global batch (`TrainingGoal.epochs(atGlobalBatch:)`).
        public var epochs: Double?
        /// Whether the goal states its epochs by global batch (a table, or a recipe's).
        public var epochsByBatch = false
        /// The table's largest batch, where this row's batch lies above it (its epochs held there).
        public var epochsHeldAboveBatch: Int?
        /// The table's smallest batch, where this row's batch lies below it (its epochs held there).
        public var epochsHeldBelowBatch: Int?
        /// The built-in recipe the epochs come from (`training.recipe`), or nil.
        public var recipe: String?
        /// The images of one epoch of the goal (`training.images`); nil where not given.
        public var epochImages: Int?
        /// Which side of the stated batches this row's batch lies on, where outside them (`TrainingGoal.epochsHeld`).
        public var epochsHeld: TrainingGoal.EpochsHeld?

        public init(hours: Double, dollars: Double?, offer: String? = nil, usdPerGPUHour: Double? = nil, priceSeen: String? = nil,
                    priceSource: String? = nil, priceDetails: String? = nil, capexUSD: Double? = nil, tcoUSD: Double? = nil,
                    epochs: Double? = nil, epochsByBatch: Bool = false, epochsHeldAboveBatch: Int? = nil, epochsHeldBelowBatch: Int? = nil,
                    recipe: String? = nil, epochImages: Int? = nil, epochsHeld: TrainingGoal.EpochsHeld? = nil) {
            self.epochImages = epochImages
            self.epochsHeld = epochsHeld
            self.epochs = epochs
            self.epochsByBatch = epochsByBatch
            self.epochsHeldAboveBatch = epochsHeldAboveBatch
            self.epochsHeldBelowBatch = epochsHeldBelowBatch
            self.recipe = recipe
            self.hours = hours
            self.dollars = dollars
            self.offer = offer
            self.usdPerGPUHour = usdPerGPUHour
            self.priceSeen = priceSeen
            self.priceSource = priceSource
            self.priceDetails = priceDetails
            self.capexUSD = capexUSD
            self.tcoUSD = tcoUSD
        }
    }

    /// The run's GPU counts that train slower than a smaller count of the same run (a buyer
    /// would pay for GPUs that buy no speed), in one line; empty where more is always faster.
    /// Only configurations that fit in GPU memory are compared: one that cannot run is no answer.
    static func slowerWithMoreGPUs(_ rows: [ConfigurationResult]) -> String {
        let ordered = rows.filter(\.fitsInMemory).sorted { $0.gpus < $1.gpus }
        var fastest: ConfigurationResult?
        var slower: [String] = []
        for r in ordered {
            if let best = fastest, best.gpus < r.gpus, r.metrics.imagesPerSecond < best.metrics.imagesPerSecond {
                slower.append("\(r.gpus) GPUs give \(Format.whole(r.metrics.imagesPerSecond)) images/s, "
                              + "fewer than \(best.gpus) (\(Format.whole(best.metrics.imagesPerSecond)))")
            }
            if fastest.map({ r.metrics.imagesPerSecond > $0.metrics.imagesPerSecond }) ?? true { fastest = r }
        }
        guard !slower.isEmpty else { return "" }
        return "more GPUs, less speed: " + slower.joined(separator: "; ") + ": the GPUs added buy no speed here (explain --gpus K says where the step goes)\n"
    }

    /// - Parameter training: per result (same order), its time and cost to train; runs
    ///   with any get "to train" (as `plan` writes a duration: hours, minutes under an hour,
    ///   seconds under a minute) and "cost $" columns.
    public static func render(_ results: [ConfigurationResult], scenarioName: String, training: [TrainingCell?] = []) -> String {
        // A name or label is printed on its line: its own line breaks are shown as escapes (`\n`).
        var out = "\(scenarioName.singleLine)\n"
        var runs: [Int] = []
        for r in results where !runs.contains(r.runIndex) { runs.append(r.runIndex) }
        for run in runs {
            let indices = results.indices.filter { results[$0].runIndex == run }
            let rows = indices.map { results[$0] }
            guard let first = rows.first else { continue }
            let cells = indices.map { $0 < training.count ? training[$0] : nil }
            let timed = cells.contains { $0 != nil }, priced = cells.contains { $0?.dollars != nil }
            let owned = cells.contains { $0?.capexUSD != nil }
            out += "\n"
            out += "\(first.runName.map { "\($0.singleLine): " } ?? "")\(first.model.singleLine) on \(first.gpuModel), \(first.precision)"
                + (first.precisionNote.map { " (\($0))" } ?? "") + ", "
                + "\(batchText(rows)), \(first.strategySummary)\n"
            var table = TextTable(
                headers: ["GPUs", "nodes", "step ms", "images/s", "speedup", "efficiency", "compute ms", "exposed comm ms",
                          "idle ms", "memory/GPU GiB", "fits"] + (timed ? ["to train"] : []) + (priced ? ["cost $", "$/GPU-h"] : [])
                    + (owned ? ["capex $", "TCO $"] : []),
                alignments: [.right, .right, .right, .right, .right, .right, .right, .right, .right, .right, .left]
                    + (timed ? [.right] : []) + (priced ? [.right, .right] : []) + (owned ? [.right, .right] : []))
            func dollars(_ x: Double?) -> String { x.map(Format.dollars) ?? "-" }
            for (r, cell) in zip(rows, cells) {
                let m = r.metrics
                // A time (and cost) to train whose epochs are held above the batches stated is a lower bound.
                let atLeast = cell?.epochsHeldAboveBatch != nil ? ">=" : ""
                table.append([
                    "\(r.gpus)", "\(r.nodes)", Format.fixed(m.stepSeconds * 1e3, 1), Format.fixed(m.imagesPerSecond, 0),
                    Format.fixed(r.speedup, 2) + "x", Format.fixed(r.efficiency * 100, 0) + "%",
                    Format.fixed(m.computeSeconds * 1e3, 1), Format.fixed(m.exposedCommunicationSeconds * 1e3, 1),
                    Format.fixed(m.idleSeconds * 1e3, 1),
                    "\(Format.gib(r.memory.totalBytes)) of \(Format.gib(r.gpuMemoryBytes))", r.fitsInMemory ? "yes" : "NO",
                ] + (timed ? [cell.map { atLeast + Plan.duration($0.hours * 3600) } ?? "-"] : [])
                  + (priced ? [cell?.dollars == nil ? "-" : atLeast + dollars(cell?.dollars), cell?.usdPerGPUHour.map { Format.fixed($0, 2) } ?? "-"] : [])
                  + (owned ? [dollars(cell?.capexUSD), dollars(cell?.tcoUSD)] : []))
            }
            out += table.render()
            out += slowerWithMoreGPUs(rows)
            // Speedups divide by the run on one GPU: say where that configuration could not run.
            if !first.baselineFits, rows.contains(where: { $0.gpus > 1 }) {
                out += "speedups are against the run on 1 GPU, which does not fit in its memory: the simulator times it all the "
                    + "same, so they compare with a configuration that cannot run\n"
            }
            // The epochs each row trains where the goal states them by global batch, and where a row's
            // batch lies outside the batches stated, that its epochs are the nearest end's, held.
            let byBatch = zip(rows, cells).compactMap { r, cell in cell.flatMap { $0.epochsByBatch ? (row: r, cell: $0) : nil } }
            if let first = byBatch.first {
                let source = first.cell.recipe.map { "recipe \($0)" } ?? "training.epochs"
                out += "epochs to train (\(source), by the global batch in images a step): " + byBatch.map { r, cell in
                    "\(r.gpus) GPU\(r.gpus == 1 ? "" : "s") \(cell.epochs.map(Self.epochsText) ?? "-") at \(Format.grouped(r.metrics.globalBatch))"
                }.joined(separator: ", ") + "\n"
                let held = byBatch.filter { $0.cell.epochsHeldAboveBatch != nil }
                if let batch = held.first?.cell.epochsHeldAboveBatch {
                    out += "above \(Format.grouped(batch)) images a step, the largest batch \(source) states, its epochs are held "
                        + "(GPUs: \(held.map { "\($0.row.gpus)" }.joined(separator: ", "))): no run shows the recipe converging in them there, "
                        + "so that time to train is a lower bound (marked >=); a max_global_batch of at most \(Format.grouped(batch)) keeps the batch "
                        + "to one it states\n"
                }
                let below = byBatch.filter { $0.cell.epochsHeldBelowBatch != nil }
                if let batch = below.first?.cell.epochsHeldBelowBatch {
                    out += "below \(Format.grouped(batch)) images a step, the smallest batch \(source) states, its epochs are held "
                        + "(GPUs: \(below.map { "\($0.row.gpus)" }.joined(separator: ", "))): no run measured them at the smaller batch\n"
                }
            }
            // One figure of epochs at several global batches, as plan notes it: larger batches may need more.
            let fixed = zip(rows, cells).compactMap { r, cell -> (batch: Int, epochs: Double)? in
                guard let cell, !cell.epochsByBatch, cell.recipe == nil, let epochs = cell.epochs else { return nil }
                return (r.metrics.globalBatch, epochs)
            }
            if let smallest = fixed.map(\.batch).min(), let largest = fixed.map(\.batch).max(), smallest < largest {
                out += "the times to train take training.epochs (" + Set(fixed.map(\.epochs)).sorted().map(Self.epochsText).joined(separator: " or ")
                    + ") at every global batch (\(Format.grouped(smallest)) to \(Format.grouped(largest)) images a step); a recipe may need "
                    + "more at the larger ones, which they do not count: state epochs by batch (training.epochs: {BATCH: EPOCHS}), "
                    + "a recipe, or max_global_batch\n"
            }
            // A step of more images than an epoch: the time to train counts part-steps, as plan and report caution.
            let overEpoch = zip(rows, cells).compactMap { r, cell -> (row: ConfigurationResult, images: Int)? in
                guard let images = cell?.epochImages, r.metrics.globalBatch > images else { return nil }
                return (r, images)
            }
            if let images = overEpoch.first?.images {
                out += "more images a step than the \(Format.grouped(images)) of an epoch (GPUs: "
                    + "\(overEpoch.map { "\($0.row.gpus)" }.joined(separator: ", "))): that time to train counts part-steps no run takes; "
                    + "state the largest global batch the recipe trains at as max_global_batch\n"
            }
            // A hierarchical all-reduce over a partly filled last node runs as a flat ring: the header names the strategy's.
            let asRing = rows.filter(\.hierarchicalRanAsRing)
            if !asRing.isEmpty {
                out += "hierarchical all-reduce run as a flat ring where the last node is partly filled (GPUs: "
                    + asRing.map { "\($0.gpus)" }.joined(separator: ", ") + "): its two levels need every node full\n"
            }
            // Above linear: model-parallel slices of weights make each GPU's share cheaper per image than one GPU's whole.
            let superlinear = rows.filter { $0.gpus > 1 && $0.speedup > Double($0.gpus) * (1 + 1e-9) && $0.strategy.kind != .data }
            if !superlinear.isEmpty {
                out += "above linear (GPUs: " + superlinear.map { "\($0.gpus)" }.joined(separator: ", ")
                    + "): each GPU holds a slice of the model-parallel layers' weights, so their memory-bound reads and updates "
                    + "take less per image than on one GPU\n"
            }
            // Counts simulated by different methods (`simulation: {fidelity: auto}` aggregates above 32 GPUs, or where the
            // expanded plan is past its limits): said, since a curve can bend where the method changes.
            let aggregated = rows.filter { $0.fidelity == .aggregated }, expanded = rows.filter { $0.fidelity == .expanded && $0.gpus > 1 }
            if !aggregated.isEmpty && !expanded.isEmpty {
                out += "simulated transfer by transfer (expanded) at " + expanded.map { "\($0.gpus)" }.joined(separator: ", ")
                    + " GPUs and with closed forms (aggregated) at " + aggregated.map { "\($0.gpus)" }.joined(separator: ", ")
                    + " (make bench prints how far apart the two are, per all-reduce algorithm and network"
                    + (rows.contains { $0.strategy.kind != .data } ? ", and for a hybrid's exchanges)\n" : ")\n")
            }
            // A flat ring on rails: its hop between nodes crosses the spine, where NCCL's rings would keep to a rail.
            let acrossRails = rows.filter(\.flatRingCrossesRails)
            if !acrossRails.isEmpty {
                out += "flat ring across rails (GPUs: " + acrossRails.map { "\($0.gpus)" }.joined(separator: ", ")
                    + "): its hop from one node to the next changes rails over the spine; NCCL's rings keep to one rail "
                    + "(allreduce: nccl-auto), so this ring may understate the rail-optimized network\n"
            }
            // Idle time that is the wait for the CPU loader: the GPUs are not the limit there.
            let inputBound = rows.filter { $0.metrics.isInputBound }
            if !inputBound.isEmpty {
                out += "input-bound (the GPUs wait for the CPU loader, counted in idle ms; faster GPUs would not help: `explain` "
                    + "names the loader's limit): " + inputBound.map { r in
                        "\(r.gpus) GPU\(r.gpus == 1 ? "" : "s") \(Format.fixed(r.metrics.inputWaitSeconds / r.metrics.stepSeconds * 100, 0))% of the step"
                    }.joined(separator: ", ") + "\n"
            }
            // An owned cluster's training longer than the busy hours of its life: its cost / TCO is hours / busy hours
            // (cost per hour = TCO / busy hours, docs/costs.md), the lives it counts the cluster bought for.
            let outlasting = zip(rows, cells).compactMap { r, cell -> String? in
                guard let cost = cell?.dollars, let tco = cell?.tcoUSD, tco > 0, cost > tco else { return nil }
                return "\(r.gpus) GPU\(r.gpus == 1 ? "" : "s") (\(String(format: "%.1f", locale: nil, cost / tco)) lives)"
            }
            if !outlasting.isEmpty {
                out += "outlasts the cluster's busy hours (its life, or the share pricing.utilization gives; its cost counts the "
                    + "cluster bought again for each such life): "
                    + outlasting.joined(separator: ", ") + "\n"
            }
            // The price basis beside the costs: each distinct one, priced for the run's largest configuration
            // that takes it (said, since an owned cluster's switches and cables, so its $/GPU-hour, change with the GPUs).
            for basis in priceBases(rows, cells: cells) { out += "price basis: \(basis)\n" }
        }
        return out
    }

    /// Each distinct offer's price basis, in words, priced for the largest configuration of
    /// `rows` that takes it (an owned cluster's switches and cables, so its $/GPU-hour, change
    /// with the GPUs): "Lambda 8x H100 SXM, as priced for 16 GPUs: $3.00 per GPU-hour: ...".
    /// `cells` per row, in the same order.
    /// The offers in the order of their first row; rows in any order (`--gpus 640,8,16`).
    public static func priceBases(_ rows: [ConfigurationResult], cells: [TrainingCell?]) -> [String] {
        var offers: [String] = []
        var largest: [String: (gpus: Int, details: String)] = [:]
        for (row, cell) in zip(rows, cells) {
            guard let offer = cell?.offer, let details = cell?.priceDetails else { continue }
            if largest[offer] == nil { offers.append(offer) }
            if row.gpus > largest[offer]?.gpus ?? 0 { largest[offer] = (row.gpus, details) }
        }
        return offers.flatMap { offer in
            let (gpus, details) = largest[offer]!
            // A smaller configuration that leaves part of an instance idle pays more per GPU-hour than the line
            // above says: its rate and the instances it rents, on a line of its own.
            let partial = zip(rows, cells).compactMap { row, cell -> String? in
                guard cell?.offer == offer, row.gpus != gpus, let rate = cell?.usdPerGPUHour,
                      let idle = cell?.priceDetails.flatMap(Self.wholeInstanceClause) else { return nil }
                return "\(offer), at \(row.gpus) GPU\(row.gpus == 1 ? "" : "s"): $\(String(format: "%.2f", locale: nil, rate)) per GPU-hour, \(idle)"
            }
            return ["\(offer), as priced for \(gpus) GPU\(gpus == 1 ? "" : "s"): \(details)"] + partial
        }
    }

    /// The clause of a cloud price basis that says the run leaves part of its last instance idle
    /// ("rented whole: 1 instance of 8 GPUs for the run's 1", `TrainingEstimate.wholeInstanceNote`), or nil.
    static func wholeInstanceClause(_ details: String) -> String? {
        guard let start = details.range(of: "rented whole: ") else { return nil }
        let rest = details[start.lowerBound...]
        return String(rest.range(of: "; ").map { rest[..<$0.lowerBound] } ?? rest)
    }

    /// Epochs as a goal states them: whole where whole, else to two decimals.
    static func epochsText(_ epochs: Double) -> String {
        epochs == epochs.rounded() ? Format.whole(epochs) : Format.fixed(epochs, 2)
    }

    /// The run's batch per GPU: `batch 256 per GPU`, or, where `max_global_batch` cuts it at
    /// larger GPU counts, each value from the count it starts at, in ascending counts:
    /// `batch per GPU 256, 128 from 256 GPUs, 64 from 512 (max_global_batch)`; a batch cut
    /// at every count listed says so: `batch 32 per GPU (max_global_batch)`.
    static func batchText(_ rows: [ConfigurationResult]) -> String {
        let rows = rows.sorted { $0.gpus < $1.gpus }
        guard let first = rows.first else { return "" }
        let cut = rows.contains(where: \.batchCut) ? " (max_global_batch)" : ""
        let changes = rows.indices.dropFirst().filter { rows[$0].batchPerGPU != rows[$0 - 1].batchPerGPU }
        guard !changes.isEmpty else { return "batch \(first.batchPerGPU) per GPU" + cut }
        return "batch per GPU \(first.batchPerGPU), " + changes.enumerated().map { k, i in
            "\(rows[i].batchPerGPU) from \(rows[i].gpus)" + (k == 0 ? " GPUs" : "")
        }.joined(separator: ", ") + cut
    }
}
