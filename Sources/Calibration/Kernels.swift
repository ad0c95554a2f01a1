import Foundation

/// Single-precision training kernels on the CPU: convolution by im2col + SGEMM,
/// max pooling, ReLU, fully connected layers, softmax cross-entropy and SGD with
/// momentum. Tensors are dense row-major arrays, images NCHW (batch, channels,
/// height, width). These run the executor's schedule and calibrate the cost model.
public enum Kernels {
    /// A convolution's geometry.
    public struct Convolution: Sendable, Equatable {
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

    /// Unfolds one image into columns: col[(c·k + i)·k + j][y·W' + x] = input[c][y·s + i − p][x·s + j − p].
    static func im2col(_ image: UnsafePointer<Float>, _ g: Convolution, _ col: UnsafeMutablePointer<Float>) {
        let (k, s, p, h, w, oh, ow) = (g.kernel, g.stride, g.pad, g.height, g.width, g.outHeight, g.outWidth)
        for c in 0..<g.inChannels {
            for i in 0..<k {
                for j in 0..<k {
                    let row = col + ((c * k + i) * k + j) * oh * ow
                    for y in 0..<oh {
                        let iy = y * s + i - p
                        for x in 0..<ow {
                            let ix = x * s + j - p
                            row[y * ow + x] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? image[(c * h + iy) * w + ix] : 0
                        }
                    }
                }
            }
        }
    }

    /// Folds columns back into one image, adding overlapping contributions.
    static func col2im(_ col: UnsafePointer<Float>, _ g: Convolution, _ image: UnsafeMutablePointer<Float>) {
        let (k, s, p, h, w, oh, ow) = (g.kernel, g.stride, g.pad, g.height, g.width, g.outHeight, g.outWidth)
        for c in 0..<g.inChannels {
            for i in 0..<k {
                for j in 0..<k {
                    let row = col + ((c * k + i) * k + j) * oh * ow
                    for y in 0..<oh {
                        let iy = y * s + i - p
                        guard iy >= 0 && iy < h else { continue }
                        for x in 0..<ow {
                            let ix = x * s + j - p
                            if ix >= 0 && ix < w { image[(c * h + iy) * w + ix] += row[y * ow + x] }
                        }
                    }
                }
            }
        }
    }

    /// out[n] = W · im2col(x[n]) + b, for each image n.
    /// - Parameters: weights: outChannels × patch; bias: outChannels.
    public static func convolutionForward(_ x: [Float], weights: [Float], bias: [Float], _ g: Convolution) -> [Float] {
        var out = [Float](repeating: 0, count: g.outputCount)
        var col = [Float](repeating: 0, count: g.patch * g.pixels)
        x.withUnsafeBufferPointer { xp in
            weights.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    col.withUnsafeMutableBufferPointer { cp in
                        for n in 0..<g.batch {
                            im2col(xp.baseAddress! + n * g.inputImageCount, g, cp.baseAddress!)
                            let o = op.baseAddress! + n * g.outputImageCount
                            for c in 0..<g.outChannels { for q in 0..<g.pixels { o[c * g.pixels + q] = bias[c] } }
                            BLAS.sgemm(m: g.outChannels, n: g.pixels, k: g.patch, a: wp.baseAddress!, lda: g.patch,
                                       b: cp.baseAddress!, ldb: g.pixels, beta: 1, c: o, ldc: g.pixels)
                        }
                    }
                }
            }
        }
        return out
    }

    /// dx[n] = col2im(Wᵀ · dy[n]).
    public static func convolutionBackwardData(_ dy: [Float], weights: [Float], _ g: Convolution) -> [Float] {
        var dx = [Float](repeating: 0, count: g.inputCount)
        var col = [Float](repeating: 0, count: g.patch * g.pixels)
        dy.withUnsafeBufferPointer { dp in
            weights.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { xp in
                    col.withUnsafeMutableBufferPointer { cp in
                        for n in 0..<g.batch {
                            BLAS.sgemm(transposeA: true, m: g.patch, n: g.pixels, k: g.outChannels, a: wp.baseAddress!, lda: g.patch,
                                       b: dp.baseAddress! + n * g.outputImageCount, ldb: g.pixels, c: cp.baseAddress!, ldc: g.pixels)
                            col2im(cp.baseAddress!, g, xp.baseAddress! + n * g.inputImageCount)
                        }
                    }
                }
            }
        }
        return dx
    }

    /// dW = Σₙ dy[n] · im2col(x[n])ᵀ and db = Σₙ Σ_pixels dy[n].
    public static func convolutionBackwardWeights(_ x: [Float], _ dy: [Float], _ g: Convolution) -> (weights: [Float], bias: [Float]) {
        var dw = [Float](repeating: 0, count: g.weightCount)
        var db = [Float](repeating: 0, count: g.outChannels)
        var col = [Float](repeating: 0, count: g.patch * g.pixels)
        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dp in
                dw.withUnsafeMutableBufferPointer { wp in
                    col.withUnsafeMutableBufferPointer { cp in
                        for n in 0..<g.batch {
                            im2col(xp.baseAddress! + n * g.inputImageCount, g, cp.baseAddress!)
                            let d = dp.baseAddress! + n * g.outputImageCount
                            BLAS.sgemm(transposeB: true, m: g.outChannels, n: g.patch, k: g.pixels, a: d, lda: g.pixels,
                                       b: cp.baseAddress!, ldb: g.pixels, beta: 1, c: wp.baseAddress!, ldc: g.patch)
                            for c in 0..<g.outChannels { for q in 0..<g.pixels { db[c] += d[c * g.pixels + q] } }
                        }
                    }
                }
            }
        }
        return (dw, db)
    }

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
    /// - Returns: the output and, for each output, the index of its maximum in `x`.
    public static func maxPoolForward(_ x: [Float], batch: Int, channels: Int, height: Int, width: Int, kernel: Int, stride: Int)
        -> (output: [Float], argmax: [Int]) {
        let oh = (height - kernel) / stride + 1, ow = (width - kernel) / stride + 1
        var y = [Float](repeating: 0, count: batch * channels * oh * ow)
        var arg = [Int](repeating: 0, count: y.count)
        for plane in 0..<(batch * channels) {
            let base = plane * height * width
            for i in 0..<oh {
                for j in 0..<ow {
                    var best = -Float.infinity, at = base
                    for a in 0..<kernel {
                        for b in 0..<kernel {
                            let idx = base + (i * stride + a) * width + j * stride + b
                            if x[idx] > best { best = x[idx]; at = idx }
                        }
                    }
                    let o = (plane * oh + i) * ow + j
                    y[o] = best
                    arg[o] = at
                }
            }
        }
        return (y, arg)
    }

    /// Routes each output gradient to the input that was the maximum.
    public static func maxPoolBackward(_ dy: [Float], argmax: [Int], inputCount: Int) -> [Float] {
        var dx = [Float](repeating: 0, count: inputCount)
        for (o, i) in argmax.enumerated() { dx[i] += dy[o] }
        return dx
    }

    public static func reluForward(_ x: [Float]) -> [Float] { x.map { max(0, $0) } }

    /// dx = dy where the forward output was positive.
    public static func reluBackward(_ dy: [Float], output y: [Float]) -> [Float] { zip(dy, y).map { $1 > 0 ? $0 : 0 } }

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
        for i in weights.indices {
            velocity[i] = momentum * velocity[i] + gradient[i] + weightDecay * weights[i]
            weights[i] -= learningRate * velocity[i]
        }
    }
}
