import Foundation

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

        enum CodingKeys: String, CodingKey {
            case vary, run, points, shard, samples, seed, scenarioDigest = "scenario_digest"
        }

        public init(vary: [Sweep.Axis], run: String?, points: Int, shard: String?, samples: Int? = nil, seed: UInt64? = nil,
                    scenarioDigest: String? = nil) {
            self.vary = vary
            self.run = run
            self.points = points
            self.shard = shard
            self.samples = samples
            self.seed = seed
            self.scenarioDigest = scenarioDigest
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
        let keys = sweep.vary.map(\.key).filter { $0 != "gpus" }   // gpus has its own column
        // One string grown line by line: an array of lines joined at the end held the
        // text three times over at its peak (tens of MB for a 100,000-point sweep).
        var text = (["point", "run"] + keys + ["gpus", "gpu_model", "strategy", "scheme", "variant", "global_batch", "step_seconds",
                                               "images_per_second", "speedup", "efficiency", "compute_seconds",
                                               "exposed_communication_seconds", "idle_seconds", "peak_memory_bytes_per_gpu",
                                               "fits_in_memory", "time_to_train_seconds", "cost_usd", "images_per_second_p10",
                                               "images_per_second_p90", "time_to_train_seconds_p10", "time_to_train_seconds_p90",
                                               "cost_usd_p10", "cost_usd_p90", "model", "capex_usd", "tco_usd", "capex_usd_p10",
                                               "capex_usd_p90", "price_offer", "usd_per_gpu_hour", "price_seen", "price_source",
                                               "input_wait_seconds", "straggler_wait_seconds", "periodic_seconds", "host_busy_seconds"]).map(Self.field).joined(separator: ",")
        text += "\n"
        func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        for r in results {
            var cells: [String] = ["\(r.point)", r.run] + keys.map { r.vary[$0] ?? "" }
            cells += ["\(r.gpus)", r.gpuModel, r.strategy, r.scheme ?? "", r.variant ?? "", "\(r.globalBatch)", "\(r.stepSeconds)"]
            cells += ["\(r.imagesPerSecond)", "\(r.speedup)", "\(r.efficiency)", "\(r.computeSeconds)", "\(r.exposedCommunicationSeconds)"]
            cells += ["\(r.idleSeconds)", "\(r.peakMemoryBytesPerGPU)", r.fitsInMemory ? "true" : "false"]
            cells += [r.timeToTrainSeconds, r.costUSD, r.imagesPerSecondP10, r.imagesPerSecondP90, r.timeToTrainSecondsP10,
                      r.timeToTrainSecondsP90, r.costUSDP10, r.costUSDP90].map(number)
            cells += [r.model ?? ""] + [r.capexUSD, r.tcoUSD, r.capexUSDP10, r.capexUSDP90].map(number)
            cells += [r.priceOffer ?? "", number(r.usdPerGPUHour), r.priceSeen ?? "", r.priceSource ?? ""]
            cells += [r.inputWaitSeconds, r.stragglerWaitSeconds, r.periodicSeconds, r.hostBusySeconds].map(number)
            text += cells.map(Self.field).joined(separator: ",")
            text += "\n"
        }
        return text
    }

    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
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
            throw SweepError("\(at(0))merge: the shards say the sweep has \(header.points) points but hold \(received) rows; a shard is missing or damaged")
        }
        var seenShards = Set<String>()
        var byPoint: [Int: SweepRow] = [:]
        var shardOfPoint: [Int: Int] = [:]
        for (i, shard) in shards.enumerated() {
            var h = shard.sweep
            let name = h.shard ?? "whole"
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
                if let other = shardOfPoint[row.point] {
                    throw SweepError("\(at(i))merge: point \(row.point) is also in shard \(other + 1)\(other < files.count ? " (\(files[other]))" : "")")
                }
                byPoint[row.point] = row
                shardOfPoint[row.point] = i
            }
        }
        let missing = (0..<header.points).filter { byPoint[$0] == nil }
        guard missing.isEmpty else {
            throw SweepError("\(at(0))merge: \(missing.count) of \(header.points) points are missing (the first is point \(missing[0])); is a shard left out?")
        }
        return SweepDocument(scenario: first.scenario, sweep: header, results: (0..<header.points).map { byPoint[$0]! })
    }
}

private extension String {
    /// The string with zeros in front up to `width` characters.
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
