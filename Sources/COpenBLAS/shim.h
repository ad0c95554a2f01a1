#include <cblas.h>
/* Declared by OpenBLAS (openblas_config.h); repeated so the shim does not depend on it. */
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
