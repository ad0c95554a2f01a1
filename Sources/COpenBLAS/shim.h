#include <cblas.h>
/* Declared by OpenBLAS (openblas_config.h); repeated so the shim does not depend on it. */
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
#include <dlfcn.h>
/* Joins OpenBLAS's idle worker threads where the library has them: the threaded server's
   blas_thread_shutdown_ (driver/others/blas_server.c, BLASFUNC(blas_thread_shutdown)); the next
   threaded call starts them again (exec_blas: blas_thread_init). Looked up at run time: OpenBLAS
   does not list it among its exports on every platform, and a serial build has no server. */
static inline void scalecast_openblas_stop_idle_threads(void) {
    int (*shutdown)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "blas_thread_shutdown_");
    if (shutdown) shutdown();
}
