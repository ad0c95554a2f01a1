// A GPU check that needs no Swift on the GPU machine: build it with
// `swift build -c release --static-swift-stdlib --product scalecast-cuda-check`
// and run it there. It loads the CUDA runtime and cuBLAS with dlopen and times
// the matrix products `scalecast calibrate --cuda` times, printing CSV that
// `scalecast calibrate --gemm-csv FILE --gpu NAME` fits.
#if canImport(Glibc)
import Glibc
#endif
import CUDARuntime

do {
    let cuda = try CUDARuntime()
    print("# device: \(cuda.deviceName)")
    print("precision,m,n,k,seconds,tflops")
    for precision in CUDARuntime.Precision.allCases {
        for (m, n, k) in CUDARuntime.shapes {
            let s = try cuda.time(precision, m: m, n: n, k: k)
            print("\(precision.rawValue),\(m),\(n),\(k),\(s.seconds),\(s.flops / s.seconds / 1e12)")
        }
    }
} catch {
    let message = "error: \(error)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
