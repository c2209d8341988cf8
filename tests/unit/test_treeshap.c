/*
 * test_treeshap.c - explain/treeshap.c: interventional TreeSHAP (fa_shap_tree_interventional)
 * and the precomputed path-dependent pass of fa_shap_tree.
 *
 * - interventional on a two-tree XGBoost JSON written here, against values worked out by hand
 *   from the game v(S) = mean over the background of f(x_S, b_notS) (arithmetic in the
 *   comments), with missing values in the row and in the background (default directions);
 * - equal to fa_shap_exact (all 2^p coalitions over the same background) to 1e-9 on random
 *   XGBoost models of 6 to 10 features, depth up to 7 (features split on several times along a
 *   path), thresholds on the data's grid (ties of x and threshold), missing values in rows
 *   and background, random default directions; additivity against the model's margin;
 * - the same bits with 1 and 3 threads; a model without covers; the refusals;
 * - path-dependent: the precomputed leaf tables equal Algorithm 2 to 1e-12 on random models
 *   (trees whose paths have more than 8 distinct features fall back to Algorithm 2), and
 *   fa_shap_tree takes the tables for many rows and Algorithm 2 for one;
 * - a single-leaf tree only moves the base value, in both games, tables or not.
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
 * Two trees over (a, b, c); c is never split on. base_score 0.5, logistic: base margin 0.
 * Tree 1: x0 < 0.5 (missing left) ? (x1 < 0.5 (missing right) ? 1.0 : 2.0) : 3.0.
 * Tree 2: x0 < 0.5 (missing right) ? -1.0 : (x0 < 1.5 (missing left) ? 0.5 : 1.0).
 */
static const char *const TINY_XGB =
    "{\"learner\": {\"attributes\": {}, \"feature_names\": [\"a\", \"b\", \"c\"],\n"
    " \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {\n"
    "  \"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": \"2\"},\n"
    "  \"tree_info\": [0, 0], \"trees\": [\n"
    "   {\"tree_param\": {\"num_nodes\": \"5\"}, \"left_children\": [1, 3, -1, -1, -1],\n"
    "    \"right_children\": [2, 4, -1, -1, -1], \"split_indices\": [0, 1, 0, 0, 0],\n"
    "    \"split_conditions\": [0.5, 0.5, 3.0, 1.0, 2.0], \"default_left\": [1, 0, 0, 0, 0]},\n"
    "   {\"tree_param\": {\"num_nodes\": \"5\"}, \"left_children\": [1, -1, 3, -1, -1],\n"
    "    \"right_children\": [2, -1, 4, -1, -1], \"split_indices\": [0, 0, 0, 0, 0],\n"
    "    \"split_conditions\": [0.5, -1.0, 1.5, 0.5, 1.0], \"default_left\": [0, 0, 1, 0, 0]}]}},\n"
    " \"learner_model_param\": {\"base_score\": \"5E-1\", \"num_class\": \"0\",\n"
    "  \"num_feature\": \"3\"},\n"
    " \"objective\": {\"name\": \"binary:logistic\"}},\n"
    " \"version\": [1, 7, 4]}\n";

/* A single-leaf tree (0.75), then x0 < 0.5 ? -1 : 1 with covers 4 and 6 (mean 0.2). */
static const char *const STUMP_XGB =
    "{\"learner\": {\"attributes\": {}, \"feature_names\": [\"a\", \"b\"],\n"
    " \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {\n"
    "  \"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": \"2\"},\n"
    "  \"tree_info\": [0, 0], \"trees\": [\n"
    "   {\"tree_param\": {\"num_nodes\": \"1\"}, \"left_children\": [-1],\n"
    "    \"right_children\": [-1], \"split_indices\": [0], \"split_conditions\": [0.75],\n"
    "    \"default_left\": [0], \"sum_hessian\": [10]},\n"
    "   {\"tree_param\": {\"num_nodes\": \"3\"}, \"left_children\": [1, -1, -1],\n"
    "    \"right_children\": [2, -1, -1], \"split_indices\": [0, 0, 0],\n"
    "    \"split_conditions\": [0.5, -1.0, 1.0], \"default_left\": [1, 0, 0],\n"
    "    \"sum_hessian\": [10, 4, 6]}]}},\n"
    " \"learner_model_param\": {\"base_score\": \"5E-1\", \"num_class\": \"0\",\n"
    "  \"num_feature\": \"2\"},\n"
    " \"objective\": {\"name\": \"binary:logistic\"}},\n"
    " \"version\": [1, 7, 4]}\n";

/* The largest |sum phi + base - margin(x)| over the rows. */
static double efficiency_gap(const double phi[], const fa_model *m, const double x[], size_t n)
{
    size_t p = fa_model_n_features(m);
    double *f = calloc(n, sizeof *f), worst = 0.0;
    assert_non_null(f);
    assert_int_equal(fa_model_predict(m, f, x, n, FA_OUTPUT_MARGIN, NULL), FA_OK);
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

/* ------------------------------------------------------------ by hand */

static void interventional__tiny_model_by_hand(void **state)
{
    (void)state;
    fa_model *m = parse_model(TINY_XGB); /* no sum_hessian: not needed */
    /*
     * Row 1 x = (0, 1, 5), background z = (1, 0, 0). f(x) = 2 - 1 = 1; f(z) = 3 + 0.5 = 3.5.
     * v() = 3.5; v(0) = f(0, 0) = 1 - 1 = 0; v(1) = f(1, 1) = 3 + 0.5 = 3.5; v(0,1) = 1.
     * phi_0 = ((0 - 3.5) + (1 - 3.5)) / 2 = -3, phi_1 = ((3.5 - 3.5) + (1 - 0)) / 2 = 0.5.
     */
    const double x1[] = {0, 1, 5}, z1[] = {1, 0, 0};
    const double want1[] = {-3.0, 0.5, 0.0, 3.5};
    /*
     * Row 2 x = (NAN, 1, 5): tree 1 default left, then 1 >= 0.5: 2; tree 2 default right, then
     * default left: 0.5; f(x) = 2.5.
     * Against z = (1, 0, 0): v() = 3.5; v(0) = f(NAN, 0) = 1 + 0.5 = 1.5; v(1) = f(1, 1) = 3.5;
     * v(0,1) = 2.5: phi_0 = ((1.5 - 3.5) + (2.5 - 3.5)) / 2 = -1.5, phi_1 = (0 + 1) / 2 = 0.5.
     * Against z' = (0, NAN, 0): f(z') = (NAN goes right: 2) - 1 = 1 = v(); v(0) = f(NAN, NAN)
     * = 2 + 0.5 = 2.5; v(1) = f(0, 1) = 2 - 1 = 1; v(0,1) = 2.5: phi_0 = (1.5 + 1.5) / 2 = 1.5,
     * phi_1 = (0 + 0) / 2 = 0.
     * Mean: phi_0 = 0, phi_1 = 0.25, base = (3.5 + 1) / 2 = 2.25; 0 + 0.25 + 2.25 = 2.5.
     */
    const double x2[] = {NAN, 1, 5}, z2[] = {1, 0, 0, 0, NAN, 0};
    const double want2[] = {0.0, 0.25, 0.0, 2.25};
    double phi[4];
    fa_error err;
    if (fa_shap_tree_interventional(phi, m, x1, 1, z1, 1, NULL, &err) != FA_OK) {
        fail_with(&err, "fa_shap_tree_interventional");
    }
    for (size_t k = 0; k < 4; k++) {
        assert_close(phi[k], want1[k], 1e-15);
    }
    assert_true(phi[2] == 0.0); /* dummy: exactly 0 */
    assert_int_equal(fa_shap_tree_interventional(phi, m, x2, 1, z2, 2, NULL, &err), FA_OK);
    for (size_t k = 0; k < 4; k++) {
        assert_close(phi[k], want2[k], 1e-15);
    }
    assert_true(efficiency_gap(phi, m, x2, 1) <= 1e-15);
    fa_model_free(m);
}

/* ------------------------------------------------------------ random models */

/* A small deterministic generator (splitmix64), so the fixtures are the same everywhere. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t below(uint64_t *s, size_t n)
{
    return (size_t)(next_u64(s) % n);
}

/* Values on a grid shared by data and thresholds (so x == threshold happens), 15% missing. */
static double grid_value(uint64_t *s)
{
    static const double GRID[] = {-1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 1.5};
    return below(s, 100) < 15 ? NAN : GRID[below(s, sizeof GRID / sizeof *GRID)];
}

typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof tmp);
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = 2 * (b->n + (size_t)k + 1);
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->n, tmp, (size_t)k + 1);
    b->n += (size_t)k;
}

enum { MAX_NODES = 255 };

/*
 * One random tree breadth-first: a node at depth < max_depth splits with probability 3/4
 * (the root always), on a random feature at a threshold of the grid, missing left or right at
 * random; leaves hold multiples of 1/16 in [-2, 2] (exact in float32). Covers are leaf
 * covers 1..8 summed upwards.
 */
static void random_tree(buf *b, uint64_t *s, size_t p, size_t max_depth)
{
    static const double THR[] = {-0.5, 0.0, 0.25, 0.5, 1.0};
    int32_t left[MAX_NODES], right[MAX_NODES];
    size_t depth[MAX_NODES], feat[MAX_NODES], dl[MAX_NODES];
    double cond[MAX_NODES], cover[MAX_NODES];
    size_t n = 1;
    depth[0] = 0;
    for (size_t q = 0; q < n; q++) {
        int split = depth[q] < max_depth && (q == 0 || below(s, 4) < 3) && n + 2 <= MAX_NODES;
        if (split) {
            left[q] = (int32_t)n;
            right[q] = (int32_t)n + 1;
            depth[n] = depth[n + 1] = depth[q] + 1;
            n += 2;
            feat[q] = below(s, p);
            cond[q] = THR[below(s, sizeof THR / sizeof *THR)];
            dl[q] = below(s, 2);
        } else {
            left[q] = right[q] = -1;
            feat[q] = 0;
            cond[q] = ((double)below(s, 65) - 32.0) / 16.0;
            dl[q] = 0;
            cover[q] = (double)(1 + below(s, 8));
        }
    }
    for (size_t q = n; q-- > 0;) {
        if (left[q] >= 0) {
            cover[q] = cover[left[q]] + cover[right[q]];
        }
    }
    const char *names[] = {"left_children",    "right_children", "split_indices",
                           "split_conditions", "default_left",   "sum_hessian"};
    put(b, "{\"tree_param\": {\"num_nodes\": \"%zu\"}", n);
    for (size_t k = 0; k < 6; k++) {
        put(b, ", \"%s\": [", names[k]);
        for (size_t q = 0; q < n; q++) {
            const char *sep = q + 1 < n ? ", " : "]";
            switch (k) {
            case 0:
                put(b, "%d%s", left[q], sep);
                break;
            case 1:
                put(b, "%d%s", right[q], sep);
                break;
            case 2:
                put(b, "%zu%s", feat[q], sep);
                break;
            case 3:
                put(b, "%.17g%s", cond[q], sep);
                break;
            case 4:
                put(b, "%zu%s", dl[q], sep);
                break;
            default:
                put(b, "%.17g%s", cover[q], sep);
                break;
            }
        }
    }
    put(b, "}");
}

static fa_model *random_model(uint64_t *s, size_t p, size_t n_trees, size_t max_depth)
{
    buf b = {NULL, 0, 0};
    put(&b, "{\"learner\": {\"attributes\": {}, \"feature_names\": [");
    for (size_t j = 0; j < p; j++) {
        put(&b, "\"f%zu\"%s", j, j + 1 < p ? ", " : "],\n");
    }
    put(&b, " \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {\n");
    put(&b, "  \"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": \"%zu\"},\n",
        n_trees);
    put(&b, "  \"tree_info\": [");
    for (size_t t = 0; t < n_trees; t++) {
        put(&b, "0%s", t + 1 < n_trees ? ", " : "],\n  \"trees\": [");
    }
    for (size_t t = 0; t < n_trees; t++) {
        random_tree(&b, s, p, max_depth);
        put(&b, "%s", t + 1 < n_trees ? ",\n" : "]}},\n");
    }
    put(&b, " \"learner_model_param\": {\"base_score\": \"3E-1\", \"num_class\": \"0\",\n");
    put(&b, "  \"num_feature\": \"%zu\"},\n \"objective\": {\"name\": \"binary:logistic\"}},\n", p);
    put(&b, " \"version\": [1, 7, 4]}\n");
    fa_model *m = parse_model(b.s);
    free(b.s);
    return m;
}

/* The interventional values of n rows, walked pair by pair (internal API, no tables). */
static void pair_values(double out[], const fa_model *m, const double x[], size_t n,
                        const double bg[], size_t n_bg)
{
    fa_treeshap *ts = NULL;
    fa_treeshap_bg *b = NULL;
    fa_treeshap_ws *ws = NULL;
    fa_error err;
    if (fa_treeshap__create(&ts, m, FA_TREESHAP__INTERVENTIONAL, &err) != FA_OK ||
        fa_treeshap__bg_create(&b, ts, bg, n_bg, 1, &err) != FA_OK) {
        fail_with(&err, "fa_treeshap__create");
    }
    assert_int_equal(fa_treeshap__ws_create(&ws, ts), FA_OK);
    const size_t p = fa_model_n_features(m);
    for (size_t i = 0; i < n; i += 5) { /* blocks of 5 rows */
        fa_treeshap__rows_interventional(out + i * (p + 1), ts, b, x + i * p, n - i < 5 ? n - i : 5,
                                         ws);
    }
    fa_treeshap__ws_free(ws);
    fa_treeshap__bg_free(b);
    fa_treeshap__free(ts);
}

/*
 * Interventional TreeSHAP against the exact estimator over the same background (both the
 * game v(S) = mean_b margin(x_S, b_notS)): 1e-9, on models of growing size, both with the
 * leaf tables (fa_shap_tree_interventional on 70 rows) and pair by pair. The depth-10 model
 * over 12 features has paths of more than 8 distinct features: those trees are walked pair
 * by pair next to the others' tables.
 */
static void interventional__equals_exact_on_random_models(void **state)
{
    (void)state;
    static const size_t SHAPES[][4] = {
        /* p, trees, depth, background rows */
        {6, 3, 3, 1}, {6, 10, 5, 4},  {8, 20, 6, 7},   {10, 8, 7, 5},
        {4, 5, 7, 3}, {10, 30, 4, 2}, {12, 12, 10, 3},
    };
    uint64_t s = 20261122;
    enum { N = 70 };
    for (size_t c = 0; c < sizeof SHAPES / sizeof *SHAPES; c++) {
        const size_t p = SHAPES[c][0], k = SHAPES[c][3];
        fa_model *m = random_model(&s, p, SHAPES[c][1], SHAPES[c][2]);
        double *x = calloc(N * p, sizeof *x), *bg = calloc(k * p, sizeof *bg);
        double *a = calloc(N * (p + 1), sizeof *a), *e = calloc(N * (p + 1), sizeof *e);
        assert_true(x && bg && a && e);
        for (size_t i = 0; i < N * p; i++) {
            x[i] = grid_value(&s);
        }
        for (size_t i = 0; i < k * p; i++) {
            bg[i] = grid_value(&s);
        }
        memcpy(x, bg, p * sizeof *x); /* a row equal to a background row */
        fa_error err;
        if (fa_shap_tree_interventional(a, m, x, N, bg, k, NULL, &err) != FA_OK) {
            fail_with(&err, "fa_shap_tree_interventional");
        }
        if (fa_shap_exact(e, m, x, N, bg, k, NULL, &err) != FA_OK) {
            fail_with(&err, "fa_shap_exact");
        }
        double worst = 0.0, scale = 0.0;
        for (size_t i = 0; i < N * (p + 1); i++) {
            worst = fmax(worst, fabs(a[i] - e[i]));
            scale = fmax(scale, fabs(e[i]));
        }
        pair_values(a, m, x, N, bg, k);
        for (size_t i = 0; i < N * (p + 1); i++) {
            worst = fmax(worst, fabs(a[i] - e[i]));
        }
        if (!(worst <= 1e-9) || !(scale > 0.1)) {
            fail_msg("shape %zu: largest difference %g (largest value %g)", c, worst, scale);
        }
        assert_true(efficiency_gap(a, m, x, N) <= 1e-12);
        free(x);
        free(bg);
        free(a);
        free(e);
        fa_model_free(m);
    }
}

static void interventional__same_bits_whatever_the_thread_count(void **state)
{
    (void)state;
    uint64_t s = 77;
    const size_t p = 12, k = 9;
    enum { N = 203 };
    fa_model *m = random_model(&s, p, 25, 6);
    double *x = calloc(N * p, sizeof *x), *bg = calloc(k * p, sizeof *bg);
    double *a = calloc(N * (p + 1), sizeof *a), *b = calloc(N * (p + 1), sizeof *b);
    assert_true(x && bg && a && b);
    for (size_t i = 0; i < N * p; i++) {
        x[i] = grid_value(&s);
    }
    for (size_t i = 0; i < k * p; i++) {
        bg[i] = grid_value(&s);
    }
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.threads = 1;
    assert_int_equal(fa_shap_tree_interventional(a, m, x, N, bg, k, &o, NULL), FA_OK);
    o.threads = 3;
    assert_int_equal(fa_shap_tree_interventional(b, m, x, N, bg, k, &o, NULL), FA_OK);
    assert_memory_equal(a, b, N * (p + 1) * sizeof *a);
    assert_true(efficiency_gap(a, m, x, N) <= 1e-12);
    free(x);
    free(bg);
    free(a);
    free(b);
    fa_model_free(m);
}

/* Counts the progress calls; checks they rise to the total. */
typedef struct progress_log {
    size_t calls, last, total;
} progress_log;

static void on_progress(void *ctx, size_t done, size_t total)
{
    progress_log *l = ctx;
    assert_true(done > l->last && done <= total);
    l->calls++;
    l->last = done;
    l->total = total;
}

static void tree__reports_progress_to_the_last_row(void **state)
{
    (void)state;
    fa_model *m = parse_model(TINY_XGB);
    const double x[] = {0, 1, 5, 1, 1, 1, 2, 0, NAN}, z[] = {1, 0, 0};
    double phi[12];
    progress_log log = {0, 0, 0};
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.threads = 2;
    o.progress = on_progress;
    o.progress_ctx = &log;
    assert_int_equal(fa_shap_tree_interventional(phi, m, x, 3, z, 1, &o, NULL), FA_OK);
    assert_true(log.calls >= 1);
    assert_int_equal(log.last, 3);
    assert_int_equal(log.total, 3);
    fa_model_free(m);

    /* path-dependent, 100 rows in blocks */
    uint64_t s = 5;
    enum { N = 100 };
    m = random_model(&s, 4, 5, 4);
    double *xs = calloc(N * 4, sizeof *xs), *out = calloc(N * 5, sizeof *out);
    assert_true(xs && out);
    for (size_t i = 0; i < N * 4; i++) {
        xs[i] = grid_value(&s);
    }
    log = (progress_log){0, 0, 0};
    assert_int_equal(fa_shap_tree(out, m, xs, N, &o, NULL), FA_OK);
    assert_true(log.calls >= 1);
    assert_int_equal(log.last, N);
    assert_int_equal(log.total, N);
    free(xs);
    free(out);
    fa_model_free(m);
}

/*
 * A tree that is a single leaf only adds to the base value, in both games, through the
 * tables (70 rows) and the walks (1 row). x = (0, 9): path-dependent phi_0 = -1 - 0.2, base
 * 0.75 + 0.2; interventional against z = (1, 0): phi_0 = -1 - 1, base 0.75 + 1.
 */
static void tree__a_single_leaf_tree_only_moves_the_base(void **state)
{
    (void)state;
    fa_model *m = parse_model(STUMP_XGB);
    enum { N = 70 };
    double x[N * 2], out[N * 3], z[2] = {1, 0};
    for (size_t i = 0; i < N; i++) {
        x[2 * i] = 0.0;
        x[2 * i + 1] = 9.0;
    }
    for (size_t n = 1; n <= N; n += N - 1) {
        assert_int_equal(fa_shap_tree(out, m, x, n, NULL, NULL), FA_OK);
        for (size_t i = 0; i < n; i++) {
            assert_close(out[3 * i], -1.2, 1e-15);
            assert_true(out[3 * i + 1] == 0.0);
            assert_close(out[3 * i + 2], 0.95, 1e-15);
        }
        assert_int_equal(fa_shap_tree_interventional(out, m, x, n, z, 1, NULL, NULL), FA_OK);
        for (size_t i = 0; i < n; i++) {
            assert_close(out[3 * i], -2.0, 1e-15);
            assert_true(out[3 * i + 1] == 0.0);
            assert_close(out[3 * i + 2], 1.75, 1e-15);
        }
    }
    fa_model_free(m);
}

/* ------------------------------------------------------------ path-dependent tables */

/* The path-dependent values of n rows through the internal API, prepared for `mode`. */
static void path_values(double out[], const fa_model *m, const double x[], size_t n, int mode)
{
    fa_treeshap *ts = NULL;
    fa_treeshap_ws *ws = NULL;
    fa_error err;
    if (fa_treeshap__create(&ts, m, mode, &err) != FA_OK) {
        fail_with(&err, "fa_treeshap__create");
    }
    assert_int_equal(fa_treeshap__ws_create(&ws, ts), FA_OK);
    const size_t p = fa_model_n_features(m);
    for (size_t i = 0; i < n; i += FA_TREESHAP__BLOCK) {
        size_t b = n - i < FA_TREESHAP__BLOCK ? n - i : FA_TREESHAP__BLOCK;
        fa_treeshap__rows(out + i * (p + 1), ts, x + i * p, b, ws);
    }
    fa_treeshap__ws_free(ws);
    fa_treeshap__free(ts);
}

/*
 * The leaf tables (FastTreeSHAP) against Algorithm 2 on random models: depth 3 to 10 over 6
 * to 14 features, so that some paths have more than 8 distinct features (their trees fall
 * back to Algorithm 2) and features repeat along paths; missing values and ties.
 */
static void tables__equal_algorithm_2_on_random_models(void **state)
{
    (void)state;
    static const size_t SHAPES[][3] = {{6, 10, 3}, {8, 20, 6}, {14, 15, 10}, {10, 10, 8}};
    uint64_t s = 4242;
    enum { N = 70 };
    for (size_t c = 0; c < sizeof SHAPES / sizeof *SHAPES; c++) {
        const size_t p = SHAPES[c][0];
        fa_model *m = random_model(&s, p, SHAPES[c][1], SHAPES[c][2]);
        double *x = calloc(N * p, sizeof *x), *a = calloc(N * (p + 1), sizeof *a);
        double *b = calloc(N * (p + 1), sizeof *b), *one = calloc(N * (p + 1), sizeof *one);
        assert_true(x && a && b && one);
        for (size_t i = 0; i < N * p; i++) {
            x[i] = grid_value(&s);
        }
        path_values(a, m, x, N, FA_TREESHAP__PATH);
        path_values(b, m, x, N, FA_TREESHAP__PATH_TABLES);
        double worst = 0.0, scale = 0.0;
        for (size_t i = 0; i < N * (p + 1); i++) {
            worst = fmax(worst, fabs(a[i] - b[i]));
            scale = fmax(scale, fabs(a[i]));
        }
        if (!(worst <= 1e-12) || !(scale > 0.1)) {
            fail_msg("shape %zu: largest difference %g (largest value %g)", c, worst, scale);
        }
        assert_true(efficiency_gap(b, m, x, N) <= 1e-12);
        /* the public entry point: 70 rows take the tables, one row at a time Algorithm 2 */
        assert_int_equal(fa_shap_tree(one, m, x, N, NULL, NULL), FA_OK);
        assert_memory_equal(one, b, N * (p + 1) * sizeof *b);
        for (size_t i = 0; i < N; i++) {
            assert_int_equal(fa_shap_tree(one + i * (p + 1), m, x + i * p, 1, NULL, NULL), FA_OK);
        }
        assert_memory_equal(one, a, N * (p + 1) * sizeof *a);
        free(x);
        free(a);
        free(b);
        free(one);
        fa_model_free(m);
    }
}

static void expect_error(int st, const fa_error *err, int status, const char *message)
{
    if (st != status || strcmp(err->message, message) != 0) {
        fail_msg("status %d, message\n  %s\nexpected %d,\n  %s", st, err->message, status, message);
    }
}

static int lin_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                       void *payload)
{
    (void)err;
    (void)payload;
    for (size_t i = 0; i < n_rows; i++) {
        out[i] = x[i * n_cols];
    }
    return FA_OK;
}

static const fa_model_vtable LIN_VT = {"lin", lin_predict, NULL, FA_OUTPUT_MARGIN, 1};

static void interventional__refuses_what_it_cannot_explain(void **state)
{
    (void)state;
    fa_error err;
    double phi[4], x[3] = {0, 0, 0}, z[3] = {1, 1, 1};
    fa_model *lin = fa_model__new(&LIN_VT, FA_LINK_IDENTITY);
    const char *const names[] = {"a", "b", "c"};
    assert_non_null(lin);
    assert_int_equal(fa_model__set_names(lin, names, 3, "test", NULL), FA_OK);
    expect_error(fa_shap_tree_interventional(phi, lin, x, 1, z, 1, NULL, &err), &err, FA_EINVAL,
                 "tree Shapley values need an XGBoost model, not a lin model");
    fa_model_free(lin);

    fa_model *m = parse_model(TINY_XGB);
    expect_error(fa_shap_tree_interventional(phi, m, x, 1, z, 0, NULL, &err), &err, FA_EINVAL,
                 "interventional tree Shapley values need a background: it is empty");
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.output = FA_OUTPUT_PROBABILITY;
    expect_error(fa_shap_tree_interventional(phi, m, x, 1, z, 1, &o, &err), &err, FA_EINVAL,
                 "fa_shap_tree_interventional: these Shapley values are in margin space; use "
                 "the exact estimator for probabilities");
    fa_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interventional__tiny_model_by_hand),
        cmocka_unit_test(interventional__equals_exact_on_random_models),
        cmocka_unit_test(interventional__same_bits_whatever_the_thread_count),
        cmocka_unit_test(tree__reports_progress_to_the_last_row),
        cmocka_unit_test(interventional__refuses_what_it_cannot_explain),
        cmocka_unit_test(tables__equal_algorithm_2_on_random_models),
        cmocka_unit_test(tree__a_single_leaf_tree_only_moves_the_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
