import Foundation

/// Single-precision training kernels on the CPU: convolution by im2col + SGEMM,
/// max pooling, ReLU, fully connected layers, softmax cross-entropy and SGD with
/// momentum. Tensors are dense row-major arrays, images NCHW (batch, channels,
/// height, width). These run the executor's schedule and calibrate the cost model.
/// The convolutions are in `Kernels+Convolution.swift`.
public enum Kernels {
    /// y = x · Wᵀ + b for a batch of rows. W: units × inputs.
    public static func fullyConnectedForward(_ x: [Float], weights: [Float], bias: [Float], batch: Int, inputs: Int, units: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * units)
        for n in 0..<batch { for u in 0..<units { y[n * units + u] = bias[u] } }
        x.withUnsafeBufferPointer { xp in
            weights.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    BLAS.sgemm(transposeB: true, m: batch, n: units, k: inputs, a: xp.baseAddress!, lda: inputs,
                               b: wp.baseAddress!, ldb: inputs, beta: 1, c: yp.baseAddress!, ldc: units)
                }
            }
        }
        return y
    }

    /// dx = dy · W, dW = dyᵀ · x, db = Σ rows of dy.
    public static func fullyConnectedBackward(_ x: [Float], _ dy: [Float], weights: [Float], batch: Int, inputs: Int, units: Int)
        -> (input: [Float], weights: [Float], bias: [Float]) {
        var dx = [Float](repeating: 0, count: batch * inputs)
        var dw = [Float](repeating: 0, count: units * inputs)
        var db = [Float](repeating: 0, count: units)
        dy.withUnsafeBufferPointer { dp in
            weights.withUnsafeBufferPointer { wp in
                x.withUnsafeBufferPointer { xp in
                    dx.withUnsafeMutableBufferPointer { p in
                        BLAS.sgemm(m: batch, n: inputs, k: units, a: dp.baseAddress!, lda: units, b: wp.baseAddress!, ldb: inputs,
                                   c: p.baseAddress!, ldc: inputs)
                    }
                    dw.withUnsafeMutableBufferPointer { p in
                        BLAS.sgemm(transposeA: true, m: units, n: inputs, k: batch, a: dp.baseAddress!, lda: units,
                                   b: xp.baseAddress!, ldb: inputs, c: p.baseAddress!, ldc: inputs)
                    }
                }
            }
        }
        for n in 0..<batch { for u in 0..<units { db[u] += dy[n * units + u] } }
        return (dx, dw, db)
    }

    /// The geometry of a max pooling of square windows without padding, over
    /// `batch` × `channels` planes of `height` × `width`.
    public struct Pooling: Sendable, Equatable {
        public var batch, channels, height, width, kernel, stride: Int
        public init(batch: Int, channels: Int, height: Int, width: Int, kernel: Int, stride: Int) {
            (self.batch, self.channels, self.height, self.width, self.kernel, self.stride) = (batch, channels, height, width, kernel, stride)
        }
        var outputHeight: Int { (height - kernel) / stride + 1 }
        var outputWidth: Int { (width - kernel) / stride + 1 }
        var planes: Int { batch * channels }
        /// 2×2 windows at stride 2, the usual case, run eight outputs at a time.
        var isTwoByTwo: Bool { kernel == 2 && stride == 2 }
        /// Outputs per row that run eight at a time.
        var vectorizedWidth: Int { isTwoByTwo ? (outputWidth / 8) * 8 : 0 }
        /// Whether the eight-at-a-time backward pass writes every input's gradient
        /// (whole rows of whole windows), so none needs zeroing first.
        var backwardWritesEveryInput: Bool { vectorizedWidth == outputWidth && height == 2 * outputHeight && width == 2 * outputWidth }
    }

    /// Max pooling. Like cuDNN, it keeps no record of where each maximum was: the
    /// backward pass finds it again from the input and output, so the forward
    /// pass moves only the input and output (what `LayerWork` prices) and runs at
    /// streaming speed. (Recording 64-bit, then 32-bit, indices made it 2-3× slower
    /// than its traffic.)
    public static func maxPoolForward(_ x: [Float], _ g: Pooling) -> [Float] {
        precondition(x.count == g.planes * g.height * g.width, "pooling input of the wrong size")
        precondition(g.kernel >= 1 && g.stride >= 1 && g.height >= g.kernel && g.width >= g.kernel, "pooling windows larger than the input")
        let oh = g.outputHeight, ow = g.outputWidth
        let vectorized = g.vectorizedWidth
        return [Float](unsafeUninitializedCapacity: g.planes * oh * ow) { yp, initialized in
            x.withUnsafeBufferPointer { xp in
                for plane in 0..<g.planes {
                    let base = plane * g.height * g.width
                    for i in 0..<oh {
                        let top = xp.baseAddress! + base + i * g.stride * g.width, out = yp.baseAddress! + (plane * oh + i) * ow
                        if vectorized > 0 { maxPool2x2Row(top, width: g.width, outputs: vectorized, into: out) }
                        for j in vectorized..<ow {
                            var best = -Float.infinity
                            for a in 0..<g.kernel { for b in 0..<g.kernel { best = max(best, top[a * g.width + j * g.stride + b]) } }
                            out[j] = best
                        }
                    }
                }
            }
            initialized = g.planes * oh * ow
        }
    }

    /// One output row of 2×2, stride-2 max pooling over `outputs` (a multiple of 8)
    /// outputs: the larger of each column pair, then of each even and odd lane.
    private static func maxPool2x2Row(_ row: UnsafePointer<Float>, width: Int, outputs: Int, into y: UnsafeMutablePointer<Float>) {
        for j in stride(from: 0, to: outputs, by: 8) {
            let top = UnsafeRawPointer(row + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
            let bottom = UnsafeRawPointer(row + width + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
            let columns = top.replacing(with: bottom, where: bottom .> top)
            let even = columns.evenHalf, odd = columns.oddHalf
            UnsafeMutableRawPointer(y + j).storeBytes(of: even.replacing(with: odd, where: odd .> even), as: SIMD8<Float>.self)
        }
    }

    /// Routes each output gradient to its window's maximum: the first input, in
    /// row-major window order, equal to the window's output (as cuDNN, from `x`
    /// and `y` rather than recorded indices). Overlapping windows add up. Where a
    /// window holds a NaN, which of its inputs gets the gradient is unspecified.
    public static func maxPoolBackward(_ dy: [Float], input x: [Float], output y: [Float], _ g: Pooling) -> [Float] {
        let oh = g.outputHeight, ow = g.outputWidth
        precondition(x.count == g.planes * g.height * g.width && y.count == g.planes * oh * ow && dy.count == y.count,
                     "pooling gradients of the wrong size")
        let vectorized = g.vectorizedWidth
        var dx = g.backwardWritesEveryInput ? [Float](unsafeUninitializedCapacity: x.count) { _, n in n = x.count } : [Float](repeating: 0, count: x.count)
        dx.withUnsafeMutableBufferPointer { dxp in
            x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dp in
                for plane in 0..<g.planes {
                    let base = plane * g.height * g.width
                    for i in 0..<oh {
                        let row = base + i * g.stride * g.width, o = (plane * oh + i) * ow
                        for j in stride(from: 0, to: vectorized, by: 8) {
                            maxPool2x2Backward(x: xp.baseAddress! + row + 2 * j, dx: dxp.baseAddress! + row + 2 * j, width: g.width,
                                               y: UnsafeRawPointer(yp.baseAddress! + o + j).loadUnaligned(as: SIMD8<Float>.self),
                                               dy: UnsafeRawPointer(dp.baseAddress! + o + j).loadUnaligned(as: SIMD8<Float>.self))
                        }
                        for j in vectorized..<ow {
                            let corner = row + j * g.stride
                            search: for a in 0..<g.kernel {
                                for b in 0..<g.kernel where xp[corner + a * g.width + b] == yp[o + j] {
                                    dxp[corner + a * g.width + b] += dp[o + j]
                                    break search
                                }
                            }
                        }
                    }
                }
            } } }
        }
        return dx
    }

    /// Eight 2×2 windows' input gradients: each window's dy goes to the first of
    /// top-left, top-right, bottom-left, bottom-right equal to its maximum y.
    private static func maxPool2x2Backward(x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, width: Int,
                                           y: SIMD8<Float>, dy: SIMD8<Float>) {
        let top = UnsafeRawPointer(x).loadUnaligned(as: SIMD16<Float>.self)
        let bottom = UnsafeRawPointer(x + width).loadUnaligned(as: SIMD16<Float>.self)
        let topLeft = top.evenHalf .== y
        let topRight = top.oddHalf .== y .& .!topLeft
        let bottomLeft = bottom.evenHalf .== y .& .!(topLeft .| topRight)
        let bottomRight = .!(topLeft .| topRight .| bottomLeft)
        let zero = SIMD8<Float>()
        var upper = SIMD16<Float>(), lower = SIMD16<Float>()
        upper.evenHalf = zero.replacing(with: dy, where: topLeft)
        upper.oddHalf = zero.replacing(with: dy, where: topRight)
        lower.evenHalf = zero.replacing(with: dy, where: bottomLeft)
        lower.oddHalf = zero.replacing(with: dy, where: bottomRight)
        UnsafeMutableRawPointer(dx).storeBytes(of: upper, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dx + width).storeBytes(of: lower, as: SIMD16<Float>.self)
    }

    /// y = max(0, x). (A loop over raw buffers: `map` with a closure ran 6x slower.)
    public static func reluForward(_ x: [Float]) -> [Float] {
        [Float](unsafeUninitializedCapacity: x.count) { y, initialized in
            x.withUnsafeBufferPointer { xp in for i in 0..<xp.count { y[i] = max(0, xp[i]) } }
            initialized = x.count
        }
    }

    /// dx = dy where the forward output was positive. Eight lanes at a time with a
    /// mask: a branch per element mispredicts half the time on real activations,
    /// which made this 8x slower than the forward pass.
    public static func reluBackward(_ dy: [Float], output y: [Float]) -> [Float] {
        precondition(dy.count == y.count, "dy and y differ in size")
        let n = dy.count
        return [Float](unsafeUninitializedCapacity: n) { dx, initialized in
            dy.withUnsafeBufferPointer { dp in
                y.withUnsafeBufferPointer { yp in
                    var i = 0
                    while i + 8 <= n {
                        let yv = UnsafeRawPointer(yp.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                        let dv = UnsafeRawPointer(dp.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(dx.baseAddress! + i).storeBytes(of: dv.replacing(with: 0, where: yv .<= 0), as: SIMD8<Float>.self)
                        i += 8
                    }
                    for j in i..<n { dx[j] = yp[j] > 0 ? dp[j] : 0 }
                }
            }
            initialized = n
        }
    }

    /// The sum of `count` floats, eight partial sums at a time (a single running sum
    /// cannot be vectorized: each addition waits for the one before).
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        for j in i..<count { total += x[j] }
        return total
    }

    /// target += values, element by element.
    public static func accumulate(_ target: inout [Float], _ values: [Float]) {
        precondition(target.count == values.count, "target and values differ in size")
        target.withUnsafeMutableBufferPointer { t in
            values.withUnsafeBufferPointer { v in for i in 0..<t.count { t[i] += v[i] } }
        }
    }

    /// Softmax over each row of logits and the cross-entropy with `labels`.
    /// - Parameter scale: the gradient is (softmax − one-hot) × scale (1 / examples for a mean loss).
    /// - Returns: the summed loss and the gradient with respect to the logits.
    public static func softmaxCrossEntropy(_ logits: [Float], labels: [Int], classes: Int, scale: Float) -> (loss: Double, gradient: [Float]) {
        var gradient = [Float](repeating: 0, count: logits.count)
        var loss = 0.0
        for (n, label) in labels.enumerated() {
            let row = logits[(n * classes)..<((n + 1) * classes)]
            let top = row.max()!
            let exps = row.map { Foundation.exp(Double($0 - top)) }
            let sum = exps.reduce(0, +)
            loss -= Foundation.log(exps[label] / sum)
            for c in 0..<classes {
                gradient[n * classes + c] = Float(exps[c] / sum - (c == label ? 1 : 0)) * scale
            }
        }
        return (loss, gradient)
    }

    /// SGD with momentum and weight decay, in place: v ← μ·v + (g + λ·w); w ← w − η·v.
    public static func sgdMomentum(weights: inout [Float], gradient: [Float], velocity: inout [Float],
                                   learningRate: Float, momentum: Float, weightDecay: Float) {
        precondition(weights.count == gradient.count && weights.count == velocity.count, "weights, gradient and velocity differ in size")
        weights.withUnsafeMutableBufferPointer { w in
            velocity.withUnsafeMutableBufferPointer { v in
                gradient.withUnsafeBufferPointer { g in
                    for i in 0..<w.count {
                        v[i] = momentum * v[i] + g[i] + weightDecay * w[i]
                        w[i] -= learningRate * v[i]
                    }
                }
            }
        }
    }
}
