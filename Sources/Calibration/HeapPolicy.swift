import CHeap

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
/// The executables set it first thing, before other threads exist (glibc gives
/// threads that already allocated their own arena for good); timing code
/// (`Calibrator`, `ExecutorValidation`) sets it again, harmlessly, for library
/// users and tests.
public enum HeapPolicy {
    /// glibc's `DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit systems: 4 MiB × sizeof(long).
    static let largestMmapThreshold: Int32 = 32 << 20

    /// The mmap threshold for simulations (`keepFreedMemory(oneArena: false)`): a plan's
    /// task array and a trace (a few MiB at most) come from the heap and are reused, while
    /// larger blocks, such as a sweep's CSV text growing to tens of MiB, are still mapped
    /// and returned when freed (at 32 MiB the blocks it outgrew stayed behind: a
    /// 100,000-point sweep peaked at 212 MB instead of 190).
    static let simulationMmapThreshold: Int32 = 4 << 20

    /// Keeps freed memory for reuse (process-wide; harmless to call more than once).
    /// - Parameter oneArena: the executor's setting: blocks up to glibc's largest threshold
    ///   from the heap, one arena for every thread. Without it (the simulations), blocks
    ///   up to `simulationMmapThreshold` from each thread's own arena: a sweep's threads
    ///   plan and simulate a point each, allocating and freeing megabytes per point, and
    ///   no longer page-fault them in afresh (a fifth of an expanded 8-GPU point's CPU
    ///   time), where one arena shared by the threads made them wait on its lock (400 such
    ///   points: 3.6 s of CPU by default, 2.6 s so, 4.5 s with one arena; BENCHMARKS.md).
    /// - Returns: whether the allocator took the settings (glibc does).
    @discardableResult
    public static func keepFreedMemory(oneArena: Bool = true) -> Bool {
        scalecast_keep_freed_memory(oneArena ? largestMmapThreshold : simulationMmapThreshold, oneArena ? 1 : 0) == 1
    }
}
