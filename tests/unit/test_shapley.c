/*
 * test_shapley.c - explain/shapley.c and explain/treeshap.c: Shapley values.
 *
 * - TreeSHAP on a two-tree XGBoost JSON written here, against values worked out by hand from
 *   the path-dependent game (arithmetic in the comments), with a missing value, a feature split
 *   on twice along a path (the unwind step) and an unused feature.
 * - exact: a hand-computed two-feature product; the axioms on POLY (x0 x1 + 2 x2^2, x3 unused):
 *   efficiency in margin and probability space, symmetry of x0 and x1 on symmetric data,
 *   dummy (x3 gets exactly 0); the same bits with 1 and 3 threads; refusals.
 * - linear: equal to exact on a small standardised linear model with a background, and to
 *   the README's closed form on the shared logistic regressions.
 * - goldens (skipped without ../shared): XGBoost 1.7.4's pred_contribs for every test row of
 *   Adult and German within 1e-6 + 1e-6 |value|, and efficiency against our own margin.
 *   FAIRAUDIT_SHAP_ROWS=n limits the golden rows checked (0 or unset: all).
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

#include <cjson/cJSON.h>

#include "explain/model.h"
#include "explain/shapley.h"
#include "include/fairaudit.h"

/* |got - want| <= tol, both printed with 17 digits on failure. */
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

static fa_model *parse_model(const char *text)
{
    fa_model *m = NULL;
    fa_error err;
    if (fa_model__parse_json(&m, text, strlen(text), "model.json", &err) != FA_OK) {
        fail_with(&err, "parse");
    }
    return m;
}

/* ------------------------------------------------------------------ models */

/*
 * Two trees over (x0, x1, x2); x2 is never split on. base_score 0.5, logistic: base margin 0.
 *
 * Tree 1: node 0 splits x0 < 0.5 (cover 10, missing left) into node 1 (cover 4) and leaf 2
 * (3.0, cover 6); node 1 splits x1 < 0.5 (missing right) into leaf 3 (1.0, cover 1) and leaf
 * 4 (2.0, cover 3). Mean: (1*1 + 2*3 + 3*6) / 10 = 2.5.
 * Tree 2: node 0 splits x0 < 0.5 (cover 10, missing right) into leaf 1 (-1.0, cover 4) and
 * node 2 (cover 6), which splits x0 again, x0 < 1.5 (missing left), into leaf 3 (0.5, cover 2)
 * and leaf 4 (1.0, cover 4). Mean: (-4 + 1 + 4) / 10 = 0.1. Only x0 matters: phi_0 = leaf - 0.1.
 * Base value: 2.5 + 0.1 = 2.6.
 */
static const char *const TINY_XGB =
    "{\"learner\": {\"attributes\": {}, \"feature_names\": [\"a\", \"b\", \"c\"],\n"
    " \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {\n"
    "  \"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": \"2\"},\n"
    "  \"tree_info\": [0, 0], \"trees\": [\n"
    "   {\"tree_param\": {\"num_nodes\": \"5\"}, \"left_children\": [1, 3, -1, -1, -1],\n"
    "    \"right_children\": [2, 4, -1, -1, -1], \"split_indices\": [0, 1, 0, 0, 0],\n"
    "    \"split_conditions\": [0.5, 0.5, 3.0, 1.0, 2.0], \"default_left\": [1, 0, 0, 0, 0],\n"
    "    \"sum_hessian\": [10, 4, 6, 1, 3]},\n"
    "   {\"tree_param\": {\"num_nodes\": \"5\"}, \"left_children\": [1, -1, 3, -1, -1],\n"
    "    \"right_children\": [2, -1, 4, -1, -1], \"split_indices\": [0, 0, 0, 0, 0],\n"
    "    \"split_conditions\": [0.5, -1.0, 1.5, 0.5, 1.0], \"default_left\": [0, 0, 1, 0, 0],\n"
    "    \"sum_hessian\": [10, 4, 6, 2, 4]}]}},\n"
    " \"learner_model_param\": {\"base_score\": \"5E-1\", \"num_class\": \"0\",\n"
    "  \"num_feature\": \"3\"},\n"
    " \"objective\": {\"name\": \"binary:logistic\"}},\n"
    " \"version\": [1, 7, 4]}\n";

/* POLY: f = x0 x1 + 2 x2^2 (x3 unused), identity or logistic link. */
static int poly_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                        void *payload)
{
    (void)err;
    (void)payload;
    for (size_t i = 0; i < n_rows; i++) {
        const double *r = x + i * n_cols;
        out[i] = r[0] * r[1] + 2.0 * r[2] * r[2];
    }
    return FA_OK;
}

static const fa_model_vtable POLY_VT = {"poly", poly_predict, NULL, FA_OUTPUT_MARGIN, 1};

/* BROKEN: every call fails, as an external command that died would. */
static int broken_predict(double out[], const double x[], size_t n_rows, size_t n_cols,
                          fa_error *err, void *payload)
{
    (void)out;
    (void)x;
    (void)n_rows;
    (void)n_cols;
    (void)payload;
    fa_error_clear(err);
    err->status = FA_EIO;
    snprintf(err->message, sizeof err->message, "test model: broken pipe");
    return FA_EIO;
}

static const fa_model_vtable BROKEN_VT = {"broken", broken_predict, NULL, FA_OUTPUT_MARGIN, 1};

static fa_model *local_model(const fa_model_vtable *vt, fa_link link, size_t p)
{
    static const char *const NAMES[] = {"x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",
                                        "x8",  "x9",  "x10", "x11", "x12", "x13", "x14", "x15",
                                        "x16", "x17", "x18", "x19", "x20", "x21"};
    assert_true(p <= sizeof NAMES / sizeof *NAMES);
    fa_model *m = fa_model__new(vt, link);
    assert_non_null(m);
    assert_int_equal(fa_model__set_names(m, NAMES, p, "test", NULL), FA_OK);
    return m;
}

/* The largest |sum phi + base - f(x)| over the rows. */
static double efficiency_gap(const double phi[], const fa_model *m, const double x[], size_t n,
                             fa_model_output output)
{
    size_t p = fa_model_n_features(m);
    double *f = calloc(n, sizeof *f), worst = 0.0;
    assert_non_null(f);
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

/* ------------------------------------------------------------------ tree */

static void treeshap__tiny_model_matches_hand_computed_values(void **state)
{
    (void)state;
    fa_model *m = parse_model(TINY_XGB);
    /*
     * Row A = (0, 1, 7): tree 1 reaches leaf 4 (2.0). v() = 2.5; v(0) = (1*1 + 2*3) / 4 =
     * 1.75; v(1) = 0.4 * 2 + 0.6 * 3 = 2.6; v(0,1) = 2. phi_0 = ((1.75 - 2.5) + (2 - 2.6)) / 2 =
     * -0.675, phi_1 = ((2.6 - 2.5) + (2 - 1.75)) / 2 = 0.175. Tree 2: leaf -1, phi_0 = -1.1.
     * Row B = (2, 0, 5): tree 1 reaches leaf 2 (3.0). v(0) = 3; v(1) = 0.4 * 1 + 0.6 * 3 = 2.2;
     * phi_0 = ((3 - 2.5) + (3 - 2.2)) / 2 = 0.65, phi_1 = ((2.2 - 2.5) + 0) / 2 = -0.15. Tree
     * 2: right twice, leaf 1.0, phi_0 = 0.9.
     * Row C = (NAN, 0, 0): tree 1 goes left (default) then left: leaf 1.0. v(0) = 1.75,
     * v(1) = 0.4 * 1 + 0.6 * 3 = 2.2, v(0,1) = 1: phi_0 = ((1.75 - 2.5) + (1 - 2.2)) / 2 =
     * -0.975, phi_1 = ((2.2 - 2.5) + (1 - 1.75)) / 2 = -0.525. Tree 2: right (default), then
     * left (default): leaf 0.5, phi_0 = 0.4.
     */
    const double x[] = {0, 1, 7, 2, 0, 5, NAN, 0, 0};
    const double want[] = {-0.675 - 1.1, 0.175,  0.0, 2.6, /* margin 2 - 1 = 1 */
                           0.65 + 0.9,   -0.15,  0.0, 2.6, /* margin 3 + 1 = 4 */
                           -0.975 + 0.4, -0.525, 0.0, 2.6 /* margin 1 + 0.5 = 1.5 */};
    double phi[12];
    fa_error err;
    if (fa_shap_tree(phi, m, x, 3, NULL, &err) != FA_OK) {
        fail_with(&err, "fa_shap_tree");
    }
    for (size_t k = 0; k < 12; k++) {
        assert_close(phi[k], want[k], 1e-15);
    }
    assert_true(phi[2] == 0.0 && phi[6] == 0.0 && phi[10] == 0.0); /* dummy: exactly 0 */
    assert_true(efficiency_gap(phi, m, x, 3, FA_OUTPUT_MARGIN) <= 1e-15);
    fa_model_free(m);
}

static void treeshap__same_bits_whatever_the_thread_count(void **state)
{
    (void)state;
    fa_model *m = parse_model(TINY_XGB);
    enum { N = 301 };
    double *x = calloc(N * 3, sizeof *x), *a = calloc(N * 4, sizeof *a);
    double *b = calloc(N * 4, sizeof *b);
    assert_true(x && a && b);
    for (size_t i = 0; i < N * 3; i++) {
        x[i] = (double)((i * 7919) % 13) / 6.0 - 0.3;
    }
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.threads = 1;
    assert_int_equal(fa_shap_tree(a, m, x, N, &o, NULL), FA_OK);
    o.threads = 3;
    assert_int_equal(fa_shap_tree(b, m, x, N, &o, NULL), FA_OK);
    assert_memory_equal(a, b, N * 4 * sizeof *a);
    assert_true(efficiency_gap(a, m, x, N, FA_OUTPUT_MARGIN) <= 1e-14);
    free(x);
    free(a);
    free(b);
    fa_model_free(m);
}

static void expect_error(int st, const fa_error *err, int status, const char *message)
{
    if (st != status || strcmp(err->message, message) != 0) {
        fail_msg("status %d, message\n  %s\nexpected %d,\n  %s", st, err->message, status, message);
    }
}

static void treeshap__refuses_what_it_cannot_explain(void **state)
{
    (void)state;
    fa_error err;
    double phi[4], x[3] = {0, 0, 0};
    fa_model *poly = local_model(&POLY_VT, FA_LINK_IDENTITY, 3);
    expect_error(fa_shap_tree(phi, poly, x, 1, NULL, &err), &err, FA_EINVAL,
                 "tree Shapley values need an XGBoost model, not a poly model");
    fa_model_free(poly);

    fa_model *m = parse_model(TINY_XGB);
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.output = FA_OUTPUT_PROBABILITY;
    expect_error(fa_shap_tree(phi, m, x, 1, &o, &err), &err, FA_EINVAL,
                 "fa_shap_tree: these Shapley values are in margin space; use the exact "
                 "estimator for probabilities");
    fa_model_free(m);

    /* without sum_hessian; then with a split of cover 0 */
    char *text = strdup(TINY_XGB);
    assert_non_null(text);
    char *at = strstr(text, ",\n    \"sum_hessian\": [10, 4, 6, 2, 4]");
    assert_non_null(at);
    memmove(at, at + strlen(",\n    \"sum_hessian\": [10, 4, 6, 2, 4]"),
            strlen(at + strlen(",\n    \"sum_hessian\": [10, 4, 6, 2, 4]")) + 1);
    m = parse_model(text);
    expect_error(fa_shap_tree(phi, m, x, 1, NULL, &err), &err, FA_EINVAL,
                 "tree 1 has no node covers (sum_hessian): path-dependent TreeSHAP needs them");
    fa_model_free(m);
    free(text);

    text = strdup(TINY_XGB);
    assert_non_null(text);
    at = strstr(text, "[10, 4, 6, 1, 3]");
    assert_non_null(at);
    memcpy(at, "[10, 0, 6, 1, 3]", 16);
    m = parse_model(text);
    expect_error(fa_shap_tree(phi, m, x, 1, NULL, &err), &err, FA_EDOMAIN,
                 "tree 0 node 1: cover (sum_hessian) 0: TreeSHAP needs finite covers, positive "
                 "at a split");
    fa_model_free(m);
    free(text);
}

/* ------------------------------------------------------------------ exact */

/*
 * f = x0 x1 on x = (3, 5), background b = (1, 2): v() = 2, v(0) = 3 * 2 = 6, v(1) = 1 * 5 = 5,
 * v(0,1) = 15. phi_0 = ((6 - 2) + (15 - 5)) / 2 = 7, phi_1 = ((5 - 2) + (15 - 6)) / 2 = 6.
 */
static void exact__two_feature_product_by_hand(void **state)
{
    (void)state;
    fa_model *m = local_model(&POLY_VT, FA_LINK_IDENTITY, 3); /* x2 = 0 throughout */
    const double x[] = {3, 5, 0}, bg[] = {1, 2, 0};
    double phi[4];
    fa_error err;
    if (fa_shap_exact(phi, m, x, 1, bg, 1, NULL, &err) != FA_OK) {
        fail_with(&err, "fa_shap_exact");
    }
    assert_close(phi[0], 7.0, 1e-14);
    assert_close(phi[1], 6.0, 1e-14);
    assert_true(phi[2] == 0.0);
    assert_close(phi[3], 2.0, 0.0);
    fa_model_free(m);
}

/* Rows and a background for POLY (4 features), the background symmetric in x0 and x1. */
static void poly_data(double x[], size_t n, double bg[], size_t k)
{
    for (size_t i = 0; i < n; i++) {
        double *r = x + i * 4;
        r[0] = r[1] = 0.25 * (double)i - 1.0; /* x0 = x1: symmetric rows */
        r[2] = 0.5 - 0.1 * (double)i;
        r[3] = (double)i;
    }
    for (size_t i = 0; i < k; i++) {
        double *r = bg + i * 4;
        r[0] = r[1] = sin((double)i);
        r[2] = cos(0.7 * (double)i);
        r[3] = -(double)i;
    }
}

static void exact__efficiency_symmetry_dummy_in_both_spaces(void **state)
{
    (void)state;
    enum { N = 9, K = 7 };
    double x[N * 4], bg[K * 4], phi[N * 5];
    poly_data(x, N, bg, K);
    fa_model *m = local_model(&POLY_VT, FA_LINK_LOGISTIC, 4);
    for (int out = 0; out < 2; out++) {
        fa_shap_options o = FA_SHAP_OPTIONS_INIT;
        o.output = out ? FA_OUTPUT_PROBABILITY : FA_OUTPUT_MARGIN;
        fa_error err;
        if (fa_shap_exact(phi, m, x, N, bg, K, &o, &err) != FA_OK) {
            fail_with(&err, "fa_shap_exact");
        }
        assert_true(efficiency_gap(phi, m, x, N, o.output) <= 1e-12);
        double fb[K], mean = 0.0;
        assert_int_equal(fa_model_predict(m, fb, bg, K, o.output, NULL), FA_OK);
        for (size_t k = 0; k < K; k++) {
            mean += fb[k];
        }
        for (size_t i = 0; i < N; i++) {
            const double *r = phi + i * 5;
            assert_close(r[0], r[1], 1e-12); /* symmetry */
            assert_true(r[3] == 0.0);        /* dummy, exactly */
            assert_close(r[4], mean / K, 1e-15);
        }
    }
    fa_model_free(m);
}

static void exact__same_bits_whatever_the_thread_count(void **state)
{
    (void)state;
    enum { N = 11, K = 5 };
    double x[N * 4], bg[K * 4], a[N * 5], b[N * 5];
    poly_data(x, N, bg, K);
    fa_model *m = local_model(&POLY_VT, FA_LINK_IDENTITY, 4);
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.threads = 1;
    assert_int_equal(fa_shap_exact(a, m, x, N, bg, K, &o, NULL), FA_OK);
    o.threads = 3;
    assert_int_equal(fa_shap_exact(b, m, x, N, bg, K, &o, NULL), FA_OK);
    assert_memory_equal(a, b, sizeof a);
    fa_model_free(m);
}

static void exact__tree_model_adds_up(void **state)
{
    (void)state;
    fa_model *m = parse_model(TINY_XGB);
    const double x[] = {0, 1, 7, 2, 0, 5, NAN, 0, 0}, bg[] = {0, 0, 0, 1, 1, 1, 2, 0, 1};
    double phi[12];
    assert_int_equal(fa_shap_exact(phi, m, x, 3, bg, 3, NULL, NULL), FA_OK);
    assert_true(efficiency_gap(phi, m, x, 3, FA_OUTPUT_MARGIN) <= 1e-12);
    assert_true(phi[2] == 0.0 && phi[6] == 0.0 && phi[10] == 0.0);
    fa_model_free(m);
}

static void exact__refuses_too_many_features_and_an_empty_background(void **state)
{
    (void)state;
    fa_error err;
    fa_model *m = local_model(&POLY_VT, FA_LINK_IDENTITY, 21);
    double x[21] = {0}, phi[22];
    expect_error(fa_shap_exact(phi, m, x, 1, x, 1, NULL, &err), &err, FA_EINVAL,
                 "exact Shapley values need all 2^p coalitions: 21 features is above the limit "
                 "of 20 (use the tree, linear, kernel or sampling estimator)");
    fa_model_free(m);
    m = local_model(&POLY_VT, FA_LINK_IDENTITY, 4);
    expect_error(fa_shap_exact(phi, m, x, 1, x, 0, NULL, &err), &err, FA_EINVAL,
                 "exact Shapley values need a background: it is empty");
    fa_model_free(m);
}

static void exact__a_failing_model_fails_the_call(void **state)
{
    (void)state;
    enum { N = 5, K = 3 };
    double x[N * 4], bg[K * 4], phi[N * 5];
    poly_data(x, N, bg, K);
    fa_model *m = local_model(&BROKEN_VT, FA_LINK_IDENTITY, 4);
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.threads = 2;
    fa_error err;
    expect_error(fa_shap_exact(phi, m, x, N, bg, K, &o, &err), &err, FA_EIO,
                 "test model: broken pipe");
    fa_model_free(m);
}

/* ------------------------------------------------------------------ linear */

/* margin = 0.3 + 2 (x0 - 1) / 2 - 1.5 (x1 + 1) / 0.5 + 0 x2 + 0.25 (x3 - 0) / 4 */
static const char *const SMALL_LINEAR =
    "{\"fairaudit_model\": \"linear\", \"link\": \"logistic\",\n"
    " \"feature_names\": [\"x0\", \"x1\", \"x2\", \"x3\"],\n"
    " \"coef\": [2, -1.5, 0, 0.25], \"intercept\": 0.3,\n"
    " \"scaler_mean\": [1, -1, 0, 0], \"scaler_scale\": [2, 0.5, 1, 4]}\n";

static void linear__equals_exact_with_a_background(void **state)
{
    (void)state;
    enum { N = 6, K = 5 };
    double x[N * 4], bg[K * 4], lin[N * 5], ex[N * 5];
    poly_data(x, N, bg, K);
    fa_model *m = parse_model(SMALL_LINEAR);
    fa_error err;
    if (fa_shap_linear(lin, m, x, N, bg, K, NULL, &err) != FA_OK) {
        fail_with(&err, "fa_shap_linear");
    }
    assert_int_equal(fa_shap_exact(ex, m, x, N, bg, K, NULL, NULL), FA_OK);
    for (size_t k = 0; k < N * 5; k++) {
        assert_close(lin[k], ex[k], 1e-12);
    }
    assert_true(efficiency_gap(lin, m, x, N, FA_OUTPUT_MARGIN) <= 1e-12);
    assert_true(lin[2] == 0.0); /* coefficient 0: dummy */
    /* no background: the scaler mean (1, -1, 0, 0); base = margin there = 0.3 */
    assert_int_equal(fa_shap_linear(lin, m, x, 1, NULL, 0, NULL, NULL), FA_OK);
    assert_close(lin[0], 2.0 * (x[0] - 1.0) / 2.0, 1e-15);
    assert_close(lin[1], -1.5 * (x[1] + 1.0) / 0.5, 1e-15);
    assert_close(lin[4], 0.3, 1e-15);
    fa_model_free(m);
}

static void linear__refuses_other_models_and_probabilities(void **state)
{
    (void)state;
    fa_error err;
    double x[4] = {0}, phi[5];
    fa_model *m = parse_model(TINY_XGB);
    expect_error(fa_shap_linear(phi, m, x, 1, NULL, 0, NULL, &err), &err, FA_EINVAL,
                 "linear Shapley values need a linear model, not a xgboost model");
    fa_model_free(m);
    m = parse_model(SMALL_LINEAR);
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.output = FA_OUTPUT_PROBABILITY;
    expect_error(fa_shap_linear(phi, m, x, 1, NULL, 0, &o, &err), &err, FA_EINVAL,
                 "fa_shap_linear: these Shapley values are in margin space; use the exact "
                 "estimator for probabilities");
    double bad[4] = {0, NAN, 0, 0};
    expect_error(fa_shap_linear(phi, m, x, 1, bad, 1, NULL, &err), &err, FA_EDOMAIN,
                 "background row 0, feature 1: nan: linear Shapley values need finite "
                 "background values");
    fa_model_free(m);
}

/* ------------------------------------------------------------------ goldens */

static const char *shared_dir(void)
{
    struct stat st;
    const char *env = getenv("FAIRAUDIT_SHARED");
    const char *dir = env != NULL && env[0] != '\0' ? env : "../shared";
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* Rows of the goldens to check: FAIRAUDIT_SHAP_ROWS, or all (0). */
static size_t rows_limit(size_t n)
{
    const char *env = getenv("FAIRAUDIT_SHAP_ROWS");
    size_t lim = env != NULL ? (size_t)strtoul(env, NULL, 10) : 0;
    return lim > 0 && lim < n ? lim : n;
}

/* The test matrix of a data set (n x p) and its column names. */
static double *load_matrix(size_t *n, size_t *p, fa_table **names, const char *shared,
                           const char *ds)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/models/%s_test_features.csv", shared, ds);
    fa_error err;
    if (fa_table_load_csv(names, path, NULL, &err) != FA_OK) {
        fail_with(&err, path);
    }
    *n = fa_table_n_rows(*names);
    *p = fa_table_n_cols(*names);
    size_t *cols = calloc(*p, sizeof *cols);
    assert_non_null(cols);
    for (size_t j = 0; j < *p; j++) {
        cols[j] = j;
    }
    double *x = NULL;
    assert_int_equal(fa_table_matrix(&x, *names, cols, *p, NULL), FA_OK);
    free(cols);
    return x;
}

/* The golden CSV (id, p features, bias) into n x (p + 1) values; checks the header. */
static double *load_golden(const char *shared, const char *ds, size_t n, size_t p,
                           const fa_table *names)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/golden/%s_xgb_treeshap_test.csv", shared, ds);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t cap = 1 << 16;
    char *line = malloc(cap);
    double *g = calloc(n * (p + 1), sizeof *g);
    assert_true(line && g);
    assert_non_null(fgets(line, (int)cap, f));
    char *save = NULL, *tok = strtok_r(line, ",\n", &save);
    assert_string_equal(tok, "id");
    for (size_t j = 0; j < p; j++) {
        tok = strtok_r(NULL, ",\n", &save);
        assert_non_null(tok);
        assert_string_equal(tok, fa_table_column_name(names, j));
    }
    assert_string_equal(strtok_r(NULL, ",\n", &save), "bias");
    for (size_t i = 0; i < n; i++) {
        assert_non_null(fgets(line, (int)cap, f));
        char *s = strchr(line, ',');
        assert_non_null(s);
        for (size_t j = 0; j <= p; j++) {
            char *end;
            g[i * (p + 1) + j] = strtod(s + 1, &end);
            assert_true(end != s + 1 && (*end == ',' || *end == '\n'));
            s = end;
        }
    }
    assert_null(fgets(line, (int)cap, f));
    fclose(f);
    free(line);
    return g;
}

static void check_treeshap_golden(const char *ds)
{
    const char *shared = shared_dir();
    if (shared == NULL) {
        fprintf(stderr, "../shared not found: TreeSHAP goldens skipped\n");
        skip();
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/models/%s_xgb.json", shared, ds);
    fa_model *m = NULL;
    fa_error err;
    if (fa_model_load(&m, path, &err) != FA_OK) {
        fail_with(&err, path);
    }
    size_t n, p;
    fa_table *names;
    double *x = load_matrix(&n, &p, &names, shared, ds);
    assert_int_equal(p, fa_model_n_features(m));
    double *g = load_golden(shared, ds, n, p, names);
    size_t rows = rows_limit(n);
    double *phi = calloc(rows * (p + 1), sizeof *phi);
    assert_non_null(phi);
    if (fa_shap_tree(phi, m, x, rows, NULL, &err) != FA_OK) {
        fail_with(&err, "fa_shap_tree");
    }
    double worst = 0.0, worst_rel = 0.0;
    size_t bad = 0;
    for (size_t k = 0; k < rows * (p + 1); k++) {
        double d = fabs(phi[k] - g[k]);
        worst = fmax(worst, d);
        worst_rel = fmax(worst_rel, d / (1e-6 + 1e-6 * fabs(g[k])));
        if (!(d <= 1e-6 + 1e-6 * fabs(g[k])) && bad++ < 10) {
            print_error("%s row %zu column %zu: %.9g, golden %.9g\n", ds, k / (p + 1), k % (p + 1),
                        phi[k], g[k]);
        }
    }
    double gap = efficiency_gap(phi, m, x, rows, FA_OUTPUT_MARGIN);
    print_message("%s TreeSHAP: %zu rows x %zu values, max |ours - XGBoost| %.3g (%.2f of the "
                  "tolerance), %zu outside; bias %.17g; efficiency gap %.3g\n",
                  ds, rows, p + 1, worst, worst_rel, bad, phi[p], gap);
    assert_int_equal(bad, 0);
    assert_true(gap <= 1e-9);
    free(phi);
    free(g);
    free(x);
    fa_table_free(names);
    fa_model_free(m);
}

static void treeshap__golden_adult(void **state)
{
    (void)state;
    check_treeshap_golden("adult");
}

static void treeshap__golden_german(void **state)
{
    (void)state;
    check_treeshap_golden("german");
}

/* The README's closed form: phi_j = coef_raw[j] (x_j - scaler_mean[j]) with the training mean. */
static void check_linear_golden(const char *ds)
{
    const char *shared = shared_dir();
    if (shared == NULL) {
        fprintf(stderr, "../shared not found: linear goldens skipped\n");
        skip();
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/models/%s_logreg.json", shared, ds);
    fa_model *m = NULL;
    fa_error err;
    if (fa_model_load(&m, path, &err) != FA_OK) {
        fail_with(&err, path);
    }
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = calloc(1 << 22, 1);
    assert_non_null(text);
    size_t len = fread(text, 1, (1 << 22) - 1, f);
    fclose(f);
    cJSON *root = cJSON_ParseWithLength(text, len);
    assert_non_null(root);
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(root, "coef_raw");
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(root, "scaler_mean");
    assert_true(cJSON_IsArray(raw) && cJSON_IsArray(mean));
    size_t n, p;
    fa_table *names;
    double *x = load_matrix(&n, &p, &names, shared, ds);
    assert_int_equal(p, fa_model_n_features(m));
    double *phi = calloc(n * (p + 1), sizeof *phi);
    assert_non_null(phi);
    if (fa_shap_linear(phi, m, x, n, NULL, 0, NULL, &err) != FA_OK) {
        fail_with(&err, "fa_shap_linear");
    }
    double worst = 0.0;
    for (size_t j = 0; j < p; j++) {
        double w = cJSON_GetArrayItem(raw, (int)j)->valuedouble;
        double mu = cJSON_GetArrayItem(mean, (int)j)->valuedouble;
        for (size_t i = 0; i < n; i++) {
            double want = w * (x[i * p + j] - mu);
            worst = fmax(worst, fabs(phi[i * (p + 1) + j] - want) / (1.0 + fabs(want)));
        }
    }
    double gap = efficiency_gap(phi, m, x, n, FA_OUTPUT_MARGIN);
    print_message("%s linear: %zu rows, max relative diff to coef_raw (x - mean) %.3g, "
                  "efficiency gap %.3g\n",
                  ds, n, worst, gap);
    assert_true(worst <= 1e-12);
    assert_true(gap <= 1e-9);
    cJSON_Delete(root);
    free(text);
    free(phi);
    free(x);
    fa_table_free(names);
    fa_model_free(m);
}

static void linear__golden_adult(void **state)
{
    (void)state;
    check_linear_golden("adult");
}

static void linear__golden_german(void **state)
{
    (void)state;
    check_linear_golden("german");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(treeshap__tiny_model_matches_hand_computed_values),
        cmocka_unit_test(treeshap__same_bits_whatever_the_thread_count),
        cmocka_unit_test(treeshap__refuses_what_it_cannot_explain),
        cmocka_unit_test(exact__two_feature_product_by_hand),
        cmocka_unit_test(exact__efficiency_symmetry_dummy_in_both_spaces),
        cmocka_unit_test(exact__same_bits_whatever_the_thread_count),
        cmocka_unit_test(exact__tree_model_adds_up),
        cmocka_unit_test(exact__refuses_too_many_features_and_an_empty_background),
        cmocka_unit_test(exact__a_failing_model_fails_the_call),
        cmocka_unit_test(linear__equals_exact_with_a_background),
        cmocka_unit_test(linear__refuses_other_models_and_probabilities),
        cmocka_unit_test(treeshap__golden_adult),
        cmocka_unit_test(treeshap__golden_german),
        cmocka_unit_test(linear__golden_adult),
        cmocka_unit_test(linear__golden_german),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
