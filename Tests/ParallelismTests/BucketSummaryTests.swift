import Parallelism
import Testing

/// A strategy's summary names its bucket size as given: 0.001 MB is not "0.0 MB" (an audit's header).
@Suite struct BucketSummaryTests {
    @Test func aBucketBelowAHundredthOfAMegabyteKeepsItsDigits() {
        #expect(DataParallelOptions(bucketBytes: 1_000).summary == "ring, 0.001 MB buckets")
        #expect(DataParallelOptions(bucketBytes: 25e6).summary == "ring, 25 MB buckets")
        #expect(DataParallelOptions(bucketBytes: 2.5e5).summary == "ring, 0.25 MB buckets")
    }
}
