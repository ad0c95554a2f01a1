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
