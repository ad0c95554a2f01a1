import Planning

/// `explain`'s and `report.md`'s evidence: how close the model has come to published 1-GPU
/// measurements on the GPU and precision it explains (`MeasuredErrors.Evidence`), so
/// that a figure comes with the model's record where it was asked, or with the
/// statement that the corpus has none there.
public enum EvidenceReport {
    /// At most this many points are listed (those of the explained model first); the
    /// summary line counts them all.
    public static let listed = 8

    /// In one sentence (no final stop): how many points, how many of the model, the
    /// errors' range and median; or that the corpus has none on this GPU and precision.
    public static func sentence(_ evidence: MeasuredErrors.Evidence) -> String {
        let place = "on the \(evidence.gpu) in \(evidence.precisionGroup)"
        guard let range = evidence.errorRange, let median = evidence.medianAbsError else {
            let elsewhere = evidence.corpusMedianAbsError.map { "; on the other GPUs the median |error| is \(Format.percent($0))" } ?? ""
            return "none of the corpus's \(evidence.corpusPoints) one-GPU measurements is \(place)\(elsewhere)"
        }
        let n = evidence.points.count, same = evidence.sameModel.count
        let models = n == 1 ? (same == 1 ? ", of \(evidence.model)" : ", not of \(evidence.model)")
            : ", \(same == 0 ? "none" : String(same)) of them \(evidence.model)"
        let (low, high) = (Format.signedPercent(range.lowest), Format.signedPercent(range.highest))
        let errors = n == 1 ? "error \(low)" : low == high ? "error \(low) on each"
            : "errors \(low) to \(high), median |error| \(Format.percent(median))"
        return "\(n) one-GPU measurement\(n == 1 ? "" : "s") \(place)\(models); \(errors)"
    }

    /// The rows listed: case, run, model, published and predicted images/s, error.
    static func rows(_ evidence: MeasuredErrors.Evidence) -> [[String]] {
        evidence.points.prefix(listed).map { point in
            [point.caseName, point.run ?? "-", point.model, Format.fixed(point.publishedImagesPerSecond, 0),
             Format.fixed(point.predictedImagesPerSecond, 0), Format.signedPercent(point.relativeError)]
        }
    }

    static let headers = ["case", "run", "model", "published", "predicted", "error"]

    /// What is left out of the list, in words; empty when everything is listed.
    static func more(_ evidence: MeasuredErrors.Evidence) -> String {
        let n = evidence.points.count
        return n > listed ? "(\(n - listed) more: `scalecast validate --published scenarios/validation/published`)\n" : ""
    }

    /// `explain`'s section: the sentence, then the points as a table (images/s as
    /// published and predicted, error = predicted / published − 1, as `validate --published` prints it).
    public static func render(_ evidence: MeasuredErrors.Evidence) -> String {
        guard !evidence.points.isEmpty else { return "\nPublished evidence: \(sentence(evidence)).\n" }
        let head = "\nPublished evidence (`make validate`'s corpus; error = predicted / published - 1): \(sentence(evidence))\n"
        var table = TextTable(headers: headers, alignments: [.left, .left, .left, .right, .right, .right])
        for row in rows(evidence) { table.append(row) }
        return head + table.render() + more(evidence)
    }

    /// `report.md`'s section: the same, as Markdown.
    public static func markdown(_ evidence: MeasuredErrors.Evidence) -> String {
        var out = "\n## Published evidence on this GPU\n\n"
            + "How close the model has come to published training measurements (ScaleCast's corpus, `make validate`; "
            + "error = predicted / published − 1): \(sentence(evidence)).\n"
        guard !evidence.points.isEmpty else { return out }
        out += "\n| " + headers.joined(separator: " | ") + " |\n|---|---|---|---:|---:|---:|\n"
        for row in rows(evidence) { out += "| " + row.joined(separator: " | ") + " |\n" }
        let more = more(evidence)
        return out + (more.isEmpty ? "" : "\n" + more)
    }
}
