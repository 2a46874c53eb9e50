import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Matrix products for the native learner: OpenBLAS, single-threaded, with its kernels pinned.
///
/// Debian's OpenBLAS is built for many CPUs and picks its kernels when it loads, from the CPU it
/// finds (or `OPENBLAS_CORETYPE`). Different kernels sum in different orders, so a model trained
/// on one CPU would differ in its last bits from the same model trained on another. FedChain
/// therefore loads the library itself, after setting `OPENBLAS_CORETYPE=Haswell` (AVX2 and FMA
/// kernels, which every x86-64 CPU since 2013 runs) and one thread, and checks the kernels it got.
/// Every run on every such CPU then sums in the same order and gives the same bits.
public enum BLAS {
    /// The kernel family every run uses.
    public static let pinnedCore = "Haswell"

    /// Why OpenBLAS could not be used; nil when it is ready. Loading happens once, on first use.
    public static var unavailableReason: String? {
        if case .failure(let error) = library { return error.description }
        return nil
    }

    /// C = alpha op(A) op(B) + beta C for row-major float32 matrices (op(A) is m x k, op(B) is
    /// k x n, C is m x n).
    @inline(__always)
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                             _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
                             _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        functions.sgemm(rowMajor, transposeA ? transposed : notTransposed, transposeB ? transposed : notTransposed,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C = alpha op(A) op(B) + beta C for row-major float64 matrices.
    @inline(__always)
    public static func dgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Double = 1,
                             _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int, beta: Double,
                             _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        functions.dgemm(rowMajor, transposeA ? transposed : notTransposed, transposeB ? transposed : notTransposed,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    // MARK: - Loading

    private static let rowMajor: Int32 = 101, notTransposed: Int32 = 111, transposed: Int32 = 112

    struct Functions {
        let sgemm: fedchain_sgemm_fn
        let dgemm: fedchain_dgemm_fn
    }

    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    /// The loaded functions; a failure to load is a programming or installation error by the
    /// time a product is computed (callers check `unavailableReason` when they set up).
    private static var functions: Functions {
        switch library {
        case .success(let functions): return functions
        case .failure(let error): fatalError("OpenBLAS: \(error.description)")
        }
    }

    private static let library: Result<Functions, LoadError> = load()

    private static func load() -> Result<Functions, LoadError> {
        guard fedchain_cpu_has_avx2_fma() != 0 else {
            return .failure(LoadError(description: "this CPU lacks AVX2 or FMA, which OpenBLAS's pinned \(pinnedCore) kernels need; the native learner's results are only defined with those kernels"))
        }
        // Read when the library initialises, so they must be set before dlopen; restored after,
        // so processes started later (a Python trainer's workers) see the user's environment.
        let names = ["OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS"]
        let saved: [(String, String?)] = names.map { name in (name, getenv(name).map { String(cString: $0) }) }
        setenv("OPENBLAS_CORETYPE", pinnedCore, 1)
        setenv("OPENBLAS_NUM_THREADS", "1", 1)
        var handle: UnsafeMutableRawPointer?
        for name in ["libopenblas.so.0", "libopenblas.so"] {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
        }
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        guard let handle else {
            return .failure(LoadError(description: "cannot load libopenblas.so.0 (install Debian's libopenblas-dev: scripts/setup does)"))
        }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: type) }
        }
        guard let sgemm = symbol("cblas_sgemm", as: fedchain_sgemm_fn.self),
              let dgemm = symbol("cblas_dgemm", as: fedchain_dgemm_fn.self),
              let setThreads = symbol("openblas_set_num_threads", as: fedchain_set_threads_fn.self),
              let coreName = symbol("openblas_get_corename", as: fedchain_corename_fn.self) else {
            return .failure(LoadError(description: "the loaded libopenblas.so.0 lacks cblas_sgemm, cblas_dgemm, openblas_set_num_threads or openblas_get_corename"))
        }
        setThreads(1)
        let core = coreName().map { String(cString: $0) } ?? "unknown"
        // The library may have been loaded before, by something else, with other kernels.
        guard core.lowercased() == pinnedCore.lowercased() else {
            return .failure(LoadError(description: "OpenBLAS runs its \(core) kernels, not the pinned \(pinnedCore) ones (was it loaded before FedChain set OPENBLAS_CORETYPE?)"))
        }
        return .success(Functions(sgemm: sgemm, dgemm: dgemm))
    }
}
