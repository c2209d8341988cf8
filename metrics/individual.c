/*
 * metrics/individual.c - individual fairness (METRICS.md "Individual fairness"; Speicher et al.,
 * "A Unified Approach to Quantifying Algorithmic Unfairness", KDD 2018).
 *
 * Benefit b_i = yhat_i - y_i + 1 and mu = mean b. The generalized entropy index is
 *   GE(alpha) = (1 / (n alpha (alpha - 1))) sum ((b_i / mu)^alpha - 1)   alpha not in {0, 1}
 *   GE(1)     = (1/n) sum (b_i/mu) ln(b_i/mu), with 0 ln 0 = 0          (Theil index)
 *   GE(0)     = -(1/n) sum ln(b_i/mu)                                    (mean log deviation)
 * With binary labels and predictions b is 0 (FN), 1 (TP, TN) or 2 (FP), so GE is a function of
 * the confusion counts: three terms, weighted by FN, TP + TN and FP. The between-group index
 * replaces b_i by its group's mean benefit mu_g (one term per group, weighted by n_g); the
 * within-group part is the rest, GE - GE_between = sum_g (n_g/n) (mu_g/mu)^alpha GE_g.
 *
 * Numerics: since sum w_i (r_i - 1) = 0 for r_i = b_i / mu, adding -alpha (r - 1) to every
 * term changes nothing mathematically, and turns each term into the gap of a convex (or, for
 * 0 < alpha < 1, concave) function above its tangent at 1: phi(r) = (r^alpha - 1 - alpha (r-1))
 * / (alpha (alpha-1)), r ln r - (r - 1), or (r - 1) - ln r. Every term is then >= 0, so nothing
 * cancels between terms, an index of equal benefits is 0 rather than -1e-17, and a small
 * between-group index keeps its relative precision. r - 1 is computed as (b - mu) / mu and
 * ln r as log1p of it.
 *
 * Edge cases: n = 0 or mu = 0 (every row a false negative) is undefined (NAN). For alpha <= 0 a
 * benefit of 0 (a false negative; in a between-group index, a group of false negatives only)
 * enters as ln 0 or 0 to a negative power: the index is +infinity, returned as INFINITY with a
 * reason, since it is an honest value (the measure is unbounded there), not a missing one.
 *
 * Where AIF360 differs (aif360/metrics/classification_metric.py, ClassificationMetric):
 * - generalized_entropy_index, alpha = 0: its docstring states -(1/n) sum ln(b_i / mu), but the
 *   code returns -np.mean(np.log(b / np.mean(b)) / np.mean(b)), i.e. that value divided once
 *   more by mu. We follow the formula (METRICS.md); AIF360's value is ours / mu. With FN > 0
 *   both are +inf (numpy's log(0) = -inf, with a RuntimeWarning).
 * - generalized_entropy_index, alpha = 1: np.mean(np.log((b / mu)**b) / mu), which moves b into
 *   the log so that b = 0 gives log(1) = 0: the same value as ours.
 * - coefficient_of_variation returns 2 * np.sqrt(GE(2)); the coefficient of variation sd / mu
 *   is sqrt(2 GE(2)), which is what fa_individual_coefficient_of_variation returns.
 * - _between_group_generalized_entropy_index starts from b = np.zeros(n) over the whole data
 *   set and overwrites only the rows of the groups it is given. between_group_* passes the
 *   privileged and unprivileged conditions: with "all other values" as unprivileged the groups
 *   cover every row and the result is the partition index; with one other value (pairwise),
 *   the rows of the remaining groups keep benefit 0 and still count in n and mu. That is
 *   fa_individual_aif360_between_group_gei. between_all_groups_* uses every combination of
 *   the protected attributes' values and skips combinations without rows: a partition.
 * - AIF360 ignores instance weights in these indices; here a weight multiplies a row.
 */
#include "metrics/individual.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common/alloc.h"
#include "common/error.h"

static const char R_NO_ROWS[] = "no rows";
static const char R_MU_ZERO[] = "mean benefit is 0: every row is a false negative";
static const char R_ALPHA[] = "alpha is not finite";
static const char R_INF_FN[] =
    "infinite: a false negative has benefit 0, whose log (alpha = 0) or negative power "
    "(alpha < 0) is infinite";
static const char R_INF_GROUP[] =
    "infinite: a group of false negatives only has mean benefit 0, whose log (alpha = 0) or "
    "negative power (alpha < 0) is infinite";
static const char R_INF_OUTSIDE[] =
    "infinite: rows outside the groups have benefit 0 (AIF360's convention), whose log "
    "(alpha = 0) or negative power (alpha < 0) is infinite";
static const char R_WITHIN_INF_INF[] =
    "undefined: a group of false negatives only makes both the total and the between-group "
    "index infinite (alpha <= 0)";

static double rows_of(const fa_counts *c)
{
    return c->tp + c->fp + c->tn + c->fn;
}

/* sum of benefits: 1 for TP and TN, 2 for FP, 0 for FN */
static double benefit_sum(const fa_counts *c)
{
    return (c->tp + c->tn) + 2.0 * c->fp;
}

static double with_reason(double v, const char **reason, const char *why)
{
    if (reason != NULL) {
        *reason = why;
    }
    return v;
}

/* One term of GE(alpha) for a benefit v, in the tangent-gap form of the head comment. */
static double phi(double v, double mu, double alpha)
{
    if (v == 0.0) {
        /* r = 0: 0 ln 0 - (0 - 1) = 1 for alpha = 1; (0 - 1 + alpha) / (alpha (alpha - 1)) =
         * 1 / alpha for alpha > 0, alpha != 1; ln 0 or 0^alpha, alpha < 0, is infinite */
        return alpha > 0.0 ? 1.0 / alpha : INFINITY;
    }
    double d = (v - mu) / mu; /* r - 1 */
    if (alpha == 2.0) {
        return 0.5 * d * d;
    }
    double lr = log1p(d); /* ln r */
    if (alpha == 1.0) {
        return (1.0 + d) * lr - d;
    }
    if (alpha == 0.0) {
        return d - lr;
    }
    return (expm1(alpha * lr) - alpha * d) / (alpha * (alpha - 1.0));
}

/*
 * The benefits an index is taken over, as weighted values: either the three benefit levels of
 * one group's counts (raw), or one mean benefit per group plus, for AIF360, `outside` rows of
 * benefit 0.
 */
typedef struct benefits {
    const fa_counts *groups;
    size_t n_groups;
    int raw;
    double outside;
} benefits;

static size_t n_items(const benefits *s)
{
    return s->raw ? 3 : s->n_groups + 1;
}

/* Item i: value v, weight w, exact benefit sum s (= v w), and why it would make GE infinite. */
static void item(const benefits *s, size_t i, double *v, double *w, double *sum, const char **why)
{
    if (s->raw) {
        const fa_counts *c = s->groups;
        *v = (double)i;
        *w = i == 0 ? c->fn : i == 1 ? c->tp + c->tn : c->fp;
        *sum = *v * *w;
        *why = R_INF_FN;
    } else if (i < s->n_groups) {
        *w = rows_of(&s->groups[i]);
        *sum = benefit_sum(&s->groups[i]);
        *v = *w > 0.0 ? *sum / *w : 0.0;
        *why = R_INF_GROUP;
    } else {
        *v = 0.0;
        *w = s->outside;
        *sum = 0.0;
        *why = R_INF_OUTSIDE;
    }
    assert(*w >= 0.0 && "counts are non-negative");
}

static double entropy_index(const benefits *s, double alpha, const char **reason)
{
    double v, w, sum, n = 0.0, total = 0.0, acc = 0.0;
    const char *why;
    if (!isfinite(alpha)) {
        return with_reason(NAN, reason, R_ALPHA);
    }
    for (size_t i = 0; i < n_items(s); i++) {
        item(s, i, &v, &w, &sum, &why);
        n += w;
        total += sum;
    }
    if (!(n > 0.0)) {
        return with_reason(NAN, reason, R_NO_ROWS);
    }
    if (!(total > 0.0)) {
        return with_reason(NAN, reason, R_MU_ZERO);
    }
    double mu = total / n;
    for (size_t i = 0; i < n_items(s); i++) {
        item(s, i, &v, &w, &sum, &why);
        if (w > 0.0) {
            double t = phi(v, mu, alpha);
            if (isinf(t)) {
                return with_reason(INFINITY, reason, why);
            }
            acc += w * t;
        }
    }
    return with_reason(acc / n, reason, NULL);
}

double fa_individual_mean_benefit(const fa_counts *c, const char **reason)
{
    double n = rows_of(c);
    if (!(n > 0.0)) {
        return with_reason(NAN, reason, R_NO_ROWS);
    }
    return with_reason(benefit_sum(c) / n, reason, NULL);
}

double fa_individual_gei(const fa_counts *c, double alpha, const char **reason)
{
    benefits s = {c, 1, 1, 0.0};
    return entropy_index(&s, alpha, reason);
}

double fa_individual_theil_index(const fa_counts *c, const char **reason)
{
    return fa_individual_gei(c, 1.0, reason);
}

double fa_individual_coefficient_of_variation(const fa_counts *c, const char **reason)
{
    double ge2 = fa_individual_gei(c, 2.0, reason); /* finite or NAN, never negative */
    return isnan(ge2) ? ge2 : sqrt(2.0 * ge2);
}

double fa_individual_between_group_gei(const fa_counts groups[], size_t n_groups, double alpha,
                                       const char **reason)
{
    benefits s = {groups, n_groups, 0, 0.0};
    return entropy_index(&s, alpha, reason);
}

double fa_individual_within_group_gei(const fa_counts groups[], size_t n_groups, double alpha,
                                      const char **reason)
{
    fa_counts all = {0};
    int infinite = 0;
    double acc = 0.0;
    if (!isfinite(alpha)) {
        return with_reason(NAN, reason, R_ALPHA);
    }
    for (size_t g = 0; g < n_groups; g++) {
        fa_counts_add(&all, &groups[g]);
    }
    double mu = fa_individual_mean_benefit(&all, reason), n = rows_of(&all);
    if (isnan(mu)) {
        return mu;
    }
    if (!(mu > 0.0)) {
        return with_reason(NAN, reason, R_MU_ZERO);
    }
    for (size_t g = 0; g < n_groups; g++) {
        double n_g = rows_of(&groups[g]);
        if (!(n_g > 0.0)) {
            continue;
        }
        double mu_g = benefit_sum(&groups[g]) / n_g;
        if (mu_g == 0.0) {
            /* every benefit of g is 0: for alpha > 0 its terms are the same in the total and
             * the between-group index, so it adds nothing within; for alpha <= 0 both are
             * infinite and their difference has no value */
            if (alpha <= 0.0) {
                return with_reason(NAN, reason, R_WITHIN_INF_INF);
            }
            continue;
        }
        double ge_g = fa_individual_gei(&groups[g], alpha, NULL);
        if (isinf(ge_g)) {
            infinite = 1;
        } else {
            acc += (n_g / n) * pow(mu_g / mu, alpha) * ge_g;
        }
    }
    if (infinite) {
        return with_reason(INFINITY, reason, R_INF_FN);
    }
    return with_reason(acc, reason, NULL);
}

double fa_individual_aif360_between_group_gei(const fa_counts *all, const fa_counts groups[],
                                              size_t n_groups, double alpha, const char **reason)
{
    double inside = 0.0;
    for (size_t g = 0; g < n_groups; g++) {
        inside += rows_of(&groups[g]);
    }
    /* the groups are part of `all`; fractional weights may leave a rounding residue below 0 */
    double outside = rows_of(all) - inside;
    benefits s = {groups, n_groups, 0, outside > 0.0 ? outside : 0.0};
    return entropy_index(&s, alpha, reason);
}

/* ------------------------------------------------------------------------------ consistency */

/* A candidate neighbour: squared standardised distance and row index. */
typedef struct neighbour {
    double d;
    size_t j;
} neighbour;

/* a ranks after b: farther, or as far with a higher row index (the deterministic tie-break) */
static int ranks_after(const neighbour *a, const neighbour *b)
{
    return a->d > b->d || (a->d == b->d && a->j > b->j);
}

/* Max-heap on ranks_after: h[0] is the worst of the current k best. */
static void sift_up(neighbour h[], size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ranks_after(&h[i], &h[p])) {
            break;
        }
        neighbour t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

static void sift_down(neighbour h[], size_t len)
{
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < len && ranks_after(&h[l], &h[m])) {
            m = l;
        }
        if (r < len && ranks_after(&h[r], &h[m])) {
            m = r;
        }
        if (m == i) {
            return;
        }
        neighbour t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/*
 * The search. Column c of a squared distance is added to lane c % 4 and the lanes are added
 * pairwise at the end: four independent sums keep the floating-point pipeline busy, where one
 * running sum waits on every addition. TILE query rows are compared with each row j at once,
 * so row j is loaded once for all of them. The order of the arithmetic of one pair never
 * depends on the tile, the thread or the schedule, so a distance is an exact function of its
 * two rows and equal distances are real ties, broken by the lower row index.
 *
 * Early exit: every 8 columns, when each query's partial sum already exceeds its current k-th
 * best, row j cannot enter any heap (floating-point addition of non-negative terms never
 * decreases a sum) and the rest of its columns are skipped. Rows that may enter get their full
 * sum.
 */
enum { LANES = 4, TILE = 4, EARLY_EXIT_COLUMNS = 8 };

/* The neighbour heaps of one tile of query rows. */
typedef struct tile {
    size_t row[TILE]; /* query rows; a short last tile repeats its last row */
    neighbour *heap[TILE];
    size_t len[TILE];
} tile;

static double lanes_sum(const double s[LANES])
{
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* Offers row j at squared distance dist to a heap of at most m entries. */
static void offer(neighbour heap[], size_t *len, size_t m, double dist, size_t j)
{
    neighbour cand = {dist, j};
    if (*len < m) {
        heap[*len] = cand;
        sift_up(heap, (*len)++);
    } else if (ranks_after(&heap[0], &cand)) {
        heap[0] = cand;
        sift_down(heap, m);
    }
}

/* 1 when no query of the tile can take row j: each partial sum is above its k-th best. */
static int all_beyond(double s[TILE][LANES], const double bound[TILE])
{
    for (size_t q = 0; q < TILE; q++) {
        if (!(lanes_sum(s[q]) > bound[q])) {
            return 0;
        }
    }
    return 1;
}

/* Squared distances of the tile's query rows qs to row zj, or 0 when all exit early. */
static int tile_distances(double dist[TILE], const double *const qs[TILE], const double *zj,
                          size_t d, const double bound[TILE])
{
    double s[TILE][LANES] = {{0.0}};
    size_t c = 0;
    for (; c + LANES <= d; c += LANES) {
        for (size_t q = 0; q < TILE; q++) {
            for (size_t l = 0; l < LANES; l++) {
                double t = qs[q][c + l] - zj[c + l];
                s[q][l] += t * t;
            }
        }
        if ((c + LANES) % EARLY_EXIT_COLUMNS == 0 && all_beyond(s, bound)) {
            return 0;
        }
    }
    for (; c < d; c++) {
        for (size_t q = 0; q < TILE; q++) {
            double t = qs[q][c] - zj[c];
            s[q][c % LANES] += t * t;
        }
    }
    for (size_t q = 0; q < TILE; q++) {
        dist[q] = lanes_sum(s[q]);
    }
    return 1;
}

/* Fills the heaps of the tile with the m nearest rows other than each query row itself. */
static void tile_search(tile *t, const double *z, size_t n, size_t d, size_t m)
{
    const double *qs[TILE];
    double bound[TILE], dist[TILE];
    for (size_t q = 0; q < TILE; q++) {
        qs[q] = z + t->row[q] * d;
        t->len[q] = 0;
    }
    for (size_t j = 0; j < n; j++) {
        for (size_t q = 0; q < TILE; q++) {
            bound[q] = t->len[q] == m ? t->heap[q][0].d : INFINITY;
        }
        if (!tile_distances(dist, qs, z + j * d, d, bound)) {
            continue;
        }
        for (size_t q = 0; q < TILE; q++) {
            if (j != t->row[q]) {
                offer(t->heap[q], &t->len[q], m, dist[q], j);
            }
        }
    }
}

/* z = standardised copy of x: (x - mean) / sd per column, 0 for a constant column. */
static void standardise(double *z, const double x[], size_t n, size_t d)
{
    for (size_t c = 0; c < d; c++) {
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++) {
            mean += x[i * d + c];
        }
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double t = x[i * d + c] - mean;
            ss += t * t;
        }
        double sd = sqrt(ss / (double)n);
        double scale = sd > 0.0 ? 1.0 / sd : 0.0;
        for (size_t i = 0; i < n; i++) {
            z[i * d + c] = (x[i * d + c] - mean) * scale;
        }
    }
}

static int check_consistency_input(const double x[], size_t n_rows, size_t n_cols,
                                   const double yhat[], const fa_consistency_options *o,
                                   fa_error *err)
{
    size_t max_rows = o->max_rows > 0 ? o->max_rows : FA_CONSISTENCY_MAX_ROWS;
    size_t need = o->include_self ? o->k : o->k + 1;
    if (o->k == 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "consistency: k must be at least 1");
    }
    /* compared without `need`, which wraps for k = SIZE_MAX; n_rows == 0 spelled out for
       the analyzer (it implies n_rows < k as k >= 1) */
    if (n_rows == 0 || n_rows < o->k || (!o->include_self && n_rows == o->k)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "consistency: k = %zu neighbours need at least %zu rows%s, got %zu",
                            o->k, need, o->include_self ? "" : " (a row is not its own neighbour)",
                            n_rows);
    }
    if (n_cols == 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "consistency: no feature columns");
    }
    if (n_rows > max_rows && !o->force) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "consistency: %zu rows exceed the limit of %zu for the exact "
                            "neighbour search (n^2 distances); force it to run anyway",
                            n_rows, max_rows);
    }
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t c = 0; c < n_cols; c++) {
            if (!isfinite(x[i * n_cols + c])) {
                return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                    "consistency: row %zu, column %zu: feature is not finite "
                                    "(%g); impute missing values first",
                                    i + 1, c + 1, x[i * n_cols + c]);
            }
        }
        if (!isfinite(yhat[i])) {
            return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                "consistency: row %zu: prediction is not finite (%g)", i + 1,
                                yhat[i]);
        }
    }
    return FA_OK;
}

static int thread_count(int requested)
{
#ifdef _OPENMP
    return requested > 0 ? requested : omp_get_max_threads();
#else
    (void)requested;
    return 1;
#endif
}

int fa_individual_consistency_ext(double *out, const double x[], size_t n_rows, size_t n_cols,
                                  const double yhat[], const fa_consistency_options *opts,
                                  fa_error *err)
{
    assert(out != NULL && x != NULL && yhat != NULL && opts != NULL);
    int rc = check_consistency_input(x, n_rows, n_cols, yhat, opts, err);
    if (rc != FA_OK) {
        return rc;
    }
    size_t m = opts->include_self ? opts->k - 1 : opts->k; /* other rows per neighbourhood */
    int nt = thread_count(opts->threads);
    double *z = n_cols <= SIZE_MAX / n_rows ? fa_alloc_array(n_rows * n_cols, sizeof *z) : NULL;
    double *dev = fa_alloc_array(n_rows, sizeof *dev);
    neighbour *heaps = (size_t)nt <= SIZE_MAX / TILE / (m + 1)
                           ? fa_alloc_array((size_t)nt * TILE * (m + 1), sizeof *heaps)
                           : NULL;
    if (z == NULL || dev == NULL || heaps == NULL) {
        free(z);
        free(dev);
        free(heaps);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0,
                            "consistency: out of memory for %zu x %zu standardised features",
                            n_rows, n_cols);
    }
    standardise(z, x, n_rows, n_cols);
    double k = (double)opts->k;
    size_t n_tiles = n_rows / TILE + (n_rows % TILE != 0);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
#ifdef _OPENMP
        neighbour *mine = heaps + (size_t)omp_get_thread_num() * TILE * (m + 1);
#else
        neighbour *mine = heaps;
#endif
        tile t;
        for (size_t q = 0; q < TILE; q++) {
            t.heap[q] = mine + q * (m + 1);
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 4)
#endif
        for (size_t ti = 0; ti < n_tiles; ti++) {
            for (size_t q = 0; q < TILE; q++) {
                size_t i = ti * TILE + q;
                t.row[q] = i < n_rows ? i : n_rows - 1;
            }
            if (m > 0) {
                tile_search(&t, z, n_rows, n_cols, m);
            }
            for (size_t q = 0; q < TILE && ti * TILE + q < n_rows; q++) {
                size_t i = t.row[q];
                double sum = opts->include_self ? yhat[i] : 0.0;
                for (size_t e = 0; m > 0 && e < t.len[q]; e++) {
                    sum += yhat[t.heap[q][e].j];
                }
                dev[i] = fabs(yhat[i] - sum / k);
            }
        }
    }
    /* summed in row order after the parallel loop: the same bytes for any thread count */
    double total = 0.0;
    for (size_t i = 0; i < n_rows; i++) {
        total += dev[i];
    }
    *out = 1.0 - total / (double)n_rows;
    free(z);
    free(dev);
    free(heaps);
    return FA_OK;
}

int fa_individual_consistency(double *out, const double x[], size_t n_rows, size_t n_cols,
                              const double yhat[], size_t k, int include_self, fa_error *err)
{
    fa_consistency_options o = FA_CONSISTENCY_OPTIONS_INIT;
    o.k = k;
    o.include_self = include_self;
    return fa_individual_consistency_ext(out, x, n_rows, n_cols, yhat, &o, err);
}
