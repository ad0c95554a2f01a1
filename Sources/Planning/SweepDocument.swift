import Foundation
import Scenario

/// The output of a sweep or of one of its shards: what was varied, and a row
/// per point. Merging every shard of a sweep gives the unsharded document, byte
/// for byte.
public struct SweepDocument: Codable, Sendable, Equatable {
    public struct Header: Codable, Sendable, Equatable {
        public var vary: [Sweep.Axis]
        /// The run the sweep was limited to, if any.
        public var run: String?
        /// Points in the whole sweep (all shards).
        public var points: Int
        /// "I/N" for a shard; absent for a whole sweep.
        public var shard: String?
        /// The draws per point of the uncertainty ranges (`--samples`) and their seed
        /// (`--seed`); both absent for a sweep without ranges. Shards drawn with other
        /// samples or another seed are of another sweep: their ranges would not join.
        public var samples: Int?
        public var seed: UInt64?
        /// The scenario file's contents as a 64-bit FNV-1a digest, hex (`digest(of:)`): shards
        /// of one sweep name one scenario whatever path they give it, and a shard run on an
        /// edited scenario at the same path is of another sweep. Absent in older files, whose
        /// scenarios are compared by path.
        public var scenarioDigest: String?
        /// The combinations of varied values left out, one entry per run and cause
        /// (`Sweep.exclusionsByReason`): they have no rows, and `points` does not count them.
        /// Absent where none was left out (and in files written before 2026-12-07).
        public var leftOut: [LeftOut]?

        /// Combinations one run could not take, left out of the sweep for one cause.
        public struct LeftOut: Codable, Sendable, Equatable {
            /// The run's label (or its model and key path); null in a scenario of one run.
            public var run: String?
            /// The points they would have had.
            public var points: Int
            /// Why, as the error the run gave alone, with the `--vary` values.
            public var reason: String

            public init(run: String?, points: Int, reason: String) {
                self.run = run
                self.points = points
                self.reason = reason
            }
        }

        enum CodingKeys: String, CodingKey {
            case vary, run, points, shard, samples, seed, scenarioDigest = "scenario_digest", leftOut = "left_out"
        }

        public init(vary: [Sweep.Axis], run: String?, points: Int, shard: String?, samples: Int? = nil, seed: UInt64? = nil,
                    scenarioDigest: String? = nil, leftOut: [LeftOut]? = nil) {
            self.vary = vary
            self.run = run
            self.points = points
            self.shard = shard
            self.samples = samples
            self.seed = seed
            self.scenarioDigest = scenarioDigest
            self.leftOut = leftOut
        }

        /// The 64-bit FNV-1a hash of `data` as 16 hex digits (Fowler, Noll and Vo; the
        /// offset basis 14695981039346656037 and prime 1099511628211 of the 64-bit variant):
        /// enough to tell an edited scenario from its original, not a defence against forgery.
        public static func digest(of data: Data) -> String {
            var hash: UInt64 = 14_695_981_039_346_656_037
            for byte in data { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
            return String(hash, radix: 16).leftPadded(to: 16)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(vary, forKey: .vary)
            try c.encode(run, forKey: .run)
            try c.encode(points, forKey: .points)
            try c.encodeIfPresent(shard, forKey: .shard)
            try c.encodeIfPresent(samples, forKey: .samples)
            try c.encodeIfPresent(seed, forKey: .seed)
            try c.encodeIfPresent(scenarioDigest, forKey: .scenarioDigest)
            try c.encodeIfPresent(leftOut, forKey: .leftOut)
        }
    }

    public var scenario: String
    public var sweep: Header
    public var results: [SweepRow]

    public init(scenario: String, sweep: Header, results: [SweepRow]) {
        self.scenario = scenario
        self.sweep = sweep
        self.results = results
    }

    /// Pretty, key-sorted JSON ending in a newline.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// CSV: a header line, then a row per point; the varied keys come right after
    /// the point and run columns. Numbers are written to full precision.
    public func csv() -> String {
        Self.csvHeader(vary: sweep.vary) + Self.csvLines(results, vary: sweep.vary)
    }

    /// The CSV columns the varied keys `vary` give (`csv`), as varied columns.
    /// The varied keys' columns: `gpus` has its own; a key named as another column (`model`,
    /// `strategy`) is `vary.KEY`, as the JSON's `vary` object holds it, so no header names two
    /// columns alike.
    private static func csvKeys(_ vary: [Sweep.Axis]) -> [String] {
        vary.map(\.key).filter { $0 != "gpus" }.map { resultColumns.contains($0) ? "vary.\($0)" : $0 }
    }

    /// The CSV's columns after the varied keys, in order.
    static let resultColumns = ["gpus", "gpu_model", "strategy", "scheme", "variant", "global_batch", "step_seconds",
                                "images_per_second", "speedup", "efficiency", "compute_seconds",
                                "exposed_communication_seconds", "idle_seconds", "peak_memory_bytes_per_gpu",
                                "fits_in_memory", "time_to_train_seconds", "cost_usd", "images_per_second_p10",
                                "images_per_second_p90", "time_to_train_seconds_p10", "time_to_train_seconds_p90",
                                "cost_usd_p10", "cost_usd_p90", "model", "capex_usd", "tco_usd", "capex_usd_p10",
                                "capex_usd_p90", "price_offer", "usd_per_gpu_hour", "price_seen", "price_source",
                                "input_wait_seconds", "straggler_wait_seconds", "periodic_seconds", "host_busy_seconds",
                                "batch_per_gpu", "epochs", "epochs_held"]

    /// `csv`'s header line, newline included, for a sweep that varies `vary`.
    public static func csvHeader(vary: [Sweep.Axis]) -> String {
        (["point", "run"] + csvKeys(vary) + resultColumns).map(Self.field).joined(separator: ",") + "\n"
    }

    /// `csv`'s lines for `rows` of a sweep that varies `vary`, one per row, each ending in a newline.
    public static func csvLines(_ rows: [SweepRow], vary: [Sweep.Axis]) -> String {
        // The varied keys themselves (a column may be named `vary.KEY`: `csvKeys`).
        let keys = vary.map(\.key).filter { $0 != "gpus" }
        // One string grown line by line: an array of lines joined at the end held the
        // text three times over at its peak (tens of MB for a 100,000-point sweep).
        var text = ""
        func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        for r in rows {
            var cells: [String] = ["\(r.point)", r.run] + keys.map { r.vary[$0] ?? "" }
            cells += ["\(r.gpus)", r.gpuModel, r.strategy, r.scheme ?? "", r.variant ?? "", "\(r.globalBatch)", "\(r.stepSeconds)"]
            cells += ["\(r.imagesPerSecond)", "\(r.speedup)", "\(r.efficiency)", "\(r.computeSeconds)", "\(r.exposedCommunicationSeconds)"]
            cells += ["\(r.idleSeconds)", "\(r.peakMemoryBytesPerGPU)", r.fitsInMemory ? "true" : "false"]
            cells += [r.timeToTrainSeconds, r.costUSD, r.imagesPerSecondP10, r.imagesPerSecondP90, r.timeToTrainSecondsP10,
                      r.timeToTrainSecondsP90, r.costUSDP10, r.costUSDP90].map(number)
            cells += [r.model ?? ""] + [r.capexUSD, r.tcoUSD, r.capexUSDP10, r.capexUSDP90].map(number)
            cells += [r.priceOffer ?? "", number(r.usdPerGPUHour), r.priceSeen ?? "", r.priceSource ?? ""]
            cells += [r.inputWaitSeconds, r.stragglerWaitSeconds, r.periodicSeconds, r.hostBusySeconds].map(number)
            cells += [r.batchPerGPU.map { "\($0)" } ?? "", number(r.epochs), r.epochsHeld?.rawValue ?? ""]
            text += cells.map(Self.field).joined(separator: ",")
            text += "\n"
        }
        return text
    }

    /// A CSV field (RFC 4180): quoted where it holds a comma, a quote or a line break, a
    /// carriage return included (read by scalar: Swift's "\r\n" is one Character, not "\n").
    static func field(_ s: String) -> String {
        s.unicodeScalars.contains(where: { [",", "\"", "\n", "\r"].contains($0) })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Joins the shards of one sweep, in any order, into the whole sweep.
    /// - Parameter files: the shards' file names, in the same order, to name the one
    ///   at fault in errors (`FILE: merge: ...`).
    /// - Throws: `SweepError` if the shards come from different sweeps, overlap,
    ///   or leave points out.
    public static func merge(_ shards: [SweepDocument], files: [String] = []) throws -> SweepDocument {
        func at(_ i: Int) -> String { i < files.count ? "\(files[i]): " : "" }
        guard let first = shards.first else { throw SweepError("merge: no shard given") }
        var header = first.sweep
        header.shard = nil
        let received = shards.reduce(0) { $0 + $1.results.count }
        guard header.points >= 0, header.points <= received else {
            throw SweepError("\(at(0))merge: the shards say the sweep has \(header.points) points but hold \(received) rows; "
                             + (Self.absentShards(shards).map { "\($0) not among those given" } ?? "a shard is missing or damaged"))
        }
        // sweep refuses a key varied twice; a header that lists one twice was edited (which value a row's
        // column holds would be a guess).
        var varied = Set<String>()
        if let twice = header.vary.map(\.key).first(where: { !varied.insert($0).inserted }) {
            throw SweepError("\(at(0))merge: the sweep's vary lists '\(twice.singleLine)' twice, as sweep never writes it; the file is damaged or was edited")
        }
        var seenShards = Set<String>()
        var byPoint: [Int: SweepRow] = [:]
        var shardOfPoint: [Int: Int] = [:]
        var shardCount: (count: Int, shard: Int)?   // the N of the first "I/N" shard, and which shard said it
        let axisValues = Dictionary(header.vary.map { ($0.key, Set($0.values)) }, uniquingKeysWith: { a, _ in a })
        for (i, shard) in shards.enumerated() {
            var h = shard.sweep
            let name = h.shard ?? "whole"
            // A shard's name is how sweep wrote it, I/N, and every shard of one sweep has the same N.
            let position = try h.shard.map { text -> (index: Int, count: Int) in
                guard let position = Self.shardPosition(text) else {
                    throw SweepError("\(at(i))merge: shard \(i + 1) is named '\(text)', not I/N with 1 <= I <= N as sweep --shard writes it")
                }
                if let known = shardCount, known.count != position.count {
                    throw SweepError("\(at(i))merge: shard \(text) is one of \(position.count), shard \(known.shard + 1) one of \(known.count)")
                }
                shardCount = shardCount ?? (position.count, i)
                return position
            }
            h.shard = nil
            // One scenario: the same contents where both shards record them, else the same path.
            let sameScenario = h.scenarioDigest != nil && header.scenarioDigest != nil || shard.scenario == first.scenario
            guard sameScenario, h == header else {
                throw SweepError("\(at(i))merge: shard \(i + 1) (\(name)) is from another sweep: a different scenario, other --vary keys, values or run, or other --samples or --seed")
            }
            guard seenShards.insert(name).inserted else { throw SweepError("\(at(i))merge: shard \(name) is given twice") }
            for row in shard.results {
                guard (0..<header.points).contains(row.point) else {
                    throw SweepError("\(at(i))merge: shard \(name) has point \(row.point), outside the sweep's 0..<\(header.points)")
                }
                if let position, row.point % position.count != position.index - 1 {
                    throw SweepError("\(at(i))merge: shard \(name) has point \(row.point), which is shard "
                                     + "\(row.point % position.count + 1)/\(position.count)'s (shard I/N holds the points p with p mod N = I - 1)")
                }
                if let problem = Self.damage(of: row, axisValues: axisValues) {
                    throw SweepError("\(at(i))merge: shard \(name), point \(row.point): \(problem); the file is damaged or was edited")
                }
                if let other = shardOfPoint[row.point] {
                    throw SweepError("\(at(i))merge: point \(row.point) is also in shard \(other + 1)\(other < files.count ? " (\(files[other]))" : "")")
                }
                byPoint[row.point] = row
                shardOfPoint[row.point] = i
            }
        }
        let missing = (0..<header.points).filter { byPoint[$0] == nil }
        guard missing.isEmpty else {
            throw SweepError("\(at(0))merge: \(missing.count) of \(header.points) points are missing (the first is point \(missing[0])); "
                             + (Self.absentShards(shards).map { "\($0) not among those given" } ?? "is a shard left out?"))
        }
        // Every shard sweep --shard wrote, even one with no points (more shards than points): one left out
        // is a job that did not run, which a pipeline should hear of.
        if let absent = Self.absentShards(shards) {
            throw SweepError("\(at(0))merge: \(absent) not among those given (it holds no points, so the rows are whole, but a merge takes "
                             + "every shard the sweep was cut into)")
        }
        return SweepDocument(scenario: first.scenario, sweep: header, results: (0..<header.points).map { byPoint[$0]! })
    }

    /// The shards of an I/N series that `shards` lack, in words ("shard 2/4 is", "shards 2/4
    /// and 4/4 are"); nil where every shard names the same N and none is absent, or they do not.
    static func absentShards(_ shards: [SweepDocument]) -> String? {
        let positions = shards.compactMap { $0.sweep.shard.flatMap(shardPosition) }
        guard positions.count == shards.count, let count = positions.first?.count, positions.allSatisfy({ $0.count == count }) else { return nil }
        let present = Set(positions.map(\.index))
        let absent = (1...count).filter { !present.contains($0) }.map { "\($0)/\(count)" }
        guard !absent.isEmpty else { return nil }
        let listed = absent.count <= 8 ? absent : Array(absent.prefix(8)) + ["\(absent.count - 8) more"]
        return absent.count == 1 ? "shard \(absent[0]) is"
            : "shards " + listed.dropLast().joined(separator: ", ") + " and \(listed.last!) are"
    }

    /// The index and count of a shard named "I/N" (1 <= I <= N, plain digits), as `sweep --shard`
    /// takes and writes it; nil otherwise.
    public static func shardPosition(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let index = Int(parts[0]), let count = Int(parts[1]), 1 <= index, index <= count else { return nil }
        return (index, count)
    }

    /// What a row holds that no sweep writes: varied keys or values the sweep did not vary, a
    /// GPU count or batch below 1, a time, rate, byte count or price that is negative or not
    /// finite, a global batch that is no whole number of steps of the batch on the GPUs, epochs
    /// outside a scenario's range or without a time to train, held epochs without epochs; nil
    /// for a row as sweep writes it.
    static func damage(of row: SweepRow, axisValues: [String: Set<String>]) -> String? {
        guard Set(row.vary.keys) == Set(axisValues.keys) else {
            return "its varied keys (\(row.vary.keys.joined(separator: ", "))) are not the sweep's (\(axisValues.keys.sorted().joined(separator: ", ")))"
        }
        for (key, value) in row.vary.pairs where !(axisValues[key]?.contains(value) ?? false) {
            return "\(key) = '\(value)' is not one of the values the sweep varied"
        }
        guard row.gpus >= 1, row.globalBatch >= 1, row.peakMemoryBytesPerGPU >= 0, (row.batchPerGPU ?? 1) >= 1 else {
            return "gpus \(row.gpus), global_batch \(row.globalBatch), batch_per_gpu \(row.batchPerGPU.map { "\($0)" } ?? "null"), "
                + "peak memory \(row.peakMemoryBytesPerGPU) bytes: one is below what a run can have"
        }
        let figures: [(String, Double?)] = [
            ("step_seconds", row.stepSeconds), ("images_per_second", row.imagesPerSecond), ("speedup", row.speedup),
            ("efficiency", row.efficiency), ("compute_seconds", row.computeSeconds),
            ("exposed_communication_seconds", row.exposedCommunicationSeconds), ("idle_seconds", row.idleSeconds),
            ("input_wait_seconds", row.inputWaitSeconds), ("straggler_wait_seconds", row.stragglerWaitSeconds),
            ("periodic_seconds", row.periodicSeconds), ("host_busy_seconds", row.hostBusySeconds),
            ("time_to_train_seconds", row.timeToTrainSeconds), ("cost_usd", row.costUSD),
            ("images_per_second_p10", row.imagesPerSecondP10), ("images_per_second_p90", row.imagesPerSecondP90),
            ("time_to_train_seconds_p10", row.timeToTrainSecondsP10), ("time_to_train_seconds_p90", row.timeToTrainSecondsP90),
            ("cost_usd_p10", row.costUSDP10), ("cost_usd_p90", row.costUSDP90), ("capex_usd", row.capexUSD), ("tco_usd", row.tcoUSD),
            ("capex_usd_p10", row.capexUSDP10), ("capex_usd_p90", row.capexUSDP90), ("usd_per_gpu_hour", row.usdPerGPUHour),
            ("epochs", row.epochs),
        ]
        for (name, value) in figures {
            if let value, !(value.isFinite && value >= 0) { return "\(name) is \(value), which no simulation gives" }
        }
        // A step is batch_per_gpu images on each of the GPUs, accumulated a whole number of times.
        if let batch = row.batchPerGPU, case let step = batch.multipliedReportingOverflow(by: row.gpus),
           step.overflow || row.globalBatch % step.partialValue != 0 {
            return "global_batch \(row.globalBatch) is no whole number of steps of batch_per_gpu \(batch) on \(row.gpus) GPU\(row.gpus == 1 ? "" : "s")"
        }
        // The figures of one simulated step agree: its images/s is its global batch over its time, and its
        // breakdown adds up to it (docs/json.md; both hold to the last few bits as sweep writes them).
        let step = row.stepSeconds
        if step > 0 {
            if abs(row.imagesPerSecond * step / Double(row.globalBatch) - 1) > 1e-6 {
                return "images_per_second \(row.imagesPerSecond) is not global_batch \(row.globalBatch) over step_seconds \(step)"
            }
            let parts = row.computeSeconds + row.exposedCommunicationSeconds + row.idleSeconds
            if abs(parts / step - 1) > 1e-6 {
                return "compute_seconds, exposed_communication_seconds and idle_seconds add up to \(parts), not step_seconds \(step)"
            }
        }
        // Epochs come with a time to train, within what a scenario may state; held epochs with epochs.
        if let epochs = row.epochs {
            guard TrainingGoal.epochRange.contains(epochs) else {
                return "epochs is \(epochs), outside the \(TrainingGoal.epochRange.lowerBound) to \(Int(TrainingGoal.epochRange.upperBound)) "
                    + "a scenario may state"
            }
            guard row.timeToTrainSeconds != nil else { return "epochs is \(epochs) where time_to_train_seconds is null" }
        }
        if let held = row.epochsHeld, row.epochs == nil { return "epochs_held is '\(held.rawValue)' where epochs is null" }
        return nil
    }
}

private extension String {
    /// The string with zeros in front up to `width` characters.
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
