/*
 * metrics/individual.h - individual fairness (METRICS.md "Individual fairness"): the generalized
 * entropy indices of the benefit b = pred - label + 1, their between- and within-group parts,
 * and consistency over the k nearest neighbours.
 *
 * With a binary label and prediction the benefit is 0 (false negative), 1 (true positive or
 * true negative) or 2 (false positive), so every entropy index is a pure function of confusion
 * counts: these take fa_counts (weighted counts; a weight is a row multiplicity) and never
 * allocate. An undefined index is NAN with a reason; an infinite one is INFINITY, also with a
 * reason. Consistency needs the feature rows and is the one fallible function here.
 */
#ifndef FA_METRICS_INDIVIDUAL_H
#define FA_METRICS_INDIVIDUAL_H

#include <stddef.h>

#include "include/fairaudit.h"

/* Neighbours of consistency by default (AIF360's n_neighbors). */
#define FA_DEFAULT_CONSISTENCY_K 5

/*
 * The most rows exact consistency accepts unless forced: the search is O(n^2 d). Measured on
 * a 2-core machine (that was busy with other work): 2e4 rows x 10 features 4 s, 2e4 x 50 18 s,
 * 1e5 x 20 231 s. So 1e5 rows are fine (minutes); 2e5 rows take four times as long, and more
 * would need an approximate search.
 */
#define FA_CONSISTENCY_MAX_ROWS 200000

/* ------------------------------------------------------------ entropy indices, from counts */

/*
 * Mean benefit mu = (TP + TN + 2 FP) / n. NAN when n = 0 ("no rows").
 */
double fa_individual_mean_benefit(const fa_counts *c, const char **reason);

/*
 * Generalized entropy index GE(alpha) of the benefits of all rows counted in c, for any finite
 * alpha: (1 / (n alpha (alpha - 1))) sum ((b_i / mu)^alpha - 1); alpha = 1 is the Theil index
 * (1/n) sum (b_i/mu) ln(b_i/mu) with 0 ln 0 = 0; alpha = 0 is -(1/n) sum ln(b_i / mu).
 * Always >= 0. Returns INFINITY when alpha <= 0 and some row has benefit 0 (FN > 0); NAN when
 * n = 0, mu = 0 (every row a false negative) or alpha is not finite. *reason (may be NULL) is
 * set to a static phrase for NAN and INFINITY, else to NULL.
 */
double fa_individual_gei(const fa_counts *c, double alpha, const char **reason);

/* GE(1), AIF360's theil_index. */
double fa_individual_theil_index(const fa_counts *c, const char **reason);

/*
 * Coefficient of variation of the benefits, sd / mu with the population sd, = sqrt(2 GE(2)).
 * AIF360's coefficient_of_variation() is 2 sqrt(GE(2)), sqrt(2) times this value.
 */
double fa_individual_coefficient_of_variation(const fa_counts *c, const char **reason);

/*
 * Between-group GE(alpha) over a partition: groups[0..n_groups) are disjoint and together are
 * all the rows considered; every benefit is replaced by its group's mean benefit. Groups with
 * no rows are ignored. INFINITY when alpha <= 0 and a group's mean benefit is 0.
 */
double fa_individual_between_group_gei(const fa_counts groups[], size_t n_groups, double alpha,
                                       const char **reason);

/*
 * Within-group GE(alpha) = GE(alpha) of the rows of all groups - the between-group index,
 * computed as the decomposition sum_g (n_g / n) (mu_g / mu)^alpha GE_g(alpha), which equals
 * the difference but has no cancellation (it is >= 0). INFINITY when alpha <= 0 and a group
 * has a false negative; NAN when alpha <= 0 and a group's mean benefit is 0 (total and
 * between are both infinite).
 */
double fa_individual_within_group_gei(const fa_counts groups[], size_t n_groups, double alpha,
                                      const char **reason);

/*
 * AIF360's between_group_generalized_entropy_index on the population `all`: the rows of
 * groups[0..n_groups) take their group's mean benefit, and every other row of `all` keeps
 * AIF360's initial benefit 0 while still counting in n and mu. For groups that partition
 * `all` this equals fa_individual_between_group_gei; AIF360's pairwise metric (privileged
 * group against one other group, on the whole data set) is the case where they do not.
 */
double fa_individual_aif360_between_group_gei(const fa_counts *all, const fa_counts groups[],
                                              size_t n_groups, double alpha, const char **reason);

/* ---------------------------------------------------------------------------- consistency */

/* Options of consistency. Initialise with FA_CONSISTENCY_OPTIONS_INIT. */
typedef struct fa_consistency_options {
    size_t k;         /* neighbours, >= 1 */
    int include_self; /* 0: METRICS.md (row i is not its own neighbour); 1: AIF360 */
    size_t max_rows;  /* refuse more rows than this (0: FA_CONSISTENCY_MAX_ROWS) ... */
    int force;        /* ... unless force is non-zero */
    int threads;      /* OpenMP threads, 0 = the default; the result does not depend on it */
} fa_consistency_options;

#define FA_CONSISTENCY_OPTIONS_INIT                                                                \
    {                                                                                              \
        FA_DEFAULT_CONSISTENCY_K, 0, 0, 0, 0                                                       \
    }

/*
 * Consistency 1 - (1/n) sum_i |yhat_i - mean of yhat over the k nearest neighbours of row i|.
 * x is row-major, n_rows x n_cols; each column is standardised (mean 0, population sd 1; a
 * constant column contributes 0) and neighbours are exact Euclidean nearest neighbours, ties
 * broken by the lower row index. Without include_self row i is never its own neighbour (other
 * rows with the same features are); with include_self row i is always one of its k neighbours,
 * plus its k - 1 nearest other rows (AIF360 queries its training rows, finding each row itself).
 * Writes *out on success. Fails with FA_EINVAL when k = 0, k >= n_rows (include_self: k >
 * n_rows), n_cols = 0, or n_rows > max_rows without force; FA_EDOMAIN for a feature or yhat
 * that is not finite (row and column 1-based); FA_ENOMEM. The value does not depend on the
 * thread count.
 */
int fa_individual_consistency_ext(double *out, const double x[], size_t n_rows, size_t n_cols,
                                  const double yhat[], const fa_consistency_options *opts,
                                  fa_error *err);

/* The same with k and include_self, the row limit FA_CONSISTENCY_MAX_ROWS, default threads. */
int fa_individual_consistency(double *out, const double x[], size_t n_rows, size_t n_cols,
                              const double yhat[], size_t k, int include_self, fa_error *err);

#endif
