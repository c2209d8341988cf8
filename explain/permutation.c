/*
 * explain/permutation.c - permutation importance (Breiman 2001; scikit-learn's
 * sklearn.inspection.permutation_importance).
 *
 * For feature (or feature group) k and repeat r: shuffle the rows of k's columns with one
 * permutation, predict every row, score, and record importance = score(original) -
 * score(permuted); for a loss (log_loss, brier) the sign is flipped, as scikit-learn's
 * neg_log_loss / neg_brier_score flip it, so that a helpful feature is positive either way.
 * Mean and standard deviation (ddof 0) over the repeats.
 *
 * Differences from scikit-learn, on purpose:
 * - Randomness. scikit-learn restarts one RandomState per feature and compounds the shuffles
 *   of successive repeats. Here every (k, r) pair draws a fresh shuffle of the identity from
 *   its own gsl_rng_mt19937 seeded from (seed, k, r), so that pairs can run on any thread in
 *   any order and the result is the same bits whatever the thread count. Both are uniform
 *   permutations, so the two agree in distribution, not digit for digit.
 * - max_samples. scikit-learn scores the baseline on every row and the permuted copies on a
 *   subsample, which adds the subsample's own sampling error to every importance (an unused
 *   feature then gets a non-zero importance). Here the one subsample (drawn from the seed)
 *   serves the baseline and every feature, so an unused feature still scores exactly 0.
 *
 * Memory: a thread owns a "window" of rows of the matrix. When a copy of the whole matrix
 * per thread fits in FA_PERMUTATION__WINDOW_BYTES, the window is that copy, made once: a
 * repeat overwrites k's columns with the shuffled values, predicts, and writes the original
 * values back (column-sized traffic, never a matrix copy per feature). Otherwise the window
 * holds a block of rows, refilled from the matrix block by block. Nothing is allocated once
 * the work starts.
 *
 * Speed: for an XGBoost model, the baseline prediction also builds an index of the rows by
 * the leaf they reach in each tree, with their exact sums of leaves (shared by the threads,
 * about 2 bytes per row and tree plus a copy of the matrix by column, up to
 * FA_PERMUTATION__LEAF_BYTES; model.h), and a repeat re-walks only the rows of the leaves
 * below a split on a shuffled column, from that split (fa_xgboost__delta_predict): no
 * window is needed, and the margins are the bits of a full prediction.
 *
 * An undefined score (roc_auc with one class, a summary over fewer than two defined groups)
 * is NAN; it propagates to the importances and their mean, as in numpy.
 */
#include "explain/permutation.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common/alloc.h"
#include "common/error.h"
#include "explain/model.h"
#include "metrics/disparity.h"
#include "metrics/scores.h"
#include "metrics/summary.h"

/* Total bytes of the per-thread copies of the matrix before the windows become row blocks:
 * 1e5 x 20 doubles (16 MB) per thread stays a whole-matrix copy on a 2-core machine. */
#define FA_PERMUTATION__WINDOW_BYTES ((size_t)256 << 20)

/* Largest index of the rows for incremental prediction (about 2 bytes per tree and row and a
 * copy of the matrix: 38 MB for 1e5 rows, 20 features and 100 trees); beyond it every repeat
 * predicts in full. */
#define FA_PERMUTATION__LEAF_BYTES ((size_t)256 << 20)

/* The subsample's random stream: a "feature index" no feature has. */
#define FA_PERMUTATION__SUBSAMPLE_STREAM UINT64_MAX

typedef enum score_kind {
    SK_ACCURACY = 0,
    SK_BALANCED_ACCURACY,
    SK_ROC_AUC,
    SK_LOG_LOSS,
    SK_BRIER,
    SK_SUMMARY
} score_kind;

static const char *const PERFORMANCE[] = {"accuracy", "balanced_accuracy", "roc_auc", "log_loss",
                                          "brier"};
#define N_PERFORMANCE (sizeof PERFORMANCE / sizeof PERFORMANCE[0])

typedef struct scoring {
    score_kind kind;
    int slot;  /* the summary slot of SK_SUMMARY */
    int needs; /* FA_SCORING_NEEDS_* */
    const char *name;
} scoring;

struct fa_permutation_result {
    char *scoring;
    size_t n, repeats, rows;
    double baseline;
    char **names;
    double *mean, *std, *values; /* values: n x repeats */
};

/* What every task reads; shared by the threads, never written during the work. */
typedef struct problem {
    const fa_model *model;
    const double *x;   /* m x p, the rows scored */
    const double *y;   /* m labels, or NULL */
    const uint32_t *g; /* m dense group codes, or NULL */
    size_t m, p, n_groups;
    const size_t *unit_start; /* n_units + 1 offsets into unit_cols */
    const size_t *unit_cols;
    size_t n_units, repeats, window_rows;
    const fa_xgboost_index *index; /* an XGBoost model's index of the rows, or NULL */
    size_t max_unit;               /* columns of the largest unit */
    scoring sc;
    double threshold;
    size_t min_group_size;
    uint64_t seed;
} problem;

/* A (score, label) pair for the rank-based AUC. */
typedef struct scored {
    double s;
    double y;
} scored;

/* One thread's workspace, allocated before the work starts. */
typedef struct workspace {
    double *window; /* window_rows x p; NULL with pb->index */
    double *pred;   /* m */
    size_t *perm;   /* m */
    gsl_rng *rng;
    scored *pairs;           /* m, roc_auc only */
    fa_counts *counts;       /* n_groups, summaries only */
    double *vals;            /* n_groups */
    unsigned char *excl;     /* n_groups */
    fa_xgboost_delta *delta; /* with pb->index */
    size_t failed_task;      /* SIZE_MAX: none */
    fa_error err;
} workspace;

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* splitmix64's finaliser (Steele, Lea and Flood 2014): neighbouring inputs give unrelated
 * outputs, so (seed, k, r) and (seed, k, r + 1) seed unrelated streams. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* gsl's mt19937 keeps the low 32 bits of its seed: take the best-mixed 32. */
static unsigned long stream_seed(uint64_t seed, uint64_t a, uint64_t b)
{
    return (unsigned long)(mix64(mix64(mix64(seed) ^ a) ^ b) >> 32);
}

static int scoring_parse(scoring *sc, const char *name)
{
    sc->name = name ? name : PERFORMANCE[SK_ACCURACY];
    sc->slot = -1;
    for (size_t i = 0; i < N_PERFORMANCE; i++) {
        if (strcmp(sc->name, PERFORMANCE[i]) == 0) {
            sc->kind = (score_kind)i;
            sc->needs = FA_SCORING_NEEDS_LABELS;
            return 0;
        }
    }
    sc->slot = fa_summary_from_name(sc->name);
    if (sc->slot < 0) {
        return -1;
    }
    sc->kind = SK_SUMMARY;
    int base = sc->slot % FA_SUMMARY_COUNT;
    /* the demographic-parity summaries compare selection rates only */
    int labels = base != FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE &&
                 base != FA_SUMMARY_DEMOGRAPHIC_PARITY_RATIO;
    sc->needs = FA_SCORING_NEEDS_GROUPS | (labels ? FA_SCORING_NEEDS_LABELS : 0);
    return 0;
}

int fa_permutation_scoring_needs(const char *name)
{
    scoring sc;
    return scoring_parse(&sc, name) == 0 ? sc.needs : -1;
}

/* ------------------------------------------------------------------------- scores */

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x > y) - (x < y);
}

/*
 * The rank-based AUC (Mann-Whitney): (sum of the positives' mid-ranks - P (P + 1) / 2) / (P N),
 * which counts a tied (positive, negative) pair as half, the trapezoidal area under the ROC
 * curve. Ranks and their sums are integers or halves below 2^53, so they add exactly.
 * metrics/scores.c computes the same from a per-score accumulator, but allocates on every
 * call, which a repeat must not.
 */
static double roc_auc(scored *pairs, const double pred[], const double y[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(pred[i])) {
            return NAN;
        }
        pairs[i].s = pred[i];
        pairs[i].y = y[i];
    }
    qsort(pairs, n, sizeof *pairs, cmp_scored);
    double rank_sum = 0.0, n_pos = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double pos = 0.0;
        while (j < n && pairs[j].s == pairs[i].s) {
            pos += pairs[j].y;
            j++;
        }
        rank_sum += pos * ((double)(i + 1) + (double)j) / 2.0; /* mid-rank of ranks i+1..j */
        n_pos += pos;
        i = j;
    }
    double n_neg = (double)n - n_pos;
    if (n_pos == 0.0 || n_neg == 0.0) {
        return NAN;
    }
    return (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg);
}

/*
 * Mean of a per-row loss: -log of the probability given to the true class, or (p - y)^2.
 * The log loss clips p to [eps, 1 - eps] first, then takes 1 - p, as metrics/scores.c does
 * (the same default eps, scikit-learn's before 1.2).
 */
static double mean_loss(score_kind kind, const double pred[], const double y[], size_t n)
{
    const double lo = FA_DEFAULT_LOG_LOSS_EPS, hi = 1.0 - FA_DEFAULT_LOG_LOSS_EPS;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (kind == SK_LOG_LOSS) {
            double c = pred[i] < lo ? lo : (pred[i] > hi ? hi : pred[i]);
            sum -= y[i] != 0.0 ? log(c) : log(1.0 - c);
        } else {
            double d = pred[i] - y[i];
            sum += d * d;
        }
    }
    return sum / (double)n;
}

/* The fairness summary of the thresholded predictions, from each group's counts. */
static double summary_score(workspace *ws, const problem *pb, const double pred[])
{
    static const fa_metric USED[] = {FA_METRIC_SELECTION_RATE, FA_METRIC_TRUE_POSITIVE_RATE,
                                     FA_METRIC_FALSE_POSITIVE_RATE,
                                     FA_METRIC_POSITIVE_PREDICTIVE_VALUE, FA_METRIC_ERROR_RATE};
    memset(ws->counts, 0, pb->n_groups * sizeof *ws->counts);
    for (size_t i = 0; i < pb->m; i++) {
        int label = pb->y != NULL && pb->y[i] != 0.0;
        fa_counts_add_row(&ws->counts[pb->g[i]], label, pred[i] > pb->threshold, 1.0, NAN);
    }
    fa_counts all;
    memset(&all, 0, sizeof all);
    for (size_t g = 0; g < pb->n_groups; g++) {
        fa_counts_add(&all, &ws->counts[g]);
        ws->excl[g] = ws->counts[g].rows < pb->min_group_size ? FA_EXCL_SMALL : FA_EXCL_NONE;
    }
    fa_disparity disp[FA_METRIC_COUNT_ALL];
    memset(disp, 0, sizeof disp);
    for (size_t u = 0; u < sizeof USED / sizeof USED[0]; u++) {
        fa_metric m = USED[u];
        for (size_t g = 0; g < pb->n_groups; g++) {
            ws->vals[g] = fa_metric_value(m, &ws->counts[g], &all, NULL);
        }
        fa_disparity_compute(&disp[m], ws->vals, ws->excl, pb->n_groups,
                             fa_metric_value(m, &all, &all, NULL));
    }
    double out[FA_SUMMARY_SLOTS];
    fa_summary_compute(out, disp);
    return out[pb->sc.slot];
}

/* The score of predictions pred[0..m) (a loss for log_loss and brier). */
static double score(workspace *ws, const problem *pb, const double pred[])
{
    switch (pb->sc.kind) {
    case SK_ACCURACY:
    case SK_BALANCED_ACCURACY: {
        fa_counts c;
        memset(&c, 0, sizeof c);
        for (size_t i = 0; i < pb->m; i++) {
            fa_counts_add_row(&c, pb->y[i] != 0.0, pred[i] > pb->threshold, 1.0, NAN);
        }
        fa_metric m = pb->sc.kind == SK_ACCURACY ? FA_METRIC_ACCURACY : FA_METRIC_BALANCED_ACCURACY;
        return fa_metric_value(m, &c, &c, NULL);
    }
    case SK_ROC_AUC:
        return roc_auc(ws->pairs, pred, pb->y, pb->m);
    case SK_LOG_LOSS:
    case SK_BRIER:
        return mean_loss(pb->sc.kind, pred, pb->y, pb->m);
    default:
        return summary_score(ws, pb, pred);
    }
}

/* importance = score(original) - score(permuted); loss(permuted) - loss(original). */
static double importance(const problem *pb, double baseline, double permuted)
{
    if (pb->sc.kind == SK_LOG_LOSS || pb->sc.kind == SK_BRIER) {
        return permuted - baseline;
    }
    return baseline - permuted;
}

/* ------------------------------------------------------------------------- one task */

/* Rows [s, s + rows) of the window: k's columns from the shuffled rows, or back from the
 * original rows when perm is NULL. */
static void set_columns(double *window, const problem *pb, const size_t cols[], size_t n_cols,
                        const size_t *perm, size_t s, size_t rows)
{
    const size_t p = pb->p;
    for (size_t i = 0; i < rows; i++) {
        const double *src = pb->x + (perm ? perm[s + i] : s + i) * p;
        double *dst = window + i * p;
        for (size_t c = 0; c < n_cols; c++) {
            dst[cols[c]] = src[cols[c]];
        }
    }
}

/* Repeat r of unit k: shuffle, predict every row through the window, score. */
static int run_task(workspace *ws, const problem *pb, size_t k, size_t r, double *out)
{
    const size_t m = pb->m, p = pb->p, b = pb->window_rows;
    const size_t *cols = pb->unit_cols + pb->unit_start[k];
    const size_t n_cols = pb->unit_start[k + 1] - pb->unit_start[k];
    const int whole = b >= m;
    gsl_rng_set(ws->rng, stream_seed(pb->seed, k, r));
    for (size_t i = 0; i < m; i++) {
        ws->perm[i] = i;
    }
    gsl_ran_shuffle(ws->rng, ws->perm, m, sizeof *ws->perm);
    if (ws->delta != NULL) { /* the same bits as predicting the shuffled matrix in full */
        fa_xgboost__delta_predict(ws->pred, ws->delta, cols, n_cols, NULL, ws->perm);
        fa_model__convert(pb->model, ws->pred, m, FA_OUTPUT_PROBABILITY);
        *out = score(ws, pb, ws->pred);
        return FA_OK;
    }
    for (size_t s = 0; s < m; s += b) {
        size_t rows = m - s < b ? m - s : b;
        if (!whole) {
            memcpy(ws->window, pb->x + s * p, rows * p * sizeof *ws->window);
        }
        set_columns(ws->window, pb, cols, n_cols, ws->perm, s, rows);
        int st = fa_model_predict(pb->model, ws->pred + s, ws->window, rows, FA_OUTPUT_PROBABILITY,
                                  &ws->err);
        if (whole) {
            set_columns(ws->window, pb, cols, n_cols, NULL, s, rows);
        }
        if (st != FA_OK) {
            return st;
        }
    }
    *out = score(ws, pb, ws->pred);
    return FA_OK;
}

/* ------------------------------------------------------------------------- set-up */

static void workspace_dispose(workspace *ws)
{
    free(ws->window);
    free(ws->pred);
    free(ws->perm);
    gsl_rng_free(ws->rng);
    fa_xgboost__delta_free(ws->delta);
    free(ws->pairs);
    free(ws->counts);
    free(ws->vals);
    free(ws->excl);
}

static int workspace_init(workspace *ws, const problem *pb)
{
    memset(ws, 0, sizeof *ws);
    ws->failed_task = SIZE_MAX;
    fa_error_clear(&ws->err);
    if (pb->index == NULL) {
        ws->window = fa_alloc_array(pb->window_rows * pb->p, sizeof *ws->window);
    }
    ws->pred = fa_alloc_array(pb->m, sizeof *ws->pred);
    ws->perm = fa_alloc_array(pb->m, sizeof *ws->perm);
    ws->rng = gsl_rng_alloc(gsl_rng_mt19937);
    int bad = (pb->index == NULL && ws->window == NULL) || ws->pred == NULL || ws->perm == NULL ||
              ws->rng == NULL;
    if (pb->index != NULL) {
        bad |= fa_xgboost__delta_create(&ws->delta, pb->index, pb->max_unit) != FA_OK;
    }
    if (pb->sc.kind == SK_ROC_AUC) {
        bad |= (ws->pairs = fa_alloc_array(pb->m, sizeof *ws->pairs)) == NULL;
    }
    if (pb->sc.kind == SK_SUMMARY) {
        ws->counts = fa_alloc_array(pb->n_groups, sizeof *ws->counts);
        ws->vals = fa_alloc_array(pb->n_groups, sizeof *ws->vals);
        ws->excl = fa_alloc_array(pb->n_groups, sizeof *ws->excl);
        bad |= ws->counts == NULL || ws->vals == NULL || ws->excl == NULL;
    }
    if (bad) {
        return -1;
    }
    if (ws->window != NULL && pb->window_rows >= pb->m) {
        memcpy(ws->window, pb->x, pb->m * pb->p * sizeof *ws->window);
    }
    return 0;
}

static int validate(const fa_model *model, const double x[], size_t n_rows, const double y[],
                    const int32_t group[], const fa_permutation_options *o, const scoring *sc,
                    fa_error *err)
{
    if (model == NULL || x == NULL) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "permutation importance: no %s",
                            model == NULL ? "model" : "matrix");
    }
    size_t n_features = fa_model_n_features(model);
    if (n_rows == 0 || n_features == 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "permutation importance: no rows or no features");
    }
    if (o->repeats == 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "repeats must be at least 1");
    }
    size_t n_units = o->n_feature_groups ? o->n_feature_groups : n_features;
    if (n_units > SIZE_MAX / sizeof(double) / o->repeats) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "too many repeats: %zu", o->repeats);
    }
    if (!isfinite(o->threshold)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "threshold must be a finite number");
    }
    if (o->max_samples > n_rows) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "max_samples %zu is larger than the number of rows (%zu)",
                            o->max_samples, n_rows);
    }
    if ((sc->needs & FA_SCORING_NEEDS_LABELS) && y == NULL) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "scoring '%s' needs the labels", sc->name);
    }
    if ((sc->needs & FA_SCORING_NEEDS_GROUPS) && group == NULL) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "scoring '%s' needs group codes", sc->name);
    }
    for (size_t i = 0; y != NULL && i < n_rows; i++) {
        if (y[i] != 0.0 && y[i] != 1.0) {
            return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                "label of row %zu is %.17g: expected 0 or 1", i + 1, y[i]);
        }
    }
    if (o->n_feature_groups > 0 &&
        (o->feature_group_members == NULL || o->feature_group_sizes == NULL)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "feature groups need their members and sizes");
    }
    for (size_t g = 0, at = 0; g < o->n_feature_groups; g++) {
        const char *name = o->feature_group_names ? o->feature_group_names[g] : "";
        if (o->feature_group_sizes[g] == 0) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "feature group %zu '%s' is empty", g,
                                name);
        }
        for (size_t i = 0; i < o->feature_group_sizes[g]; i++, at++) {
            if (o->feature_group_members[at] >= n_features) {
                return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                    "feature group %zu '%s': feature index %zu is out of range "
                                    "(the model has %zu features)",
                                    g, name, o->feature_group_members[at], n_features);
            }
        }
    }
    return FA_OK;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Dense codes 0..n_groups-1 of the rows' group codes, every negative code one group. */
static int dense_groups(uint32_t *dense, size_t *n_groups, const int32_t group[],
                        const size_t rows[], size_t m)
{
    int32_t *sorted = fa_alloc_array(m, sizeof *sorted);
    if (sorted == NULL) {
        return -1;
    }
    for (size_t i = 0; i < m; i++) {
        int32_t c = group[rows ? rows[i] : i];
        sorted[i] = c < 0 ? -1 : c;
    }
    qsort(sorted, m, sizeof *sorted, cmp_i32);
    size_t n = 0;
    for (size_t i = 0; i < m; i++) {
        if (n == 0 || sorted[i] != sorted[n - 1]) {
            sorted[n++] = sorted[i];
        }
    }
    for (size_t i = 0; i < m; i++) {
        int32_t c = group[rows ? rows[i] : i];
        c = c < 0 ? -1 : c;
        const int32_t *hit = bsearch(&c, sorted, n, sizeof *sorted, cmp_i32);
        dense[i] = (uint32_t)(hit - sorted);
    }
    free(sorted);
    *n_groups = n;
    return 0;
}

/* The rows scored, their labels and dense group codes: all rows, or a subsample drawn in
 * row order without replacement (gsl_ran_choose) from the seed's own stream. */
typedef struct rows_data {
    double *x, *y; /* owned copies when subsampled */
    uint32_t *g;   /* owned always (dense codes) */
} rows_data;

static int select_rows(rows_data *rd, problem *pb, const double x[], size_t n_rows,
                       const double y[], const int32_t group[], size_t max_samples)
{
    const size_t p = pb->p;
    size_t *rows = NULL;
    pb->x = x;
    pb->y = y;
    pb->m = n_rows;
    if (max_samples > 0 && max_samples < n_rows) {
        size_t *all = fa_alloc_array(n_rows, sizeof *all);
        rows = fa_alloc_array(max_samples, sizeof *rows);
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        rd->x = fa_alloc_array(max_samples, p * sizeof *rd->x);
        rd->y = y ? fa_alloc_array(max_samples, sizeof *rd->y) : NULL;
        int bad = all == NULL || rows == NULL || rng == NULL || rd->x == NULL ||
                  (y != NULL && rd->y == NULL);
        if (!bad) {
            for (size_t i = 0; i < n_rows; i++) {
                all[i] = i;
            }
            gsl_rng_set(rng, stream_seed(pb->seed, FA_PERMUTATION__SUBSAMPLE_STREAM, 0));
            gsl_ran_choose(rng, rows, max_samples, all, n_rows, sizeof *all);
            for (size_t i = 0; i < max_samples; i++) {
                memcpy(rd->x + i * p, x + rows[i] * p, p * sizeof *rd->x);
                if (y != NULL) {
                    rd->y[i] = y[rows[i]];
                }
            }
            pb->x = rd->x;
            pb->y = rd->y;
            pb->m = max_samples;
        }
        free(all);
        gsl_rng_free(rng);
        if (bad) {
            free(rows);
            return -1;
        }
    }
    int st = 0;
    if (group != NULL && pb->sc.kind == SK_SUMMARY) {
        rd->g = fa_alloc_array(pb->m, sizeof *rd->g);
        st = rd->g == NULL ? -1 : dense_groups(rd->g, &pb->n_groups, group, rows, pb->m);
        pb->g = rd->g;
    }
    free(rows);
    return st;
}

/* Units: each feature alone, or the options' feature groups. */
static int make_units(size_t **start, size_t **cols, size_t *n_units, size_t n_features,
                      const fa_permutation_options *o)
{
    size_t n = o->n_feature_groups ? o->n_feature_groups : n_features;
    size_t total = 0;
    for (size_t g = 0; g < o->n_feature_groups; g++) {
        total += o->feature_group_sizes[g];
    }
    *start = fa_alloc_array(n + 1, sizeof **start);
    *cols = fa_alloc_array(o->n_feature_groups ? total : n_features, sizeof **cols);
    if (*start == NULL || *cols == NULL) {
        return -1;
    }
    (*start)[0] = 0;
    for (size_t k = 0; k < n; k++) {
        size_t size = o->n_feature_groups ? o->feature_group_sizes[k] : 1;
        (*start)[k + 1] = (*start)[k] + size;
    }
    for (size_t i = 0; i < (*start)[n]; i++) {
        (*cols)[i] = o->n_feature_groups ? o->feature_group_members[i] : i;
    }
    *n_units = n;
    return 0;
}

/* ------------------------------------------------------------------------- result */

static fa_permutation_result *result_create(const problem *pb, const fa_permutation_options *o)
{
    fa_permutation_result *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return NULL;
    }
    r->n = pb->n_units;
    r->repeats = pb->repeats;
    r->rows = pb->m;
    r->scoring = fa_strdup(pb->sc.name);
    r->names = fa_calloc_array(r->n, sizeof *r->names);
    r->mean = fa_alloc_array(r->n, sizeof *r->mean);
    r->std = fa_alloc_array(r->n, sizeof *r->std);
    r->values = fa_alloc_array(r->n, r->repeats * sizeof *r->values);
    int bad = r->scoring == NULL || r->names == NULL || r->mean == NULL || r->std == NULL ||
              r->values == NULL;
    for (size_t k = 0; !bad && k < r->n; k++) {
        char buf[48];
        const char *name;
        if (o->n_feature_groups > 0) {
            name = o->feature_group_names ? o->feature_group_names[k] : NULL;
            if (name == NULL) {
                snprintf(buf, sizeof buf, "group_%zu", k);
                name = buf;
            }
        } else {
            name = fa_model_feature_name(pb->model, k);
        }
        bad = (r->names[k] = fa_strdup(name)) == NULL;
    }
    if (bad) {
        fa_permutation_result_free(r);
        return NULL;
    }
    return r;
}

/* Runs every (unit, repeat) task on `threads` threads into r->values. */
static int run_tasks(fa_permutation_result *r, workspace *ws, int threads, const problem *pb,
                     fa_error *err)
{
    const size_t n_tasks = pb->n_units * pb->repeats;
    int failed = 0;
#pragma omp parallel num_threads(threads)
    {
        workspace *w = &ws[thread_id()];
#pragma omp for schedule(dynamic, 1)
        for (size_t t = 0; t < n_tasks; t++) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop) {
                continue;
            }
            double s = NAN;
            if (run_task(w, pb, t / pb->repeats, t % pb->repeats, &s) != FA_OK) {
                w->failed_task = t;
#pragma omp atomic write
                failed = 1;
                continue;
            }
            r->values[t] = importance(pb, r->baseline, s);
        }
    }
    if (!failed) {
        return FA_OK;
    }
    const workspace *first = NULL;
    for (int i = 0; i < threads; i++) {
        if (ws[i].failed_task != SIZE_MAX &&
            (first == NULL || ws[i].failed_task < first->failed_task)) {
            first = &ws[i];
        }
    }
    if (err != NULL) {
        *err = first->err;
    }
    return first->err.status < 0 ? first->err.status : FA_EINTERNAL;
}

/*
 * The baseline's predictions into pred[] (m entries), building the index of the rows into
 * pb->index when the model has one and it fits leaf_bytes (else NULL: every repeat then
 * predicts in full, which gives the same bits, so a failed index only costs time).
 */
static int predict_baseline(double pred[], fa_xgboost_index **index, problem *pb, size_t leaf_bytes,
                            fa_error *err)
{
    *index = NULL;
    if (fa_xgboost__index_bytes(pb->model, pb->m) <= leaf_bytes &&
        fa_xgboost__index_create(index, pred, pb->model, pb->x, pb->m) == FA_OK) {
        pb->index = *index;
        fa_model__convert(pb->model, pred, pb->m, FA_OUTPUT_PROBABILITY);
        return FA_OK;
    }
    return fa_model_predict(pb->model, pred, pb->x, pb->m, FA_OUTPUT_PROBABILITY, err);
}

/* Baseline, then every task, then the means and standard deviations. */
static int compute(fa_permutation_result *r, problem *pb, size_t leaf_bytes, int threads,
                   fa_error *err)
{
    workspace *ws = fa_calloc_array((size_t)threads, sizeof *ws);
    double *base = fa_alloc_array(pb->m, sizeof *base);
    fa_xgboost_index *index = NULL;
    if (ws == NULL || base == NULL) {
        free(ws);
        free(base);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int st = predict_baseline(base, &index, pb, leaf_bytes, err), made = 0;
    for (; made < threads && st == FA_OK; made++) {
        if (workspace_init(&ws[made], pb) != 0) {
            st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    if (st == FA_OK) {
        memcpy(ws[0].pred, base, pb->m * sizeof *base);
    }
    if (st == FA_OK) {
        r->baseline = score(&ws[0], pb, ws[0].pred);
        st = run_tasks(r, ws, threads, pb, err);
    }
    for (size_t k = 0; st == FA_OK && k < r->n; k++) {
        const double *v = r->values + k * r->repeats;
        r->mean[k] = gsl_stats_mean(v, 1, r->repeats);
        r->std[k] = gsl_stats_sd_with_fixed_mean(v, 1, r->repeats, r->mean[k]);
    }
    for (int i = 0; i < made; i++) {
        workspace_dispose(&ws[i]);
    }
    free(ws);
    free(base);
    fa_xgboost__index_free(index);
    pb->index = NULL;
    return st;
}

/* Threads to use, and the rows of a thread's window for a budget of window_bytes. */
static int plan(problem *pb, const fa_permutation_options *o, size_t window_bytes)
{
    int threads = o->threads > 0 ? o->threads : max_threads();
    size_t n_tasks = pb->n_units * pb->repeats;
    if (!fa_model_thread_safe(pb->model) || threads < 1) {
        threads = 1;
    }
    if ((size_t)threads > n_tasks) {
        threads = (int)n_tasks;
    }
    size_t row_bytes = pb->p * sizeof(double) * (size_t)threads;
    pb->window_rows = pb->m;
    if (row_bytes > 0 && pb->m > window_bytes / row_bytes) {
        pb->window_rows = window_bytes / row_bytes > 0 ? window_bytes / row_bytes : 1;
    }
    return threads;
}

int fa_permutation__run(fa_permutation_result **out, const fa_model *m, const double x[],
                        size_t n_rows, const double y[], const int32_t group[],
                        const fa_permutation_options *opts, size_t window_bytes, size_t leaf_bytes,
                        fa_error *err)
{
    *out = NULL;
    problem pb;
    memset(&pb, 0, sizeof pb);
    if (opts == NULL || scoring_parse(&pb.sc, opts->scoring) != 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "unknown scoring '%s'",
                            opts && opts->scoring ? opts->scoring : "(null)");
    }
    int st = validate(m, x, n_rows, y, group, opts, &pb.sc, err);
    if (st != FA_OK) {
        return st;
    }
    pb.model = m;
    pb.p = fa_model_n_features(m);
    pb.repeats = opts->repeats;
    pb.threshold = opts->threshold;
    pb.min_group_size = opts->min_group_size;
    pb.seed = opts->seed;
    rows_data rd = {NULL, NULL, NULL};
    size_t *unit_start = NULL, *unit_cols = NULL;
    fa_permutation_result *r = NULL;
    const double *labels = pb.sc.needs & FA_SCORING_NEEDS_LABELS ? y : NULL;
    if (select_rows(&rd, &pb, x, n_rows, labels, group, opts->max_samples) != 0 ||
        make_units(&unit_start, &unit_cols, &pb.n_units, pb.p, opts) != 0) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        pb.unit_start = unit_start;
        pb.unit_cols = unit_cols;
        for (size_t k = 0; k < pb.n_units; k++) {
            size_t w = unit_start[k + 1] - unit_start[k];
            pb.max_unit = w > pb.max_unit ? w : pb.max_unit;
        }
        r = result_create(&pb, opts);
        int threads = plan(&pb, opts, window_bytes);
        st = r == NULL ? fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory")
                       : compute(r, &pb, leaf_bytes, threads, err);
    }
    free(rd.x);
    free(rd.y);
    free(rd.g);
    free(unit_start);
    free(unit_cols);
    if (st != FA_OK) {
        fa_permutation_result_free(r);
        return st;
    }
    *out = r;
    return FA_OK;
}

/* ------------------------------------------------------------------------- public */

int fa_permutation_importance(fa_permutation_result **out, const fa_model *m, const double x[],
                              size_t n_rows, const double y[], const int32_t group[],
                              const fa_permutation_options *opts, fa_error *err)
{
    return fa_permutation__run(out, m, x, n_rows, y, group, opts, FA_PERMUTATION__WINDOW_BYTES,
                               FA_PERMUTATION__LEAF_BYTES, err);
}

void fa_permutation_result_free(fa_permutation_result *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t k = 0; r->names != NULL && k < r->n; k++) {
        free(r->names[k]);
    }
    free(r->names);
    free(r->scoring);
    free(r->mean);
    free(r->std);
    free(r->values);
    free(r);
}

size_t fa_permutation_result_n(const fa_permutation_result *r)
{
    return r->n;
}

const char *fa_permutation_result_name(const fa_permutation_result *r, size_t k)
{
    return r->names[k];
}

double fa_permutation_result_mean(const fa_permutation_result *r, size_t k)
{
    return r->mean[k];
}

double fa_permutation_result_std(const fa_permutation_result *r, size_t k)
{
    return r->std[k];
}

const double *fa_permutation_result_values(const fa_permutation_result *r, size_t k)
{
    return r->values + k * r->repeats;
}

size_t fa_permutation_result_repeats(const fa_permutation_result *r)
{
    return r->repeats;
}

double fa_permutation_result_baseline(const fa_permutation_result *r)
{
    return r->baseline;
}

const char *fa_permutation_result_scoring(const fa_permutation_result *r)
{
    return r->scoring;
}

size_t fa_permutation_result_rows(const fa_permutation_result *r)
{
    return r->rows;
}
