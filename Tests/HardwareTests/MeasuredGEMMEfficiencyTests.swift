import Foundation
import Testing
@testable import Hardware

/// The catalog's `max_efficiency` of the GPUs in `scenarios/validation/torch-mm/` is derived
/// from that file, as its README says: `min(1, median TFLOP/s / dense peak)`, three decimals.
@Suite struct MeasuredGEMMEfficiencyTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/torch-mm/torch-mm-tflops.csv").standardizedFileURL

    /// TFLOP/s per catalog GPU and precision, every row of the file.
    static func rates() throws -> [String: [String: [Double]]] {
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "catalog_gpu,device,contributor,setting,precision,tflops")
        var rates: [String: [String: [Double]]] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count == 6, "\(line)")
            let tflops = try #require(Double(fields[5]), "\(line)")
            rates[fields[0], default: [:]][fields[4], default: []].append(tflops)
        }
        return rates
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    @Test func catalogEfficienciesAreTheFilesMediansOverThePeaks() throws {
        let catalog = try Catalog.builtIn()
        let rates = try Self.rates()
        #expect(Set(rates.keys) == ["RTX-3090", "A100-SXM4-80GB", "H100-SXM5", "H200-SXM", "L40S", "B200-SXM"])
        for (name, byPrecision) in rates {
            let gpu = try #require(catalog.gpu(named: name), "\(name) is not in the catalog")
            #expect(Set(gpu.maxEfficiency.keys) == Set(byPrecision.keys), "\(name): the catalog's precisions are not the file's")
            for (precision, values) in byPrecision {
                let peak = try #require(gpu.peakFLOPsPerSecond[precision], "\(name) has no \(precision) peak") / 1e12
                let expected = (min(1, Self.median(values) / peak) * 1000).rounded() / 1000
                #expect(gpu.maxEfficiency[precision] == expected, "\(name) \(precision): catalog \(gpu.maxEfficiency[precision] ?? 0), file \(expected)")
            }
            #expect(gpu.measured?.contains("torch-performance-test-data") == true, "\(name)'s measured: does not name the source")
        }
    }

    static let mamfFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/torch-mm/mamf-bf16.csv").standardizedFileURL

    /// bf16 TFLOP/s per catalog GPU in the MAMF table's file, every row.
    static func mamfRates() throws -> [String: [Double]] {
        let lines = try String(contentsOf: mamfFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "catalog_gpu,accelerator,tflops,theory_tflops,best_shape,torch_version,notes")
        var rates: [String: [Double]] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count == 7, "\(line)")
            rates[fields[0], default: []].append(try #require(Double(fields[2]), "\(line)"))
        }
        return rates
    }

    /// The MI300X's and Gaudi 3's bf16 ceilings are the MAMF table's rates over the catalog's
    /// peaks by the same rule; the MI300X's fp16 takes its bf16 figure (one matrix-core rate).
    @Test func boardsTheTorchMMTableLacksTakeTheMAMFTable() throws {
        let catalog = try Catalog.builtIn()
        let rates = try Self.mamfRates()
        for name in ["MI300X", "Gaudi3"] {
            let gpu = try #require(catalog.gpu(named: name))
            let peak = try #require(gpu.peakFLOPsPerSecond["bf16"]) / 1e12
            let expected = (min(1, Self.median(try #require(rates[name])) / peak) * 1000).rounded() / 1000
            #expect(gpu.maxEfficiency["bf16"] == expected, "\(name): catalog \(gpu.maxEfficiency["bf16"] ?? 0), file \(expected)")
            #expect(gpu.measured?.contains("ml-engineering") == true, "\(name)'s measured: does not name the source")
        }
        let mi300x = try #require(catalog.gpu(named: "MI300X"))
        #expect(mi300x.maxEfficiency["fp16"] == mi300x.maxEfficiency["bf16"])
        #expect(mi300x.peakFLOPsPerSecond["fp16"] == mi300x.peakFLOPsPerSecond["bf16"])
    }

    /// Where both tables measure a board, their bf16 fractions of the catalog's peak agree
    /// within 3 points: the second source measures what the first does.
    @Test func theTwoTablesAgreeOnTheBoardsBothMeasure() throws {
        let catalog = try Catalog.builtIn()
        let torchMM = try Self.rates()
        var compared = 0
        for (name, values) in try Self.mamfRates() {
            guard let squares = torchMM[name]?["bf16"] else { continue }
            let peak = try #require(catalog.gpu(named: name)?.peakFLOPsPerSecond["bf16"]) / 1e12
            let gap = abs(Self.median(values) - Self.median(squares)) / peak
            #expect(gap < 0.03, "\(name): MAMF \(Self.median(values)), torch.mm \(Self.median(squares)) TFLOP/s")
            compared += 1
        }
        #expect(compared == 3)
    }

    /// The GeForce board's fp32-accumulate tensor rate is measured above its whitepaper peak
    /// (71 TFLOP/s at 1695 MHz), so the catalog states its peaks at the clock the fp16 median
    /// implies (every whitepaper figure x measured / 71) and its fp16 efficiency is then 1;
    /// the data-centre boards stay well under their peaks.
    @Test func onlyTheHalfRateGeForceTensorPathReachesItsPeak() throws {
        let rates = try Self.rates()
        let catalog = try Catalog.builtIn()
        let geforce = try #require(catalog.gpu(named: "RTX-3090"))
        let measured = Self.median(try #require(rates["RTX-3090"]?["fp16"]))
        #expect(measured > 71)
        let clockRatio = measured / 71
        for (precision, whitepaper) in ["fp32": 35.6, "tf32": 35.6, "fp16": 71.0, "bf16": 71.0] {
            let peak = geforce.peakFLOPsPerSecond(precision: precision) / 1e12
            #expect(abs(peak - whitepaper * clockRatio) < 0.01, "\(precision): \(peak)")
        }
        #expect(geforce.maxEfficiency["fp16"] == 1)
        for name in ["A100-SXM4-80GB", "H100-SXM5", "H200-SXM", "L40S", "B200-SXM"] {
            let gpu = try #require(catalog.gpu(named: name))
            #expect(try #require(gpu.maxEfficiency["fp16"]) < 0.9, "\(name)")
        }
    }
}
