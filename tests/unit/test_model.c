/*
 * test_model.c - explain/model.c, linear.c, xgboost.c, external.c: the model back ends.
 *
 * - linear and XGBoost models reproduce the shared reference predictions on every Adult and
 *   German test row (../shared/models; skipped without ../shared): linear to 1e-9 (the files
 *   keep 10 digits), XGBoost probabilities to 1e-6 and margins to logit(score);
 * - XGBoost's float32 mode reproduces XGBoost's own float32 probability bit for bit;
 * - the walk on a tiny handmade ensemble (tests/data/models/tiny_xgb.json): missing values
 *   follow default_left, a value equal to its threshold goes right, comparisons are float32;
 * - incremental prediction (fa_xgboost__delta_predict) gives the bits of a full prediction
 *   for every changed column set, chunking, missing values and both summation modes;
 * - every malformed model fails with FA_EPARSE, its JSON path and its exact message;
 * - external commands: the same numbers as the native back end, the documented bytes on the
 *   pipe, and a clear error (never a hang or a crash) for a child that exits, hangs, writes
 *   garbage, or too few or too many lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "explain/model.h"
#include "include/fairaudit.h"

#define TINY_XGB "tests/data/models/tiny_xgb.json"
#define TINY_LINEAR "tests/data/models/tiny_linear.json"
#define PREDICTOR "examples/predictor.py"

/* ------------------------------------------------------------ helpers */

/* |got - want| <= tol, in double (cmocka's float assertion rounds to float). */
#define assert_close(got, want, tol) check_close((got), (want), (tol), __FILE__, __LINE__)

static void check_close(double got, double want, double tol, const char *file, int line)
{
    if (!(fabs(got - want) <= tol)) {
        fail_msg("%s:%d: got %.17g, expected %.17g (tolerance %g)", file, line, got, want, tol);
    }
}

static void fail_with(const fa_error *err, const char *what)
{
    char buf[2048];
    fa_error_format(buf, sizeof buf, err);
    fail_msg("%s: unexpected error: %s", what, buf);
}

static fa_model *load_ok(const char *path)
{
    fa_model *m = NULL;
    fa_error err;
    fa_error_clear(&err);
    if (fa_model_load(&m, path, &err) != FA_OK) {
        fail_with(&err, path);
    }
    assert_non_null(m);
    return m;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "<shared>/models/<name>" into buf, or 0 when ../shared (or FAIRAUDIT_SHARED) is absent. */
static int shared_model_file(char *buf, size_t size, const char *name)
{
    const char *dir = getenv("FAIRAUDIT_SHARED");
    if (dir == NULL || dir[0] == '\0') {
        dir = "../shared";
    }
    if (!is_dir(dir)) {
        return 0;
    }
    snprintf(buf, size, "%s/models/%s", dir, name);
    return access(buf, R_OK) == 0;
}

#define SHARED_OR_SKIP(buf, name)                                                                  \
    do {                                                                                           \
        if (!shared_model_file((buf), sizeof(buf), (name))) {                                      \
            print_message("../shared not found: skipped\n");                                       \
            skip();                                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* A data set's test matrix, in the model's feature order, and the reference scores. */
typedef struct golden_data {
    double *x;
    double *score;
    size_t n_rows;
} golden_data;

/*
 * The shared XGBoost models carry no feature names: their split indices are the columns of
 * the features file in order (../shared/models/README.md), so they are named after them
 * explicitly, as `--match-by-position` does; by-name matching then does the rest.
 */
static void load_golden(golden_data *g, fa_model *m, const char *features, const char *pred)
{
    fa_error err;
    fa_error_clear(&err);
    fa_table *t = NULL, *p = NULL;
    if (fa_table_load_csv(&t, features, NULL, &err) != FA_OK ||
        fa_table_load_csv(&p, pred, NULL, &err) != FA_OK) {
        fail_with(&err, "golden tables");
    }
    size_t nc = fa_table_n_cols(t), n = fa_model_n_features(m);
    const char **names = calloc(nc, sizeof *names);
    size_t *col_of = calloc(n, sizeof *col_of);
    assert_non_null(names);
    assert_non_null(col_of);
    for (size_t j = 0; j < nc; j++) {
        names[j] = fa_table_column_name(t, j);
    }
    if (!fa_model_has_feature_names(m) && fa_model_set_feature_names(m, names, nc, &err) != FA_OK) {
        fail_with(&err, "naming by position");
    }
    if (fa_model_match_columns(col_of, m, names, nc, &err) != FA_OK ||
        fa_table_matrix(&g->x, t, col_of, n, &err) != FA_OK) {
        fail_with(&err, "golden matrix");
    }
    g->n_rows = fa_table_n_rows(t);
    assert_int_equal(fa_table_n_rows(p), g->n_rows);
    long sc = fa_table_column_index(p, "score");
    assert_true(sc >= 0);
    g->score = malloc(g->n_rows * sizeof *g->score);
    assert_non_null(g->score);
    memcpy(g->score, fa_table_numeric(p, (size_t)sc), g->n_rows * sizeof *g->score);
    free(names);
    free(col_of);
    fa_table_free(t);
    fa_table_free(p);
}

static void golden_dispose(golden_data *g)
{
    free(g->x);
    free(g->score);
}

static double *predict_ok(const fa_model *m, const double *x, size_t n, fa_model_output o)
{
    double *out = malloc((n ? n : 1) * sizeof *out);
    assert_non_null(out);
    fa_error err;
    fa_error_clear(&err);
    if (fa_model_predict(m, out, x, n, o, &err) != FA_OK) {
        fail_with(&err, "predict");
    }
    return out;
}

/* ------------------------------------------------------------ linear: goldens */

static void check_linear_golden(const char *ds)
{
    char model[512], feat[512], pred[512], name[64];
    snprintf(name, sizeof name, "%s_logreg.json", ds);
    SHARED_OR_SKIP(model, name);
    snprintf(name, sizeof name, "%s_test_features.csv", ds);
    SHARED_OR_SKIP(feat, name);
    snprintf(name, sizeof name, "%s_pred_logreg.csv", ds);
    SHARED_OR_SKIP(pred, name);
    fa_model *m = load_ok(model);
    assert_string_equal(fa_model_kind(m), "linear");
    assert_int_equal(fa_model_link(m), FA_LINK_LOGISTIC);
    assert_int_equal(fa_model_thread_safe(m), 1);
    golden_data g;
    load_golden(&g, m, feat, pred);
    double *p = predict_ok(m, g.x, g.n_rows, FA_OUTPUT_PROBABILITY);
    double *z = predict_ok(m, g.x, g.n_rows, FA_OUTPUT_MARGIN);
    double worst = 0.0;
    size_t bad = 0;
    for (size_t i = 0; i < g.n_rows; i++) {
        double d = fabs(p[i] - g.score[i]);
        worst = d > worst ? d : worst;
        bad += !(d <= 1e-9) || fabs(1.0 / (1.0 + exp(-z[i])) - p[i]) > 0.0;
    }
    print_message("%s logreg: %zu rows, max |prob - score| %.3g\n", ds, g.n_rows, worst);
    assert_int_equal(bad, 0);
    free(p);
    free(z);
    golden_dispose(&g);
    fa_model_free(m);
}

static void linear__adult_matches_sklearn_scores_on_every_test_row(void **state)
{
    (void)state;
    check_linear_golden("adult");
}

static void linear__german_matches_sklearn_scores_on_every_test_row(void **state)
{
    (void)state;
    check_linear_golden("german");
}

/* ------------------------------------------------------------ XGBoost: goldens */

/* XGBoost's float32 probability (common::Sigmoid): 1 / (1 + expf(-margin)) in float. */
static float xgb_sigmoid32(float margin)
{
    return 1.0f / (1.0f + expf(-margin));
}

static void check_xgb_golden(const char *ds)
{
    char model[512], feat[512], pred[512], name[64];
    snprintf(name, sizeof name, "%s_xgb.json", ds);
    SHARED_OR_SKIP(model, name);
    snprintf(name, sizeof name, "%s_test_features.csv", ds);
    SHARED_OR_SKIP(feat, name);
    snprintf(name, sizeof name, "%s_pred_xgb.csv", ds);
    SHARED_OR_SKIP(pred, name);
    fa_model *m = load_ok(model);
    assert_string_equal(fa_model_kind(m), "xgboost");
    assert_int_equal(fa_model_link(m), FA_LINK_LOGISTIC);
    assert_string_equal(fa_model_feature_name(m, 0), "f0"); /* the file has no names */
    golden_data g;
    load_golden(&g, m, feat, pred);
    double *p = predict_ok(m, g.x, g.n_rows, FA_OUTPUT_PROBABILITY);
    double *z = predict_ok(m, g.x, g.n_rows, FA_OUTPUT_MARGIN);
    double worst_p = 0.0, worst_z = 0.0;
    size_t bad = 0;
    for (size_t i = 0; i < g.n_rows; i++) {
        double s = g.score[i], dp = fabs(p[i] - s);
        /*
         * score is XGBoost's float32 probability: its rounding (6e-8 relative) moves
         * logit(score) by about 6e-8 / (1 - s) (and 6e-8 / s near 0 from the 10 digits),
         * on top of the float32 margin's own 3e-6.
         */
        double dz = fabs(z[i] - (log(s) - log1p(-s)));
        double tol_z = 1e-5 + 1.2e-7 / (s * (1.0 - s));
        worst_p = dp > worst_p ? dp : worst_p;
        worst_z = dz > worst_z && s > 0.01 && s < 0.99 ? dz : worst_z;
        if (!(dp <= 1e-6) || !(dz <= tol_z)) {
            if (bad++ < 5) {
                print_error("%s row %zu: prob %.17g margin %.17g, score %.10g\n", ds, i, p[i], z[i],
                            s);
            }
        }
    }
    print_message("%s xgb: %zu rows, max |prob - score| %.3g, max |margin - logit(score)| %.3g "
                  "(scores in [0.01, 0.99])\n",
                  ds, g.n_rows, worst_p, worst_z);
    assert_int_equal(bad, 0);
    free(p);
    free(z);
    golden_dispose(&g);
    fa_model_free(m);
}

static void xgboost__adult_matches_xgboost_probabilities_on_every_test_row(void **state)
{
    (void)state;
    check_xgb_golden("adult");
}

static void xgboost__german_matches_xgboost_probabilities_on_every_test_row(void **state)
{
    (void)state;
    check_xgb_golden("german");
}

/*
 * The float32 claim of models/README.md, checked through what the goldens hold: the score
 * files keep XGBoost's float32 probability to 10 significant digits, enough to identify the
 * float32 value, so float32(score) == Sigmoid32(our float32 margin) on every row shows the
 * float32 walk gives XGBoost's margin (up to the few margins that share a probability).
 * The double sum must agree only to the documented 3e-6.
 */
static void check_float32(const char *ds)
{
    char model[512], feat[512], pred[512], name[64];
    snprintf(name, sizeof name, "%s_xgb.json", ds);
    SHARED_OR_SKIP(model, name);
    snprintf(name, sizeof name, "%s_test_features.csv", ds);
    SHARED_OR_SKIP(feat, name);
    snprintf(name, sizeof name, "%s_pred_xgb.csv", ds);
    SHARED_OR_SKIP(pred, name);
    fa_model *m = load_ok(model);
    golden_data g;
    load_golden(&g, m, feat, pred);
    double *z64 = predict_ok(m, g.x, g.n_rows, FA_OUTPUT_MARGIN);
    assert_int_equal(fa_xgboost__set_float32(m, 1), FA_OK);
    double *z32 = predict_ok(m, g.x, g.n_rows, FA_OUTPUT_MARGIN);
    size_t same32 = 0, same64 = 0;
    double worst = 0.0;
    for (size_t i = 0; i < g.n_rows; i++) {
        float want = (float)g.score[i];
        assert_true((double)(float)z32[i] == z32[i]); /* a float32 sum */
        same32 += xgb_sigmoid32((float)z32[i]) == want;
        same64 += xgb_sigmoid32((float)z64[i]) == want;
        double d = fabs(z32[i] - z64[i]);
        worst = d > worst ? d : worst;
    }
    print_message("%s xgb float32 mode: %zu of %zu probabilities bit-equal to XGBoost's "
                  "(double mode: %zu); max |float32 margin - double margin| %.3g\n",
                  ds, same32, g.n_rows, same64, worst);
    assert_int_equal(same32, g.n_rows);
    assert_true(worst <= 3e-6);
    free(z32);
    free(z64);
    golden_dispose(&g);
    fa_model_free(m);
}

static void xgboost__float32_mode_reproduces_xgboost_bits_on_adult(void **state)
{
    (void)state;
    check_float32("adult");
}

static void xgboost__float32_mode_reproduces_xgboost_bits_on_german(void **state)
{
    (void)state;
    check_float32("german");
}

static void linear__reads_an_sklearn_export_as_logistic(void **state)
{
    (void)state;
    char model[512];
    SHARED_OR_SKIP(model, "german_logreg.json");
    fa_model *m = load_ok(model);
    fa_linear_params lp;
    assert_int_equal(fa_linear__params(&lp, m), FA_OK);
    assert_int_equal(lp.n_features, 61);
    assert_non_null(lp.mean);
    assert_string_equal(fa_model_feature_name(m, 0), "duration_months");
    assert_null(fa_model_feature_name(m, 61));
    fa_model_free(m);
}

/* ------------------------------------------------------------ tiny handmade models */

/*
 * tiny_xgb.json: reg:squarederror, base_score 1.5, features age and income.
 *   tree 0: age < 30 (missing left) ? 1.0 : (income < 2.5 (missing right) ? 0.5 : -0.25)
 *   tree 1: 0.125
 */
static void xgboost__missing_values_follow_default_left(void **state)
{
    (void)state;
    fa_model *m = load_ok(TINY_XGB);
    assert_int_equal(fa_model_link(m), FA_LINK_IDENTITY);
    assert_int_equal(fa_model_n_features(m), 2);
    assert_string_equal(fa_model_feature_name(m, 1), "income");
    /* clang-format off */
    const double x[] = {
        20, 0,            /* left: 1.5 + 1.0 + 0.125 */
        NAN, 5,           /* age missing: default left */
        40, NAN,          /* income missing: default right */
        30, 0,            /* equal to the threshold: right, then income 0 < 2.5: left */
        40, 2.5,          /* equal again: right */
        40, 2.4999999999, /* float32(2.4999999999) == 2.5f: right, although < 2.5 in double */
        29.999999999, 9,  /* float32 rounds to 30: right */
    };
    /* clang-format on */
    const double want[] = {2.625, 2.625, 1.375, 2.125, 1.375, 1.375, 1.375};
    double *z = predict_ok(m, x, 7, FA_OUTPUT_MARGIN);
    double *p = predict_ok(m, x, 7, FA_OUTPUT_PROBABILITY); /* identity: the same */
    for (size_t i = 0; i < 7; i++) {
        assert_close(z[i], want[i], 0.0);
        assert_close(p[i], want[i], 0.0);
    }
    /* the explainers' view: breadth-first, children after parents, covers kept */
    const fa_xgboost_tree *trees;
    size_t nt;
    double base;
    assert_int_equal(fa_xgboost__trees(&trees, &nt, &base, m), FA_OK);
    assert_int_equal(nt, 2);
    assert_close(base, 1.5, 0.0);
    assert_int_equal(trees[0].n_nodes, 5);
    assert_int_equal(trees[0].left[0], 1);
    assert_int_equal(trees[0].right[0], 2);
    assert_int_equal(trees[0].default_left[0], 1);
    assert_int_equal(trees[0].feature[2], 1);
    assert_close(trees[0].cover[2], 6.0, 0.0);
    assert_close(trees[1].value[0], 0.125, 0.0);
    assert_int_equal(fa_linear__params(&(fa_linear_params){0}, m), FA_EINVAL);
    free(z);
    free(p);
    fa_model_free(m);
}

static void xgboost__predicts_blocks_and_single_rows_alike(void **state)
{
    (void)state;
    fa_model *m = load_ok(TINY_XGB);
    enum { N = 1000 };
    double *x = malloc(2 * N * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < N; i++) {
        x[2 * i] = (double)(i % 60);
        x[2 * i + 1] = i % 7 == 0 ? NAN : (double)(i % 5);
    }
    double *all = predict_ok(m, x, N, FA_OUTPUT_MARGIN);
    for (size_t i = 0; i < N; i++) {
        double one;
        assert_int_equal(fa_model_predict(m, &one, x + 2 * i, 1, FA_OUTPUT_MARGIN, NULL), FA_OK);
        assert_close(one, all[i], 0.0);
    }
    free(all);
    free(x);
    fa_model_free(m);
}

/* ------------------------------------------------------------ incremental prediction */

/*
 * For each column set of `sets` (n_sets sets of set_size columns, -1 padded), the matrix with
 * those columns taken from rows in reverse order of a source in which every 11th value of
 * them is missing: the margins of the index's incremental prediction are the bits of
 * fa_model_predict, and so are the indexed matrix's own margins; the same with the columns
 * gathered from the indexed matrix itself (src NULL) through a rotation. In float32 mode the
 * sums are not exact and the index is refused.
 */
static void check_delta(fa_model *m, const double *x, size_t n, const long *sets, size_t n_sets,
                        size_t set_size)
{
    size_t p = fa_model_n_features(m);
    double *z = malloc(n * sizeof *z), *xc = malloc(n * p * sizeof *xc);
    double *src = malloc(n * p * sizeof *src);
    size_t *rev = malloc(n * sizeof *rev), *rot = malloc(n * sizeof *rot);
    assert_true(z && xc && src && rev && rot);
    for (size_t i = 0; i < n; i++) {
        rev[i] = n - 1 - i;
        rot[i] = (i + 7) % n;
    }
    fa_xgboost_index *ix = NULL;
    assert_int_equal(fa_xgboost__set_float32(m, 1), FA_OK);
    assert_int_equal(fa_xgboost__index_create(&ix, z, m, x, n), FA_EDOMAIN);
    assert_null(ix);
    assert_int_equal(fa_xgboost__set_float32(m, 0), FA_OK);
    assert_int_equal(fa_xgboost__index_create(&ix, z, m, x, n), FA_OK);
    double *full = predict_ok(m, x, n, FA_OUTPUT_MARGIN);
    assert_memory_equal(z, full, n * sizeof *z);
    free(full);
    fa_xgboost_delta *d = NULL;
    assert_int_equal(fa_xgboost__delta_create(&d, ix, set_size), FA_OK);
    for (size_t k = 0; k < n_sets; k++) {
        size_t cols[8], nc = 0;
        for (size_t c = 0; c < set_size && sets[k * set_size + c] >= 0; c++) {
            cols[nc++] = (size_t)sets[k * set_size + c];
        }
        for (int pass = 0; pass < 2; pass++) { /* 0: src with missing values; 1: x rotated */
            const size_t *perm = pass == 0 ? rev : rot;
            memcpy(src, x, n * p * sizeof *src);
            memcpy(xc, x, n * p * sizeof *xc);
            for (size_t c = 0; c < nc; c++) {
                for (size_t i = 0; pass == 0 && i < n; i++) {
                    src[i * p + cols[c]] = i % 11 == 3 ? NAN : x[i * p + cols[c]];
                }
                for (size_t i = 0; i < n; i++) {
                    xc[i * p + cols[c]] = src[perm[i] * p + cols[c]];
                }
            }
            fa_xgboost__delta_predict(z, d, cols, nc, pass == 0 ? src : NULL, perm);
            double *want = predict_ok(m, xc, n, FA_OUTPUT_MARGIN);
            assert_memory_equal(z, want, n * sizeof *z);
            free(want);
        }
    }
    fa_xgboost__delta_free(d);
    fa_xgboost__index_free(ix);
    free(z);
    free(xc);
    free(src);
    free(rev);
    free(rot);
}

static void xgboost__delta_prediction_gives_the_bits_of_a_full_prediction_on_tiny(void **state)
{
    (void)state;
    fa_model *m = load_ok(TINY_XGB);
    enum { N = 9000 }; /* three blocks of the index, the last one partly filled */
    double *x = malloc(2 * N * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < N; i++) { /* both sides of each threshold, and missing values */
        x[2 * i] = i % 13 == 0 ? NAN : 28.0 + (double)(i % 5);
        x[2 * i + 1] = i % 7 == 0 ? NAN : 2.0 + 0.25 * (double)(i % 4);
    }
    const long sets[] = {0, -1, 1, -1, 0, 1};
    check_delta(m, x, N, sets, 3, 2);
    free(x);
    fa_model_free(m);
}

static void xgboost__delta_prediction_gives_the_bits_of_a_full_prediction_on_german(void **state)
{
    (void)state;
    char model[512], feat[512], pred[512];
    SHARED_OR_SKIP(model, "german_xgb.json");
    SHARED_OR_SKIP(feat, "german_test_features.csv");
    SHARED_OR_SKIP(pred, "german_pred_xgb.csv");
    fa_model *m = load_ok(model);
    golden_data g;
    load_golden(&g, m, feat, pred);
    size_t p = fa_model_n_features(m);
    long *sets = malloc((p + 1) * 3 * sizeof *sets);
    assert_non_null(sets);
    for (size_t j = 0; j < p; j++) { /* every feature alone, then a group of three */
        sets[3 * j] = (long)j;
        sets[3 * j + 1] = sets[3 * j + 2] = -1;
    }
    sets[3 * p] = 0;
    sets[3 * p + 1] = 1;
    sets[3 * p + 2] = (long)p - 1;
    check_delta(m, g.x, g.n_rows, sets, p + 1, 3);
    free(sets);
    golden_dispose(&g);
    fa_model_free(m);
}

static void xgboost__delta_prediction_needs_an_xgboost_model(void **state)
{
    (void)state;
    fa_model *m = load_ok(TINY_LINEAR);
    double x[2] = {1.0, 2.0}, z[1];
    fa_xgboost_index *ix = (fa_xgboost_index *)(void *)x;
    assert_int_equal(fa_xgboost__index_bytes(m, 10), SIZE_MAX);
    assert_int_equal(fa_xgboost__index_create(&ix, z, m, x, 1), FA_EINVAL);
    assert_null(ix);
    fa_xgboost__index_free(NULL);
    fa_xgboost__delta_free(NULL);
    fa_model_free(m);
}

static void linear__identity_and_logistic_links_follow_the_formula(void **state)
{
    (void)state;
    fa_model *m = load_ok(TINY_LINEAR);
    assert_int_equal(fa_model_link(m), FA_LINK_LOGISTIC);
    const double x[] = {3, -2, 1, 1, -3, 0};
    double *z = predict_ok(m, x, 2, FA_OUTPUT_MARGIN);
    /* 0.5 * (3 - 1) / 2 - 1.25 * (-2 + 3) / 0.5 + 0.75 * 1 + 0.1 = 0.5 - 2.5 + 0.75 + 0.1 */
    assert_close(z[0], -1.15, 1e-15);
    assert_close(z[1], 0.1, 1e-15); /* every z_j is 0 */
    double *p = predict_ok(m, x, 2, FA_OUTPUT_PROBABILITY);
    assert_close(p[0], 1.0 / (1.0 + exp(1.15)), 1e-15);
    free(z);
    free(p);
    fa_model_free(m);

    const char *ident = "{\"fairaudit_model\": \"linear\", \"feature_names\": [\"a\", \"b\"],"
                        " \"coef\": [2, -1], \"intercept\": 0.5, \"link\": \"identity\"}";
    fa_error err;
    assert_int_equal(fa_model__parse_json(&m, ident, strlen(ident), "m.json", &err), FA_OK);
    const double y[] = {1, 4};
    double out;
    assert_int_equal(fa_model_predict(m, &out, y, 1, FA_OUTPUT_PROBABILITY, &err), FA_OK);
    assert_close(out, 2.0 - 4.0 + 0.5, 0.0);
    fa_model_free(m);

    /* sklearn's shapes: coef_ [[...]], intercept_ [b]; no link: logistic */
    const char *sk = "{\"feature_names\": [\"a\"], \"coef\": [[2]], \"intercept\": [-1]}";
    assert_int_equal(fa_model__parse_json(&m, sk, strlen(sk), "m.json", &err), FA_OK);
    assert_int_equal(fa_model_link(m), FA_LINK_LOGISTIC);
    assert_int_equal(fa_model_predict(m, &out, (const double[]){0.5}, 1, FA_OUTPUT_MARGIN, &err),
                     FA_OK);
    assert_close(out, 0.0, 0.0);
    fa_model_free(m);
}

/* ------------------------------------------------------------ malformed models */

/* The pieces of tiny_xgb.json's first tree and parameters, to break one at a time. */
typedef struct tiny {
    const char *objective, *base_score, *num_trees, *num_nodes;
    const char *left, *right, *split, *cond, *dl;
} tiny;

#define TINY_DEFAULT                                                                               \
    {                                                                                              \
        "reg:squarederror", "1.5E0", "2", "5", "[1, -1, 3, -1, -1]", "[2, -1, 4, -1, -1]",         \
            "[0, 0, 1, 0, 0]", "[30, 1.0, 2.5, 0.5, -0.25]", "[1, 0, 0, 0, 0]"                     \
    }

static char *tiny_json(const tiny *t)
{
#define TINY_FMT                                                                                   \
    "{\"learner\": {\"attributes\": {}, \"feature_names\": [\"age\", \"income\"],\n"               \
    " \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {\n"                                 \
    "  \"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": \"%s\"},\n"           \
    "  \"tree_info\": [0, 0],\n"                                                                   \
    "  \"trees\": [\n"                                                                             \
    "   {\"tree_param\": {\"num_nodes\": \"%s\"}, \"left_children\": %s,\n"                        \
    "    \"right_children\": %s, \"split_indices\": %s, \"split_conditions\": %s,\n"               \
    "    \"default_left\": %s},\n"                                                                 \
    "   {\"tree_param\": {\"num_nodes\": \"1\"}, \"left_children\": [-1],\n"                       \
    "    \"right_children\": [-1], \"split_indices\": [0], \"split_conditions\": [0.125],\n"       \
    "    \"default_left\": [0]}]}},\n"                                                             \
    " \"learner_model_param\": {\"base_score\": \"%s\", \"num_class\": \"0\",\n"                   \
    "  \"num_feature\": \"2\"},\n"                                                                 \
    " \"objective\": {\"name\": \"%s\"}},\n"                                                       \
    " \"version\": [1, 7, 4]}\n"
    char *buf = malloc(8192);
    assert_non_null(buf);
    snprintf(buf, 8192, TINY_FMT, t->num_trees, t->num_nodes, t->left, t->right, t->split, t->cond,
             t->dl, t->base_score, t->objective);
    return buf;
}

/* Parsing `text` fails with FA_EPARSE at json_path (or line:column) with exactly `message`. */
static void expect_parse_error(const char *text, size_t len, const char *json_path, uint64_t line,
                               uint64_t column, const char *message)
{
    fa_model *m = (fa_model *)&m; /* not NULL: the parser must reset it */
    fa_error err;
    fa_error_clear(&err);
    int st = fa_model__parse_json(&m, text, len, "model.json", &err);
    if (st != FA_EPARSE || m != NULL || strcmp(err.path, "model.json") != 0 ||
        strcmp(err.json_path, json_path) != 0 || err.line != line || err.column != column ||
        strcmp(err.message, message) != 0) {
        char buf[2048];
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("status %d, got:\n  %s\n  (json path '%s', %llu:%llu)\nexpected:\n  %s: %s", st,
                 buf, err.json_path, (unsigned long long)err.line, (unsigned long long)err.column,
                 json_path, message);
    }
}

static void expect_tiny_error(const tiny *t, const char *json_path, const char *message)
{
    char *text = tiny_json(t);
    expect_parse_error(text, strlen(text), json_path, 0, 0, message);
    free(text);
}

#define T0 "learner.gradient_booster.model.trees[0]"

static void xgboost__the_tiny_template_is_valid(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    char *text = tiny_json(&t);
    fa_model *m = NULL;
    fa_error err;
    if (fa_model__parse_json(&m, text, strlen(text), "model.json", &err) != FA_OK) {
        fail_with(&err, "template");
    }
    double z;
    assert_int_equal(fa_model_predict(m, &z, (const double[]){NAN, NAN}, 1, FA_OUTPUT_MARGIN, &err),
                     FA_OK);
    assert_close(z, 2.625, 0.0);
    fa_model_free(m);
    free(text);
}

/*
 * Thresholds are compared in double against a boundary precomputed from the float32
 * threshold: every value must still go the way float32(v) < t sends it, in particular the
 * values next to the midpoint between t and its float32 predecessor (ties to even).
 */
static void xgboost__comparisons_follow_float32_rounding_at_the_boundary(void **state)
{
    (void)state;
    const char *thresholds[] = {"0.1",  "2.5",      "30", "1e-40",
                                "-7.3", "16777217", "0",  "3.4028234663852886e+38"};
    for (size_t k = 0; k < sizeof thresholds / sizeof *thresholds; k++) {
        tiny t = TINY_DEFAULT;
        char cond[128];
        snprintf(cond, sizeof cond, "[%s, 1.0, 2.5, 0.5, -0.25]", thresholds[k]);
        t.cond = cond;
        char *text = tiny_json(&t);
        fa_model *m = NULL;
        fa_error err;
        if (fa_model__parse_json(&m, text, strlen(text), "model.json", &err) != FA_OK) {
            fail_with(&err, cond);
        }
        float th = (float)strtod(thresholds[k], NULL);
        double mid = ((double)nextafterf(th, -INFINITY) + (double)th) / 2.0;
        double v[] = {mid,
                      nextafter(mid, INFINITY),
                      nextafter(mid, -INFINITY),
                      (double)th,
                      nextafter((double)th, -INFINITY),
                      nextafter((double)th, INFINITY),
                      strtod(thresholds[k], NULL)};
        for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
            volatile double vv = v[i];
            double want = (float)vv < th ? 2.625 : 2.125; /* left leaf 1.0, else 0.5 (income 0) */
            double z;
            const double row[2] = {v[i], 0.0};
            assert_int_equal(fa_model_predict(m, &z, row, 1, FA_OUTPUT_MARGIN, &err), FA_OK);
            if (z != want) {
                fail_msg("threshold %s, value %a: margin %g, expected %g", thresholds[k], v[i], z,
                         want);
            }
        }
        fa_model_free(m);
        free(text);
    }
}

static void xgboost__a_child_outside_the_tree_is_an_error(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    t.left = "[1, -1, 99, -1, -1]";
    expect_tiny_error(&t, T0 ".left_children[2]", "node index 99 outside the tree (5 nodes)");
    t = (tiny)TINY_DEFAULT;
    t.right = "[-7, -1, 4, -1, -1]";
    expect_tiny_error(&t, T0 ".right_children[0]", "node index -7 outside the tree (5 nodes)");
}

static void xgboost__a_cycle_is_an_error_never_a_loop(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    t.left = "[1, -1, 0, -1, -1]"; /* back to the root */
    expect_tiny_error(&t, T0 ".left_children[2]",
                      "node 0 is reached twice: the tree has a cycle or a shared node (parent 2)");
    t.left = "[1, -1, 2, -1, -1]"; /* node 2 is its own child */
    expect_tiny_error(&t, T0 ".left_children[2]",
                      "node 2 is reached twice: the tree has a cycle or a shared node (parent 2)");
    t.left = "[1, -1, 3, -1, -1]";
    t.right = "[2, -1, 3, -1, -1]"; /* both children the same node */
    expect_tiny_error(&t, T0 ".right_children[2]",
                      "node 3 is reached twice: the tree has a cycle or a shared node (parent 2)");
}

static void xgboost__a_split_with_one_child_is_an_error(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    t.left = "[1, -1, -1, -1, -1]";
    expect_tiny_error(&t, T0 ".left_children[2]",
                      "node 2 has one child (4): a split needs two, a leaf none");
}

static void xgboost__arrays_of_the_wrong_length_are_an_error(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    t.right = "[2, -1, 4, -1]";
    expect_tiny_error(&t, T0 ".right_children", "has 4 entries, expected 5 (tree_param.num_nodes)");
    t = (tiny)TINY_DEFAULT;
    t.num_nodes = "6";
    expect_tiny_error(&t, T0 ".left_children", "has 5 entries, expected 6 (tree_param.num_nodes)");
    t = (tiny)TINY_DEFAULT;
    t.num_nodes = "0";
    expect_tiny_error(&t, T0 ".tree_param.num_nodes", "a tree needs at least a root");
}

static void xgboost__a_feature_index_too_large_is_an_error(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    t.split = "[0, 0, 2, 0, 0]";
    expect_tiny_error(&t, T0 ".split_indices[2]", "feature index 2 >= num_feature (2)");
    t.split = "[0, 0, -1, 0, 0]";
    expect_tiny_error(&t, T0 ".split_indices[2]",
                      "expected a whole number from 0 to 2147483647, got -1");
}

static void xgboost__a_tree_count_that_disagrees_is_an_error(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    t.num_trees = "3";
    expect_tiny_error(&t, "learner.gradient_booster.model.gbtree_model_param.num_trees",
                      "says 3 trees, but learner.gradient_booster.model.trees has 2");
}

static void xgboost__an_unknown_objective_is_an_error(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    t.objective = "multi:softprob";
    expect_tiny_error(&t, "learner.objective.name",
                      "expected binary:logistic, reg:logistic or reg:squarederror (the "
                      "objectives fairaudit reads), got \"multi:softprob\"");
    t = (tiny)TINY_DEFAULT;
    t.objective = "binary:logistic";
    t.base_score = "1E0";
    expect_tiny_error(&t, "learner.learner_model_param.base_score",
                      "expected a probability strictly between 0 and 1, got \"1E0\"");
}

static void xgboost__bad_values_name_their_entry(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    t.cond = "[30, 1.0, \"x\", 0.5, -0.25]";
    expect_tiny_error(&t, T0 ".split_conditions[2]", "expected a finite float32 number, got \"x\"");
    t = (tiny)TINY_DEFAULT;
    t.cond = "[30, 1.0, 1e39, 0.5, -0.25]";
    expect_tiny_error(&t, T0 ".split_conditions[2]", "expected a finite float32 number, got 1e+39");
    t = (tiny)TINY_DEFAULT;
    t.dl = "[1, 0, 2, 0, 0]";
    expect_tiny_error(&t, T0 ".default_left[2]", "expected a whole number from 0 to 1, got 2");
    t = (tiny)TINY_DEFAULT;
    t.left = "{}";
    expect_tiny_error(&t, T0 ".left_children", "expected an array, got an object");
}

static void model__truncated_json_is_an_error_with_its_position(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    char *text = tiny_json(&t);
    /* cut after line 3's first 10 characters, inside the key that starts at column 3 */
    const char *l3 = strchr(strchr(text, '\n') + 1, '\n') + 1;
    size_t len = (size_t)(l3 - text) + 10;
    expect_parse_error(text, len, "", 3, 3,
                       "invalid JSON: a string that is never closed: the text ends inside it "
                       "(truncated?)");
    expect_parse_error("{\"learner\": }", 13, "", 1, 13,
                       "invalid JSON: expected a value (an object, array, string, number, true, "
                       "false or null), found \"}\"");
    expect_parse_error("{} x", 4, "", 1, 4,
                       "invalid JSON: unexpected text after the top-level value");
    expect_parse_error("", 0, "", 1, 1, "empty file: expected a JSON object");
    free(text);
}

static void model__unknown_documents_are_an_error(void **state)
{
    (void)state;
    expect_parse_error("[1]", 3, "(root)", 0, 0, "expected a JSON object, got an array");
    expect_parse_error("{\"a\": 1}", 8, "(root)", 0, 0,
                       "not a model fairaudit reads: expected XGBoost's JSON (a \"learner\" "
                       "object) or a linear model (\"fairaudit_model\": \"linear\", or \"coef\" "
                       "and \"intercept\")");
    const char *tree = "{\"fairaudit_model\": \"forest\"}";
    expect_parse_error(tree, strlen(tree), "fairaudit_model", 0, 0,
                       "expected \"linear\", got \"forest\"");
    const char *dup = "{\"learner\": {}, \"learner\": {}}";
    expect_parse_error(dup, strlen(dup), "learner", 0, 0, "duplicate key");
}

static void linear__malformed_models_name_the_json_path(void **state)
{
    (void)state;
    const char *no_link = "{\"fairaudit_model\": \"linear\", \"feature_names\": [\"a\"],"
                          " \"coef\": [1], \"intercept\": 0}";
    expect_parse_error(no_link, strlen(no_link), "link", 0, 0, "missing key");
    const char *short_coef = "{\"feature_names\": [\"a\", \"b\"], \"coef\": [1],"
                             " \"intercept\": 0}";
    expect_parse_error(short_coef, strlen(short_coef), "coef", 0, 0,
                       "has 1 entries, expected 2 (one per feature)");
    const char *zero_scale =
        "{\"feature_names\": [\"a\", \"b\"], \"coef\": [1, 2],"
        " \"intercept\": 0, \"scaler_mean\": [0, 0], \"scaler_scale\": [1, 0]}";
    expect_parse_error(zero_scale, strlen(zero_scale), "scaler_scale[1]", 0, 0,
                       "expected a non-zero number, got 0");
    const char *half_scaler = "{\"feature_names\": [\"a\"], \"coef\": [1], \"intercept\": 0,"
                              " \"scaler_mean\": [0]}";
    expect_parse_error(half_scaler, strlen(half_scaler), "scaler_scale", 0, 0,
                       "missing key (scaler_mean and scaler_scale go together)");
    const char *dup_name = "{\"feature_names\": [\"a\", \"a\"], \"coef\": [1, 2],"
                           " \"intercept\": 0}";
    expect_parse_error(dup_name, strlen(dup_name), "feature_names[1]", 0, 0,
                       "duplicate feature name \"a\" (also entry 0)");
    const char *bad_coef = "{\"feature_names\": [\"a\"], \"coef\": [\"1\"], \"intercept\": 0}";
    expect_parse_error(bad_coef, strlen(bad_coef), "coef[0]", 0, 0, "expected a number, got \"1\"");
}

static void model__load_names_a_missing_file(void **state)
{
    (void)state;
    fa_model *m = NULL;
    fa_error err;
    assert_int_equal(fa_model_load(&m, "tests/data/models/nope.json", &err), FA_EIO);
    assert_null(m);
    assert_string_equal(err.path, "tests/data/models/nope.json");
    assert_string_equal(err.message, "cannot open file: No such file or directory");
}

/* ------------------------------------------------------------ matching columns */

static void model__match_columns_maps_features_by_name(void **state)
{
    (void)state;
    fa_model *m = load_ok(TINY_LINEAR);
    const char *names[] = {"id", "x2", "x0", "x1"};
    size_t col_of[3];
    fa_error err;
    assert_int_equal(fa_model_match_columns(col_of, m, names, 4, &err), FA_OK);
    assert_int_equal(col_of[0], 2);
    assert_int_equal(col_of[1], 3);
    assert_int_equal(col_of[2], 1);
    const char *dups[] = {"x0", "x1", "x2", "x1"};
    assert_int_equal(fa_model_match_columns(col_of, m, dups, 4, &err), FA_EINVAL);
    assert_string_equal(err.message,
                        "the model's feature \"x1\" matches columns 2 and 4 of the data");
    const char *few[] = {"x1"};
    assert_int_equal(fa_model_match_columns(col_of, m, few, 1, &err), FA_EINVAL);
    assert_string_equal(err.message,
                        "the data has no column for 2 of the model's 3 features: \"x0\", \"x2\"");
    fa_model_free(m);
}

static void model__match_columns_lists_missing_features_politely(void **state)
{
    (void)state;
    char *names[14];
    char buf[14][16];
    for (int j = 0; j < 14; j++) {
        snprintf(buf[j], sizeof buf[j], "c%d", j);
        names[j] = buf[j];
    }
    fa_model *m = NULL;
    fa_error err;
    /* an external model is the quickest way to a model with chosen names */
    const char *argv[] = {"/bin/sh", "-c", "exec cat >/dev/null", NULL};
    assert_int_equal(fa_model_create_external(&m, argv, (const char *const *)names, 14,
                                              FA_LINK_IDENTITY, 1000, &err),
                     FA_OK);
    const char *have[] = {"c3"};
    size_t col_of[14];
    assert_int_equal(fa_model_match_columns(col_of, m, have, 1, &err), FA_EINVAL);
    assert_string_equal(err.message,
                        "the data has no column for 13 of the model's 14 features: \"c0\", "
                        "\"c1\", \"c2\", \"c4\", \"c5\", \"c6\", \"c7\", \"c8\", \"c9\", "
                        "\"c10\", and 3 more");
    fa_model_free(m);
}

static void model__an_unnamed_xgboost_model_is_never_matched_by_position(void **state)
{
    (void)state;
    tiny t = TINY_DEFAULT;
    char *text = tiny_json(&t);
    const char *given = "[\"age\", \"income\"]";
    char *names = strstr(text, given);
    assert_non_null(names);
    memset(names + 1, ' ', strlen(given) - 2); /* "feature_names": [    ] */
    fa_model *m = NULL;
    fa_error err;
    if (fa_model__parse_json(&m, text, strlen(text), "model.json", &err) != FA_OK) {
        fail_with(&err, "unnamed");
    }
    assert_string_equal(fa_model_feature_name(m, 1), "f1");
    assert_int_equal(fa_model_has_feature_names(m), 0);
    const char *cols[] = {"a", "b"};
    size_t col_of[2];
    assert_int_equal(fa_model_match_columns(col_of, m, cols, 2, &err), FA_EINVAL);
    assert_string_equal(err.message,
                        "the model file names no features (only the defaults f0..f1) and "
                        "the data (2 columns) has no column f0: features are matched by name, "
                        "never by position; save the model with feature names, name them "
                        "(--feature-names, fa_model_set_feature_names), or take the data's "
                        "columns in order explicitly (--match-by-position)");
    const char *named[] = {"f1", "x", "f0"}; /* XGBoost's own names, when the data has them */
    assert_int_equal(fa_model_match_columns(col_of, m, named, 3, &err), FA_OK);
    assert_int_equal(col_of[0], 2);
    assert_int_equal(col_of[1], 0);
    /* naming the features is the explicit opt-in; then matching is by name again */
    const char *bad_count[] = {"a"}, *repeated[] = {"a", "a"}, *empty[] = {"a", ""};
    assert_int_equal(fa_model_set_feature_names(m, bad_count, 1, &err), FA_EINVAL);
    assert_string_equal(err.message, "1 feature names given for a model of 2 features");
    assert_int_equal(fa_model_set_feature_names(m, repeated, 2, &err), FA_EINVAL);
    assert_string_equal(err.message, "feature name \"a\" is given twice (names 1 and 2)");
    assert_int_equal(fa_model_set_feature_names(m, empty, 2, &err), FA_EINVAL);
    assert_string_equal(err.message, "feature name 2 is empty");
    assert_int_equal(fa_model_has_feature_names(m), 0);
    const char *renamed[] = {"b", "a"};
    assert_int_equal(fa_model_set_feature_names(m, renamed, 2, &err), FA_OK);
    assert_int_equal(fa_model_has_feature_names(m), 1);
    assert_string_equal(fa_model_feature_name(m, 0), "b");
    assert_int_equal(fa_model_match_columns(col_of, m, cols, 2, &err), FA_OK);
    assert_int_equal(col_of[0], 1);
    assert_int_equal(col_of[1], 0);
    fa_model_free(m);
    free(text);
}

/* ------------------------------------------------------------ external commands */

static int have_python(void)
{
    return access("/usr/bin/python3", X_OK) == 0 || access("/bin/python3", X_OK) == 0;
}

static fa_model *external_sh(const char *script, size_t n_features, fa_link link, long timeout_ms)
{
    static const char *const names[] = {"x0", "x1", "x2", "x3"};
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    fa_model *m = NULL;
    fa_error err;
    if (fa_model_create_external(&m, argv, names, n_features, link, timeout_ms, &err) != FA_OK) {
        fail_with(&err, script);
    }
    return m;
}

/* Predicting 5 rows fails with `status` and exactly `message`. */
static void expect_batch_error(fa_model *m, int status, const char *message)
{
    double x[5 * 3] = {0}, out[5];
    fa_error err;
    fa_error_clear(&err);
    int st = fa_model_predict(m, out, x, 5, FA_OUTPUT_PROBABILITY, &err);
    if (st != status || strcmp(err.message, message) != 0) {
        fail_msg("status %d, message:\n  %s\nexpected %d:\n  %s", st, err.message, status, message);
    }
}

static void external__answers_like_the_native_linear_model(void **state)
{
    (void)state;
    if (!have_python()) {
        skip();
    }
    fa_model *native = load_ok(TINY_LINEAR);
    const char *argv[] = {"python3", PREDICTOR, TINY_LINEAR, NULL};
    const char *names[] = {"x0", "x1", "x2"};
    fa_model *ext = NULL;
    fa_error err;
    if (fa_model_create_external(&ext, argv, names, 3, FA_LINK_LOGISTIC, 5000, &err) != FA_OK) {
        fail_with(&err, "predictor.py");
    }
    assert_string_equal(fa_model_kind(ext), "external");
    assert_int_equal(fa_model_thread_safe(ext), 0);
    /* a batch far larger than the pipe buffers in both directions, then a small one */
    enum { N = 10000 };
    double *x = malloc(3 * N * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < 3 * N; i++) {
        x[i] = sin((double)i * 0.7) * 10.0 + (double)(i % 13) / 3.0;
    }
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass == 0 ? N : 7;
        double *a = predict_ok(native, x, n, FA_OUTPUT_PROBABILITY);
        double *b = predict_ok(ext, x, n, FA_OUTPUT_PROBABILITY);
        double *zb = predict_ok(ext, x, n, FA_OUTPUT_MARGIN);
        double *za = predict_ok(native, x, n, FA_OUTPUT_MARGIN);
        double worst = 0.0, worst_z = 0.0;
        for (size_t i = 0; i < n; i++) {
            worst = fmax(worst, fabs(a[i] - b[i]));
            if (fabs(za[i]) < 20) { /* logit(p) loses digits as p nears 0 or 1 */
                worst_z = fmax(worst_z, fabs(za[i] - zb[i]) / fmax(1.0, fabs(za[i])));
            }
        }
        assert_true(worst <= 1e-12);
        assert_true(worst_z <= 1e-9);
        free(a);
        free(b);
        free(za);
        free(zb);
    }
    free(x);
    fa_model_free(ext);
    fa_model_free(native);
}

static void external__writes_the_documented_protocol(void **state)
{
    (void)state;
    if (!have_python()) {
        skip();
    }
    char path[] = "/tmp/fa_test_model_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    /* records one batch verbatim, answers 0.25 per row */
    const char *script = "import sys\n"
                         "f = open(sys.argv[1], 'w')\n"
                         "rows = -1\n"
                         "for line in sys.stdin:\n"
                         "    f.write(line)\n"
                         "    if line == '\\n':\n"
                         "        f.close()\n"
                         "        sys.stdout.write('0.25\\n' * rows)\n"
                         "        sys.stdout.flush()\n"
                         "        rows = -1\n"
                         "        f = open(sys.argv[1] + '.2', 'w')\n"
                         "    else:\n"
                         "        rows += 1\n";
    const char *argv[] = {"python3", "-c", script, path, NULL};
    const char *names[] = {"a,b", "say \"hi\"", "c"};
    fa_model *m = NULL;
    fa_error err;
    if (fa_model_create_external(&m, argv, names, 3, FA_LINK_LOGISTIC, 5000, &err) != FA_OK) {
        fail_with(&err, "recorder");
    }
    const double x[] = {1, 0.1, -2.5e-300, NAN, 1e21, 3};
    double out[2];
    assert_int_equal(fa_model_predict(m, out, x, 2, FA_OUTPUT_PROBABILITY, &err), FA_OK);
    assert_close(out[0], 0.25, 0.0);
    assert_close(out[1], 0.25, 0.0);
    fa_model_free(m);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char got[512] = {0};
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = '\0';
    assert_string_equal(got, "\"a,b\",\"say \"\"hi\"\"\",c\n"
                             "1,0.10000000000000001,-2.5e-300\n"
                             ",1e+21,3\n"
                             "\n");
    unlink(path);
    char path2[64];
    snprintf(path2, sizeof path2, "%s.2", path);
    unlink(path2);

    /* one feature: a missing value is written "" so that it is not the empty end line */
    const char *one[] = {"only"};
    if (fa_model_create_external(&m, argv, one, 1, FA_LINK_LOGISTIC, 5000, &err) != FA_OK) {
        fail_with(&err, "recorder");
    }
    assert_int_equal(fa_model_predict(m, out, (const double[]){NAN, 2}, 2, FA_OUTPUT_MARGIN, &err),
                     FA_OK);
    assert_close(out[0], log(0.25) - log1p(-0.25), 1e-15);
    fa_model_free(m);
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = '\0';
    assert_string_equal(got, "only\n\"\"\n2\n\n");
    unlink(path);
    unlink(path2);
}

static void external__a_child_that_exits_early_is_an_error(void **state)
{
    (void)state;
    fa_model *m =
        external_sh("read h; printf '0.5\\n0.5\\n0.5\\n'; exit 3", 3, FA_LINK_LOGISTIC, 5000);
    expect_batch_error(m, FA_EIO,
                       "external model '/bin/sh -c read h; printf '0.5\\n0.5\\n0.5\\n'; exit 3': "
                       "exited with status 3 after answering 3 lines for a batch of 5 rows");
    /* the model stays failed */
    expect_batch_error(m, FA_EIO,
                       "external model '/bin/sh -c read h; printf '0.5\\n0.5\\n0.5\\n'; exit 3': "
                       "exited with status 3 after answering 3 lines for a batch of 5 rows (the "
                       "command was stopped)");
    fa_model_free(m);
}

static void external__a_child_that_does_not_read_never_raises_sigpipe(void **state)
{
    (void)state;
    fa_model *m = external_sh("exec 0<&-; exit 0", 3, FA_LINK_LOGISTIC, 5000);
    enum { N = 100000 };
    double *x = calloc(3 * N, sizeof *x), *out = malloc(N * sizeof *out);
    assert_non_null(x);
    assert_non_null(out);
    fa_error err;
    assert_int_equal(fa_model_predict(m, out, x, N, FA_OUTPUT_PROBABILITY, &err), FA_EIO);
    assert_string_equal(err.message, "external model '/bin/sh -c exec 0<&-; exit 0': exited with "
                                     "status 0 after answering 0 lines for a batch of 100000 rows");
    /* no SIGPIPE left pending for this thread */
    sigset_t pending;
    assert_int_equal(sigpending(&pending), 0);
    assert_int_equal(sigismember(&pending, SIGPIPE), 0);
    free(x);
    free(out);
    fa_model_free(m);
}

static void external__a_child_that_hangs_is_killed_after_the_timeout(void **state)
{
    (void)state;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fa_model *m = external_sh("exec sleep 30", 3, FA_LINK_LOGISTIC, 300);
    expect_batch_error(m, FA_EIO,
                       "external model '/bin/sh -c exec sleep 30': no answer within 300 ms "
                       "(answered 0 lines for a batch of 5 rows); killed it");
    fa_model_free(m);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    assert_true(s >= 0.29 && s < 2.0);
}

static void external__too_few_lines_then_silence_is_an_error(void **state)
{
    (void)state;
    fa_model *m =
        external_sh("printf '0.5\\n0.5\\n0.5\\n'; exec sleep 30", 3, FA_LINK_LOGISTIC, 300);
    expect_batch_error(m, FA_EIO,
                       "external model '/bin/sh -c printf '0.5\\n0.5\\n0.5\\n'; exec sleep 30': "
                       "no answer within 300 ms (answered 3 lines for a batch of 5 rows); "
                       "killed it");
    fa_model_free(m);
}

static void external__a_garbage_line_is_an_error(void **state)
{
    (void)state;
    fa_model *m = external_sh("printf '0.5\\nabc\\n'; exec sleep 30", 3, FA_LINK_LOGISTIC, 5000);
    expect_batch_error(m, FA_EPARSE,
                       "external model '/bin/sh -c printf '0.5\\nabc\\n'; exec sleep 30': answer "
                       "line 2 of a batch of 5 rows: expected a number, got \"abc\"");
    fa_model_free(m);
    m = external_sh("printf '0.5\\n1.5\\n'; exec sleep 30", 3, FA_LINK_LOGISTIC, 5000);
    expect_batch_error(m, FA_EPARSE,
                       "external model '/bin/sh -c printf '0.5\\n1.5\\n'; exec sleep 30': answer "
                       "line 2 of a batch of 5 rows: expected a probability from 0 to 1, got "
                       "\"1.5\"");
    fa_model_free(m);
    /* the identity link takes any number */
    m = external_sh("read h; printf '7\\n-1e3\\n2\\n3\\n4\\n'; exec cat >/dev/null", 3,
                    FA_LINK_IDENTITY, 5000);
    double x[15] = {0}, out[5];
    assert_int_equal(fa_model_predict(m, out, x, 5, FA_OUTPUT_PROBABILITY, NULL), FA_OK);
    assert_close(out[1], -1000.0, 0.0);
    fa_model_free(m);
}

static void external__too_many_lines_is_an_error(void **state)
{
    (void)state;
    fa_model *m = external_sh("printf '0.1\\n0.2\\n0.3\\n0.4\\n0.5\\n0.6\\n'; exec sleep 30", 3,
                              FA_LINK_LOGISTIC, 5000);
    double x[15] = {0}, out[5];
    fa_error err;
    int st = fa_model_predict(m, out, x, 5, FA_OUTPUT_PROBABILITY, &err);
    if (st == FA_OK) {
        /* the sixth line came after the fifth was read: the next batch finds it */
        nanosleep(&(struct timespec){0, 100000000}, NULL);
        st = fa_model_predict(m, out, x, 5, FA_OUTPUT_PROBABILITY, &err);
    }
    assert_int_equal(st, FA_EPARSE);
    assert_string_equal(err.message,
                        "external model '/bin/sh -c printf '0.1\\n0.2\\n0.3\\n0.4\\n0.5\\n0.6\\n'; "
                        "exec sleep 30': answered more than 5 lines for a batch of 5 rows");
    fa_model_free(m);
}

static void external__a_command_that_cannot_run_is_an_error(void **state)
{
    (void)state;
    const char *argv[] = {"/nonexistent/predictor", "x", NULL};
    const char *names[] = {"a"};
    fa_model *m = (fa_model *)&m;
    fa_error err;
    assert_int_equal(fa_model_create_external(&m, argv, names, 1, FA_LINK_LOGISTIC, 1000, &err),
                     FA_EIO);
    assert_null(m);
    assert_string_equal(err.message, "external model '/nonexistent/predictor x': cannot run "
                                     "'/nonexistent/predictor': No such file or directory");
    assert_int_equal(fa_model_create_external(&m, argv, names, 0, FA_LINK_LOGISTIC, 1000, &err),
                     FA_EINVAL);
    assert_int_equal(fa_model_create_external(&m, argv, names, 1, FA_LINK_LOGISTIC, 0, &err),
                     FA_EINVAL);
}

static void model__predict_rejects_bad_arguments(void **state)
{
    (void)state;
    fa_model *m = load_ok(TINY_LINEAR);
    fa_error err;
    double out;
    assert_int_equal(fa_model_predict(m, &out, NULL, 1, FA_OUTPUT_MARGIN, &err), FA_EINVAL);
    assert_int_equal(fa_model_predict(m, NULL, NULL, 0, FA_OUTPUT_MARGIN, &err), FA_OK);
    assert_int_equal(fa_model_predict(m, &out, &out, 1, (fa_model_output)7, &err), FA_EINVAL);
    assert_int_equal(fa_xgboost__set_float32(m, 1), FA_EINVAL);
    fa_model_free(m);
    fa_model_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linear__adult_matches_sklearn_scores_on_every_test_row),
        cmocka_unit_test(linear__german_matches_sklearn_scores_on_every_test_row),
        cmocka_unit_test(linear__reads_an_sklearn_export_as_logistic),
        cmocka_unit_test(linear__identity_and_logistic_links_follow_the_formula),
        cmocka_unit_test(linear__malformed_models_name_the_json_path),
        cmocka_unit_test(xgboost__adult_matches_xgboost_probabilities_on_every_test_row),
        cmocka_unit_test(xgboost__german_matches_xgboost_probabilities_on_every_test_row),
        cmocka_unit_test(xgboost__float32_mode_reproduces_xgboost_bits_on_adult),
        cmocka_unit_test(xgboost__float32_mode_reproduces_xgboost_bits_on_german),
        cmocka_unit_test(xgboost__missing_values_follow_default_left),
        cmocka_unit_test(xgboost__predicts_blocks_and_single_rows_alike),
        cmocka_unit_test(xgboost__delta_prediction_gives_the_bits_of_a_full_prediction_on_tiny),
        cmocka_unit_test(xgboost__delta_prediction_gives_the_bits_of_a_full_prediction_on_german),
        cmocka_unit_test(xgboost__delta_prediction_needs_an_xgboost_model),
        cmocka_unit_test(xgboost__the_tiny_template_is_valid),
        cmocka_unit_test(xgboost__comparisons_follow_float32_rounding_at_the_boundary),
        cmocka_unit_test(xgboost__a_child_outside_the_tree_is_an_error),
        cmocka_unit_test(xgboost__a_cycle_is_an_error_never_a_loop),
        cmocka_unit_test(xgboost__a_split_with_one_child_is_an_error),
        cmocka_unit_test(xgboost__arrays_of_the_wrong_length_are_an_error),
        cmocka_unit_test(xgboost__a_feature_index_too_large_is_an_error),
        cmocka_unit_test(xgboost__a_tree_count_that_disagrees_is_an_error),
        cmocka_unit_test(xgboost__an_unknown_objective_is_an_error),
        cmocka_unit_test(xgboost__bad_values_name_their_entry),
        cmocka_unit_test(model__truncated_json_is_an_error_with_its_position),
        cmocka_unit_test(model__unknown_documents_are_an_error),
        cmocka_unit_test(model__load_names_a_missing_file),
        cmocka_unit_test(model__match_columns_maps_features_by_name),
        cmocka_unit_test(model__match_columns_lists_missing_features_politely),
        cmocka_unit_test(model__an_unnamed_xgboost_model_is_never_matched_by_position),
        cmocka_unit_test(model__predict_rejects_bad_arguments),
        cmocka_unit_test(external__answers_like_the_native_linear_model),
        cmocka_unit_test(external__writes_the_documented_protocol),
        cmocka_unit_test(external__a_child_that_exits_early_is_an_error),
        cmocka_unit_test(external__a_child_that_does_not_read_never_raises_sigpipe),
        cmocka_unit_test(external__a_child_that_hangs_is_killed_after_the_timeout),
        cmocka_unit_test(external__too_few_lines_then_silence_is_an_error),
        cmocka_unit_test(external__a_garbage_line_is_an_error),
        cmocka_unit_test(external__too_many_lines_is_an_error),
        cmocka_unit_test(external__a_command_that_cannot_run_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
