import COpenBLAS
import Foundation

/// The thin typed wrapper over OpenBLAS: every raw C call of the project's
/// kernels goes through here.
public enum BLAS {
    /// C = alpha · A · B + beta · C for row-major single-precision matrices:
    /// A is m×k, B is k×n, C is m×n.
    /// - Precondition: the buffers hold at least m·k, k·n and m·n elements.
    public static func sgemm(m: Int, n: Int, k: Int, alpha: Float = 1, a: [Float], b: [Float], beta: Float = 0, c: inout [Float]) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "sgemm buffers are too small")
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha, a, Int32(k), b, Int32(n),
                    beta, &c, Int32(n))
    }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major, with op a transpose when
    /// asked: the general form the convolution and FC kernels use.
    /// - Parameters:
    ///   - lda, ldb, ldc: row strides of A, B and C as stored.
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The kernel OpenBLAS chose for this CPU (e.g. `SkylakeX`, `Haswell`, `Prescott`).
    /// Print it next to any figure measured with OpenBLAS.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// Stops OpenBLAS's idle worker threads. The library starts them when it loads,
    /// before any code of ours runs, and each spins (`sched_yield`) for 2^28 CPU cycles,
    /// about 0.1 s, before it sleeps (`THREAD_TIMEOUT` 28 in OpenBLAS 0.3.21's
    /// driver/others/blas_server.c): CPU taken from the simulation on a small machine,
    /// by a process that may call no BLAS at all. OpenBLAS starts them again at the
    /// next call that needs them (`exec_blas` calls `blas_thread_init`), so this is
    /// safe to call anywhere no BLAS call is in flight. Where the library has no such
    /// server (a serial build) it does nothing.
    public static func stopIdleThreads() {
        scalecast_openblas_stop_idle_threads()
    }

    /// Runs `body` with OpenBLAS on one thread. The count is process-wide: calls
    /// that overlap (from several threads) share one saved count, which the last
    /// to end restores, so that none restores a count another one set.
    static func singleThreaded(_ body: () -> Void) {
        SingleThreaded.openBLAS.run(body)
    }

    /// Sections that set a shared thread count to one while they run, the count
    /// from before the first restored when the last ends.
    final class SingleThreaded: @unchecked Sendable {
        static let openBLAS = SingleThreaded(get: { BLAS.threads }, set: { BLAS.threads = $0 })
        private let get: @Sendable () -> Int
        private let set: @Sendable (Int) -> Void
        private let lock = NSLock()
        // Guarded by `lock`.
        private var depth = 0
        private var saved = 1

        init(get: @escaping @Sendable () -> Int, set: @escaping @Sendable (Int) -> Void) {
            self.get = get
            self.set = set
        }

        func run(_ body: () -> Void) {
            lock.lock()
            if depth == 0 { saved = get(); set(1) }
            depth += 1
            lock.unlock()
            defer {
                lock.lock()
                depth -= 1
                if depth == 0 { set(saved) }
                lock.unlock()
            }
            body()
        }
    }
}
