/// How much of a GPU a matrix product's thread blocks keep busy: the padding of
/// partial output tiles and the idle SMs of the last partial wave.
///
/// A GEMM kernel computes its m × n output in tiles of tm × tn, one thread block
/// per tile and about one block per SM at a time (the large tiles of cuBLAS, cuDNN
/// and CUTLASS kernels fill an SM's registers and shared memory). With `S` SMs,
/// `t` tiles run in ⌈t / S⌉ waves, so the SMs are busy `t / (S · ⌈t / S⌉)` of the
/// time; partial tiles at the edges do `m·n / (tiles · tm · tn)` useful work. When
/// the tiles cannot fill the SMs the library splits the reduction dimension k into
/// slices computed by separate blocks and summed after (split-K, as CUTLASS's
/// `GemmSplitKParallel` and cuDNN's filter-gradient kernels do). The kernel runs
/// the tile shape and split that keep the SMs busiest: 128×128, 128×64, 64×128 or
/// 64×64 (the tile sizes in cuBLAS and cuDNN kernel names, e.g. `volta_sgemm_128x64`),
/// split in powers of two while each slice keeps at least `minimumSliceDepth` of k.
public enum TileQuantization {
    /// The output tile shapes a library chooses from.
    public static let tiles: [(m: Double, n: Double)] = [(128, 128), (128, 64), (64, 128), (64, 64)]
    /// The least depth of k one split-K slice keeps.
    public static let minimumSliceDepth = 128.0
    /// The most slices k is split into.
    public static let maximumSplit = 64.0

    /// The fraction of the GPU's `sms` SMs doing useful work for `batch` products of
    /// shape (m, n, k) launched as one batched kernel, under the best tile shape and
    /// split: in (0, 1]. The batch's tiles share the waves: `batch · tiles` blocks.
    public static func utilization(m: Double, n: Double, k: Double, sms: Int, batch: Double = 1) -> Double {
        let count = Double(sms)
        var best = 0.0
        for tile in tiles {
            let rows = (m / tile.m).rounded(.up), columns = (n / tile.n).rounded(.up)
            let padding = (m * n) / (rows * tile.m * columns * tile.n)
            var split = 1.0
            while split < maximumSplit && rows * columns * batch * split < count && k / (split * 2) >= minimumSliceDepth { split *= 2 }
            for s in split == 1 ? [1.0] : [1.0, split] {
                let blocks = rows * columns * batch * s
                let waves = (blocks / count).rounded(.up)
                best = max(best, padding * blocks / (waves * count))
            }
        }
        return best
    }
}
