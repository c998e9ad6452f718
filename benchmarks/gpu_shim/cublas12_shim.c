/* libcublas.so.12 stand-in that forwards to the CUDA 13 cuBLAS (libcublas.so.13).
 *
 * A CUDA 12 build of FAISS (faiss-gpu 1.15.1) needs 8 cuBLAS entry points,
 * versioned "libcublas.so.12". The device image has only cuBLAS 13, whose C
 * signatures for these 8 functions are unchanged. Each exported symbol is an
 * x86-64 tail jump through a pointer filled at load time by dlsym, so arguments
 * pass through untouched whatever the signature. If cuBLAS 13 cannot be found
 * the pointers stay on `missing`, which returns CUBLAS_STATUS_NOT_INITIALIZED.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#define CUBLAS_FUNCS(X) X(cublasCreate_v2) X(cublasDestroy_v2) X(cublasGemmEx) \
  X(cublasGemmStridedBatchedEx) X(cublasGetMathMode) X(cublasSetMathMode)    \
  X(cublasSetStream_v2) X(cublasSgemmEx)

static int missing(void) {
  fprintf(stderr, "cublas12_shim: cuBLAS 13 entry point not resolved (load libcublas.so.13 first or set FAISS_CUBLAS13)\n");
  return 1; /* CUBLAS_STATUS_NOT_INITIALIZED */
}

#define PTR(name) void *p_##name = (void *)missing;
CUBLAS_FUNCS(PTR)

#define TRAMPOLINE(name)                                                  \
  __asm__(".globl " #name "\n.type " #name ",@function\n" #name ":\n" \
          "  jmp *p_" #name "(%rip)\n.size " #name ",.-" #name "\n");
CUBLAS_FUNCS(TRAMPOLINE)

__attribute__((constructor)) static void load(void) {
  const char *env = getenv("FAISS_CUBLAS13");
  void *h = env ? dlopen(env, RTLD_NOW | RTLD_GLOBAL) : NULL;
  if (!h) h = dlopen("libcublas.so.13", RTLD_NOW | RTLD_GLOBAL);
  if (!h) { fprintf(stderr, "cublas12_shim: %s\n", dlerror()); return; }
#define RESOLVE(name) { void *f = dlsym(h, #name); if (f) p_##name = f; \
    else fprintf(stderr, "cublas12_shim: no %s in cuBLAS 13\n", #name); }
  CUBLAS_FUNCS(RESOLVE)
}
