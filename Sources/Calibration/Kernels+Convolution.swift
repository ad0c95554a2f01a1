import Dispatch
import Foundation

/// Convolution by im2col + SGEMM, one product over a group of images: the
/// columns of every image in the group sit side by side in one matrix, so a
/// single SGEMM of shape (out channels × group·pixels × patch) does the group's
/// arithmetic. With OpenBLAS on several threads, the groups are shared out among
/// them, each thread running its own groups' products single-threaded
/// (`GroupPlan`). The scratch memory is reused from call to call.
extension Kernels {
    /// A convolution's geometry.
    public struct Convolution: Sendable, Hashable {
        public var batch, inChannels, height, width, outChannels, kernel, stride, pad: Int

        public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int, kernel: Int, stride: Int = 1, pad: Int = 0) {
            (self.batch, self.inChannels, self.height, self.width) = (batch, inChannels, height, width)
            (self.outChannels, self.kernel, self.stride, self.pad) = (outChannels, kernel, stride, pad)
        }

        public var outHeight: Int { (height + 2 * pad - kernel) / stride + 1 }
        public var outWidth: Int { (width + 2 * pad - kernel) / stride + 1 }
        /// Rows of the im2col matrix: inChannels × kernel².
        public var patch: Int { inChannels * kernel * kernel }
        /// Columns of the im2col matrix: output pixels per image.
        public var pixels: Int { outHeight * outWidth }
        /// Floats of one input image and of one output image.
        public var inputImageCount: Int { inChannels * height * width }
        public var outputImageCount: Int { outChannels * pixels }
        public var inputCount: Int { batch * inputImageCount }
        public var outputCount: Int { batch * outputImageCount }
        public var weightCount: Int { outChannels * patch }
        /// FLOPs of the forward pass (a multiply-add counts 2).
        public var forwardFLOPs: Double { 2 * Double(batch) * Double(outChannels) * Double(pixels) * Double(patch) }
    }


    /// Memory the convolution kernels reuse from call to call: one group's im2col
    /// matrix and its product in (channel, image, pixel) order. Not safe to share
    /// between threads that run at the same time: give each worker its own.
    public final class ConvolutionScratch {
        /// The most floats one im2col matrix may take, if fixed; images are unfolded
        /// in groups that fit it (at least one image per group). Nil: tuned.
        public let columnBudget: Int?
        /// Budgets (floats) tried when tuning: 512 KiB, 2 MiB and 8 MiB of columns.
        public static let tunedBudgets = [1 << 17, 1 << 19, 1 << 21]
        /// Group sizes being tried while this scratch tunes a geometry.
        private var trying: [Convolution: Int] = [:]
        /// Group sizes chosen by tuning, shared by every scratch in the process, so
        /// that the workers of a run, and calibration and measurement, agree.
        private static let chosen = Choices()
        private var columns = Buffer(), product = Buffer()
        private var children: [ConvolutionScratch] = []
        /// Seconds the kernels given this scratch spent in SGEMM, summed since it
        /// was made: what calibration subtracts from a convolution's time to fit
        /// the product and its lowering (im2col, col2im, reordering) apart.
        public private(set) var productSeconds: Double = 0
        private let clock = ContinuousClock()

        /// Runs `product`, adding its time to `productSeconds`.
        func timeProduct(_ product: () -> Void) {
            let start = clock.now
            product()
            productSeconds += Executor.seconds(clock.now - start)
        }

        /// - Parameter columnBudget: floats, or nil to choose the group size of each
        ///   geometry by timing its forward pass with each of `tunedBudgets` (as
        ///   cuDNN's autotuner picks an algorithm), once per process. No one budget
        ///   suits every layer: on this project's 2-core Xeon, the 3→8 channel 3×3
        ///   convolution of a 32×32 batch of 128 ran in 2.5 ms with 512 KiB of columns
        ///   and 4.1 ms with 4 MiB, while the 8→16 one on 16×16 ran in 3.1 ms with 4 MiB
        ///   and 3.9 ms with 512 KiB. Tuning costs nine forward passes the first time
        ///   a geometry is seen.
        public init(columnBudget: Int? = nil) { self.columnBudget = columnBudget.map { max(1, $0) } }

        /// A scratch with the middle budget and no tuning: the kernels' default.
        public static func untuned() -> ConvolutionScratch { ConvolutionScratch(columnBudget: tunedBudgets[1]) }

        /// Images per group for convolution `g`.
        public func groupSize(_ g: Convolution) -> Int {
            if let images = trying[g] ?? (columnBudget == nil ? Self.chosen[g] : nil) { return images }
            return Self.groupSize(g, budget: columnBudget ?? Self.tunedBudgets[1])
        }

        static func groupSize(_ g: Convolution, budget: Int) -> Int { max(1, min(g.batch, budget / max(1, g.patch * g.pixels))) }

        /// Chooses `g`'s group size, once per process, by the best of three timings
        /// of `forward` with each candidate (one timing each picked wrongly a third
        /// of the time on a shared machine).
        func tune(_ g: Convolution, _ forward: () -> Void) {
            guard columnBudget == nil, trying[g] == nil, Self.chosen[g] == nil else { return }
            let candidates = Array(Set(Self.tunedBudgets.map { Self.groupSize(g, budget: $0) })).sorted()
            guard candidates.count > 1 else { Self.chosen[g] = candidates[0]; return }
            let clock = ContinuousClock()
            var best: (images: Int, time: Duration)?
            for _ in 0..<3 {
                for images in candidates {
                    trying[g] = images
                    let start = clock.now
                    forward()
                    let time = clock.now - start
                    if best == nil || time < best!.time { best = (images, time) }
                }
            }
            trying[g] = nil
            Self.chosen[g] = best!.images
        }

        /// The process-wide table of tuned group sizes.
        private final class Choices: @unchecked Sendable {
            private var sizes: [Convolution: Int] = [:]
            private let lock = NSLock()
            subscript(g: Convolution) -> Int? {
                get { lock.lock(); defer { lock.unlock() }; return sizes[g] }
                set { lock.lock(); sizes[g] = newValue; lock.unlock() }
            }
        }

        /// The im2col matrix (patch × images·pixels) and product (out channels ×
        /// images·pixels) of groups of `images` images of `g`.
        func buffers(_ g: Convolution, images: Int) -> (columns: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>) {
            (columns.reserve(g.patch * g.pixels * images), product.reserve(g.outChannels * g.pixels * images))
        }

        /// `count` scratches of this one's budget, one per thread that works on a
        /// part of a batch at once (`GroupPlan`), made on first use and kept.
        func parts(_ count: Int) -> [ConvolutionScratch] {
            while children.count < count { children.append(ConvolutionScratch(columnBudget: columnBudget ?? Self.tunedBudgets[1])) }
            return Array(children.prefix(count))
        }

        /// Adds product time measured by this scratch's parts.
        func addProductSeconds(_ seconds: Double) { productSeconds += seconds }

        /// A growable block of floats.
        private final class Buffer {
            private var pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
            private var capacity = 1
            func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
                if count > capacity {
                    pointer.deallocate()
                    pointer = .allocate(capacity: count)
                    capacity = count
                }
                return pointer
            }
            deinit { pointer.deallocate() }
        }
    }

    /// out[n] = W · im2col(x[n]) + b, for each image n.
    /// - Parameters: weights: outChannels × patch; bias: outChannels.
    public static func convolutionForward(_ x: [Float], weights: [Float], bias: [Float], _ g: Convolution,
                                          scratch: ConvolutionScratch = .untuned()) -> [Float] {
        scratch.tune(g) { _ = convolutionForward(x, weights: weights, bias: bias, g, scratch: scratch) }
        let plan = GroupPlan(g, scratch)
        return [Float](unsafeUninitializedCapacity: g.outputCount) { op, initialized in
            x.withUnsafeBufferPointer { xp in
                weights.withUnsafeBufferPointer { wp in
                    // Each group writes its own images' outputs only.
                    nonisolated(unsafe) let (input, w, output) = (xp.baseAddress!, wp.baseAddress!, op.baseAddress!)
                    plan.run(scratch) { first, images, _, part in
                        let (col, product) = part.buffers(g, images: plan.size)
                        let columns = images * g.pixels
                        unfold(input + first * g.inputImageCount, images: images, g, into: col)
                        part.timeProduct {
                            BLAS.sgemm(m: g.outChannels, n: columns, k: g.patch, a: w, lda: g.patch, b: col, ldb: columns, c: product, ldc: columns)
                        }
                        for n in 0..<images {
                            let o = output + (first + n) * g.outputImageCount
                            for c in 0..<g.outChannels {
                                copy(product + c * columns + n * g.pixels, adding: bias[c], into: o + c * g.pixels, count: g.pixels)
                            }
                        }
                    }
                }
            }
            initialized = g.outputCount
        }
    }

    /// dx[n] = col2im(Wᵀ · dy[n]).
    public static func convolutionBackwardData(_ dy: [Float], weights: [Float], _ g: Convolution,
                                               scratch: ConvolutionScratch = .untuned()) -> [Float] {
        var dx = [Float](repeating: 0, count: g.inputCount)
        let plan = GroupPlan(g, scratch)
        dy.withUnsafeBufferPointer { dp in
            weights.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { xp in
                    // Each group adds into its own images' gradients only.
                    nonisolated(unsafe) let (gradient, w, input) = (dp.baseAddress!, wp.baseAddress!, xp.baseAddress!)
                    plan.run(scratch) { first, images, _, part in
                        let (col, product) = part.buffers(g, images: plan.size)
                        let columns = images * g.pixels
                        gatherByChannel(gradient + first * g.outputImageCount, images: images, g, into: product)
                        part.timeProduct {
                            BLAS.sgemm(transposeA: true, m: g.patch, n: columns, k: g.outChannels, a: w, lda: g.patch,
                                       b: product, ldb: columns, c: col, ldc: columns)
                        }
                        fold(col, images: images, g, into: input + first * g.inputImageCount)
                    }
                }
            }
        }
        return dx
    }

    /// dW = Σₙ dy[n] · im2col(x[n])ᵀ and db = Σₙ Σ_pixels dy[n]: each run of
    /// groups (`GroupPlan`) sums into its own dW and db, added up in run order.
    public static func convolutionBackwardWeights(_ x: [Float], _ dy: [Float], _ g: Convolution,
                                                  scratch: ConvolutionScratch = .untuned()) -> (weights: [Float], bias: [Float]) {
        let plan = GroupPlan(g, scratch)
        let sums = plan.runs.indices.map { _ in (weights: UnsafeMutablePointer<Float>.allocate(capacity: g.weightCount),
                                                 bias: UnsafeMutablePointer<Float>.allocate(capacity: g.outChannels)) }
        defer { for sum in sums { sum.weights.deallocate(); sum.bias.deallocate() } }
        for sum in sums {
            sum.weights.initialize(repeating: 0, count: g.weightCount)
            sum.bias.initialize(repeating: 0, count: g.outChannels)
        }
        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dp in
                // Each run adds into its own sums only.
                nonisolated(unsafe) let (input, gradient, runSums) = (xp.baseAddress!, dp.baseAddress!, sums)
                plan.run(scratch) { first, images, index, part in
                    let (col, product) = part.buffers(g, images: plan.size)
                    let columns = images * g.pixels
                    unfold(input + first * g.inputImageCount, images: images, g, into: col)
                    gatherByChannel(gradient + first * g.outputImageCount, images: images, g, into: product)
                    part.timeProduct {
                        BLAS.sgemm(transposeB: true, m: g.outChannels, n: g.patch, k: columns, a: product, lda: columns,
                                   b: col, ldb: columns, beta: 1, c: runSums[index].weights, ldc: g.patch)
                    }
                    for c in 0..<g.outChannels { runSums[index].bias[c] += sum(product + c * columns, count: columns) }
                }
            }
        }
        var dw = Array(UnsafeBufferPointer(start: sums[0].weights, count: g.weightCount))
        var db = Array(UnsafeBufferPointer(start: sums[0].bias, count: g.outChannels))
        for run in sums.dropFirst() {
            dw.withUnsafeMutableBufferPointer { add(run.weights, into: $0.baseAddress!, count: g.weightCount) }
            for c in 0..<g.outChannels { db[c] += run.bias[c] }
        }
        return (dw, db)
    }

    /// How a convolution's batch is cut: groups of `size` images (the scratch's
    /// group size), dealt out in contiguous runs, one per thread OpenBLAS may use.
    ///
    /// With OpenBLAS on T > 1 threads, the runs go to T threads at once, each with
    /// a scratch of its own (`ConvolutionScratch.parts`) and single-threaded
    /// OpenBLAS: one product per thread ran the 2-thread benchmark convolution at
    /// 57-59% of peak, against 35-37% for one product on both threads beside an
    /// unfold spread over them (BENCHMARKS.md, "fourth session").
    struct GroupPlan {
        /// Images per group.
        let size: Int
        /// Per thread, its groups as (first image, images), in batch order.
        let runs: [[(first: Int, images: Int)]]

        /// - Parameter threads: threads to share the groups among (OpenBLAS's, by default).
        init(_ g: Convolution, _ scratch: ConvolutionScratch, threads: Int = BLAS.threads) {
            let size = scratch.groupSize(g)
            self.size = size
            let groups = stride(from: 0, to: g.batch, by: size).map { (first: $0, images: min(size, g.batch - $0)) }
            let threads = max(1, min(threads, groups.count))
            runs = (0..<threads).map { t in Array(groups[(t * groups.count / threads)..<((t + 1) * groups.count / threads)]) }
        }

        /// Calls `body(first image, images, run index, scratch)` for every group:
        /// with one run, in order on this thread with `scratch`; with more, each
        /// run on a thread of its own, with its part of `scratch` and OpenBLAS on
        /// one thread. The runs' products overlap in time, so what is added to
        /// `scratch`'s product time is the longest run's, the products' share of the
        /// call's wall time on its critical thread (a sum over runs would count
        /// thread-seconds, up to `runs` times the wall time).
        func run(_ scratch: ConvolutionScratch, _ body: @Sendable (Int, Int, Int, ConvolutionScratch) -> Void) {
            guard runs.count > 1 else {
                for group in runs[0] { body(group.first, group.images, 0, scratch) }
                return
            }
            let parts = scratch.parts(runs.count)
            let before = parts.map(\.productSeconds)
            let plan = self
            nonisolated(unsafe) let shares = parts
            BLAS.singleThreaded {
                DispatchQueue.concurrentPerform(iterations: runs.count) { t in
                    for group in plan.runs[t] { body(group.first, group.images, t, shares[t]) }
                }
            }
            scratch.addProductSeconds(zip(parts, before).map { $0.productSeconds - $1 }.max() ?? 0)
        }
    }

    /// Runs `body(n)` for each image of a group: on OpenBLAS's threads' worth of
    /// cores when it uses several, else in order on this thread.
    private static func forEachImage(_ images: Int, _ body: @Sendable (Int) -> Void) {
        if BLAS.threads > 1 && images > 1 {
            DispatchQueue.concurrentPerform(iterations: images, execute: body)
        } else {
            for n in 0..<images { body(n) }
        }
    }

    /// target[i] = source[i] + offset for i < count, eight lanes at a time.
    private static func copy(_ source: UnsafePointer<Float>, adding offset: Float = 0, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(target + i).storeBytes(of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self) + offset,
                                                           as: SIMD8<Float>.self)
            i += 8
        }
        for j in i..<count { target[j] = source[j] + offset }
    }

    /// target[i] += source[i] for i < count, eight lanes at a time.
    private static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let sum = UnsafeRawPointer(target + i).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        for j in i..<count { target[j] += source[j] }
    }

    /// Copies dy of a group from (image, channel, pixel) into (channel, image·pixels) order.
    private static func gatherByChannel(_ dy: UnsafePointer<Float>, images: Int, _ g: Convolution, into product: UnsafeMutablePointer<Float>) {
        let columns = images * g.pixels
        for n in 0..<images {
            for c in 0..<g.outChannels {
                (product + c * columns + n * g.pixels).update(from: dy + n * g.outputImageCount + c * g.pixels, count: g.pixels)
            }
        }
    }

    /// The output columns x whose input column x·s + j − p lies in [0, width): x in lower..<upper.
    private static func validColumns(offset j: Int, _ g: Convolution) -> Range<Int> {
        // ceil((p − j) / s) ≤ x ≤ floor((width − 1 + p − j) / s), with division rounding toward −∞.
        func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
        let lower = max(0, -floorDiv(j - g.pad, g.stride))
        let upper = min(g.outWidth, floorDiv(g.width - 1 + g.pad - j, g.stride) + 1)
        return lower..<max(lower, upper)
    }

    /// Unfolds a group of images side by side: for image n,
    /// col[(c·k + i)·k + j][n·P + y·W' + x] = input[n][c][y·s + i − p][x·s + j − p] (0 outside the image),
    /// P being the output pixels per image.
    private static func unfold(_ input: UnsafePointer<Float>, images count: Int, _ g: Convolution, into output: UnsafeMutablePointer<Float>) {
        let (k, s, p, h, w, oh, ow) = (g.kernel, g.stride, g.pad, g.height, g.width, g.outHeight, g.outWidth)
        let columns = count * g.pixels
        // Each image writes its own columns only, so the images may run at once.
        nonisolated(unsafe) let images = input, col = output
        forEachImage(count) { n in
            let image = images + n * g.inputImageCount
            for c in 0..<g.inChannels {
                for i in 0..<k {
                    for j in 0..<k {
                        let row = col + ((c * k + i) * k + j) * columns + n * g.pixels
                        let valid = validColumns(offset: j, g)
                        for y in 0..<oh {
                            let out = row + y * ow, iy = y * s + i - p
                            // Rows are short (a few dozen floats): inline loops, not memcpy and memset calls.
                            guard iy >= 0 && iy < h && !valid.isEmpty else { for x in 0..<ow { out[x] = 0 }; continue }
                            for x in 0..<valid.lowerBound { out[x] = 0 }
                            let source = image + (c * h + iy) * w + valid.lowerBound * s + j - p
                            if s == 1 {
                                copy(source, into: out + valid.lowerBound, count: valid.count)
                            } else {
                                for x in 0..<valid.count { out[valid.lowerBound + x] = source[x * s] }
                            }
                            for x in valid.upperBound..<ow { out[x] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `unfold`: adds each column entry back into the input pixel it was copied from.
    private static func fold(_ input: UnsafePointer<Float>, images count: Int, _ g: Convolution, into output: UnsafeMutablePointer<Float>) {
        let (k, s, p, h, w, oh, ow) = (g.kernel, g.stride, g.pad, g.height, g.width, g.outHeight, g.outWidth)
        let columns = count * g.pixels
        // Each image adds into its own pixels only, so the images may run at once.
        nonisolated(unsafe) let col = input, images = output
        forEachImage(count) { n in
            let image = images + n * g.inputImageCount
            for c in 0..<g.inChannels {
                for i in 0..<k {
                    for j in 0..<k {
                        let row = col + ((c * k + i) * k + j) * columns + n * g.pixels
                        let valid = validColumns(offset: j, g)
                        for y in 0..<oh {
                            let iy = y * s + i - p
                            guard iy >= 0 && iy < h else { continue }
                            let from = row + y * ow + valid.lowerBound
                            let target = image + (c * h + iy) * w + valid.lowerBound * s + j - p
                            if s == 1 { add(from, into: target, count: valid.count) } else {
                                for x in 0..<valid.count { target[x * s] += from[x] }
                            }
                        }
                    }
                }
            }
        }
    }
}
