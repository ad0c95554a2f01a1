#include <cblas.h>
/* Declared by OpenBLAS (openblas_config.h); repeated so the shim does not depend on it. */
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
/* Exported by OpenBLAS's threaded server (driver/others/blas_server.c, BLASFUNC(blas_thread_shutdown)):
   joins its worker threads; the next threaded call starts them again (exec_blas: blas_thread_init). */
int blas_thread_shutdown_(void);
