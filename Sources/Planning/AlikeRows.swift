import Foundation

/// A ranked list with the configurations that give one answer folded together.
///
/// A what-if grid varies settings that some configurations do not use: the network
/// inside one node, an all-reduce that runs as the ring there (`hierarchical` on one
/// node), a server price on a cloud offer. Such configurations repeat every figure of
/// another, and listed one by one they fill a plan's top rows with one answer. Each
/// row here stands for the later rows of the list that are alike (`AlikeRows.Key`):
/// the same run, GPU, GPU count, batch per GPU, global batch, strategy and offer, and the
/// same step, time, cost, capex and TCO, their ranges included, to the last bit. Their
/// efficiency may differ: it compares with one GPU at the batch per GPU asked for, and
/// under `max_global_batch` rows that ask for different batches can train the same one
/// (`differingEfficiencies`).
public struct AlikeRows: Sendable {
    /// The row shown: the first of its kind in the list's order.
    public var row: SweepRow
    /// The rows it stands for, in the list's order.
    public var alike: [SweepRow]

    public init(row: SweepRow, alike: [SweepRow]) {
        self.row = row
        self.alike = alike
    }

    /// `rows` in their order, each with the later rows alike folded into it.
    public static func fold(_ rows: [SweepRow]) -> [AlikeRows] {
        var folded: [AlikeRows] = []
        var position: [Key: Int] = [:]
        for row in rows {
            let key = Key(row)
            if let i = position[key] {
                folded[i].alike.append(row)
            } else {
                position[key] = folded.count
                folded.append(AlikeRows(row: row, alike: []))
            }
        }
        return folded
    }

    /// The settings of `other` that the row shown does not have ("strategy.allreduce=hierarchical"),
    /// in `SweepRow.otherSettings` order: where an alike row differs from it.
    public func differences(of other: SweepRow) -> [String] {
        let own = Set(row.otherSettings)
        return other.otherSettings.filter { !own.contains($0) }
    }

    /// How the first `limit` rows it stands for differ from the row shown, in words
    /// ("strategy.allreduce=hierarchical; cluster.network.link=ib-ndr"), and how many more.
    public func differencesInWords(limit: Int) -> String {
        let others = alike.prefix(limit).map { other -> String in
            let differences = differences(of: other)
            return differences.isEmpty ? "point \(other.point)" : differences.joined(separator: " ")
        }
        return others.joined(separator: "; ") + (alike.count > limit ? " and \(alike.count - limit) more" : "")
    }

    /// The efficiencies of the rows it stands for, in their order, where one differs from the
    /// row shown's (empty otherwise): rows that ask for different batches per GPU and train
    /// the same one under `max_global_batch`, each compared with one GPU at the batch it asks.
    public var differingEfficiencies: [Double] {
        alike.contains { $0.efficiency != row.efficiency } ? alike.map(\.efficiency) : []
    }

    /// What two alike rows share: everything a plan prints or ranks by, the efficiency
    /// aside (see `differingEfficiencies`).
    struct Key: Hashable {
        var run: String, gpuModel: String, gpus: Int, batchPerGPU: Int?, globalBatch: Int
        var strategy: String, scheme: String?, variant: String?, offer: String?
        /// The figures' bit patterns (nil where a row has none): equal only where they are the same number.
        var figures: [UInt64?]

        init(_ r: SweepRow) {
            (run, gpuModel, gpus, batchPerGPU, globalBatch) = (r.run, r.gpuModel, r.gpus, r.batchPerGPU, r.globalBatch)
            (strategy, scheme, variant, offer) = (r.strategy, r.scheme, r.variant, r.priceOffer)
            let values: [Double?] = [r.stepSeconds, r.imagesPerSecond, r.timeToTrainSeconds, r.costUSD, r.usdPerGPUHour,
                                     r.capexUSD, r.tcoUSD, r.timeToTrainSecondsP10, r.timeToTrainSecondsP90, r.costUSDP10,
                                     r.costUSDP90, r.capexUSDP10, r.capexUSDP90]
            figures = values.map { $0?.bitPattern }
        }
    }
}
