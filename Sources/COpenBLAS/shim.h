#ifndef FEDCHAIN_COPENBLAS_SHIM_H
#define FEDCHAIN_COPENBLAS_SHIM_H
// OpenBLAS is loaded at run time (dlopen), not linked: its kernel choice is made when the library
// loads, from OPENBLAS_CORETYPE, and a linked library loads before any of our code could set it.
// These are the C signatures of the functions looked up; row/column orders and transposes use
// CBLAS's numeric values (101 row-major; 111 no transpose, 112 transpose).
#include <dlfcn.h>
#include <stdlib.h>

typedef void (*fedchain_sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                                  const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
typedef void (*fedchain_dgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, double alpha,
                                  const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc);
typedef void (*fedchain_set_threads_fn)(int threads);
typedef char *(*fedchain_corename_fn)(void);

/// Whether this CPU runs OpenBLAS's Haswell kernels (AVX2 and FMA).
static inline int fedchain_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}
#endif
