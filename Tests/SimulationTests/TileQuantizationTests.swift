import CostModel
import Testing

/// Thread blocks per SM: padding of partial tiles, the last partial wave, split-K.
@Suite struct TileQuantizationTests {
    /// SMs × 1 tiles fill one wave; one tile more takes a second wave for one block:
    /// the step at SMs + 1 tiles (with 128-wide tiles and a k too shallow to split).
    @Test func oneTileMoreThanTheSMsTakesASecondWave() {
        let sms = 80
        // 80 tiles of 128 × 128 (m = 128, n = 80 · 128), k = 64: one full wave.
        #expect(TileQuantization.utilization(m: 128, n: 80 * 128, k: 64, sms: sms) == 1)
        // 81 tiles of 128 × 128 take 2 waves (81 / 160 = 0.51 busy); the library's other tiles
        // do better: 128 × 64 and 64 × 128 give 162 blocks in 3 waves (0.675), 64 × 64 gives 324
        // blocks in 5 waves (0.81), which wins.
        let one = TileQuantization.utilization(m: 128, n: 81 * 128, k: 64, sms: sms)
        #expect(abs(one - 324.0 / 400) < 1e-12)
        #expect(one < 1)
        // Many waves make the last one matter less.
        #expect(TileQuantization.utilization(m: 128, n: 801 * 128, k: 64, sms: sms) > 0.95)
    }

    /// Edges: a 100-wide output pads a 128- or 64-wide tile.
    @Test func partialTilesArePadding() {
        // m = 100, n = 64 × 80 on 80 SMs: 64 × 64 tiles, 2 × 80 = 160 blocks in 2 waves, 100/128 useful.
        #expect(abs(TileQuantization.utilization(m: 100, n: 64 * 80, k: 64, sms: 80) - 100.0 / 128) < 1e-12)
    }

    /// A batched product's tiles share the waves: one 128 × 128 product keeps 4 of 80 SMs
    /// busy (as four 64 × 64 tiles), 80 of them in one kernel all 80, and 81 need the waves
    /// that 81 tiles of one product do.
    @Test func aBatchOfProductsFillsTheSMsTogether() {
        #expect(abs(TileQuantization.utilization(m: 128, n: 128, k: 64, sms: 80) - 4.0 / 80) < 1e-12)
        #expect(TileQuantization.utilization(m: 128, n: 128, k: 64, sms: 80, batch: 80) == 1)
        #expect(TileQuantization.utilization(m: 128, n: 128, k: 64, sms: 80, batch: 81)
                == TileQuantization.utilization(m: 128, n: 81 * 128, k: 64, sms: 80))
        // A batch that fills the SMs leaves no room for split-K: 9 small blocks × 16 products.
        let split = TileQuantization.utilization(m: 64, n: 576, k: 100_352, sms: 80)
        let batched = TileQuantization.utilization(m: 64, n: 576, k: 100_352, sms: 80, batch: 16)
        #expect(split > 0.8)
        #expect(abs(batched - 144.0 / 160) < 1e-12)
    }

    /// Too few tiles and a deep k: the reduction is split until the SMs are full.
    @Test func splitKFillsTheSMsWhenKIsDeep() {
        // A filter gradient's output, 64 × 576, is 9 blocks of 64 × 64; k = 100,352.
        let shallow = TileQuantization.utilization(m: 64, n: 576, k: 64, sms: 80)
        let deep = TileQuantization.utilization(m: 64, n: 576, k: 100_352, sms: 80)
        #expect(abs(shallow - 9.0 / 80) < 1e-12)
        #expect(deep > 0.8)
    }
}
