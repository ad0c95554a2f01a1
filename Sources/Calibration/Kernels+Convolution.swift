import Dispatch
import Foundation

/// Convolution by im2col + SGEMM, one product over a group of images: the
/// columns of every image in the group sit side by side in one matrix, so a
/// single SGEMM of shape (out channels × group·pixels × patch) does the group's
/// arithmetic and OpenBLAS can spread it over its threads. The scratch memory is
/// reused from call to call.
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

        /// The im2col matrix (patch × group·pixels) and product (out channels × group·pixels) of `g`'s groups.
        func buffers(_ g: Convolution) -> (columns: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>) {
            let images = groupSize(g)
            return (columns.reserve(g.patch * g.pixels * images), product.reserve(g.outChannels * g.pixels * images))
        }

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
        let (col, product) = scratch.buffers(g)
        return [Float](unsafeUninitializedCapacity: g.outputCount) { op, initialized in
            x.withUnsafeBufferPointer { xp in
                weights.withUnsafeBufferPointer { wp in
                    forEachGroup(g, scratch) { first, images in
                        let columns = images * g.pixels
                        unfold(xp.baseAddress! + first * g.inputImageCount, images: images, g, into: col)
                        scratch.timeProduct {
                            BLAS.sgemm(m: g.outChannels, n: columns, k: g.patch, a: wp.baseAddress!, lda: g.patch,
                                       b: col, ldb: columns, c: product, ldc: columns)
                        }
                        for n in 0..<images {
                            let o = op.baseAddress! + (first + n) * g.outputImageCount
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
        let (col, product) = scratch.buffers(g)
        dy.withUnsafeBufferPointer { dp in
            weights.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { xp in
                    forEachGroup(g, scratch) { first, images in
                        let columns = images * g.pixels
                        gatherByChannel(dp.baseAddress! + first * g.outputImageCount, images: images, g, into: product)
                        scratch.timeProduct {
                            BLAS.sgemm(transposeA: true, m: g.patch, n: columns, k: g.outChannels, a: wp.baseAddress!, lda: g.patch,
                                       b: product, ldb: columns, c: col, ldc: columns)
                        }
                        fold(col, images: images, g, into: xp.baseAddress! + first * g.inputImageCount)
                    }
                }
            }
        }
        return dx
    }

    /// dW = Σₙ dy[n] · im2col(x[n])ᵀ and db = Σₙ Σ_pixels dy[n].
    public static func convolutionBackwardWeights(_ x: [Float], _ dy: [Float], _ g: Convolution,
                                                  scratch: ConvolutionScratch = .untuned()) -> (weights: [Float], bias: [Float]) {
        var dw = [Float](repeating: 0, count: g.weightCount)
        var db = [Float](repeating: 0, count: g.outChannels)
        let (col, product) = scratch.buffers(g)
        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dp in
                dw.withUnsafeMutableBufferPointer { wp in
                    forEachGroup(g, scratch) { first, images in
                        let columns = images * g.pixels
                        unfold(xp.baseAddress! + first * g.inputImageCount, images: images, g, into: col)
                        gatherByChannel(dp.baseAddress! + first * g.outputImageCount, images: images, g, into: product)
                        scratch.timeProduct {
                            BLAS.sgemm(transposeB: true, m: g.outChannels, n: g.patch, k: columns, a: product, lda: columns,
                                       b: col, ldb: columns, beta: 1, c: wp.baseAddress!, ldc: g.patch)
                        }
                        for c in 0..<g.outChannels { db[c] += sum(product + c * columns, count: columns) }
                    }
                }
            }
        }
        return (dw, db)
    }

    /// Calls `body(first image, images)` for each group of the batch, in order.
    private static func forEachGroup(_ g: Convolution, _ scratch: ConvolutionScratch, _ body: (Int, Int) -> Void) {
        let size = scratch.groupSize(g)
        var first = 0
        while first < g.batch {
            let images = min(size, g.batch - first)
            body(first, images)
            first += images
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
