import Planning

/// `explain`'s and `report.md`'s evidence: how close the model has come to published
/// measurements on the GPU and precision it describes (`MeasuredErrors.Evidence`): the
/// 1-GPU throughputs, on that GPU and on the other GPUs of its architecture, and for a
/// multi-GPU configuration the speedups at nearby GPU
/// counts, so that a figure comes with the model's record where it was asked, or with
/// the statement that the corpus has none there. Errors are predicted / published − 1,
/// as `validate --published` prints them.
public enum EvidenceReport {
    /// At most this many points of each kind are listed (those of the described model
    /// first); the sentences count them all.
    public static let listed = 8

    /// One kind of evidence as text: its sentence (no final stop), its table's headers
    /// and the rows listed, and how many were left out.
    struct Part {
        var sentence: String
        var headers: [String]
        var rows: [[String]]
        var unlisted: Int
    }

    /// "N things, K of them MODEL; errors A to B, median |error| M" (and the shorter
    /// forms for one point, or all errors alike): MODEL is the network, on any input
    /// (`MeasuredErrors.network(ofModel:)`).
    static func summary(count n: Int, noun: String, place: String, same: Int, model: String,
                        range: (lowest: Double, highest: Double), median: Double) -> String {
        let network = MeasuredErrors.network(ofModel: model)
        let models = n == 1 ? (same == 1 ? ", of \(network)" : ", not of \(network)")
            : ", \(same == 0 ? "none" : String(same)) of them \(network)"
        let (low, high) = (Format.signedPercent(range.lowest), Format.signedPercent(range.highest))
        let errors = n == 1 ? "error \(low)" : low == high ? "error \(low) on each"
            : "errors \(low) to \(high), median |error| \(Format.percent(median))"
        return "\(n) \(noun)\(n == 1 ? "" : "s") \(place)\(models); \(errors)"
    }

    static func place(_ e: MeasuredErrors.Evidence) -> String { "on the \(e.gpu) in \(e.precisionGroup)" }

    /// The 1-GPU throughputs in one sentence (no final stop); or that the corpus has none
    /// on this GPU and precision, and its median |error| over all its 1-GPU points.
    public static func sentence(_ evidence: MeasuredErrors.Evidence) -> String {
        guard let range = evidence.errorRange, let median = evidence.medianAbsError else {
            let overall = evidence.corpusMedianAbsError.map { "; over all of them the median |error| is \(Format.percent($0))" } ?? ""
            return "none of the corpus's \(evidence.corpusPoints) one-GPU measurements is \(place(evidence))\(overall)"
        }
        return summary(count: evidence.points.count, noun: "one-GPU measurement", place: place(evidence),
                       same: evidence.sameModel.count, model: evidence.model, range: range, median: median)
    }

    /// The same precision group's 1-GPU points on the GPU's architecture siblings in one
    /// sentence (no final stop); nil when the architecture is unknown or the corpus has none.
    public static func architectureSentence(_ evidence: MeasuredErrors.Evidence) -> String? {
        guard let architecture = evidence.architecture, let range = evidence.architectureErrorRange,
              let median = evidence.architectureMedianAbsError else { return nil }
        return summary(count: evidence.architecturePoints.count, noun: "one-GPU measurement",
                       place: "on other \(architecture) GPUs in \(evidence.precisionGroup)",
                       same: evidence.architecturePoints.filter { MeasuredErrors.sameNetwork($0.model, evidence.model) }.count, model: evidence.model,
                       range: range, median: median)
    }

    /// The GPU counts speedups are looked up at, in words: "4 to 16 GPUs".
    static func counts(_ evidence: MeasuredErrors.Evidence) -> String {
        "\(max(2, (evidence.gpus + 1) / 2)) to \(2 * evidence.gpus) GPUs"
    }

    /// The speedups at nearby GPU counts in one sentence (no final stop); nil for one GPU.
    public static func speedupSentence(_ evidence: MeasuredErrors.Evidence) -> String? {
        guard evidence.gpus > 1 else { return nil }
        let place = "\(place(evidence)) at \(counts(evidence))"
        guard let range = evidence.speedupErrorRange, let median = evidence.speedupMedianAbsError else {
            return "no published speedup \(place) is in the corpus"
        }
        return summary(count: evidence.speedups.count, noun: "published speedup", place: place,
                       same: evidence.speedups.filter { MeasuredErrors.sameNetwork($0.model, evidence.model) }.count, model: evidence.model,
                       range: range, median: median)
    }

    static func parts(_ e: MeasuredErrors.Evidence) -> [Part] {
        var parts = [Part(sentence: sentence(e), headers: ["case", "run", "model", "published", "predicted", "error"],
                          rows: e.points.prefix(listed).map { p in
                              [p.caseName, p.run ?? "-", p.model, Format.fixed(p.publishedImagesPerSecond, 0),
                               Format.fixed(p.predictedImagesPerSecond, 0), Format.signedPercent(p.relativeError)]
                          }, unlisted: max(0, e.points.count - listed))]
        if let siblings = architectureSentence(e) {
            parts.append(Part(sentence: siblings, headers: ["case", "run", "GPU", "model", "published", "predicted", "error"],
                              rows: e.architecturePoints.prefix(listed).map { p in
                                  [p.caseName, p.run ?? "-", p.gpu, p.model, Format.fixed(p.publishedImagesPerSecond, 0),
                                   Format.fixed(p.predictedImagesPerSecond, 0), Format.signedPercent(p.relativeError)]
                              }, unlisted: max(0, e.architecturePoints.count - listed)))
        }
        if let speedups = speedupSentence(e) {
            parts.append(Part(sentence: speedups, headers: ["case", "run", "model", "GPUs", "published", "predicted", "error"],
                              rows: e.speedups.prefix(listed).map { p in
                                  [p.caseName, p.run ?? "-", p.model, String(p.gpus), Format.fixed(p.publishedSpeedup, 2) + "x",
                                   Format.fixed(p.predictedSpeedup, 2) + "x", Format.signedPercent(p.relativeError)]
                              }, unlisted: max(0, e.speedups.count - listed)))
        }
        return parts
    }

    static func more(_ part: Part) -> String {
        part.unlisted > 0 ? "(\(part.unlisted) more: `scalecast validate --published scenarios/validation/published`)\n" : ""
    }

    /// `explain`'s section: each sentence, then its points as a table.
    public static func render(_ evidence: MeasuredErrors.Evidence) -> String {
        var out = "\nPublished evidence (`make validate`'s corpus; error = predicted / published - 1):\n"
        for part in parts(evidence) {
            out += part.sentence + (part.rows.isEmpty ? ".\n" : "\n")
            guard !part.rows.isEmpty else { continue }
            var table = TextTable(headers: part.headers, alignments: part.headers.map { ["case", "run", "GPU", "model"].contains($0) ? .left : .right })
            for row in part.rows { table.append(row) }
            out += table.render() + more(part)
        }
        if let caution = evidence.caution { out += "Caution: \(caution).\n" }
        return out
    }

    /// `report.md`'s section: the same, as Markdown.
    public static func markdown(_ evidence: MeasuredErrors.Evidence) -> String {
        var out = "\n## Published evidence on this GPU\n\n"
            + "How close the model has come to published training measurements (ScaleCast's corpus, `make validate`; "
            + "error = predicted / published − 1):\n"
        for part in parts(evidence) {
            out += "\n" + part.sentence.prefix(1).uppercased() + part.sentence.dropFirst() + ".\n"
            guard !part.rows.isEmpty else { continue }
            out += "\n| " + part.headers.joined(separator: " | ") + " |\n|"
                + part.headers.map { ["case", "run", "GPU", "model"].contains($0) ? "---|" : "---:|" }.joined() + "\n"
            for row in part.rows { out += "| " + row.joined(separator: " | ") + " |\n" }
            let more = more(part)
            if !more.isEmpty { out += "\n" + more }
        }
        return out
    }
}
