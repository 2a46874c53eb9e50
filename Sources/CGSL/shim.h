#ifndef FEDCHAIN_CGSL_SHIM_H
#define FEDCHAIN_CGSL_SHIM_H
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_sf_erf.h>

/* GSL's generator types are mutable globals in C; Swift 6 refuses to read those, so each one
   we use is wrapped in a function. */
static inline const gsl_rng_type *cgsl_rng_mt19937(void) { return gsl_rng_mt19937; }
#endif
