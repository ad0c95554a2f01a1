import CHeap
import Foundation

/// How the process's allocator treats the kernels' arrays. The kernels return
/// fresh arrays; glibc serves blocks above its mmap threshold (128 KiB at first)
/// with fresh pages from the kernel and returns them on free, so every step pays
/// a page fault per 4 KiB of every large activation (a ReLU over 4 MiB with
/// `map` ran at 3.8 GB/s, and at 5.5 GB/s with these settings). Raising the mmap
/// threshold to glibc's largest (32 MiB on 64-bit) and never trimming keeps freed
/// blocks in the heap for the next step, as a framework's caching allocator keeps
/// device memory. One arena serves every thread, so that a block one worker frees
/// is there for the next that allocates. (An earlier note credited one arena with
/// making two identical one-worker runs agree instead of differing by 20-30%; that
/// was not evidence: this machine's two vCPUs alone differ by up to 45%, moment to
/// moment, and the thread had moved between them.)
///
/// Simulations want it too, differently (`Mode.simulation`). The executables choose
/// first thing, before other threads exist (glibc gives threads that already allocated
/// their own arena for good); the first choice holds for the process, so that timing
/// code (`Calibrator`, `ExecutorValidation`), which asks for the executor's for library
/// users and tests, leaves an executable's choice as it was.
public enum HeapPolicy {
    /// What the process allocates for.
    public enum Mode: Sendable {
        /// The executor's kernels: blocks up to glibc's largest threshold kept in one
        /// arena shared by every thread.
        case executor
        /// Simulations on every core: blocks up to `simulationMmapThreshold` kept in each
        /// thread's own arena. A sweep's threads plan and simulate a point each, allocating
        /// and freeing megabytes per point; kept, an expanded 8-GPU point no longer
        /// page-faults its plan in afresh (a fifth of its CPU time), while one arena shared
        /// by the threads made them wait on its lock (400 such points: 3.6 s of CPU by
        /// default, 2.6 s so, 4.5 s with one arena; BENCHMARKS.md).
        case simulation
    }

    /// glibc's `DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit systems: 4 MiB × sizeof(long).
    static let largestMmapThreshold: Int32 = 32 << 20

    /// The mmap threshold for simulations: a plan's task array and a trace (a few MiB at
    /// most) come from the heap and are reused, while larger blocks, such as a sweep's CSV
    /// text growing to tens of MiB, are still mapped and returned when freed (at 32 MiB
    /// the blocks it outgrew stayed behind: a 100,000-point sweep peaked at 212 MB
    /// instead of 190).
    static let simulationMmapThreshold: Int32 = 4 << 20

    private static let lock = NSLock()
    /// The first mode asked for and whether the allocator took it; guarded by `lock`.
    nonisolated(unsafe) private static var chosen: (mode: Mode, taken: Bool)?

    /// The mode the process chose (the first asked for), nil before any.
    static var chosenMode: Mode? {
        lock.lock()
        defer { lock.unlock() }
        return chosen?.mode
    }

    /// Keeps freed memory for reuse as `mode` says, unless the process chose already
    /// (the first call's settings hold; later calls change nothing).
    /// - Returns: whether the allocator took the settings of the first call (glibc does).
    @discardableResult
    public static func keepFreedMemory(_ mode: Mode = .executor) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let chosen { return chosen.taken }
        let taken = mode == .executor ? scalecast_keep_freed_memory(largestMmapThreshold, 1) == 1
                                      : scalecast_keep_freed_memory(simulationMmapThreshold, 0) == 1
        chosen = (mode, taken)
        return taken
    }
}
