/*
 * explain/shapley.c - Shapley values of a model's output (METRICS.md, "Attributions"):
 *
 *     phi_j(x) = sum over S not holding j of |S|! (p - |S| - 1)! / p! (v(S + j) - v(S))
 *
 * with the base value v(empty) last in each row, so that sum_j phi_j + base = v(all) = f(x)
 * (efficiency). Three estimators, each exact for its game:
 *
 * - tree (treeshap.c): path-dependent TreeSHAP of an XGBoost model, v(S) = E[f | x_S] under
 *   the trees' covers, no background; and interventional TreeSHAP, the game of `exact` below
 *   computed from the trees. Rows go to threads in blocks of FA_TREESHAP__BLOCK.
 * - linear: the interventional game v(S) = E_b[f(x_S, b_notS)] of a model whose margin is
 *   affine in x is additive: phi_j = w_j (x_j - mean_b[j]) and v(empty) = f(mean_b). Computed
 *   with the model's own operations (coef_j * ((x_j - mu_j) / scale_j)), and the base through
 *   the model's predict, so the values add up to its margin to rounding.
 * - exact: the interventional game of any model, all 2^p coalitions. Coalitions are visited
 *   in Gray-code order g(i) = i ^ (i >> 1), which flips bit ctz(i) from one to the next, so
 *   the n_bg composite rows (x_S, b_notS) are updated one column at a time; they are copied
 *   into batches of whole coalitions (~EXACT_BATCH_ROWS rows) for fa_model_predict. v(S) is
 *   the mean over the background, summed in background order. The weights are built from
 *   w(0) = 1 / p, w(s + 1) = w(s) (s + 1) / (p - s - 1), exact enough in double (p <= 20).
 *
 * Threads: OpenMP over rows, one workspace per thread allocated before the parallel loop;
 * every row's values come from the same operations in the same order whatever the thread,
 * so the output is bitwise the same for any thread count.
 */
#include "explain/shapley.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common/alloc.h"
#include "common/error.h"

/* Rows per model call of the exact estimator (whole coalitions; at least one coalition). */
#define EXACT_BATCH_ROWS 8192

/* "No row failed". */
#define NO_ROW SIZE_MAX

static int max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int fa_shap__thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* The threads to use: opts' count (0 = all cores), 1 for a model that is not thread-safe. */
int fa_shap__plan_threads(const fa_shap_options *o, const fa_model *m, size_t n_rows)
{
    int threads = o->threads > 0 ? o->threads : max_threads();
    if (threads < 1 || !fa_model_thread_safe(m)) {
        threads = 1;
    }
    if ((size_t)threads > n_rows) {
        threads = n_rows > 0 ? (int)n_rows : 1;
    }
    return threads;
}

/* Arguments every estimator checks; *o = the options (defaults when opts is NULL). */
static int check_args(fa_shap_options *o, const char *fn, const double out[], const fa_model *m,
                      const double x[], size_t n_rows, const fa_shap_options *opts, int margin_only,
                      fa_error *err)
{
    const fa_shap_options def = FA_SHAP_OPTIONS_INIT;
    *o = opts != NULL ? *opts : def;
    if (m == NULL || (n_rows > 0 && (out == NULL || x == NULL))) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "%s: no model, no output or no matrix", fn);
    }
    if (o->output != FA_OUTPUT_MARGIN && o->output != FA_OUTPUT_PROBABILITY) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0, "%s: unknown output kind %d", fn,
                            (int)o->output);
    }
    if (margin_only && o->output != FA_OUTPUT_MARGIN) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "%s: these Shapley values are in margin space; use the exact "
                            "estimator for probabilities",
                            fn);
    }
    return FA_OK;
}

/* ------------------------------------------------------------ tree */

/* Seconds on a monotonic clock, for progress reports. */
static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* n more rows done: reports through o->progress at most every 0.1 s and after the last. */
static void tree_progress(const fa_shap_options *o, size_t *done, double *last, size_t n,
                          size_t n_rows)
{
#pragma omp critical(fa_shap_tree_progress)
    {
        size_t d = *done += n;
        double t = now_seconds();
        if (d == n_rows || t - *last >= 0.1) {
            *last = t;
            o->progress(o->progress_ctx, d, n_rows);
        }
    }
}

int fa_shap_tree(double out[], const fa_model *m, const double x[], size_t n_rows,
                 const fa_shap_options *opts, fa_error *err)
{
    fa_shap_options o;
    int st = check_args(&o, "fa_shap_tree", out, m, x, n_rows, opts, 1, err);
    fa_treeshap *ts = NULL;
    if (st == FA_OK) {
        /* the leaf tables cost about as much as Algorithm 2 on a few dozen rows */
        st = fa_treeshap__create(&ts, m,
                                 n_rows >= 64 ? FA_TREESHAP__PATH_TABLES : FA_TREESHAP__PATH, err);
    }
    if (st != FA_OK) {
        return st;
    }
    const size_t p = fa_model_n_features(m);
    const int threads = fa_shap__plan_threads(&o, m, n_rows);
    fa_treeshap_ws **ws = fa_calloc_array((size_t)threads, sizeof(fa_treeshap_ws *));
    for (int i = 0; ws != NULL && i < threads && st == FA_OK; i++) {
        st = fa_treeshap__ws_create(&ws[i], ts);
    }
    if (ws == NULL || st != FA_OK) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        const size_t n_blocks = (n_rows + FA_TREESHAP__BLOCK - 1) / FA_TREESHAP__BLOCK;
        size_t done = 0;
        double last = now_seconds();
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t b = 0; b < n_blocks; b++) {
            const size_t i = b * FA_TREESHAP__BLOCK;
            const size_t n = n_rows - i < FA_TREESHAP__BLOCK ? n_rows - i : FA_TREESHAP__BLOCK;
            fa_treeshap__rows(out + i * (p + 1), ts, x + i * p, n, ws[fa_shap__thread_id()]);
            if (o.progress != NULL) {
                tree_progress(&o, &done, &last, n, n_rows);
            }
        }
    }
    for (int i = 0; ws != NULL && i < threads; i++) {
        fa_treeshap__ws_free(ws[i]);
    }
    free(ws);
    fa_treeshap__free(ts);
    return st;
}

int fa_shap_tree_interventional(double out[], const fa_model *m, const double x[], size_t n_rows,
                                const double bg[], size_t n_bg, const fa_shap_options *opts,
                                fa_error *err)
{
    fa_shap_options o;
    int st = check_args(&o, "fa_shap_tree_interventional", out, m, x, n_rows, opts, 1, err);
    if (st == FA_OK && (n_bg == 0 || bg == NULL)) {
        st = fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                          "interventional tree Shapley values need a background: it is empty");
    }
    fa_treeshap *ts = NULL;
    fa_treeshap_bg *b = NULL;
    if (st == FA_OK) {
        /* the tables cost about as much as a few dozen rows walked pair by pair */
        const int mode =
            n_rows >= 64 ? FA_TREESHAP__INTERVENTIONAL_TABLES : FA_TREESHAP__INTERVENTIONAL;
        st = fa_treeshap__create(&ts, m, mode, err);
    }
    const int threads = fa_shap__plan_threads(&o, m, n_rows);
    if (st == FA_OK) {
        st = fa_treeshap__bg_create(&b, ts, bg, n_bg, threads, err);
    }
    fa_treeshap_ws **ws =
        st == FA_OK ? fa_calloc_array((size_t)threads, sizeof(fa_treeshap_ws *)) : NULL;
    for (int i = 0; ws != NULL && i < threads && st == FA_OK; i++) {
        st = fa_treeshap__ws_create(&ws[i], ts);
    }
    if (st == FA_OK && ws == NULL) {
        st = FA_ENOMEM;
    }
    if (st == FA_ENOMEM) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    } else if (st == FA_OK) {
        const size_t p = fa_model_n_features(m);
        const size_t n_blocks = (n_rows + FA_TREESHAP__BLOCK - 1) / FA_TREESHAP__BLOCK;
        size_t done = 0;
        double last = now_seconds();
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t k = 0; k < n_blocks; k++) {
            const size_t i = k * FA_TREESHAP__BLOCK;
            const size_t n = n_rows - i < FA_TREESHAP__BLOCK ? n_rows - i : FA_TREESHAP__BLOCK;
            fa_treeshap__rows_interventional(out + i * (p + 1), ts, b, x + i * p, n,
                                             ws[fa_shap__thread_id()]);
            if (o.progress != NULL) {
                tree_progress(&o, &done, &last, n, n_rows);
            }
        }
    }
    for (int i = 0; ws != NULL && i < threads; i++) {
        fa_treeshap__ws_free(ws[i]);
    }
    free(ws);
    fa_treeshap__bg_free(b);
    fa_treeshap__free(ts);
    return st;
}

/* ------------------------------------------------------------ linear */

/* The background's column means into mu[p] (summed in row order); non-finite: FA_EDOMAIN. */
static int background_mean(double mu[], const double bg[], size_t n_bg, size_t p, fa_error *err)
{
    for (size_t j = 0; j < p; j++) {
        mu[j] = 0.0;
    }
    for (size_t k = 0; k < n_bg; k++) {
        for (size_t j = 0; j < p; j++) {
            double v = bg[k * p + j];
            if (!isfinite(v)) {
                return fa_error_set(err, FA_EDOMAIN, NULL, 0, 0,
                                    "background row %zu, feature %zu: %g: linear Shapley values "
                                    "need finite background values",
                                    k, j, v);
            }
            mu[j] += v;
        }
    }
    for (size_t j = 0; j < p; j++) {
        mu[j] /= (double)n_bg;
    }
    return FA_OK;
}

int fa_shap_linear(double out[], const fa_model *m, const double x[], size_t n_rows,
                   const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err)
{
    fa_shap_options o;
    fa_linear_params lp;
    int st = check_args(&o, "fa_shap_linear", out, m, x, n_rows, opts, 1, err);
    if (st != FA_OK) {
        return st;
    }
    if (fa_linear__params(&lp, m) != FA_OK) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "linear Shapley values need a linear model, not a %s model",
                            fa_model_kind(m));
    }
    if ((n_bg > 0 && bg == NULL) || (n_bg == 0 && lp.mean == NULL)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            n_bg > 0 ? "fa_shap_linear: %zu background rows but no matrix"
                                     : "fa_shap_linear: no background (%zu rows) and the model "
                                       "has no scaler mean to stand for it",
                            n_bg);
    }
    const size_t p = lp.n_features;
    double *mu = fa_alloc_array(p > 0 ? p : 1, sizeof *mu);
    if (mu == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (n_bg > 0) {
        st = background_mean(mu, bg, n_bg, p, err);
    } else {
        memcpy(mu, lp.mean, p * sizeof *mu);
    }
    double base = 0.0;
    if (st == FA_OK) {
        st = fa_model_predict(m, &base, mu, 1, FA_OUTPUT_MARGIN, err);
    }
    for (size_t i = 0; st == FA_OK && i < n_rows; i++) {
        const double *r = x + i * p;
        double *phi = out + i * (p + 1);
        for (size_t j = 0; j < p; j++) {
            /* the model's own operations: coef * ((x - mean) / scale) */
            phi[j] = lp.scale != NULL ? lp.coef[j] * ((r[j] - mu[j]) / lp.scale[j])
                                      : lp.coef[j] * (r[j] - mu[j]);
        }
        phi[p] = base;
    }
    free(mu);
    return st;
}

/* ------------------------------------------------------------ exact */

/* What the threads of the exact estimator share (read only). */
typedef struct exact_problem {
    const fa_model *m;
    const double *x, *bg;
    size_t p, n_bg;
    size_t per_batch; /* coalitions per model call */
    fa_model_output output;
    const double *w; /* w[s] = s! (p - s - 1)! / p!, s < p */
} exact_problem;

/* One thread's buffers, allocated once. */
typedef struct exact_ws {
    double *v;     /* 2^p coalition values, indexed by the coalition's bit mask */
    double *cur;   /* the n_bg composite rows (x_S, b_notS) of the current coalition */
    double *batch; /* per_batch copies of cur */
    double *pred;  /* per_batch * n_bg outputs */
    uint32_t *mask;
    size_t failed_row; /* NO_ROW: none */
    fa_error err;
} exact_ws;

static void exact_ws_dispose(exact_ws *w)
{
    free(w->v);
    free(w->cur);
    free(w->batch);
    free(w->pred);
    free(w->mask);
}

static int exact_ws_init(exact_ws *w, const exact_problem *pb)
{
    memset(w, 0, sizeof *w);
    const size_t rows = pb->per_batch * pb->n_bg;
    w->v = fa_alloc_array((size_t)1 << pb->p, sizeof *w->v);
    w->cur = fa_alloc_array(pb->n_bg, pb->p * sizeof *w->cur);
    w->batch = fa_alloc_array(rows, pb->p * sizeof *w->batch);
    w->pred = fa_alloc_array(rows, sizeof *w->pred);
    w->mask = fa_alloc_array(pb->per_batch, sizeof *w->mask);
    w->failed_row = NO_ROW;
    if (w->v == NULL || w->cur == NULL || w->batch == NULL || w->pred == NULL || w->mask == NULL) {
        exact_ws_dispose(w);
        return FA_ENOMEM;
    }
    return FA_OK;
}

/* Predicts the nb coalitions of the batch and stores their means over the background. */
static int flush_batch(exact_ws *w, const exact_problem *pb, size_t nb)
{
    const size_t K = pb->n_bg;
    int st = fa_model_predict(pb->m, w->pred, w->batch, nb * K, pb->output, &w->err);
    for (size_t c = 0; st == FA_OK && c < nb; c++) {
        double s = 0.0;
        for (size_t k = 0; k < K; k++) {
            s += w->pred[c * K + k];
        }
        w->v[w->mask[c]] = s / (double)K;
    }
    return st;
}

/* v(S) of every coalition S for row x, in Gray-code order. */
static int coalition_values(exact_ws *w, const exact_problem *pb, const double x[])
{
    const size_t p = pb->p, K = pb->n_bg, n_coal = (size_t)1 << p;
    memcpy(w->cur, pb->bg, K * p * sizeof *w->cur);
    uint32_t mask = 0;
    size_t nb = 0;
    for (size_t i = 0; i < n_coal; i++) {
        if (i > 0) { /* g(i) = g(i - 1) with bit ctz(i) flipped */
            unsigned j = (unsigned)__builtin_ctzll((unsigned long long)i);
            mask ^= (uint32_t)1 << j;
            const int in = (mask >> j) & 1u;
            for (size_t k = 0; k < K; k++) {
                w->cur[k * p + j] = in ? x[j] : pb->bg[k * p + j];
            }
        }
        memcpy(w->batch + nb * K * p, w->cur, K * p * sizeof *w->cur);
        w->mask[nb++] = mask;
        if (nb == pb->per_batch || i + 1 == n_coal) {
            int st = flush_batch(w, pb, nb);
            if (st != FA_OK) {
                return st;
            }
            nb = 0;
        }
    }
    return FA_OK;
}

/* phi_j = sum over S without j of w(|S|) (v(S + j) - v(S)); the base v(empty) last. */
static void exact_phi(double phi[], const exact_problem *pb, const double v[])
{
    const size_t p = pb->p, n_coal = (size_t)1 << p;
    for (size_t j = 0; j < p; j++) {
        phi[j] = 0.0;
    }
    for (size_t s = 0; s < n_coal; s++) {
        const double vs = v[s];
        const double ws = pb->w[__builtin_popcountll((unsigned long long)s)];
        for (size_t j = 0; j < p; j++) {
            if (!((s >> j) & 1u)) {
                phi[j] += ws * (v[s | ((size_t)1 << j)] - vs);
            }
        }
    }
    phi[p] = v[0];
}

static void exact_rows(double out[], const exact_problem *pb, size_t n_rows, exact_ws ws[],
                       int threads)
{
    int stop = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (size_t i = 0; i < n_rows; i++) {
        int stopped;
#pragma omp atomic read
        stopped = stop;
        exact_ws *w = &ws[fa_shap__thread_id()];
        if (stopped) {
            continue;
        }
        if (coalition_values(w, pb, pb->x + i * pb->p) != FA_OK) {
            w->failed_row = w->failed_row < i ? w->failed_row : i;
#pragma omp atomic write
            stop = 1;
            continue;
        }
        exact_phi(out + i * (pb->p + 1), pb, w->v);
    }
}

int fa_shap_exact(double out[], const fa_model *m, const double x[], size_t n_rows,
                  const double bg[], size_t n_bg, const fa_shap_options *opts, fa_error *err)
{
    fa_shap_options o;
    int st = check_args(&o, "fa_shap_exact", out, m, x, n_rows, opts, 0, err);
    if (st != FA_OK) {
        return st;
    }
    const size_t p = fa_model_n_features(m);
    if (p > FA_SHAP_EXACT_MAX_FEATURES || p == 0) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            p == 0 ? "exact Shapley values: the model has no features"
                                   : "exact Shapley values need all 2^p coalitions: %zu "
                                     "features is above the limit of %d (use the tree, linear, "
                                     "kernel or sampling estimator)",
                            p, FA_SHAP_EXACT_MAX_FEATURES);
    }
    if (n_bg == 0 || bg == NULL) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "exact Shapley values need a background: it is empty");
    }
    if (n_rows == 0) {
        return FA_OK;
    }
    double w[FA_SHAP_EXACT_MAX_FEATURES];
    w[0] = 1.0 / (double)p;
    for (size_t s = 0; s + 1 < p; s++) {
        w[s + 1] = w[s] * (double)(s + 1) / (double)(p - s - 1);
    }
    exact_problem pb = {m, x, bg, p, n_bg, 1, o.output, w};
    size_t n_coal = (size_t)1 << p;
    pb.per_batch = n_bg < EXACT_BATCH_ROWS ? EXACT_BATCH_ROWS / n_bg : 1;
    pb.per_batch = pb.per_batch < n_coal ? pb.per_batch : n_coal;
    const int threads = fa_shap__plan_threads(&o, m, n_rows);
    exact_ws *ws = fa_calloc_array((size_t)threads, sizeof *ws);
    int made = 0;
    while (ws != NULL && made < threads && exact_ws_init(&ws[made], &pb) == FA_OK) {
        made++;
    }
    if (made < threads) {
        st = fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        exact_rows(out, &pb, n_rows, ws, threads);
        const exact_ws *first = NULL;
        for (int i = 0; i < threads; i++) {
            if (ws[i].failed_row != NO_ROW &&
                (first == NULL || ws[i].failed_row < first->failed_row)) {
                first = &ws[i];
            }
        }
        if (first != NULL) {
            if (err != NULL) {
                *err = first->err;
            }
            st = first->err.status != FA_OK ? first->err.status : FA_EINTERNAL;
        }
    }
    for (int i = 0; i < made; i++) {
        exact_ws_dispose(&ws[i]);
    }
    free(ws);
    return st;
}
