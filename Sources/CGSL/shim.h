/* OpenBLAS's cblas.h first; GSL's own gsl_cblas.h would clash with it (docs/building.md). */
#include <cblas.h>
#define __GSL_CBLAS_H__ 1
#include <gsl/gsl_version.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_cdf.h>
