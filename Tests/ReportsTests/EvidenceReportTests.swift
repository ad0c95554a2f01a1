import Testing
@testable import Planning
import Reports

/// `explain`'s and `report.md`'s published evidence, worked by hand.
@Suite struct EvidenceReportTests {
    func point(_ name: String, _ model: String, _ published: Double, _ predicted: Double) -> MeasuredErrors.ComputePoint {
        .init(caseName: name, run: "r", precision: "fp16", gpu: "A100-SXM4-80GB", model: model,
              publishedImagesPerSecond: published, predictedImagesPerSecond: predicted)
    }

    func evidence(_ points: [MeasuredErrors.ComputePoint]) -> MeasuredErrors.Evidence {
        MeasuredErrors(corpus: "fixture", compute: points, scaling: []).evidence(gpu: "A100-SXM4-80GB", precision: .bf16, model: "resnet50")
    }

    @Test func manyPointsGiveTheirRangeMedianAndTheFirstEight() {
        // Ten points, errors -10% ... +80% in steps of 10% (|errors| 10, 0, 10, 20, ..., 80: the middle two
        // 30 and 40); two of them resnet50, listed first; eight listed.
        let points = (0..<10).map { i in point("c\(i)", i < 2 ? "resnet50" : "vgg16", 100, 90 + 10 * Double(i)) }
        let e = evidence(points)
        let text = EvidenceReport.render(e)
        #expect(text.contains("10 one-GPU measurements on the A100-SXM4-80GB in fp16+bf16, 2 of them resnet50; "
                              + "errors -10.0% to +80.0%, median |error| 35.0%"), "\(text)")
        #expect(text.contains("\nc7 ") && !text.contains("\nc8 "))
        #expect(text.contains("(2 more: `scalecast validate --published scenarios/validation/published`)"))
        let markdown = EvidenceReport.markdown(e)
        #expect(markdown.hasPrefix("\n## Published evidence on this GPU\n\n"))
        #expect(markdown.contains("| c0 | r | resnet50 | 100 | 90 | -10.0% |"))
        #expect(markdown.components(separatedBy: "\n").filter { $0.hasPrefix("| c") && !$0.hasPrefix("| case") }.count == EvidenceReport.listed)
    }

    /// A built-in model on another input is the same network: its points count as the model's, listed first,
    /// and the sentence names the network. A name that merely ends like an input is its own.
    @Test func aModelOnAnotherInputIsTheSameNetwork() {
        #expect(MeasuredErrors.network(ofModel: "resnet50-4x224x224") == "resnet50")
        #expect(MeasuredErrors.network(ofModel: "efficientnet_b4-380x380") == "efficientnet_b4")
        #expect(MeasuredErrors.network(ofModel: "resnet50-msra") == "resnet50-msra")
        #expect(MeasuredErrors.network(ofModel: "alexnet-bvlc-group1-227") == "alexnet-bvlc-group1-227")
        #expect(MeasuredErrors.network(ofModel: "mynet-3x32x32") == "mynet-3x32x32")
        let e = MeasuredErrors(corpus: "fixture", compute: [point("a", "vgg16", 100, 110), point("b", "resnet50-4x224x224", 100, 90)],
                               scaling: []).evidence(gpu: "A100-SXM4-80GB", precision: .bf16, model: "resnet50-160x160")
        #expect(e.points.map(\.caseName) == ["b", "a"] && e.sameModel.count == 1)
        #expect(EvidenceReport.sentence(e).contains(", 1 of them resnet50;"), "\(EvidenceReport.sentence(e))")
    }

    /// Every point on the GPU erring one way, by more than the corpus's median error, but inside
    /// the span of its errors elsewhere (no caution): the record leans, and says which end of
    /// the range to read; points on both sides, or within the typical error, say nothing.
    @Test func aOneSidedRecordLeans() {
        let elsewhere = [0.5, 0.55, 0.95, 0.97, 0.98, 1.02, 1.03, 1.05, 1.6, 1.8].enumerated().map { i, f in
            MeasuredErrors.ComputePoint(caseName: "h\(i)", run: "r", precision: "fp16", gpu: "H100-SXM5", model: "vgg16",
                                        publishedImagesPerSecond: 100, predictedImagesPerSecond: 100 * f)
        }
        func record(_ predicted: [Double]) -> MeasuredErrors.Evidence {
            let own = predicted.enumerated().map { i, p in point("a\(i)", "resnet50", 100, p) }
            return MeasuredErrors(corpus: "fixture", compute: elsewhere + own, scaling: [])
                .evidence(gpu: "A100-SXM4-80GB", precision: .bf16, model: "resnet50")
        }
        let over = record([130, 140])
        #expect(over.caution == nil)
        #expect(over.lean?.hasPrefix("the model predicted above every one of the corpus's 2 published one-GPU measurements on the "
                                     + "A100-SXM4-80GB in fp16+bf16 (by 35%, the median), more than its median error on the corpus (") == true
                && over.lean?.hasSuffix("): expect fewer images/s than predicted, the slower and dearer end of the range") == true,
                "\(String(describing: over.lean))")
        #expect(record([70]).lean?.contains("below the corpus's one published one-GPU measurement") == true)
        #expect(record([70]).lean?.hasSuffix("expect more images/s than predicted, the faster and cheaper end of the range") == true)
        #expect(record([130, 90]).lean == nil)
        #expect(record([104]).lean == nil)
    }

    @Test func oneOrEqualPointsAndNoneAreSaidInWords() {
        #expect(EvidenceReport.sentence(evidence([point("a", "vgg16", 100, 110)]))
                == "1 one-GPU measurement on the A100-SXM4-80GB in fp16+bf16, not of resnet50; error +10.0%")
        #expect(EvidenceReport.sentence(evidence([point("a", "resnet50", 100, 110), point("b", "resnet50", 200, 220)]))
                == "2 one-GPU measurements on the A100-SXM4-80GB in fp16+bf16, 2 of them resnet50; error +10.0% on each")
        var none = evidence([point("a", "resnet50", 100, 110)])
        none.points = []
        #expect(EvidenceReport.render(none)
                == "\nPublished evidence (`make validate`'s corpus; error = predicted / published - 1):\n"
                + "none of the corpus's 1 one-GPU measurements is on the A100-SXM4-80GB in fp16+bf16; "
                + "over all of them the median |error| is 10.0%.\n"
                + "Caution: the corpus has no published one-GPU training measurement on the A100-SXM4-80GB in fp16+bf16: this prediction "
                + "rests on the catalog's peaks and the model's default efficiencies, unchecked against a measurement.\n")
        #expect(!EvidenceReport.markdown(none).contains("| case |"))
        #expect(EvidenceReport.markdown(none).contains("\nNone of the corpus's 1 one-GPU measurements"))
    }

    /// A caution goes with a prediction on a GPU whose own points the model misses by more
    /// than its errors span over the corpus, and with one the corpus has not measured, nor
    /// its architecture; none where the GPU's points lie within that span.
    @Test func aCautionWhereTheCorpusContradictsOrHasNotMeasured() {
        // The corpus: factors (published / predicted) 0.9 to 1.3 on another GPU (four times over); the A100's own
        // points are set against that span (0.9-1.3), which leaves them out.
        func elsewhere(_ i: Int, _ factor: Double) -> MeasuredErrors.ComputePoint {
            var p = point("o\(i)", "resnet50", 100 * factor, 100)
            p.gpu = "V100-SXM2-16GB"
            return p
        }
        let others = Array(repeating: [0.9, 1.0, 1.0, 1.1, 1.2, 1.3], count: 4).joined().enumerated().map { elsewhere($0.offset, $0.element) }
        func caution(_ own: [Double]) -> String? {
            let points = own.enumerated().map { point("a\($0.offset)", "resnet50", 100 * $0.element, 100) }
            return MeasuredErrors(corpus: "fixture", compute: others + points, scaling: [])
                .evidence(gpu: "A100-SXM4-80GB", precision: .bf16, model: "resnet50").caution
        }
        #expect(caution([1.0]) == nil)
        let slow = caution([0.36])
        #expect(slow?.hasPrefix("the corpus's one published one-GPU measurement on the A100-SXM4-80GB in fp16+bf16 ran at 0.36x "
                                + "the model's prediction, outside the 0.90-1.30x its errors span on the corpus's other GPUs") == true,
                "\(slow ?? "nil")")
        #expect(caution([0.4, 0.5, 1.0])?.contains("3 published one-GPU measurements") == true)
        #expect(caution([0.4, 1.0, 1.1]) == nil)   // the median, 1.0, is inside
        // Not measured, nor its architecture: unchecked; measured on a sibling: no caution.
        let unmeasured = MeasuredErrors(corpus: "fixture", compute: others, scaling: [])
        #expect(unmeasured.evidence(gpu: "MI300X", precision: .bf16, model: "resnet50", architecture: "CDNA 3").caution
                == "the corpus has no published one-GPU training measurement on the MI300X in fp16+bf16 nor on another CDNA 3 GPU: "
                + "this prediction rests on the catalog's peaks and the model's default efficiencies, unchecked against a measurement")
        // Unmeasured in training, its kernels priced from measurements: said so, not "default efficiencies".
        #expect(unmeasured.evidence(gpu: "H200-SXM", precision: .fp32, model: "resnet50", architecture: "Hopper", fittedKernels: true).caution
                == "the corpus has no published one-GPU training measurement on the H200-SXM in fp32 nor on another Hopper GPU: its convolutions "
                + "are priced from kernel times measured on this board or its die, but no measured training step checks the whole prediction")
        #expect(unmeasured.evidence(gpu: "V100-SXM2-32GB", precision: .fp16, model: "resnet50", architecture: "Volta",
                                    architectureOf: { _ in "Volta" }).caution == nil)
    }

    /// A board the corpus has not measured shows its architecture's record, with each point's GPU.
    @Test func architectureSiblingsAreListedWithTheirGPU() {
        var h100 = point("h", "resnet50", 100, 140)
        h100.gpu = "H100-SXM5"
        let e = MeasuredErrors(corpus: "fixture", compute: [point("a", "resnet50", 100, 110), h100], scaling: [])
            .evidence(gpu: "H200-SXM", precision: .bf16, model: "resnet50", architecture: "Hopper",
                      architectureOf: { $0 == "H100-SXM5" ? "Hopper" : "Ampere" })
        let text = EvidenceReport.render(e)
        #expect(text.contains("none of the corpus's 2 one-GPU measurements is on the H200-SXM in fp16+bf16"))
        #expect(text.contains("1 one-GPU measurement on other Hopper GPUs in fp16+bf16, of resnet50; error +40.0%\n"), "\(text)")
        #expect(text.contains("H100-SXM5") && !text.contains("\na "))
        #expect(EvidenceReport.markdown(e).contains("| h | r | H100-SXM5 | resnet50 | 100 | 140 | +40.0% |"))
        // Without an architecture, no such part.
        #expect(EvidenceReport.architectureSentence(evidence([point("a", "resnet50", 100, 110)])) == nil)
    }

    func speedup(_ name: String, _ gpu: String, _ precision: String, _ model: String, _ gpus: Int, _ published: Double,
                 _ predicted: Double) -> MeasuredErrors.ScalingPoint {
        .init(caseName: name, run: nil, gpus: gpus, precision: precision, gpu: gpu, model: model,
              publishedSpeedup: published, predictedSpeedup: predicted)
    }

    /// Speedups count on the GPU, in the precision group, at half to twice the GPU count:
    /// the model's first, then the nearest counts; none for one GPU.
    @Test func speedupsAreThoseNearTheGPUCount() {
        let errors = MeasuredErrors(corpus: "fixture", compute: [point("a", "resnet50", 100, 110)], scaling: [
            speedup("far", "A100-SXM4-80GB", "fp16", "resnet50", 64, 50, 60),       // 64 GPUs: too far from 8
            speedup("vgg4", "A100-SXM4-80GB", "bf16", "vgg16", 4, 3.6, 4.0),         // +11.1%
            speedup("other", "H100-SXM5", "fp16", "resnet50", 8, 7, 8),             // another GPU
            speedup("tf32", "A100-SXM4-80GB", "tf32", "resnet50", 8, 7, 8),         // another precision group
            speedup("vgg8", "A100-SXM4-80GB", "fp16", "vgg16", 8, 7.2, 8.0),         // +11.1%
            speedup("rn16", "A100-SXM4-80GB", "fp16", "resnet50", 16, 16, 15.2),     // -5.0%
        ])
        let e = errors.evidence(gpu: "A100-SXM4-80GB", precision: .fp16, model: "resnet50", gpus: 8)
        #expect(e.speedups.map(\.caseName) == ["rn16", "vgg8", "vgg4"])
        #expect(EvidenceReport.speedupSentence(e)
                == "3 published speedups on the A100-SXM4-80GB in fp16+bf16 at 4 to 16 GPUs, 1 of them resnet50; "
                + "errors -5.0% to +11.1%, median |error| 11.1%")
        let text = EvidenceReport.render(e)
        #expect(text.contains("rn16") && text.contains("16.00x") && text.contains("15.20x") && !text.contains("far"))
        #expect(errors.evidence(gpu: "A100-SXM4-80GB", precision: .fp16, model: "resnet50", gpus: 1).speedups.isEmpty)
        #expect(EvidenceReport.speedupSentence(errors.evidence(gpu: "A100-SXM4-80GB", precision: .fp16, model: "resnet50")) == nil)
        #expect(EvidenceReport.speedupSentence(errors.evidence(gpu: "L4", precision: .fp16, model: "resnet50", gpus: 2))
                == "no published speedup on the L4 in fp16+bf16 at 2 to 4 GPUs is in the corpus")
        // Two points, neither of the model: "none of them".
        #expect(EvidenceReport.speedupSentence(errors.evidence(gpu: "A100-SXM4-80GB", precision: .fp16, model: "alexnet", gpus: 4))
                == "2 published speedups on the A100-SXM4-80GB in fp16+bf16 at 2 to 8 GPUs, none of them alexnet; "
                + "error +11.1% on each")
        // The markdown lists the speedups as a table of their own.
        let markdown = EvidenceReport.markdown(e)
        #expect(markdown.contains("\n3 published speedups on the A100-SXM4-80GB in fp16+bf16 at 4 to 16 GPUs"))
        #expect(markdown.contains("| rn16 | - | resnet50 | 16 | 16.00x | 15.20x | -5.0% |"))
    }

    /// The window is K/2 to 2K GPUs in whole numbers, ends included, whatever K: at 10, 5 and 20 count
    /// (log2 20 - log2 10 is a hair above 1 in floating point) and 4 and 21 do not.
    @Test func theWindowIncludesItsEndsForAnyCount() {
        let errors = MeasuredErrors(corpus: "fixture", compute: [], scaling: [4, 5, 20, 21].map { n in
            speedup("n\(n)", "A100-SXM4-80GB", "fp16", "resnet50", n, Double(n), Double(n))
        })
        let e = errors.evidence(gpu: "A100-SXM4-80GB", precision: .fp16, model: "resnet50", gpus: 10)
        #expect(Set(e.speedups.map(\.gpus)) == [5, 20])
        #expect(EvidenceReport.speedupSentence(e)?.contains("at 5 to 20 GPUs") == true)
        #expect(EvidenceReport.speedupSentence(errors.evidence(gpu: "A100-SXM4-80GB", precision: .fp16, model: "resnet50", gpus: 7))?
                    .contains("at 4 to 14 GPUs") == true)
    }

    /// More points than are listed: the first eight, then how many more and where to see them.
    @Test func aLongListSaysHowManyMore() {
        let errors = MeasuredErrors(corpus: "fixture", compute: [], scaling: (0..<11).map { i in
            speedup("s\(i)", "A100-SXM4-80GB", "fp16", "resnet50", 8, 7, 7.7)
        })
        let markdown = EvidenceReport.markdown(errors.evidence(gpu: "A100-SXM4-80GB", precision: .fp16, model: "resnet50", gpus: 8))
        #expect(markdown.components(separatedBy: "\n").filter { $0.hasPrefix("| s") }.count == EvidenceReport.listed)
        #expect(markdown.contains("(3 more: `scalecast validate --published scenarios/validation/published`)"))
    }
}
