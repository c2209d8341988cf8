/*
 * metrics/bootstrap.h - the stratified count bootstrap of one attribute (METRICS.md,
 * "Uncertainty"): percentile (default) or BCa intervals of every disparity, every group's
 * difference and ratio against the reference group, and every named summary.
 *
 * A replicate redraws each group's four confusion cells (TP, FP, TN, FN) from a multinomial
 * with the group's row count n_g and the group's cell proportions, so every group keeps its
 * size and none vanishes (fairlearn's whole-table resampling loses small groups). Because every
 * count-based metric depends on the rows only through these cells, this is the stratified row
 * bootstrap, done in O(groups x cells) per replicate instead of O(rows). The replicate's overall
 * counts are the sum of its groups: every attribute, the intersection included, partitions the
 * rows. Exclusions mirror audit/compute.c: a group with fewer rows than min_group_size is left
 * out of every max/min (FA_EXCL_SMALL; its size does not change between replicates), a group
 * whose metric is undefined in a replicate is left out of that replicate's max/min.
 *
 * Weighted rows: the multinomial needs an integer size, so the bootstrap resamples the group's
 * n_g ROWS, in cell proportions given by the cells' weight sums, and gives each drawn row the
 * group's average weight W_g / n_g. That assumes every row of a group carries its group's
 * average weight; exact with unit (or constant per group) weights, an approximation otherwise.
 *
 * Not resampled: count and share (no disparity), and mean_score (it needs the rows' scores,
 * not counts): their intervals are NAN with every replicate counted undefined.
 */
#ifndef FA_METRICS_BOOTSTRAP_H
#define FA_METRICS_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "include/fairaudit.h"
#include "metrics/interval.h"
#include "metrics/summary.h"

/* Replicates when the policy gives none. */
#define FA_BOOTSTRAP_DEFAULT_REPLICATES 1000

/*
 * Bytes the replicate values may take (0 in the options). All statistics of all replicates are
 * needed before their quantiles; past this budget the statistics are done in several passes,
 * each regenerating the same replicates from their seeds.
 */
#define FA_BOOTSTRAP_DEFAULT_MEMORY ((size_t)32 << 20)

/* Number of fa_disparity_kind values (between/to-overall x difference/ratio). */
#define FA_BOOTSTRAP_KINDS 4

typedef enum fa_bootstrap_method {
    FA_BOOTSTRAP_PERCENTILE = 0, /* quantiles alpha/2 and 1 - alpha/2 of the replicates */
    FA_BOOTSTRAP_BCA = 1         /* bias-corrected and accelerated (Efron 1987) */
} fa_bootstrap_method;

/* Options of fa_bootstrap_compute. Initialise with FA_BOOTSTRAP_OPTIONS_INIT. */
typedef struct fa_bootstrap_options {
    size_t replicates; /* B >= 1 */
    uint64_t seed;     /* the same seed gives the same bytes, whatever `threads` */
    uint64_t stream;   /* the attribute's index: attributes draw independent streams */
    double level;      /* confidence level, 0 < level < 1 */
    fa_bootstrap_method method;
    long min_group_size; /* >= 0; groups with fewer rows are FA_EXCL_SMALL */
    int threads;         /* 0 = all cores */
    size_t memory_limit; /* bytes for replicate values, 0 = FA_BOOTSTRAP_DEFAULT_MEMORY */
} fa_bootstrap_options;

#define FA_BOOTSTRAP_OPTIONS_INIT                                                                  \
    {                                                                                              \
        FA_BOOTSTRAP_DEFAULT_REPLICATES, 0, 0, FA_DEFAULT_CONFIDENCE_LEVEL,                        \
            FA_BOOTSTRAP_PERCENTILE, FA_DEFAULT_MIN_GROUP_SIZE, 0, 0                               \
    }

/*
 * The interval of one statistic. lo and hi are NAN when the point estimate is undefined, when
 * every replicate is undefined, or (BCa) when the bias correction is infinite (the point lies
 * outside the replicates' range) or the acceleration makes 1 - a (z0 + z) non-positive.
 */
typedef struct fa_bootstrap_ci {
    double point; /* the statistic on the data itself; NAN when undefined */
    double lo, hi;
    size_t n_undefined; /* replicates where the statistic was undefined: left out of lo, hi */
    double z0; /* BCa bias correction Phi^-1(share below point); NAN for percentile or infinite */
    double accel; /* BCa acceleration (stratified jackknife); NAN for percentile */
} fa_bootstrap_ci;

/* The intervals of one attribute. */
typedef struct fa_bootstrap fa_bootstrap;

/*
 * Bootstraps the attribute whose groups have counts groups[0..n_groups) (as the result holds
 * them) with reference group `reference` (-1: none; the per-group differences and ratios are
 * then NAN). Fails with FA_EINVAL (replicates 0, min_group_size < 0, reference out of range,
 * unknown method), FA_EDOMAIN (level outside (0, 1), negative or non-finite counts, weight
 * without rows) or FA_ENOMEM. Caller frees with fa_bootstrap_free.
 */
int fa_bootstrap_compute(fa_bootstrap **out, const fa_counts groups[], size_t n_groups,
                         long reference, const fa_bootstrap_options *opts, fa_error *err);

/* Frees the intervals. NULL-safe. */
void fa_bootstrap_free(fa_bootstrap *bs);

/* Number of groups and of replicates. */
size_t fa_bootstrap_n_groups(const fa_bootstrap *bs);
size_t fa_bootstrap_replicates(const fa_bootstrap *bs);

/* Interval of disparity `kind` of metric m (borrowed until fa_bootstrap_free). */
const fa_bootstrap_ci *fa_bootstrap_disparity(const fa_bootstrap *bs, fa_metric m,
                                              fa_disparity_kind kind);

/* Interval of summary slot i (fa_summary_id, + FA_SUMMARY_COUNT for "_to_overall"). */
const fa_bootstrap_ci *fa_bootstrap_summary(const fa_bootstrap *bs, int slot);

/* Interval of m(g) - m(reference), and of m(g) / m(reference), for group g. */
const fa_bootstrap_ci *fa_bootstrap_group_difference(const fa_bootstrap *bs, size_t g, fa_metric m);
const fa_bootstrap_ci *fa_bootstrap_group_ratio(const fa_bootstrap *bs, size_t g, fa_metric m);

/* ------------------------------------------------- building blocks (exposed for tests) */

/*
 * One replicate: rep[g] receives group g's cells redrawn (multinomial of groups[g].rows rows,
 * cell probabilities proportional to the cells' weights, each row given the group's average
 * weight); rep[g].rows = groups[g].rows; score fields 0. A group of zero weight stays zero.
 */
void fa_bootstrap_draw(fa_counts rep[], const fa_counts groups[], size_t n_groups, gsl_rng *rng);

/*
 * The seed of replicate block `block` (replicates [block * FA_BOOTSTRAP_BLOCK, ...)) of an
 * attribute: a SplitMix64 hash of (seed, stream, block), so blocks are independent of the
 * thread that computes them.
 */
#define FA_BOOTSTRAP_BLOCK 64
unsigned long fa_bootstrap_block_seed(uint64_t seed, uint64_t stream, uint64_t block);

/*
 * The BCa levels: p_lo = Phi(z0 + (z0 + z_a) / (1 - a (z0 + z_a))), z_a = Phi^-1((1-level)/2),
 * and p_hi likewise with z_(1-a). Returns FA_OK, or FA_EDOMAIN (p_lo = p_hi = NAN) when z0 is
 * not finite or a denominator 1 - a (z0 + z) is not positive. z0 = a = 0 gives the percentile
 * levels (1-level)/2 and (1+level)/2.
 */
int fa_bootstrap_bca_levels(double *p_lo, double *p_hi, double z0, double accel, double level);

/*
 * The interval of one statistic from its replicate values values[0..n) (reordered in place;
 * NAN = undefined, left out and counted in ci->n_undefined). Reads ci->point and, for BCa,
 * ci->accel; writes lo, hi, n_undefined and, for BCa, z0. Quantiles interpolate linearly
 * between order statistics (R's type 7, numpy's default): q(p) = x_(k) + (h - k)(x_(k+1) -
 * x_(k)), h = (m - 1) p, k = floor(h), over the m defined values. BCa's z0 counts ties with
 * the point as half below.
 */
void fa_bootstrap_ci_from_values(fa_bootstrap_ci *ci, double values[], size_t n, double level,
                                 fa_bootstrap_method method);

/* ------------------------------- restored from a saved result (reports/json_read.c) */

/*
 * Intervals read back from a JSON result, which keeps only lo and hi: every interval starts
 * NAN (point, lo, hi, z0, accel; n_undefined 0) and is filled through fa_bootstrap_restore_ci.
 * FA_ENOMEM. Caller frees with fa_bootstrap_free.
 */
int fa_bootstrap_restore(fa_bootstrap **out, size_t n_groups, size_t replicates, fa_error *err);

/* The tables of fa_bootstrap_restore_ci. */
enum {
    FA_BOOTSTRAP_TABLE_DISPARITY = 0,  /* i: metric, kind: fa_disparity_kind */
    FA_BOOTSTRAP_TABLE_SUMMARY = 1,    /* i: summary slot */
    FA_BOOTSTRAP_TABLE_DIFFERENCE = 2, /* g: group, i: metric */
    FA_BOOTSTRAP_TABLE_RATIO = 3       /* g: group, i: metric */
};

/* The interval to fill (borrowed until fa_bootstrap_free); arguments out of range assert. */
fa_bootstrap_ci *fa_bootstrap_restore_ci(fa_bootstrap *bs, int table, size_t g, int i, int kind);

#endif
