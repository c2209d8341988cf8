/*
 * metrics/interval.h - confidence intervals of a proportion x / n (Wilson score, Clopper-Pearson)
 * and of a per-group rate given by its confusion counts (METRICS.md, "Uncertainty").
 *
 * Weighted counts are used as they are: the weight sums stand in for x and n. That is exact for
 * integer weights (frequency weights); for other weights the interval is an approximation that
 * treats the weight sum as the number of trials.
 */
#ifndef FA_METRICS_INTERVAL_H
#define FA_METRICS_INTERVAL_H

#include "include/fairaudit.h"

/* Confidence level used when a policy gives none. */
#define FA_DEFAULT_CONFIDENCE_LEVEL 0.95

/* How a proportion's interval is computed. */
typedef enum fa_interval_method {
    FA_INTERVAL_WILSON = 0,         /* Wilson score interval (default) */
    FA_INTERVAL_CLOPPER_PEARSON = 1 /* exact: beta quantiles, never narrower than nominal */
} fa_interval_method;

/* A two-sided interval; both bounds NAN when undefined. */
typedef struct fa_interval {
    double lo, hi;
} fa_interval;

/*
 * The two-sided standard normal quantile of a confidence level: z with P(|Z| <= z) = level
 * (1.959963984540054 for 0.95). NAN unless 0 < level < 1.
 */
double fa_interval_z(double level);

/*
 * Wilson score interval of x successes in n trials at `level`:
 *   (x + z^2/2 -+ z sqrt(x (n - x) / n + z^2 / 4)) / (n + z^2),
 * exactly 0 at x = 0 and exactly 1 at x = n. n = 0 gives NAN bounds and FA_OK (undefined, not
 * an error). FA_EDOMAIN (bounds NAN) unless 0 < level < 1 and 0 <= x <= n, all finite.
 */
int fa_interval_wilson(fa_interval *out, double x, double n, double level);

/*
 * Clopper-Pearson ("exact") interval: lo = B^-1(alpha/2; x, n - x + 1), hi = B^-1(1 - alpha/2;
 * x + 1, n - x), alpha = 1 - level, B^-1 the beta quantile; lo = 0 at x = 0 (then
 * hi = 1 - (alpha/2)^(1/n)) and hi = 1 at x = n. Same return codes as fa_interval_wilson.
 * Non-integer x and n (weighted counts) use the same beta quantiles.
 */
int fa_interval_clopper_pearson(fa_interval *out, double x, double n, double level);

/* fa_interval_wilson or fa_interval_clopper_pearson by `method` (FA_EINVAL if unknown). */
int fa_interval_proportion(fa_interval *out, double x, double n, double level,
                           fa_interval_method method);

/*
 * The numerator and denominator of metric m as a proportion of group counts g (`all`, the
 * population, for share and predicted_positive_share; may be NULL, which makes those two
 * undefined): TPR = TP / (TP + FN), PPV = TP / (TP + FP), share = n / n_all, ... Returns 1 when
 * m is a proportion, 0 (and *x = *n = NAN) for count, balanced_accuracy, f1,
 * treatment_equality and mean_score, which are not (use the bootstrap for them).
 */
int fa_interval_rate_parts(double *x, double *n, fa_metric m, const fa_counts *g,
                           const fa_counts *all);

/*
 * Interval of rate m of group g: the proportion's interval of fa_interval_rate_parts. An
 * undefined rate (denominator 0) gives NAN bounds and FA_OK. FA_EINVAL (bounds NAN) when m is
 * not a proportion; FA_EDOMAIN for a bad level or inconsistent counts (negative, x > n).
 */
int fa_interval_rate(fa_interval *out, fa_metric m, const fa_counts *g, const fa_counts *all,
                     double level, fa_interval_method method);

#endif
