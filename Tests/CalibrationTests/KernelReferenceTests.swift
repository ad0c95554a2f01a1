import Foundation
import Testing
@testable import Calibration

/// Each kernel against a naive loop implementation on random inputs.
@Suite struct KernelReferenceTests {
    func random(_ count: Int, _ seed: UInt64) -> [Float] {
        var rng = SplitMix(seed: seed)
        return (0..<count).map { _ in rng.unit() }
    }

    /// max |a − b| / max |b|: the relative error of a whole tensor.
    func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        let scale = max(1e-12, b.map(abs).max() ?? 0)
        return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
    }

    let shapes = [Kernels.Convolution(batch: 2, inChannels: 3, height: 9, width: 7, outChannels: 4, kernel: 3, stride: 1, pad: 1),
                  Kernels.Convolution(batch: 1, inChannels: 2, height: 11, width: 11, outChannels: 5, kernel: 5, stride: 2, pad: 2),
                  Kernels.Convolution(batch: 3, inChannels: 4, height: 6, width: 6, outChannels: 3, kernel: 1),
                  // A kernel wider than the image: some kernel columns never touch it.
                  Kernels.Convolution(batch: 3, inChannels: 2, height: 2, width: 3, outChannels: 3, kernel: 5, stride: 1, pad: 2),
                  Kernels.Convolution(batch: 5, inChannels: 2, height: 8, width: 7, outChannels: 4, kernel: 3, stride: 2, pad: 1)]

    /// Scratch that holds one image's columns (groups of 1), two images' columns
    /// (groups of 2 and a remainder) and the whole batch.
    func scratches(_ g: Kernels.Convolution) -> [Kernels.ConvolutionScratch] {
        [1, 2 * g.patch * g.pixels, 1 << 23].map { Kernels.ConvolutionScratch(columnBudget: $0) }
    }

    func naiveConv(_ x: [Float], _ w: [Float], _ b: [Float], _ g: Kernels.Convolution) -> [Double] {
        var out = [Double](repeating: 0, count: g.outputCount)
        for n in 0..<g.batch { for o in 0..<g.outChannels { for y in 0..<g.outHeight { for xx in 0..<g.outWidth {
            var sum = Double(b[o])
            for c in 0..<g.inChannels { for i in 0..<g.kernel { for j in 0..<g.kernel {
                let iy = y * g.stride + i - g.pad, ix = xx * g.stride + j - g.pad
                guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                sum += Double(x[((n * g.inChannels + c) * g.height + iy) * g.width + ix]) * Double(w[((o * g.inChannels + c) * g.kernel + i) * g.kernel + j])
            } } }
            out[((n * g.outChannels + o) * g.outHeight + y) * g.outWidth + xx] = sum
        } } } }
        return out
    }

    @Test(arguments: 0..<5)
    func convolutionForwardMatchesDirectLoops(shape: Int) {
        let g = shapes[shape]
        let x = random(g.inputCount, 1), w = random(g.weightCount, 2), b = random(g.outChannels, 3)
        for scratch in scratches(g) {
            #expect(relativeError(Kernels.convolutionForward(x, weights: w, bias: b, g, scratch: scratch), naiveConv(x, w, b, g)) < 1e-4)
        }
    }

    /// The backward kernels are checked as the adjoint of the forward one: for a
    /// linear map y = A(x), ⟨dy, A(x)⟩ = ⟨Aᵀ(dy), x⟩, and the weight gradient the same way.
    @Test(arguments: 0..<5)
    func convolutionBackwardKernelsAreTheAdjoints(shape: Int) {
        for scratch in scratches(shapes[shape]) { checkAdjoints(shapes[shape], scratch) }
    }

    /// With OpenBLAS on two threads, the batch's groups run in two parts at once
    /// (`GroupPlan`): the same outputs and gradients as on one thread (the weight
    /// and bias gradients summed per part, then added), and the parts' SGEMM time
    /// counted in the scratch given. (The thread count is process-wide and other
    /// tests change it meanwhile, so agreement is to 1e-6, not to the bit.)
    @Test func twoThreadsSplitTheBatchAndAgreeWithOne() {
        let g = shapes[0]
        let x = random(g.inputCount, 7), w = random(g.weightCount, 8), b = random(g.outChannels, 9), dy = random(g.outputCount, 10)
        let saved = BLAS.threads
        defer { BLAS.threads = saved }
        func all(threads: Int) -> (y: [Float], dx: [Float], dw: [Float], db: [Float], productSeconds: Double) {
            BLAS.threads = threads
            let scratch = Kernels.ConvolutionScratch(columnBudget: 1)   // one image a group
            let y = Kernels.convolutionForward(x, weights: w, bias: b, g, scratch: scratch)
            let dx = Kernels.convolutionBackwardData(dy, weights: w, g, scratch: scratch)
            let (dw, db) = Kernels.convolutionBackwardWeights(x, dy, g, scratch: scratch)
            return (y, dx, dw, db, scratch.productSeconds)
        }
        let one = all(threads: 1), two = all(threads: 2)
        for (a, b) in [(two.y, one.y), (two.dx, one.dx), (two.dw, one.dw), (two.db, one.db)] {
            #expect(relativeError(a, b.map(Double.init)) < 1e-6)
        }
        #expect(two.productSeconds > 0)
    }

    /// A plan deals the groups out in contiguous runs, one per thread and no more
    /// runs than groups, and `run` visits every group once, each run with its own
    /// part of the scratch, adding the longest run's SGEMM time to the scratch given
    /// (the runs overlap: their sum would be thread-seconds, more than the wall time).
    @Test func aGroupPlanCoversTheBatchOnce() {
        let g = Kernels.Convolution(batch: 5, inChannels: 2, height: 6, width: 6, outChannels: 3, kernel: 3, pad: 1)
        let scratch = Kernels.ConvolutionScratch(columnBudget: 2 * g.patch * g.pixels)   // groups of 2, 2, 1 images
        #expect(Kernels.GroupPlan(g, scratch, threads: 1).runs.map(\.count) == [3])
        #expect(Kernels.GroupPlan(g, scratch, threads: 8).runs.map(\.count) == [1, 1, 1])
        let plan = Kernels.GroupPlan(g, scratch, threads: 2)
        #expect(plan.size == 2 && plan.runs.flatMap { $0 }.map(\.first) == [0, 2, 4] && plan.runs.map(\.count) == [1, 2])
        final class Seen: @unchecked Sendable {
            let lock = NSLock()
            var images: [Int] = [], parts: [Int: ObjectIdentifier] = [:]
        }
        let seen = Seen()
        plan.run(scratch) { first, images, index, part in
            part.timeProduct { Thread.sleep(forTimeInterval: 0.001) }
            seen.lock.lock()
            seen.images += first..<(first + images)
            seen.parts[index] = ObjectIdentifier(part)
            seen.lock.unlock()
        }
        #expect(seen.images.sorted() == Array(0..<5))
        #expect(seen.parts == [0: ObjectIdentifier(scratch.parts(2)[0]), 1: ObjectIdentifier(scratch.parts(2)[1])])
        let parts = scratch.parts(2).map(\.productSeconds)
        #expect(parts[1] >= 0.002 && scratch.productSeconds == parts.max()!, "\(parts), \(scratch.productSeconds)")
    }

    /// Overlapping single-threaded sections share one saved count: inside, the
    /// count is one; after the last ends, the count from before comes back. (On a
    /// count of its own: OpenBLAS's is process-wide, and other tests change it.)
    @Test func singleThreadedSectionsRestoreTheCountOnce() {
        final class Count: @unchecked Sendable {
            let lock = NSLock()
            var value = 3, seenInside: [Int] = []
            var current: Int { lock.lock(); defer { lock.unlock() }; return value }
        }
        let count = Count()
        let sections = BLAS.SingleThreaded(get: { count.current }, set: { v in count.lock.lock(); count.value = v; count.lock.unlock() })
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            sections.run {
                Thread.sleep(forTimeInterval: 0.002 * Double(i + 1))   // they end at different times
                let inside = count.current
                count.lock.lock(); count.seenInside.append(inside); count.lock.unlock()
            }
        }
        #expect(count.seenInside == [1, 1, 1, 1])
        #expect(count.current == 3)
    }

    func checkAdjoints(_ g: Kernels.Convolution, _ scratch: Kernels.ConvolutionScratch) {
        let x = random(g.inputCount, 4), w = random(g.weightCount, 5), dy = random(g.outputCount, 6)
        let zero = [Float](repeating: 0, count: g.outChannels)
        let y = naiveConv(x, w, zero, g)
        let lhs = zip(dy, y).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        let dx = Kernels.convolutionBackwardData(dy, weights: w, g, scratch: scratch)
        let viaData = zip(dx, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let (dw, db) = Kernels.convolutionBackwardWeights(x, dy, g, scratch: scratch)
        let viaWeights = zip(dw, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(viaData - lhs) / abs(lhs) < 1e-4)
        #expect(abs(viaWeights - lhs) / abs(lhs) < 1e-4)
        // The bias gradient is the sum of dy over batch and pixels, channel by channel.
        for c in 0..<g.outChannels {
            var expected = 0.0
            for n in 0..<g.batch { for q in 0..<g.pixels { expected += Double(dy[(n * g.outChannels + c) * g.pixels + q]) } }
            #expect(abs(Double(db[c]) - expected) <= 1e-4 * max(1, abs(expected)))
        }
    }

    @Test func fullyConnectedMatchesItsDefinition() {
        let (batch, inputs, units) = (5, 7, 4)
        let x = random(batch * inputs, 7), w = random(units * inputs, 8), b = random(units, 9), dy = random(batch * units, 10)
        let y = Kernels.fullyConnectedForward(x, weights: w, bias: b, batch: batch, inputs: inputs, units: units)
        var ref = [Double](repeating: 0, count: batch * units)
        var dxRef = [Double](repeating: 0, count: batch * inputs), dwRef = [Double](repeating: 0, count: units * inputs)
        for n in 0..<batch { for u in 0..<units {
            ref[n * units + u] = Double(b[u]) + (0..<inputs).reduce(0.0) { $0 + Double(x[n * inputs + $1]) * Double(w[u * inputs + $1]) }
            for i in 0..<inputs {
                dxRef[n * inputs + i] += Double(dy[n * units + u]) * Double(w[u * inputs + i])
                dwRef[u * inputs + i] += Double(dy[n * units + u]) * Double(x[n * inputs + i])
            }
        } }
        #expect(relativeError(y, ref) < 1e-4)
        let (dx, dw, db) = Kernels.fullyConnectedBackward(x, dy, weights: w, batch: batch, inputs: inputs, units: units)
        #expect(relativeError(dx, dxRef) < 1e-4)
        #expect(relativeError(dw, dwRef) < 1e-4)
        #expect(relativeError(db, (0..<units).map { u in (0..<batch).reduce(0.0) { $0 + Double(dy[$1 * units + u]) } }) < 1e-4)
    }

    /// Every window against a direct search, forward and backward: on rows that
    /// the vectorized 2×2 path covers alone (every input written, none zeroed
    /// first), with a scalar tail, on odd sizes that leave inputs outside every
    /// window, and on overlapping 3×3 and 2×2 windows. Values repeat, so the
    /// gradient must go to the first maximum (in row-major window order) only.
    @Test(arguments: [(2, 2, 6, 32), (2, 2, 6, 38), (2, 2, 7, 37), (2, 2, 7, 33), (2, 2, 6, 33), (3, 2, 6, 38), (2, 1, 6, 38)])
    func maxPoolingMatchesADirectSearch(kernel: Int, stride: Int, height: Int, width: Int) {
        let (batch, channels) = (2, 3)
        let g = Kernels.Pooling(batch: batch, channels: channels, height: height, width: width, kernel: kernel, stride: stride)
        let x = random(batch * channels * height * width, 13).map { ($0 * 4).rounded() }
        let y = Kernels.maxPoolForward(x, g)
        let oh = (height - kernel) / stride + 1, ow = (width - kernel) / stride + 1
        #expect(y.count == batch * channels * oh * ow)
        let dy = random(y.count, 14)
        var expected = [Float](repeating: 0, count: x.count)
        for plane in 0..<(batch * channels) { for i in 0..<oh { for j in 0..<ow {
            var best = -Float.infinity, at = -1
            for a in 0..<kernel { for b in 0..<kernel {
                let idx = plane * height * width + (i * stride + a) * width + j * stride + b
                if x[idx] > best { best = x[idx]; at = idx }
            } }
            let o = (plane * oh + i) * ow + j
            #expect(y[o] == best, "window \(plane), \(i), \(j)")
            expected[at] += dy[o]
        } } }
        let dx = Kernels.maxPoolBackward(dy, input: x, output: y, g)
        #expect(dx.count == x.count)
        #expect(zip(dx, expected).allSatisfy { abs($0 - $1) <= 1e-6 }, "the gradient reaches other inputs than the first maxima")
    }

    /// The backward pass skips zeroing the input gradient only where its eight-wide
    /// 2×2 path writes every input: whole rows of whole windows.
    @Test func poolingBackwardSkipsZeroingOnlyWhereItWritesEveryInput() {
        func pooling(_ height: Int, _ width: Int, kernel: Int = 2, stride: Int = 2) -> Kernels.Pooling {
            Kernels.Pooling(batch: 1, channels: 1, height: height, width: width, kernel: kernel, stride: stride)
        }
        #expect(pooling(6, 32).backwardWritesEveryInput)
        for g in [pooling(7, 32), pooling(6, 33), pooling(6, 38), pooling(6, 32, kernel: 3), pooling(6, 32, stride: 1)] {
            #expect(!g.backwardWritesEveryInput, "\(g)")
        }
    }

    /// glibc takes all three allocator settings the executor is timed under, and the
    /// process's first choice holds: a later call for the other mode changes nothing.
    @Test func heapPolicyIsAcceptedAndTheFirstChoiceHolds() {
        #expect(HeapPolicy.keepFreedMemory())
        let first = HeapPolicy.chosenMode
        #expect(first != nil)
        #expect(HeapPolicy.keepFreedMemory(first == .executor ? .simulation : .executor))
        #expect(HeapPolicy.chosenMode == first)
    }

    @Test func reluBackwardMasksEveryLaneAndTheTail() {
        let y = random(29, 14).map { max(0, $0) }, dy = random(29, 15)
        #expect(Kernels.reluBackward(dy, output: y) == zip(dy, y).map { $1 > 0 ? $0 : 0 })
    }

    @Test func maxPoolingAndReLU() {
        let x = random(2 * 3 * 6 * 6, 11)
        let g = Kernels.Pooling(batch: 2, channels: 3, height: 6, width: 6, kernel: 2, stride: 2)
        let y = Kernels.maxPoolForward(x, g)
        #expect(y.count == 2 * 3 * 3 * 3)
        #expect(y[0] == max(x[0], x[1], x[6], x[7]))
        let dy = random(y.count, 12)
        let dx = Kernels.maxPoolBackward(dy, input: x, output: y, g)
        #expect(abs(dx.reduce(0, +) - dy.reduce(0, +)) < 1e-4)
        let r = Kernels.reluForward([-1, 0, 2])
        #expect(r == [0, 0, 2])
        #expect(Kernels.reluBackward([5, 5, 5], output: r) == [0, 0, 5])
    }

    @Test func softmaxCrossEntropyGradientIsSoftmaxMinusOneHot() {
        let logits: [Float] = [1, 2, 3, 0, 0, 0]
        let (loss, gradient) = Kernels.softmaxCrossEntropy(logits, labels: [2, 0], classes: 3, scale: 0.5)
        let e = [exp(-2.0), exp(-1.0), 1.0], s = e.reduce(0, +)
        #expect(abs(loss - (-log(1 / s) + log(3))) < 1e-9)
        #expect(abs(Double(gradient[2]) - (1 / s - 1) * 0.5) < 1e-6)
        #expect(abs(Double(gradient[3]) - (1.0 / 3 - 1) * 0.5) < 1e-6)
        #expect(abs(gradient.reduce(0, +)) < 1e-6)
    }

    @Test func sgdWithMomentum() {
        var w: [Float] = [1, -2], v: [Float] = [0.5, 0]
        Kernels.sgdMomentum(weights: &w, gradient: [0.1, 0.2], velocity: &v, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        #expect(abs(v[0] - (0.45 + 0.1 + 0.01)) < 1e-6)
        #expect(abs(w[0] - (1 - 0.1 * 0.56)) < 1e-6)
        #expect(abs(v[1] - (0.2 - 0.02)) < 1e-6)
    }
}
