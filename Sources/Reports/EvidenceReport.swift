import Planning

/// `explain`'s evidence section: how close the model has come to published 1-GPU
/// measurements on the GPU and precision it explains (`MeasuredErrors.Evidence`), so
/// that a figure comes with the model's record where it was asked, or with the
/// statement that the corpus has none there.
public enum EvidenceReport {
    /// At most this many points are listed (those of the explained model first); the
    /// summary line counts them all.
    public static let listed = 8

    /// The section: a summary line, then the points (case, run, model, published and
    /// predicted images/s, error = predicted / published − 1, as `validate --published`
    /// prints it).
    public static func render(_ evidence: MeasuredErrors.Evidence) -> String {
        let place = "on the \(evidence.gpu) in \(evidence.precisionGroup)"
        guard let range = evidence.errorRange, let median = evidence.medianAbsError else {
            let elsewhere = evidence.corpusMedianAbsError.map { "; on the other GPUs the median |error| is \(Format.percent($0))" } ?? ""
            return "\nPublished evidence: none of the corpus's \(evidence.corpusPoints) one-GPU measurements is \(place)\(elsewhere).\n"
        }
        let n = evidence.points.count, same = evidence.sameModel.count
        let models = n == 1 ? (same == 1 ? ", of \(evidence.model)" : ", not of \(evidence.model)")
            : ", \(same == 0 ? "none" : String(same)) of them \(evidence.model)"
        let (low, high) = (Format.signedPercent(range.lowest), Format.signedPercent(range.highest))
        let errors = n == 1 ? "error \(low)" : low == high ? "error \(low) on each"
            : "errors \(low) to \(high), median |error| \(Format.percent(median))"
        var out = "\nPublished evidence (`make validate`'s corpus; error = predicted / published - 1): \(n) one-GPU measurement"
            + (n == 1 ? "" : "s") + " \(place)\(models); \(errors)\n"
        var table = TextTable(headers: ["case", "run", "model", "published", "predicted", "error"],
                              alignments: [.left, .left, .left, .right, .right, .right])
        for point in evidence.points.prefix(listed) {
            table.append([point.caseName, point.run ?? "-", point.model, Format.fixed(point.publishedImagesPerSecond, 0),
                          Format.fixed(point.predictedImagesPerSecond, 0), Format.signedPercent(point.relativeError)])
        }
        out += table.render()
        if n > listed { out += "(\(n - listed) more: `scalecast validate --published scenarios/validation/published`)\n" }
        return out
    }
}
