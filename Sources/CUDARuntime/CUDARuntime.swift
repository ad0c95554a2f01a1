#if canImport(Glibc)
import Glibc
#endif

/// The CUDA runtime and cuBLAS, loaded at run time with dlopen: nothing CUDA is
/// needed to build ScaleCast, and a machine without an NVIDIA GPU gets a clear
/// error instead of a crash. Only Glibc is used, so a static-stdlib build of a
/// program on this module runs on a GPU machine without Swift.
public final class CUDARuntime {
    public enum Precision: String, CaseIterable, Sendable {
        case fp32, tf32, bf16
    }

    /// One timed matrix product.
    public struct Sample: Sendable, Equatable {
        public var precision: Precision
        public var m, n, k: Int
        public var seconds: Double
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
        public init(precision: Precision, m: Int, n: Int, k: Int, seconds: Double) {
            (self.precision, self.m, self.n, self.k, self.seconds) = (precision, m, n, k, seconds)
        }
    }

    public let deviceName: String

    private typealias GetDeviceCount = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    private typealias GetProperties = @convention(c) (UnsafeMutableRawPointer, Int32) -> Int32
    private typealias Malloc = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, Int) -> Int32
    private typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    private typealias Memset = @convention(c) (UnsafeMutableRawPointer?, Int32, Int) -> Int32
    private typealias Synchronize = @convention(c) () -> Int32
    private typealias CublasCreate = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
    private typealias CublasDestroy = @convention(c) (OpaquePointer?) -> Int32
    private typealias GemmEx = @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer,
                                               UnsafeRawPointer?, Int32, Int32, UnsafeRawPointer?, Int32, Int32,
                                               UnsafeRawPointer, UnsafeMutableRawPointer?, Int32, Int32, Int32, Int32) -> Int32

    private let malloc: Malloc, free: Free, memset: Memset, synchronize: Synchronize
    private let gemmEx: GemmEx, destroy: CublasDestroy
    private let handle: OpaquePointer?

    /// Where the libraries are looked for, in order (a directory in
    /// SCALECAST_CUDA_LIB_DIR first, then the loader's path and CUDA's usual homes).
    static func candidates(_ library: String, versions: [String]) -> [String] {
        var names = versions.map { "\(library).so.\($0)" } + ["\(library).so"]
        if let dir = getenv("SCALECAST_CUDA_LIB_DIR") { names = names.map { String(cString: dir) + "/" + $0 } + names }
        return names + versions.map { "/usr/local/cuda/lib64/\(library).so.\($0)" }
    }

    private static func open(_ library: String, versions: [String]) throws -> UnsafeMutableRawPointer {
        let tried = candidates(library, versions: versions)
        for path in tried { if let h = dlopen(path, RTLD_NOW | RTLD_GLOBAL) { return h } }
        throw CUDAError("\(library) could not be loaded (tried \(tried.joined(separator: ", "))): no CUDA runtime on this machine; "
                        + "set SCALECAST_CUDA_LIB_DIR to the folder that holds it")
    }

    private static func symbol<T>(_ handle: UnsafeMutableRawPointer, _ names: [String], as: T.Type) throws -> T {
        for name in names { if let p = dlsym(handle, name) { return unsafeBitCast(p, to: T.self) } }
        throw CUDAError("the CUDA libraries lack \(names.joined(separator: " or "))")
    }

    /// Loads the runtime and cuBLAS and opens device 0.
    /// - Throws: `CUDAError` when the libraries or a GPU are missing.
    public init() throws {
        let versions = ["13", "12", "11.0"]
        let cudart = try Self.open("libcudart", versions: versions)
        let cublas = try Self.open("libcublas", versions: versions)
        let count = try Self.symbol(cudart, ["cudaGetDeviceCount"], as: GetDeviceCount.self)
        var devices: Int32 = 0
        let status = count(&devices)
        guard status == 0, devices > 0 else { throw CUDAError("the CUDA runtime loaded but sees no GPU (cudaGetDeviceCount returned \(status))") }
        let properties = try Self.symbol(cudart, ["cudaGetDeviceProperties_v2", "cudaGetDeviceProperties"], as: GetProperties.self)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8192, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 8192)
        _ = properties(buffer, 0)
        deviceName = String(cString: buffer.assumingMemoryBound(to: CChar.self))   // the struct begins with char name[256]
        malloc = try Self.symbol(cudart, ["cudaMalloc"], as: Malloc.self)
        free = try Self.symbol(cudart, ["cudaFree"], as: Free.self)
        memset = try Self.symbol(cudart, ["cudaMemset"], as: Memset.self)
        synchronize = try Self.symbol(cudart, ["cudaDeviceSynchronize"], as: Synchronize.self)
        let create = try Self.symbol(cublas, ["cublasCreate_v2"], as: CublasCreate.self)
        destroy = try Self.symbol(cublas, ["cublasDestroy_v2"], as: CublasDestroy.self)
        gemmEx = try Self.symbol(cublas, ["cublasGemmEx"], as: GemmEx.self)
        var h: OpaquePointer?
        guard create(&h) == 0 else { throw CUDAError("cublasCreate failed") }
        handle = h
    }

    deinit { _ = destroy(handle) }

    /// Times C = A·B of shape (m, n, k) in `precision`: the best of `repeats` timed
    /// rounds of `calls` products each, after a warm-up round.
    public func time(_ precision: Precision, m: Int, n: Int, k: Int, calls: Int = 10, repeats: Int = 3) throws -> Sample {
        let inputBytes = precision == .bf16 ? 2 : 4
        var a: UnsafeMutableRawPointer?, b: UnsafeMutableRawPointer?, c: UnsafeMutableRawPointer?
        guard malloc(&a, m * k * inputBytes) == 0, malloc(&b, k * n * inputBytes) == 0, malloc(&c, m * n * 4) == 0 else {
            throw CUDAError("cudaMalloc failed for a \(m)x\(n)x\(k) product")
        }
        defer { _ = free(a); _ = free(b); _ = free(c) }
        _ = memset(a, 0, m * k * inputBytes)
        _ = memset(b, 0, k * n * inputBytes)
        // cudaDataType: CUDA_R_32F 0, CUDA_R_16BF 14; cublasComputeType: 32F 68, 32F_FAST_TF32 77.
        let inputType: Int32 = precision == .bf16 ? 14 : 0
        let compute: Int32 = precision == .tf32 ? 77 : 68
        var alpha: Float = 1, beta: Float = 0
        func round() throws -> Double {
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            for _ in 0..<calls {
                // Column-major cuBLAS: C(m×n) = A(m×k) · B(k×n), no transposes (CUBLAS_OP_N = 0), default algorithm (−1).
                let status = gemmEx(handle, 0, 0, Int32(m), Int32(n), Int32(k), &alpha, a, inputType, Int32(m), b, inputType, Int32(k),
                                    &beta, c, 0, Int32(m), compute, -1)
                guard status == 0 else { throw CUDAError("cublasGemmEx failed with status \(status) for \(precision) \(m)x\(n)x\(k)") }
            }
            guard synchronize() == 0 else { throw CUDAError("cudaDeviceSynchronize failed") }
            clock_gettime(CLOCK_MONOTONIC, &end)
            return (Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9) / Double(calls)
        }
        _ = try round()
        var best = Double.infinity
        for _ in 0..<repeats { best = min(best, try round()) }
        return Sample(precision: precision, m: m, n: n, k: k, seconds: best)
    }

    /// Shapes timed: squares, and the FC and im2col convolution products of ResNet-50
    /// and AlexNet at batch 256 (m = output channels, n = pixels × batch or batch, k = patch).
    public static let shapes: [(Int, Int, Int)] = [
        (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (4096, 4096, 4096), (8192, 8192, 8192),
        (4096, 256, 9216), (1000, 256, 4096), (64, 802_816, 147), (64, 802_816, 576), (256, 200_704, 64),
        (512, 50_176, 1152), (2048, 12_544, 512), (192, 186_624, 1600),
    ]
}

/// CUDA could not be used.
public struct CUDAError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
