import Foundation
import Testing
import YAMLSupport
@testable import Calibration

/// Builds a log in nccl-tests' format from a known alpha-beta, with noise.
func syntheticLog(collective: NCCLTestsLog.Collective = .allReduce, ranks: Int = 8, alphaMicroseconds: Double = 20,
                  gigabytesPerSecond: Double = 100, noise: Double = 0.03, oldHeader: Bool = false, seed: UInt64 = 1) -> String {
    var rng = SplitMix(seed: seed)
    let wrong = oldHeader ? " error" : "#wrong"
    var text = """
        # nThread 1 nGpus \(ranks) minBytes 8 maxBytes 1073741824 step: 4(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
        #
        # Using devices

        """
    for r in 0..<ranks { text += "#  Rank \(r) Group  0 Pid  1000 on host device  \(r) [0x00] NVIDIA H100 80GB HBM3\n" }
    text += "#\n#                                                              out-of-place                       in-place\n"
    text += "#       size         count      type   redop    root     time   algbw   busbw \(wrong)     time   algbw   busbw \(wrong)\n"
    text += "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)\n"
    var size = 8.0
    var busSum = 0.0, count = 0.0
    while size <= 1_073_741_824 {
        let t = (alphaMicroseconds + size / (gigabytesPerSecond * 1e3)) * (1 + noise * (2 * Double(rng.unit()) - 1) / 2)
        let algbw = size / t / 1e3, busbw = algbw * collective.busFactor(ranks: ranks)
        busSum += busbw; count += 1
        let redop = collective == .allReduce || collective == .reduceScatter ? "sum" : "none"
        let w = oldHeader ? "0e+00" : "0"
        text += String(format: "%12.0f %13.0f     float %7@ %7d %8.2f %7.2f %7.2f %6@ %8.2f %7.2f %7.2f %6@\n",
                       size, size / 4, redop as NSString, -1, t, algbw, busbw, w as NSString, t, algbw, busbw, w as NSString)
        size *= 4
    }
    text += "# Out of bounds values : 0 OK\n# Avg bus bandwidth    : \(String(format: "%.4f", busSum / count))\n#\n"
    return text
}

@Suite struct NCCLTestsLogTests {
    @Test(arguments: [false, true])
    func fitRecoversAKnownAlphaBetaThroughNoise(oldHeader: Bool) throws {
        let log = try NCCLTestsLog.parse(syntheticLog(oldHeader: oldHeader), file: "all_reduce_perf.log")
        #expect(log.collective == .allReduce)
        #expect(log.ranks == 8)
        #expect(log.rows.count == 14)
        #expect(log.averageBusGBPerSecond != nil)
        let fit = try log.fit()
        #expect(abs(fit.latencySeconds - 20e-6) / 20e-6 < 0.05)
        #expect(abs(fit.bytesPerSecond - 100e9) / 100e9 < 0.05)
        #expect(abs(fit.busBytesPerSecond - 100e9 * 2 * 7 / 8) / 175e9 < 0.05)
        #expect(fit.relativeErrors.allSatisfy { abs($0) < 0.05 })
    }

    @Test(arguments: NCCLTestsLog.Collective.allCases)
    func theCollectiveIsInferredFromBusOverAlgorithmBandwidth(collective: NCCLTestsLog.Collective) throws {
        let text = syntheticLog(collective: collective, ranks: 4, noise: 0)
        // All-gather and reduce-scatter share a factor of (n-1)/n and a ring's steps: either is taken.
        // Broadcast and sendrecv share a factor of 1 but not their steps (a pipelined chain, one hop):
        // a log that does not name one of them is refused, not guessed.
        if collective == .broadcast || collective == .sendRecv {
            #expect(throws: ConfigError.self) { try NCCLTestsLog.parse(text, file: "measured.log") }
        } else {
            let log = try NCCLTestsLog.parse(text, file: "measured.log")
            #expect(log.collective.busFactor(ranks: 4) == collective.busFactor(ranks: 4))
        }
        #expect(try NCCLTestsLog.parse(text, file: "\(collective.rawValue)_perf.log").collective == collective)
    }

    /// A test run on one GPU says so (it has the nGpus and Rank lines), rather than that the
    /// GPU count could not be told.
    @Test func aOneGPULogIsRefusedForWhatItIs() throws {
        do {
            _ = try NCCLTestsLog.parse(syntheticLog(ranks: 1), file: "all_reduce_perf.log")
            Issue.record("a 1-GPU log was read")
        } catch let error as ConfigError {
            #expect(error.message.contains("the test ran on one GPU"), "\(error)")
        }
    }

    /// A log cut short, and the tests ScaleCast does not model, are refused rather than fitted
    /// as something else.
    @Test func truncatedLogsAndOtherTestsAreRefused() throws {
        let whole = syntheticLog(noise: 0)
        #expect(whole.contains("maxBytes"), "the synthetic log's run line names maxBytes")
        let lines = whole.components(separatedBy: "\n")
        let firstRow = try #require(lines.firstIndex { !$0.hasPrefix("#") && !$0.isEmpty })
        let cut = lines.prefix(firstRow + 4).joined(separator: "\n") + "\n"
        do {
            _ = try NCCLTestsLog.parse(cut, file: "all_reduce_perf.log")
            Issue.record("a truncated log was read")
        } catch let error as ConfigError {
            #expect(error.message.contains("is it truncated?"), "\(error)")
        }
        for name in ["alltoall_perf.log", "reduce_perf.log", "gather_perf.log"] {
            do {
                _ = try NCCLTestsLog.parse(whole, file: name)
                Issue.record("\(name) was read")
            } catch let error as ConfigError {
                #expect(error.message.contains("logs are not modelled"), "\(name): \(error)")
            }
        }
    }

    /// Two runs appended to one file would be fitted as one run's sizes.
    @Test func aSecondRunInOneLogIsRefusedWhereItStarts() throws {
        let first = syntheticLog(noise: 0)
        let firstLines = first.components(separatedBy: "\n").count - 1
        do {
            _ = try NCCLTestsLog.parse(first + syntheticLog(noise: 0, seed: 2), file: "all_reduce_perf.log")
            Issue.record("two runs were read as one")
        } catch let error as ConfigError {
            #expect(error.line == firstLines + 1 && error.message.contains("second run"), "\(error)")
        }
    }

    /// `-d all` prints every data type's sweep under one header: refused at the first row of the second type.
    @Test func aLogMixingDataTypesIsRefusedAtTheFirstOtherRow() throws {
        var lines = syntheticLog(noise: 0).components(separatedBy: "\n")
        let rows = lines.indices.filter { lines[$0].hasPrefix("  ") && lines[$0].contains(" float ") }
        for i in rows.suffix(3) { lines[i] = lines[i].replacingOccurrences(of: " float ", with: "  half ") }
        do {
            _ = try NCCLTestsLog.parse(lines.joined(separator: "\n"), file: "all_reduce_perf.log")
            Issue.record("two data types were fitted as one")
        } catch let error as ConfigError {
            #expect(error.line == rows.suffix(3).first! + 1 && error.message.contains("half after float"), "\(error)")
        }
    }

    /// An all-gather log named all_reduce (or given --collective all_reduce) would be fitted with
    /// all-reduce's bus factor, twice too fast a link; the rows' busbw / algbw says otherwise.
    @Test func aCollectiveContradictingTheRowsIsRefused() throws {
        let gather = syntheticLog(collective: .allGather, ranks: 8, noise: 0)
        #expect(throws: ConfigError.self) { try NCCLTestsLog.parse(gather, file: "all_reduce_perf.log") }
        #expect(throws: ConfigError.self) { try NCCLTestsLog.parse(gather, file: "x.log", collective: .allReduce) }
        #expect(try NCCLTestsLog.parse(gather, file: "x.log", collective: .allGather).collective == .allGather)
        #expect(try NCCLTestsLog.parse(gather, file: "all_gather_perf.log").collective == .allGather)
    }

    @Test func truncatedAndGarbageLogsNameTheLine() throws {
        let full = syntheticLog()
        let lines = full.components(separatedBy: "\n")
        let headerOnly = lines.prefix { !$0.hasPrefix("           8") }.joined(separator: "\n")
        #expect(throws: ConfigError.self) { try NCCLTestsLog.parse(headerOnly, file: "x.log") }
        do {
            var broken = lines
            let row = broken.firstIndex { $0.hasPrefix("        2048") }!
            broken[row] = "        2048           512     float     sum      -1    garbage"
            _ = try NCCLTestsLog.parse(broken.joined(separator: "\n"), file: "x.log")
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.line == lines.firstIndex { $0.hasPrefix("        2048") }! + 1)
        }
        #expect(throws: ConfigError.self) { try NCCLTestsLog.parse("hello world\n", file: "x.log") }
        #expect(throws: ConfigError.self) { try NCCLTestsLog.parse("", file: "x.log") }
    }
}
