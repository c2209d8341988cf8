/*
 * test_kernelshap.c - explain/kernelshap.c: KernelSHAP and the interventional game.
 *
 * - The tree game (XGBoost, margin) equals the predicted game, coalition by coalition, on a
 *   hand-written three-tree model with a missing value and a feature split twice on a path,
 *   and on the shared Adult model (88 features; skipped without ../shared).
 * - Full enumeration (budget 2^M - 2) gives the exact Shapley values of fa_shap_exact to
 *   1e-9, with standard errors 0: on WIGGLY (6 features, interactions of order 2 and 3), in
 *   margin and probability space, and on the XGBoost model (tree game against exact's
 *   predicted game).
 * - Convergence on WIGGLY12 (12 features): the largest error against exact falls with the
 *   budget (1.8 at 26 coalitions, 0.26 at 200) and is below 0.08 at 2000 coalitions
 *   (measured 0.047: the largest over 6 rows x 13 values x 3 seeds; values are O(1)).
 * - The standard errors are calibrated: over 60 seeds, the spread of a value around the
 *   exact value is within [0.6, 1.6] times the mean reported standard error.
 * - Axioms: efficiency to 1e-12 at every budget; symmetry and dummy at full enumeration;
 *   linearity in the model at a sampled budget (the coalitions depend only on the seed);
 *   a feature equal to every background value gets exactly 0.
 * - The same bits with 1, 2 and 3 threads; progress reports; refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "explain/model.h"
#include "explain/shapley.h"
#include "include/fairaudit.h"

#define assert_close(got, want, tol) check_close((got), (want), (tol), #got, __FILE__, __LINE__)

static void check_close(double got, double want, double tol, const char *expr, const char *file,
                        int line)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", expr, got, want, tol);
        _fail(file, line);
    }
}

static void fail_with(const fa_error *err, const char *what)
{
    char buf[1400];
    fa_error_format(buf, sizeof buf, err);
    fail_msg("%s: %s", what, buf);
}

/* ------------------------------------------------------------------ models */

/* WIGGLY: x0 x1 + sin(x2) x3 + x4^2 x5 + x0 x2 x4 + 0.5 x1 (order-3 interaction). */
static int wiggly_predict(double out[], const double x[], size_t n_rows, size_t n_cols,
                          fa_error *err, void *payload)
{
    (void)err;
    (void)payload;
    for (size_t i = 0; i < n_rows; i++) {
        const double *r = x + i * n_cols;
        double f =
            r[0] * r[1] + sin(r[2]) * r[3] + r[4] * r[4] * r[5] + r[0] * r[2] * r[4] + 0.5 * r[1];
        for (size_t j = 6; j + 1 < n_cols; j += 2) { /* WIGGLY12: more of the same */
            f += r[j] * cos(r[j + 1]) + 0.3 * r[j] * r[j - 3] * r[j + 1];
        }
        out[i] = f;
    }
    return FA_OK;
}

static const fa_model_vtable WIGGLY_VT = {"wiggly", wiggly_predict, NULL, FA_OUTPUT_MARGIN, 1};

/* G: a second model for linearity, x0 - 2 x3 x5 + exp(0.1 x4). */
static int g_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                     void *payload)
{
    (void)err;
    (void)payload;
    for (size_t i = 0; i < n_rows; i++) {
        const double *r = x + i * n_cols;
        out[i] = r[0] - 2.0 * r[3] * r[5] + exp(0.1 * r[4]);
    }
    return FA_OK;
}

/* F + 2 G: the sum of the two games. */
static int sum_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                       void *payload)
{
    double *g = malloc((n_rows ? n_rows : 1) * sizeof *g);
    if (g == NULL) {
        return FA_ENOMEM;
    }
    wiggly_predict(out, x, n_rows, n_cols, err, payload);
    g_predict(g, x, n_rows, n_cols, err, payload);
    for (size_t i = 0; i < n_rows; i++) {
        out[i] += 2.0 * g[i];
    }
    free(g);
    return FA_OK;
}

static const fa_model_vtable G_VT = {"g", g_predict, NULL, FA_OUTPUT_MARGIN, 1};
static const fa_model_vtable SUM_VT = {"sum", sum_predict, NULL, FA_OUTPUT_MARGIN, 1};

/* SYM: x0 x1 + x2 (x3 unused). */
static int sym_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                       void *payload)
{
    (void)err;
    (void)payload;
    for (size_t i = 0; i < n_rows; i++) {
        const double *r = x + i * n_cols;
        out[i] = r[0] * r[1] + r[2];
    }
    return FA_OK;
}

static const fa_model_vtable SYM_VT = {"sym", sym_predict, NULL, FA_OUTPUT_MARGIN, 1};

static fa_model *local_model(const fa_model_vtable *vt, fa_link link, size_t p)
{
    static const char *const NAMES[] = {"x0", "x1", "x2", "x3",  "x4",  "x5",  "x6",
                                        "x7", "x8", "x9", "x10", "x11", "x12", "x13"};
    assert_true(p <= sizeof NAMES / sizeof *NAMES);
    fa_model *m = fa_model__new(vt, link);
    assert_non_null(m);
    assert_int_equal(fa_model__set_names(m, NAMES, p, "test", NULL), FA_OK);
    return m;
}

static fa_model *parse_model(const char *text)
{
    fa_model *m = NULL;
    fa_error err;
    if (fa_model__parse_json(&m, text, strlen(text), "model.json", &err) != FA_OK) {
        fail_with(&err, "parse");
    }
    return m;
}

/*
 * Three trees over (a, b, c, d). Tree 1: a < 0.5 (missing left) -> [b < 0.5 (missing right)
 * -> 1 | 2] | [a < 1.5 -> 3 | 4]: a twice on a path. Tree 2: c < 0 -> [d < 1 -> -1 | 0.5] |
 * -2. Tree 3: d < 0.25 -> [a < 1 -> 0.25 | b < 2 -> 0.75 | 1.25] | 0.125. d and c interact
 * with a and b through trees 1 and 3.
 */
static const char *const XGB4 =
    "{\"learner\": {\"attributes\": {}, \"feature_names\": [\"a\", \"b\", \"c\", \"d\"],\n"
    " \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {\n"
    "  \"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": \"3\"},\n"
    "  \"tree_info\": [0, 0, 0], \"trees\": [\n"
    "   {\"tree_param\": {\"num_nodes\": \"7\"}, \"left_children\": [1, 3, 5, -1, -1, -1, -1],\n"
    "    \"right_children\": [2, 4, 6, -1, -1, -1, -1], \"split_indices\": [0, 1, 0, 0, 0, 0, 0],\n"
    "    \"split_conditions\": [0.5, 0.5, 1.5, 1.0, 2.0, 3.0, 4.0],\n"
    "    \"default_left\": [1, 0, 0, 0, 0, 0, 0], \"sum_hessian\": [10, 4, 6, 1, 3, 2, 4]},\n"
    "   {\"tree_param\": {\"num_nodes\": \"5\"}, \"left_children\": [1, 3, -1, -1, -1],\n"
    "    \"right_children\": [2, 4, -1, -1, -1], \"split_indices\": [2, 3, 0, 0, 0],\n"
    "    \"split_conditions\": [0.0, 1.0, -2.0, -1.0, 0.5], \"default_left\": [0, 1, 0, 0, 0],\n"
    "    \"sum_hessian\": [10, 6, 4, 3, 3]},\n"
    "   {\"tree_param\": {\"num_nodes\": \"7\"}, \"left_children\": [1, 3, -1, -1, 5, -1, -1],\n"
    "    \"right_children\": [2, 4, -1, -1, 6, -1, -1], \"split_indices\": [3, 0, 0, 0, 1, 0, 0],\n"
    "    \"split_conditions\": [0.25, 1.0, 0.125, 0.25, 2.0, 0.75, 1.25],\n"
    "    \"default_left\": [0, 1, 0, 0, 1, 0, 0], \"sum_hessian\": [10, 7, 3, 3, 4, 2, 2]}]}},\n"
    " \"learner_model_param\": {\"base_score\": \"5E-1\", \"num_class\": \"0\",\n"
    "  \"num_feature\": \"4\"},\n"
    " \"objective\": {\"name\": \"binary:logistic\"}},\n"
    " \"version\": [1, 7, 4]}\n";

/* Deterministic pseudo-random numbers in [-2, 2) for data. */
static double noise(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return 4.0 * (double)(*s >> 11) / 9007199254740992.0 - 2.0;
}

static void fill(double a[], size_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        a[i] = noise(&s);
    }
}

static double *alloc0(size_t n)
{
    double *a = calloc(n ? n : 1, sizeof *a);
    assert_non_null(a);
    return a;
}

static double max_abs_diff(const double a[], const double b[], size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++) {
        w = fmax(w, fabs(a[i] - b[i]));
    }
    return w;
}

/* Largest |sum phi + base - f(x)|. */
static double efficiency_gap(const double phi[], const fa_model *m, const double x[], size_t n,
                             fa_model_output output)
{
    size_t p = fa_model_n_features(m);
    double *f = alloc0(n), worst = 0.0;
    assert_int_equal(fa_model_predict(m, f, x, n, output, NULL), FA_OK);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j <= p; j++) {
            s += phi[i * (p + 1) + j];
        }
        worst = fmax(worst, fabs(s - f[i]));
    }
    free(f);
    return worst;
}

static void run_kernel(double out[], double se[], const fa_model *m, const double x[], size_t n,
                       const double bg[], size_t k, size_t nsamples, uint64_t seed, int threads)
{
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.nsamples = nsamples;
    o.seed = seed;
    o.threads = threads;
    fa_error err;
    if (fa_shap_kernel(out, se, m, x, n, bg, k, &o, &err) != FA_OK) {
        fail_with(&err, "fa_shap_kernel");
    }
}

static void run_exact(double out[], const fa_model *m, const double x[], size_t n,
                      const double bg[], size_t k, fa_model_output output)
{
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.output = output;
    fa_error err;
    if (fa_shap_exact(out, m, x, n, bg, k, &o, &err) != FA_OK) {
        fail_with(&err, "fa_shap_exact");
    }
}

/* ------------------------------------------------------------------ the game */

/* v(S) for every coalition of p <= 12 features by predicting the composite rows. */
static void brute_game(double v[], const fa_model *m, const double x[], const double bg[], size_t k)
{
    const size_t p = fa_model_n_features(m);
    double *rows = alloc0(k * p), *pred = alloc0(k);
    for (size_t s = 0; s < ((size_t)1 << p); s++) {
        for (size_t b = 0; b < k; b++) {
            for (size_t j = 0; j < p; j++) {
                rows[b * p + j] = (s >> j) & 1u ? x[j] : bg[b * p + j];
            }
        }
        assert_int_equal(fa_model_predict(m, pred, rows, k, FA_OUTPUT_MARGIN, NULL), FA_OK);
        double sum = 0.0;
        for (size_t b = 0; b < k; b++) {
            sum += pred[b];
        }
        v[s] = sum / (double)k;
    }
    free(rows);
    free(pred);
}

static void game__tree_tables_equal_the_predicted_game(void **state)
{
    (void)state;
    fa_model *m = parse_model(XGB4);
    enum { K = 9, N = 5, P = 4 };
    /* values on both sides of every threshold, and missing ones */
    double bg[K * P] = {0, 0, -1, 0,   1, 1, 1,   2, 2,   3,   -1,   0.1, NAN, 0.2, 0.5, NAN,
                        0, 1, 0,  0.2, 1, 0, NAN, 3, 0.7, 2.5, -0.5, 0.3, 1.6, 0.4, 1,   1.5};
    bg[32] = 3;
    bg[33] = -1;
    bg[34] = 2;
    bg[35] = 0.24;
    const double x[N * P] = {0.2, 0.4,  -1,  0.1, NAN, 2,   1,   5,   1.7, NAN,
                             0,   0.25, 1.2, 1.9, NAN, NAN, 0.5, 0.5, 0.0, 1.0};
    fa_shapgame *g = NULL;
    fa_shapgame_ws *w = NULL;
    fa_error err;
    if (fa_shapgame__create(&g, m, bg, K, FA_OUTPUT_MARGIN, &err) != FA_OK) {
        fail_with(&err, "fa_shapgame__create");
    }
    assert_true(fa_shapgame__is_tree(g));
    assert_int_equal(fa_shapgame__ws_create(&w, g), FA_OK);
    double want[16], got[16], fx, f;
    uint8_t z[16 * P];
    for (size_t s = 0; s < 16; s++) {
        for (size_t j = 0; j < P; j++) {
            z[s * P + j] = (uint8_t)((s >> j) & 1u);
        }
    }
    for (size_t i = 0; i < N; i++) {
        brute_game(want, m, x + i * P, bg, K);
        assert_int_equal(fa_shapgame__set_row(w, x + i * P, &fx, &err), FA_OK);
        assert_int_equal(fa_shapgame__values(got, w, z, 16, &err), FA_OK);
        assert_int_equal(fa_model_predict(m, &f, x + i * P, 1, FA_OUTPUT_MARGIN, NULL), FA_OK);
        assert_true(fx == f);
        for (size_t s = 0; s < 16; s++) {
            assert_close(got[s], want[s], 1e-14);
        }
        assert_close(fa_shapgame__null(g), want[0], 1e-14);
    }
    fa_shapgame__ws_free(w);
    fa_shapgame__free(g);
    /* in probability space a logistic XGBoost model is not a sum over trees: predicted */
    assert_int_equal(fa_shapgame__create(&g, m, bg, K, FA_OUTPUT_PROBABILITY, &err), FA_OK);
    assert_false(fa_shapgame__is_tree(g));
    fa_shapgame__free(g);
    fa_model_free(m);
}

/* A linear model with a scaler: its game is affine in the coalition; predicted alike. */
static void game__linear_closed_form_equals_the_predicted_game(void **state)
{
    (void)state;
    static const char *const LIN =
        "{\"fairaudit_model\": \"linear\", \"link\": \"logistic\",\n"
        " \"feature_names\": [\"a\", \"b\", \"c\", \"d\"], \"coef\": [0.5, -1.25, 0.75, 2],\n"
        " \"intercept\": 0.1, \"scaler_mean\": [1, -3, 0, 0.5], \"scaler_scale\": [2, 0.5, 1, 3]}";
    fa_model *m = parse_model(LIN);
    enum { K = 7, P = 4 };
    double bg[K * P], x[P], want[16], got[16], fx;
    fill(bg, K * P, 91);
    fill(x, P, 92);
    uint8_t z[16 * P];
    for (size_t s = 0; s < 16; s++) {
        for (size_t j = 0; j < P; j++) {
            z[s * P + j] = (uint8_t)((s >> j) & 1u);
        }
    }
    fa_shapgame *g = NULL;
    fa_shapgame_ws *w = NULL;
    fa_error err;
    assert_int_equal(fa_shapgame__create(&g, m, bg, K, FA_OUTPUT_MARGIN, &err), FA_OK);
    assert_int_equal(fa_shapgame__ws_create(&w, g), FA_OK);
    assert_int_equal(fa_shapgame__set_row(w, x, &fx, &err), FA_OK);
    assert_int_equal(fa_shapgame__values(got, w, z, 16, &err), FA_OK);
    brute_game(want, m, x, bg, K);
    for (size_t s = 0; s < 16; s++) {
        assert_close(got[s], want[s], 1e-13);
    }
    fa_shapgame__ws_free(w);
    fa_shapgame__free(g);
    fa_model_free(m);
}

static int have_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The shared Adult model: 88 features, 50 trees; random coalitions of test rows. */
static void game__tree_tables_on_the_adult_model(void **state)
{
    (void)state;
    const char *path = "../shared/models/adult_xgb.json";
    if (!have_file(path)) {
        skip();
    }
    fa_model *m = NULL;
    fa_error err;
    if (fa_model_load(&m, path, &err) != FA_OK) {
        fail_with(&err, "load");
    }
    const size_t p = fa_model_n_features(m);
    enum { K = 20, C = 40 };
    /* rows: binary-ish features around 0/1 and a few wide ones */
    double *bg = alloc0(K * p), *x = alloc0(3 * p), *rows = alloc0(K * p), pred[K];
    uint64_t s = 7;
    for (size_t i = 0; i < K * p; i++) {
        bg[i] = noise(&s) > 0.0 ? 1.0 : 0.0;
        if (i % p < 6) {
            bg[i] = 40.0 * noise(&s);
        }
    }
    for (size_t i = 0; i < 3 * p; i++) {
        x[i] = noise(&s) > 1.0 ? 1.0 : 0.0;
        if (i % p < 6) {
            x[i] = 30.0 * noise(&s);
        }
    }
    fa_shapgame *g = NULL;
    fa_shapgame_ws *w = NULL;
    assert_int_equal(fa_shapgame__create(&g, m, bg, K, FA_OUTPUT_MARGIN, &err), FA_OK);
    assert_true(fa_shapgame__is_tree(g));
    assert_int_equal(fa_shapgame__ws_create(&w, g), FA_OK);
    uint8_t *z = calloc(C, p);
    double got[C], fx;
    assert_non_null(z);
    for (size_t c = 0; c < C * p; c++) {
        z[c] = noise(&s) > 0.0;
    }
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(fa_shapgame__set_row(w, x + i * p, &fx, &err), FA_OK);
        assert_int_equal(fa_shapgame__values(got, w, z, C, &err), FA_OK);
        for (size_t c = 0; c < C; c++) {
            for (size_t b = 0; b < K; b++) {
                for (size_t j = 0; j < p; j++) {
                    rows[b * p + j] = z[c * p + j] ? x[i * p + j] : bg[b * p + j];
                }
            }
            assert_int_equal(fa_model_predict(m, pred, rows, K, FA_OUTPUT_MARGIN, NULL), FA_OK);
            double sum = 0.0;
            for (size_t b = 0; b < K; b++) {
                sum += pred[b];
            }
            assert_close(got[c], sum / K, 1e-12);
        }
    }
    free(z);
    free(bg);
    free(x);
    free(rows);
    fa_shapgame__ws_free(w);
    fa_shapgame__free(g);
    fa_model_free(m);
}

/* ------------------------------------------------------------------ full enumeration */

static void kernel__full_enumeration_is_exact(void **state)
{
    (void)state;
    enum { N = 6, K = 8, P = 6 };
    double x[N * P], bg[K * P];
    fill(x, N * P, 1);
    fill(bg, K * P, 2);
    fa_model *m = local_model(&WIGGLY_VT, FA_LINK_LOGISTIC, P);
    double *ex = alloc0(N * (P + 1)), *ke = alloc0(N * (P + 1)), *se = alloc0(N * (P + 1));
    for (int out = 0; out < 2; out++) {
        const fa_model_output o = out ? FA_OUTPUT_PROBABILITY : FA_OUTPUT_MARGIN;
        run_exact(ex, m, x, N, bg, K, o);
        fa_shap_options opt = FA_SHAP_OPTIONS_INIT;
        opt.output = o;
        opt.nsamples = 62; /* 2^6 - 2: every coalition */
        fa_error err;
        if (fa_shap_kernel(ke, se, m, x, N, bg, K, &opt, &err) != FA_OK) {
            fail_with(&err, "kernel");
        }
        assert_true(max_abs_diff(ke, ex, N * (P + 1)) <= 1e-9);
        for (size_t i = 0; i < N * (P + 1); i++) {
            assert_true(se[i] == 0.0);
        }
        assert_true(efficiency_gap(ke, m, x, N, o) <= 1e-12);
        /* a larger budget is cut to 2^M - 2: the same values */
        opt.nsamples = 5000;
        double *again = alloc0(N * (P + 1));
        assert_int_equal(fa_shap_kernel(again, NULL, m, x, N, bg, K, &opt, &err), FA_OK);
        assert_memory_equal(again, ke, N * (P + 1) * sizeof *ke);
        free(again);
    }
    free(ex);
    free(ke);
    free(se);
    fa_model_free(m);
}

static void kernel__full_enumeration_on_xgboost_equals_exact(void **state)
{
    (void)state;
    fa_model *m = parse_model(XGB4);
    enum { K = 6, N = 4, P = 4 };
    const double bg[K * P] = {0,   0,   -1,  0,   1, 1, 1, 2,   2,   3,   -1, 0.1,
                              NAN, 0.2, 0.5, NAN, 0, 1, 0, 0.2, 1.6, 0.4, 1,  1.5};
    const double x[N * P] = {0.2, 0.4, -1, 0.1,  NAN, 2,   1,   5,
                             1.7, NAN, 0,  0.25, 1.2, 1.9, NAN, NAN};
    double ex[N * (P + 1)], ke[N * (P + 1)];
    run_exact(ex, m, x, N, bg, K, FA_OUTPUT_MARGIN);
    run_kernel(ke, NULL, m, x, N, bg, K, 14, 3, 1); /* 2^4 - 2 */
    assert_true(max_abs_diff(ke, ex, N * (P + 1)) <= 1e-9);
    assert_true(efficiency_gap(ke, m, x, N, FA_OUTPUT_MARGIN) <= 1e-12);
    fa_model_free(m);
}

static void kernel__symmetry_and_dummy(void **state)
{
    (void)state;
    enum { N = 5, K = 6, P = 4 };
    double x[N * P], bg[K * P], phi[N * (P + 1)];
    fill(x, N * P, 11);
    fill(bg, K * P, 12);
    for (size_t i = 0; i < N; i++) {
        x[i * P + 1] = x[i * P]; /* x0 = x1 in the rows and the background */
    }
    for (size_t k = 0; k < K; k++) {
        bg[k * P + 1] = bg[k * P];
    }
    fa_model *m = local_model(&SYM_VT, FA_LINK_IDENTITY, P);
    run_kernel(phi, NULL, m, x, N, bg, K, 14, 5, 1);
    for (size_t i = 0; i < N; i++) {
        assert_close(phi[i * (P + 1)], phi[i * (P + 1) + 1], 1e-12);
        assert_close(phi[i * (P + 1) + 3], 0.0, 1e-12); /* x3: unused */
    }
    /* a feature equal to every background value takes no part: exactly 0 */
    for (size_t k = 0; k < K; k++) {
        bg[k * P + 2] = 0.75;
    }
    x[2] = 0.75;
    run_kernel(phi, NULL, m, x, 1, bg, K, 10, 5, 1);
    assert_true(phi[2] == 0.0);
    assert_true(efficiency_gap(phi, m, x, 1, FA_OUTPUT_MARGIN) <= 1e-12);
    fa_model_free(m);
}

/* ------------------------------------------------------------------ sampled budgets */

static void kernel__linearity_at_a_sampled_budget(void **state)
{
    (void)state;
    enum { N = 4, K = 10, P = 12 };
    double x[N * P], bg[K * P];
    fill(x, N * P, 21);
    fill(bg, K * P, 22);
    fa_model *f = local_model(&WIGGLY_VT, FA_LINK_IDENTITY, P);
    fa_model *g = local_model(&G_VT, FA_LINK_IDENTITY, P);
    fa_model *h = local_model(&SUM_VT, FA_LINK_IDENTITY, P);
    double pf[N * (P + 1)], pg[N * (P + 1)], ph[N * (P + 1)];
    run_kernel(pf, NULL, f, x, N, bg, K, 300, 9, 1);
    run_kernel(pg, NULL, g, x, N, bg, K, 300, 9, 1);
    run_kernel(ph, NULL, h, x, N, bg, K, 300, 9, 1);
    for (size_t i = 0; i < N * (P + 1); i++) {
        assert_close(ph[i], pf[i] + 2.0 * pg[i], 1e-9);
    }
    fa_model_free(f);
    fa_model_free(g);
    fa_model_free(h);
}

/* Largest |kernel - exact| over N rows of WIGGLY12 at a budget. */
static double kernel_error(const fa_model *m, const double x[], size_t n, const double bg[],
                           size_t k, const double ex[], size_t budget, uint64_t seed)
{
    const size_t p = fa_model_n_features(m);
    double *ke = alloc0(n * (p + 1));
    run_kernel(ke, NULL, m, x, n, bg, k, budget, seed, 0);
    assert_true(efficiency_gap(ke, m, x, n, FA_OUTPUT_MARGIN) <= 1e-12);
    double e = max_abs_diff(ke, ex, n * (p + 1));
    free(ke);
    return e;
}

static void kernel__converges_to_exact(void **state)
{
    (void)state;
    enum { N = 6, K = 12, P = 12 };
    double x[N * P], bg[K * P], ex[N * (P + 1)];
    fill(x, N * P, 31);
    fill(bg, K * P, 32);
    fa_model *m = local_model(&WIGGLY_VT, FA_LINK_IDENTITY, P);
    run_exact(ex, m, x, N, bg, K, FA_OUTPUT_MARGIN);
    const size_t budgets[] = {26, 200, 2000};
    double err[3];
    for (size_t b = 0; b < 3; b++) {
        err[b] = 0.0;
        for (uint64_t seed = 1; seed <= 3; seed++) {
            err[b] = fmax(err[b], kernel_error(m, x, N, bg, K, ex, budgets[b], seed));
        }
        print_message("kernel budget %zu: max |error| %.3g\n", budgets[b], err[b]);
    }
    assert_true(err[1] < err[0]);
    assert_true(err[2] < err[1]);
    assert_true(err[2] < 0.08); /* the stated bound at 2000 coalitions (measured 0.047) */
    /* 4094 = 2^12 - 2: exact */
    assert_true(kernel_error(m, x, N, bg, K, ex, 4094, 1) <= 1e-9);
    fa_model_free(m);
}

static void kernel__standard_errors_match_the_spread(void **state)
{
    (void)state;
    enum { K = 12, P = 12, SEEDS = 60 };
    double x[P], bg[K * P], ex[P + 1], ke[P + 1], se[P + 1];
    fill(x, P, 41);
    fill(bg, K * P, 42);
    fa_model *m = local_model(&WIGGLY_VT, FA_LINK_IDENTITY, P);
    run_exact(ex, m, x, 1, bg, K, FA_OUTPUT_MARGIN);
    double sq = 0.0, se2 = 0.0;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        run_kernel(ke, se, m, x, 1, bg, K, 400, seed, 1);
        for (size_t j = 0; j < P; j++) {
            sq += (ke[j] - ex[j]) * (ke[j] - ex[j]);
            se2 += se[j] * se[j];
            assert_true(se[j] > 0.0);
        }
        assert_true(se[P] == 0.0);
    }
    const double ratio = sqrt(sq / se2);
    print_message("kernel: rms error / rms standard error = %.3f\n", ratio);
    assert_true(ratio > 0.6 && ratio < 1.6);
    fa_model_free(m);
}

/* ------------------------------------------------------------------ threads, progress */

typedef struct progress_log {
    size_t calls, last, total;
    int monotone;
} progress_log;

static void on_progress(void *ctx, size_t done, size_t total)
{
    progress_log *l = ctx;
    l->monotone = l->monotone && done >= l->last && done <= total;
    l->calls++;
    l->last = done;
    l->total = total;
}

static void kernel__same_bits_whatever_the_thread_count(void **state)
{
    (void)state;
    enum { N = 23, K = 9, P = 12 };
    double x[N * P], bg[K * P];
    fill(x, N * P, 51);
    fill(bg, K * P, 52);
    fa_model *m = local_model(&WIGGLY_VT, FA_LINK_IDENTITY, P);
    double *a = alloc0(N * (P + 1)), *b = alloc0(N * (P + 1));
    double *sa = alloc0(N * (P + 1)), *sb = alloc0(N * (P + 1));
    run_kernel(a, sa, m, x, N, bg, K, 500, 77, 1);
    for (int t = 2; t <= 3; t++) {
        run_kernel(b, sb, m, x, N, bg, K, 500, 77, t);
        assert_memory_equal(a, b, N * (P + 1) * sizeof *a);
        assert_memory_equal(sa, sb, N * (P + 1) * sizeof *a);
    }
    /* the tree game too */
    fa_model *xm = parse_model(XGB4);
    double xx[N * 4], xb[K * 4];
    fill(xx, N * 4, 53);
    fill(xb, K * 4, 54);
    run_kernel(a, sa, xm, xx, N, xb, K, 10, 5, 1);
    run_kernel(b, sb, xm, xx, N, xb, K, 10, 5, 2);
    assert_memory_equal(a, b, N * 5 * sizeof *a);
    assert_memory_equal(sa, sb, N * 5 * sizeof *a);
    /* a different seed draws other coalitions */
    run_kernel(b, NULL, m, x, N, bg, K, 500, 78, 1);
    assert_true(max_abs_diff(a, b, N * (P + 1)) > 0.0);
    /* progress: monotone, ends with done = total */
    progress_log log = {0, 0, 0, 1};
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.nsamples = 100;
    o.threads = 2;
    o.progress = on_progress;
    o.progress_ctx = &log;
    assert_int_equal(fa_shap_kernel(a, NULL, m, x, N, bg, K, &o, NULL), FA_OK);
    assert_true(log.calls >= 1 && log.monotone);
    assert_int_equal(log.last, N);
    assert_int_equal(log.total, N);
    free(a);
    free(b);
    free(sa);
    free(sb);
    fa_model_free(m);
    fa_model_free(xm);
}

/* ------------------------------------------------------------------ refusals */

static void expect_error(int got, const fa_error *err, int status, const char *text)
{
    assert_int_equal(got, status);
    if (strstr(err->message, text) == NULL) {
        fail_msg("message '%s' lacks '%s'", err->message, text);
    }
}

static void kernel__refusals(void **state)
{
    (void)state;
    enum { P = 6 };
    double x[P] = {0}, bg[P] = {1, 1, 1, 1, 1, 1}, phi[P + 1];
    fa_model *m = local_model(&WIGGLY_VT, FA_LINK_IDENTITY, P);
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    fa_error err;
    o.nsamples = 13;
    expect_error(fa_shap_kernel(phi, NULL, m, x, 1, bg, 1, &o, &err), &err, FA_EINVAL,
                 "a budget of 13 coalitions is below 2M + 2 = 14 for M = 6 features");
    o.nsamples = 14;
    assert_int_equal(fa_shap_kernel(phi, NULL, m, x, 1, bg, 1, &o, &err), FA_OK);
    expect_error(fa_shap_kernel(phi, NULL, m, x, 1, bg, 0, &o, &err), &err, FA_EINVAL,
                 "need a background: it is empty");
    expect_error(fa_shap_kernel(phi, NULL, m, x, 1, NULL, 3, &o, &err), &err, FA_EINVAL,
                 "need a background: it is empty");
    expect_error(fa_shap_kernel(phi, NULL, NULL, x, 1, bg, 1, &o, &err), &err, FA_EINVAL,
                 "no model");
    /* no rows: nothing to do */
    assert_int_equal(fa_shap_kernel(NULL, NULL, m, NULL, 0, bg, 1, &o, &err), FA_OK);
    fa_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(game__tree_tables_equal_the_predicted_game),
        cmocka_unit_test(game__tree_tables_on_the_adult_model),
        cmocka_unit_test(game__linear_closed_form_equals_the_predicted_game),
        cmocka_unit_test(kernel__full_enumeration_is_exact),
        cmocka_unit_test(kernel__full_enumeration_on_xgboost_equals_exact),
        cmocka_unit_test(kernel__symmetry_and_dummy),
        cmocka_unit_test(kernel__linearity_at_a_sampled_budget),
        cmocka_unit_test(kernel__converges_to_exact),
        cmocka_unit_test(kernel__standard_errors_match_the_spread),
        cmocka_unit_test(kernel__same_bits_whatever_the_thread_count),
        cmocka_unit_test(kernel__refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
