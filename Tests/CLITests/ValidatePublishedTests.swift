import Foundation
import Planning
import Testing
import YAMLSupport
@testable import ScaleCastCLI

/// `scalecast validate --published`: the corpus of published measurements.
@Suite struct ValidatePublishedTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/published").standardized.path

    static let tiny = """
        name: tiny
        model: alexnet-owt
        batch_per_gpu: 64
        cluster: {gpu: V100, gpus_per_node: 8}
        gpus: [1, 2]
        published:
          source: "A paper"
          url: https://example.org
          points:
            - {gpus: 1, images_per_second: 1000}
            - {gpus: 2, images_per_second: 2000}
        """

    /// A fresh directory holding `files` (name -> text).
    static func directory(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-published-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir.path
    }

    /// Two cases of the corpus: a server of A100s, and Table 1 of the paper.
    static let twoCases = ["dle-pytorch-resnet50-dgxa100.yaml", "krizhevsky-owt-alexnet-k20.yaml"]
        .map { (corpus as NSString).appendingPathComponent($0) }

    @Test func twoCasesPrintPointsSpeedupsSummaryAndGoals() {
        let out = CLI.execute(["validate", "--published"] + Self.twoCases)
        #expect(out.exitCode == 0)
        #expect(out.stderr.isEmpty)
        for text in ["dle-pytorch-resnet50-dgxa100", "krizhevsky-owt-alexnet-k20", "A100 TF32", "exact (128K, 128K)", "published img/s", "predicted img/s",
                     "linear error", "throughput, all points", "speedup, model", "speedup, always linear",
                     "1 GPU, fp32", "1 GPU, tf32", "1 GPU, fp16+bf16", "1 GPU, Kepler", "1 GPU, Ampere", "speedup median |error| <= 5%",
                     "1-GPU throughput largest |error| <= 25%", "Uncertainty ranges", "1 GPU: ", "2+ GPUs: "] {
            #expect(out.stdout.contains(text), "missing \(text)")
        }
        // Architectures oldest first: the K20 (2012) before the A100 (2020), each row its own points.
        let kepler = out.stdout.range(of: "\n1 GPU, Kepler ")!.lowerBound, ampere = out.stdout.range(of: "\n1 GPU, Ampere ")!.lowerBound
        #expect(kepler < ampere)
        #expect(out.stdout.range(of: "\n1 GPU, Kepler +2 ", options: .regularExpression) != nil, "Table 1's two runs' 1-GPU points")
        #expect(out.stdout.range(of: "\n1 GPU, Ampere +2 ", options: .regularExpression) != nil, "the A100's TF32 and AMP points")
        // Sorted by file name, whatever the order given.
        let dle = out.stdout.range(of: "\ndle-pytorch-resnet50-dgxa100 ")!.lowerBound
        let owt = out.stdout.range(of: "\nkrizhevsky-owt-alexnet-k20 ")!.lowerBound
        #expect(dle < owt)
        let reversed = CLI.execute(["validate", "--published"] + Self.twoCases.reversed())
        #expect(reversed == out)
    }

    /// A goal's value shows which side of its limit it lies on: 10.045% is no "10.0%, not met".
    @Test func aGoalsValueShowsWhichSideOfTheLimitItIs() {
        #expect(ValidateCommand.goalValue(0.100445, limit: 0.10) == "10.04%")
        #expect(ValidateCommand.goalValue(0.0999, limit: 0.10) == "9.99%")
        #expect(ValidateCommand.goalValue(0.10, limit: 0.10) == "10.0%")
        #expect(ValidateCommand.goalValue(0.035, limit: 0.05) == "3.5%")
        #expect(ValidateCommand.goalValue(0.1000000001, limit: 0.10) == "10.0000%")
        #expect(ValidateCommand.goalValue(nil, limit: 0.10) == "-")
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let dir = try Self.directory(["tiny.yaml": Self.tiny])
        let out = CLI.execute(["validate", "--published", dir, "--json"])
        #expect(out.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["cases", "points", "speedups", "summary", "goals", "range_calibration"])
        let cases = try #require(object["cases"] as? [[String: Any]])
        #expect(Set(cases[0].keys) == ["name", "file", "source", "url", "where", "software", "notes"])
        #expect(cases[0]["name"] as? String == "tiny")
        #expect(cases[0]["where"] is NSNull)
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(points.count == 2)
        #expect(Set(points[0].keys) == ["case", "run", "gpus", "precision", "published_images_per_second",
                                        "predicted_images_per_second", "relative_error"])
        #expect(points[0]["run"] is NSNull)
        let speedups = try #require(object["speedups"] as? [[String: Any]])
        #expect(speedups.count == 1)
        #expect(Set(speedups[0].keys) == ["case", "run", "gpus", "published_speedup", "predicted_speedup", "relative_error",
                                          "linear_baseline_error"])
        // Published scaling exactly linear: the baseline's error is 0.
        #expect(speedups[0]["linear_baseline_error"] as? Double == 0)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(Set(summary.keys) == ["throughput", "speedup", "linear_baseline", "single_gpu", "single_gpu_by_precision",
                                      "single_gpu_by_architecture"])
        let statKeys: Set<String> = ["count", "median_abs_error", "largest_abs_error", "largest_case", "largest_run", "largest_gpus"]
        let throughput = try #require(summary["throughput"] as? [String: Any])
        #expect(Set(throughput.keys) == statKeys)
        #expect(throughput["count"] as? Int == 2)
        let byPrecision = try #require(summary["single_gpu_by_precision"] as? [String: [String: Any]])
        #expect(Set(byPrecision.keys) == ["fp32", "tf32", "fp16+bf16"])
        #expect(byPrecision["tf32"]?["count"] as? Int == 0)
        #expect(byPrecision["tf32"]?["median_abs_error"] is NSNull)
        // The V100's one 1-GPU point, under its architecture; only architectures with points are listed.
        let byArchitecture = try #require(summary["single_gpu_by_architecture"] as? [String: [String: Any]])
        #expect(Set(byArchitecture.keys) == ["Volta"])
        #expect(byArchitecture["Volta"]?["count"] as? Int == 1)
        let goals = try #require(object["goals"] as? [[String: Any]])
        #expect(goals.count == 4)
        #expect(Set(goals[0].keys) == ["name", "limit", "value", "met"])
        // One case: held out, its points draw from no other errors, so each range is the prediction itself.
        let ranges = try #require(object["range_calibration"] as? [String: Any])
        #expect(Set(ranges.keys) == ["nominal", "single_gpu", "multi_gpu", "tail_levels", "single_gpu_new_architecture"])
        #expect(ranges["nominal"] as? Double == 0.8)
        let tails = try #require(ranges["tail_levels"] as? [String: Double])
        #expect(Set(tails.keys) == ["single_gpu", "multi_gpu"])
        #expect(tails.values.allSatisfy { (0...0.1).contains($0) })
        for kind in ["single_gpu", "multi_gpu"] {
            let coverage = try #require(ranges[kind] as? [String: Any])
            #expect(Set(coverage.keys) == ["points", "covered", "fraction", "median_width"])
            #expect(coverage["points"] as? Int == 1)
            #expect(coverage["median_width"] as? Double == 1)
            // The range is the prediction alone, so the point is inside only if predicted exactly.
            let covered = try #require(coverage["covered"] as? Int)
            #expect(coverage["fraction"] as? Double == Double(covered))
        }
    }

    @Test(arguments: [
        ("url: https://example.org", "url: example.org", ":8: published.url:"),
        ("- {gpus: 2, images_per_second: 2000}", "- {gpus: 2, images_per_second: fast}", ":11: published.points[1].images_per_second:"),
        ("- {gpus: 2, images_per_second: 2000}", "- {run: x, gpus: 2, images_per_second: 2}", ":11: published.points[1].run:"),
        ("- {gpus: 2, images_per_second: 2000}", "- {gpus: 0, images_per_second: 2}", ":11: published.points[1].gpus:"),
        // An unknown key is located at its value (checkKeys, as everywhere): the list starts on line 10.
        ("points:", "pints:", ":9: published.pints:"),
    ])
    func badInputExitsWithTwoAndSaysWhere(original: String, replacement: String, location: String) throws {
        let dir = try Self.directory(["tiny.yaml": Self.tiny.replacingOccurrences(of: original, with: replacement)])
        let out = CLI.execute(["validate", "--published", dir])
        #expect(out.exitCode == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("tiny.yaml" + location), "\(out.stderr)")
    }

    @Test func badArgumentsExitWithTwo() throws {
        let empty = try Self.directory([:])
        let plain = try Self.directory(["plain.yaml": ValidatePublishedTests.tiny.components(separatedBy: "published:")[0]])
        for arguments in [["validate", "--published", "/no/such/dir"], ["validate", "--published", empty],
                          ["validate", "--published", plain],
                          ["validate", "--published", Self.corpus, "--against", "m.csv"],
                          ["validate", "--published", Self.corpus, "--workers", "2"]] {
            let out = CLI.execute(arguments)
            #expect(out.exitCode == 2, "\(arguments)")
            #expect(!out.stderr.isEmpty)
            #expect(out.stdout.isEmpty)
        }
    }

    @Test func largeErrorsStillExitZero() throws {
        let dir = try Self.directory(["tiny.yaml": Self.tiny.replacingOccurrences(of: "images_per_second: 1000", with: "images_per_second: 1")])
        let out = CLI.execute(["validate", "--published", dir, "--tolerance", "0.01"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("not met"))
    }

    @Test func errorsOutWritesWhatUncertaintyDrawsFromAndKeepsAnExistingFile() throws {
        let dir = try Self.directory(["tiny.yaml": Self.tiny])
        let file = dir + "/errors.yaml"   // beside the corpus: not read as a case on the next run
        let out = CLI.execute(["validate", "--published", dir, "--errors-out", file])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("throughput, all points"))
        #expect(out.stderr.contains("wrote \(file): 1 1-GPU errors and 1 speedup errors"))
        let errors = try MeasuredErrors(yaml: YAMLValue.load(path: file))
        #expect(errors.computeFactors.count == 1)
        #expect(errors.scaling.map(\.gpus) == [2])
        #expect(errors.scaling[0].publishedSpeedup == 2)
        // The same corpus gives the same file, byte for byte; an existing file needs --force.
        let again = CLI.execute(["validate", "--published", dir, "--errors-out", file])
        #expect(again.exitCode == 2 && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(again.stderr.hasPrefix("error: --errors-out: "), "the flag given, not --out: \(again.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(CLI.execute(["validate", "--published", dir, "--errors-out", file, "--force"]).exitCode == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text)
        // Without --published there are no errors to write.
        let alone = CLI.execute(["validate", "--against", "m.csv", "--errors-out", file])
        #expect(alone.exitCode == 2 && alone.stderr.contains("--errors-out"))
    }
}
