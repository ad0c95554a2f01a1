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

    /// Max pooling of square windows (no padding).
    /// - Returns: the output and, for each output, the index of its maximum in `x`
    ///   (32-bit: half the memory traffic of `Int` indices).
    public static func maxPoolForward(_ x: [Float], batch: Int, channels: Int, height: Int, width: Int, kernel: Int, stride: Int)
        -> (output: [Float], argmax: [Int32]) {
        precondition(x.count <= Int(Int32.max), "pooling input too large for 32-bit argmax indices")
        let oh = (height - kernel) / stride + 1, ow = (width - kernel) / stride + 1
        let count = batch * channels * oh * ow
        var y = [Float]()
        let arg = [Int32](unsafeUninitializedCapacity: count) { ap, argInitialized in
            y = [Float](unsafeUninitializedCapacity: count) { yp, initialized in
                x.withUnsafeBufferPointer { xp in
                    for plane in 0..<(batch * channels) {
                        let base = plane * height * width
                        for i in 0..<oh {
                            // 2×2 windows at stride 2 (the usual case): eight outputs at a time.
                            let vectorized = kernel == 2 && stride == 2 ? (ow / 8) * 8 : 0
                            if vectorized > 0 {
                                maxPool2x2Row(xp.baseAddress! + base + 2 * i * width, width: width, outputs: vectorized,
                                              offset: base + 2 * i * width, into: yp.baseAddress! + (plane * oh + i) * ow,
                                              argmax: ap.baseAddress! + (plane * oh + i) * ow)
                            }
                            for j in vectorized..<ow {
                                let corner = base + i * stride * width + j * stride
                                var best = xp[corner], at = corner
                                for a in 0..<kernel {
                                    let row = corner + a * width
                                    for b in 0..<kernel {
                                        // Selects, not branches: which input wins is data-dependent.
                                        let v = xp[row + b], better = v > best
                                        best = better ? v : best
                                        at = better ? row + b : at
                                    }
                                }
                                let o = (plane * oh + i) * ow + j
                                yp[o] = best
                                ap[o] = Int32(truncatingIfNeeded: at)
                            }
                        }
                    }
                }
                initialized = count
            }
            argInitialized = count
        }
        return (y, arg)
    }

    /// One output row of 2×2, stride-2 max pooling over `outputs` (a multiple of 8)
    /// outputs: the four inputs of eight windows are loaded as even and odd lanes of
    /// two rows and compared with masks, first maximum winning as in the scalar loop.
    /// - Parameters: row: the window row's first input; offset: its index in the whole input.
    private static func maxPool2x2Row(_ row: UnsafePointer<Float>, width: Int, outputs: Int, offset: Int,
                                      into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        for j in stride(from: 0, to: outputs, by: 8) {
            let top = UnsafeRawPointer(row + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
            let bottom = UnsafeRawPointer(row + width + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
            // `which`: the winner's place in its window, 2 × row + column.
            var best = top.evenHalf, which = SIMD8<Int32>()
            func consider(_ candidate: SIMD8<Float>, code: Int32) {
                let better = candidate .> best
                best.replace(with: candidate, where: better)
                which.replace(with: code, where: better)
            }
            consider(top.oddHalf, code: 1)
            consider(bottom.evenHalf, code: 2)
            consider(bottom.oddHalf, code: 3)
            UnsafeMutableRawPointer(y + j).storeBytes(of: best, as: SIMD8<Float>.self)
            let step = (which &>> 1) &* Int32(width) &+ (which & 1)
            let index = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: offset + 2 * j)) &+ lanes &+ step
            UnsafeMutableRawPointer(argmax + j).storeBytes(of: index, as: SIMD8<Int32>.self)
        }
    }

    /// Routes each output gradient to the input that was the maximum.
    public static func maxPoolBackward(_ dy: [Float], argmax: [Int32], inputCount: Int) -> [Float] {
        var dx = [Float](repeating: 0, count: inputCount)
        dx.withUnsafeMutableBufferPointer { xp in
            dy.withUnsafeBufferPointer { dp in
                argmax.withUnsafeBufferPointer { ap in
                    for o in 0..<ap.count { xp[Int(ap[o])] += dp[o] }
                }
            }
        }
        return dx
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
