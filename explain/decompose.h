/*
 * explain/decompose.h - the disparity decomposition of Shapley values (METRICS.md,
 * "Attributions"): per-group mean model output and mean phi, each group's gap to a reference
 * group split into per-feature terms that add up to the gap in mean output, and percentile
 * bootstrap intervals of every term (rows resampled within their group).
 */
#ifndef FA_EXPLAIN_DECOMPOSE_H
#define FA_EXPLAIN_DECOMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "include/fairaudit.h"

/** Options of fa_decompose_create. Initialise with FA_DECOMPOSE_OPTIONS_INIT. */
typedef struct fa_decompose_options {
    size_t bootstrap;        /* replicates; 0: no intervals */
    double confidence_level; /* of the intervals, in (0, 1) */
    uint64_t seed;           /* replicate b draws from a generator seeded by (seed, b) */
    int threads;             /* replicates in parallel; 0 = all cores; no effect on the values */
} fa_decompose_options;

#define FA_DECOMPOSE_OPTIONS_INIT                                                                  \
    {                                                                                              \
        .bootstrap = 0, .confidence_level = 0.95, .seed = 0, .threads = 0                          \
    }

/** The decomposition of n_groups groups over p features. Free with fa_decompose_free. */
typedef struct fa_decompose {
    size_t n_groups, p;
    uint64_t *rows;          /* n_groups: the group's row count */
    double *output;          /* n_groups: mean model output over the group's rows (NAN: no rows) */
    double *phi;             /* n_groups x p: mean phi_j over the group's rows */
    double *base;            /* n_groups: mean base value (one background: the same for all) */
    long reference;          /* the reference group, or -1 (then gap and intervals are NAN) */
    double *output_gap;      /* n_groups: output[g] - output[reference] */
    double *gap;             /* n_groups x p: phi[g] - phi[reference], adding up to output_gap[g] */
    size_t bootstrap;        /* replicates behind gap_lo/gap_hi; 0: both NULL */
    double *gap_lo, *gap_hi; /* n_groups x p: percentile interval of each gap term */
    double *output_gap_lo, *output_gap_hi; /* n_groups: the same for the sum of the terms */
} fa_decompose;

/**
 * Decomposes Shapley values by group. phi: n_rows x (p + 1) (explain/shapley.h layout: p
 * values then the base value); f: the n_rows model outputs the values explain (may be NULL:
 * then output is the mean of the row sums of phi); group: n_rows indices in [0, n_groups), or
 * -1 for a row left out; reference: a group index, or -1 for none.
 *
 * Bootstrap replicate: every group's rows are redrawn with replacement, as many as it has
 * (so no group vanishes), and the gap terms recomputed from the redrawn means; the interval
 * of a term is the (1 - level)/2 and (1 + level)/2 quantiles of its replicates (type 7, as
 * metrics/bootstrap.c). A feature whose phi is 0 on every row gets [0, 0]. An empty group
 * (or an empty reference) gives NAN intervals.
 *
 * FA_EINVAL: p = 0, a group index out of range, a reference out of range, a confidence level
 * outside (0, 1) with bootstrap > 0; FA_ENOMEM.
 */
int fa_decompose_create(fa_decompose **out, const double phi[], const double f[], size_t n_rows,
                        size_t p, const int32_t group[], size_t n_groups, long reference,
                        const fa_decompose_options *opts, fa_error *err);

/** Frees a decomposition. NULL-safe. */
void fa_decompose_free(fa_decompose *d);

#endif
