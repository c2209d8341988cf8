/*
 * test_shapgame_front.c - explain/kernelshap.c: the frontier game of XGBoost models (trees
 * cut where a subtree and its path test at most 8 columns, one table per frontier node and
 * row, looked up with pext) and the walk it falls back to, against the predicted game.
 *
 * - Deep trees (depth 6, 14 features, so the cut falls below the root; a column tested twice
 *   on a path in both directions; a leaf at depth 1; missing values in x and the background):
 *   all 2^14 coalitions of 3 rows equal the mean prediction of the composite rows to 1e-12.
 * - 64 columns (the most the frontier's 64-bit sets hold, bit 63 used) and 70 columns (the
 *   walk): random coalitions equal the predicted game to 1e-12.
 * - KernelSHAP on the deep model at full enumeration equals fa_shap_exact (predicted game) to
 *   1e-9, and its values are the same bytes with 1 and 2 threads at a sampled budget.
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

static uint64_t next(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 11;
}

/* Uniform in [-2, 2). */
static double noise(uint64_t *s)
{
    return 4.0 * (double)next(s) / 9007199254740992.0 - 2.0;
}

/* A growable text buffer. */
typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if ((size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        t->cap = 2 * t->cap + (size_t)k + 64;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
}

typedef struct tree_spec {
    size_t n;
    int left[127], right[127], feat[127], dleft[127];
    double cond[127];
} tree_spec;

/* Node `node` and below: a full tree of depth `depth` (the root's right child a leaf when
 * `shallow`), features drawn from feats[0..nf) (nodes 0-3 take them in order) or 0..p-1. */
static void grow(tree_spec *t, size_t node, size_t depth, size_t p, const int *feats, size_t nf,
                 uint64_t *s, int shallow)
{
    if (depth == 0 || (shallow && node == 2)) { /* shallow: the root's right child is a leaf */
        t->left[node] = t->right[node] = -1;
        t->feat[node] = 0;
        t->dleft[node] = 0;
        t->cond[node] = 0.25 * noise(s);
        return;
    }
    t->feat[node] = feats == NULL ? (int)(next(s) % p) : feats[node < nf ? node : next(s) % nf];
    t->cond[node] = 0.75 * noise(s);
    t->dleft[node] = (int)(next(s) & 1u);
    const size_t l = t->n++, r = t->n++;
    t->left[node] = (int)l;
    t->right[node] = (int)r;
    grow(t, l, depth - 1, p, feats, nf, s, shallow);
    grow(t, r, depth - 1, p, feats, nf, s, shallow);
}

static void put_ints(text *b, const char *key, const int *v, size_t n)
{
    put(b, "\"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        put(b, "%s%d", i ? ", " : "", v[i]);
    }
    put(b, "]");
}

/*
 * An XGBoost JSON model over p features "f0".. of n_trees full trees of depth `depth` with
 * random splits; tree 0 has a leaf at depth 1 when `shallow`; with `spread`, tree t splits on
 * the features 4t .. 4t + 3 (mod p) only, each at least once, so that 4 n_trees >= p trees
 * test every column.
 */
static fa_model *make_model(size_t p, size_t n_trees, size_t depth, int shallow, int spread,
                            uint64_t seed)
{
    text b = {NULL, 0, 0};
    uint64_t s = seed;
    put(&b, "{\"learner\": {\"attributes\": {}, \"feature_names\": [");
    for (size_t j = 0; j < p; j++) {
        put(&b, "%s\"f%zu\"", j ? ", " : "", j);
    }
    put(&b, "], \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {");
    put(&b, "\"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": \"%zu\"},",
        n_trees);
    put(&b, "\"tree_info\": [");
    for (size_t t = 0; t < n_trees; t++) {
        put(&b, "%s0", t ? ", " : "");
    }
    put(&b, "], \"trees\": [");
    for (size_t t = 0; t < n_trees; t++) {
        tree_spec *tr = calloc(1, sizeof *tr);
        assert_non_null(tr);
        tr->n = 1;
        int feats[4];
        for (int i = 0; i < 4; i++) {
            feats[i] = (int)((t * 4 + (size_t)i) % p);
        }
        grow(tr, 0, depth, p, spread ? feats : NULL, 4, &s, shallow && t == 0);
        put(&b, "%s{\"tree_param\": {\"num_nodes\": \"%zu\"}, ", t ? ", " : "", tr->n);
        put_ints(&b, "left_children", tr->left, tr->n);
        put(&b, ", ");
        put_ints(&b, "right_children", tr->right, tr->n);
        put(&b, ", ");
        put_ints(&b, "split_indices", tr->feat, tr->n);
        put(&b, ", ");
        put_ints(&b, "default_left", tr->dleft, tr->n);
        put(&b, ", \"split_conditions\": [");
        for (size_t i = 0; i < tr->n; i++) {
            put(&b, "%s%.9g", i ? ", " : "", tr->cond[i]);
        }
        put(&b, "], \"sum_hessian\": [");
        for (size_t i = 0; i < tr->n; i++) {
            put(&b, "%s1", i ? ", " : "");
        }
        put(&b, "]}");
        free(tr);
    }
    put(&b,
        "]}}, \"learner_model_param\": {\"base_score\": \"5E-1\", \"num_class\": \"0\", "
        "\"num_feature\": \"%zu\"}, \"objective\": {\"name\": \"binary:logistic\"}}, "
        "\"version\": [1, 7, 4]}\n",
        p);
    fa_model *m = NULL;
    fa_error err;
    if (fa_model__parse_json(&m, b.s, b.n, "model.json", &err) != FA_OK) {
        fail_with(&err, "parse");
    }
    free(b.s);
    return m;
}

/* Data in [-2, 2) with every 7th value missing. */
static double *data(size_t n, uint64_t seed)
{
    double *d = malloc(n * sizeof *d);
    assert_non_null(d);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        d[i] = next(&s) % 7 == 0 ? NAN : noise(&s);
    }
    return d;
}

/* The predicted game of coalition z (p bytes) at x: the mean margin of the composite rows. */
static double predicted(const fa_model *m, const double x[], const double bg[], size_t k, size_t p,
                        const uint8_t z[])
{
    double *rows = malloc(k * p * sizeof *rows), *pred = malloc(k * sizeof *pred);
    assert_true(rows != NULL && pred != NULL);
    for (size_t b = 0; b < k; b++) {
        for (size_t j = 0; j < p; j++) {
            rows[b * p + j] = z[j] ? x[j] : bg[b * p + j];
        }
    }
    assert_int_equal(fa_model_predict(m, pred, rows, k, FA_OUTPUT_MARGIN, NULL), FA_OK);
    double sum = 0.0;
    for (size_t b = 0; b < k; b++) {
        sum += pred[b];
    }
    free(rows);
    free(pred);
    return sum / (double)k;
}

static void front__deep_trees_every_coalition(void **state)
{
    (void)state;
    enum { P = 14, K = 12, N = 3, T = 6, C = FA_SHAPGAME__MAX_BATCH };
    fa_model *m = make_model(P, T, 6, 1, 0, 11);
    double *bg = data(K * P, 12), *x = data(N * P, 13);
    fa_shapgame *g = NULL;
    fa_shapgame_ws *w = NULL;
    fa_error err;
    if (fa_shapgame__create(&g, m, bg, K, FA_OUTPUT_MARGIN, &err) != FA_OK) {
        fail_with(&err, "fa_shapgame__create");
    }
    assert_true(fa_shapgame__is_tree(g));
    assert_int_equal(fa_shapgame__ws_create(&w, g), FA_OK);
    uint8_t *z = malloc((size_t)C * P);
    double *got = malloc(C * sizeof *got), fx;
    assert_true(z != NULL && got != NULL);
    uint8_t none[P] = {0};
    assert_close(fa_shapgame__null(g), predicted(m, x, bg, K, P, none), 1e-12);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(fa_shapgame__set_row(w, x + i * P, &fx, &err), FA_OK);
        for (size_t s0 = 0; s0 < ((size_t)1 << P); s0 += C) {
            for (size_t c = 0; c < C; c++) {
                for (size_t j = 0; j < P; j++) {
                    z[c * P + j] = (uint8_t)(((s0 + c) >> j) & 1u);
                }
            }
            assert_int_equal(fa_shapgame__values(got, w, z, C, &err), FA_OK);
            for (size_t c = 0; c < C; c++) {
                assert_close(got[c], predicted(m, x + i * P, bg, K, P, z + c * P), 1e-12);
            }
        }
        /* the whole coalition is the row itself */
        assert_close(got[C - 1], fx, 1e-12);
    }
    free(z);
    free(got);
    free(bg);
    free(x);
    fa_shapgame__ws_free(w);
    fa_shapgame__free(g);
    fa_model_free(m);
}

/* p columns all tested (4 per tree): 64 = the frontier's limit, 70 = the walk. */
static void wide_model_random_coalitions(size_t p)
{
    enum { K = 9, C = 300 };
    const size_t n_trees = (p + 3) / 4;
    fa_model *m = make_model(p, n_trees, 4, 0, 1, 21 + p);
    double *bg = data(K * p, 22), *x = data(p, 23);
    fa_shapgame *g = NULL;
    fa_shapgame_ws *w = NULL;
    fa_error err;
    if (fa_shapgame__create(&g, m, bg, K, FA_OUTPUT_MARGIN, &err) != FA_OK) {
        fail_with(&err, "fa_shapgame__create");
    }
    assert_true(fa_shapgame__is_tree(g));
    assert_int_equal(fa_shapgame__ws_create(&w, g), FA_OK);
    uint8_t *z = malloc(C * p);
    double got[C], fx;
    assert_non_null(z);
    uint64_t s = 24;
    for (size_t c = 0; c < C * p; c++) {
        z[c] = (uint8_t)(next(&s) & 1u);
    }
    for (size_t j = 0; j < p; j++) { /* coalition 0: only the last column */
        z[j] = (uint8_t)(j == p - 1);
    }
    assert_int_equal(fa_shapgame__set_row(w, x, &fx, &err), FA_OK);
    assert_int_equal(fa_shapgame__values(got, w, z, C, &err), FA_OK);
    for (size_t c = 0; c < C; c++) {
        assert_close(got[c], predicted(m, x, bg, K, p, z + c * p), 1e-12);
    }
    free(z);
    free(bg);
    free(x);
    fa_shapgame__ws_free(w);
    fa_shapgame__free(g);
    fa_model_free(m);
}

static void front__64_columns(void **state)
{
    (void)state;
    wide_model_random_coalitions(64);
}

static void walk__70_columns(void **state)
{
    (void)state;
    wide_model_random_coalitions(70);
}

static void kernel__deep_model_exact_and_threads(void **state)
{
    (void)state;
    enum { P = 10, K = 10, N = 4 };
    fa_model *m = make_model(P, 5, 6, 1, 0, 31);
    double *bg = data(K * P, 32), *x = data(N * P, 33);
    double ex[N * (P + 1)], ke[N * (P + 1)], k1[N * (P + 1)], k2[N * (P + 1)];
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    fa_error err;
    o.threads = 2;
    assert_int_equal(fa_shap_exact(ex, m, x, N, bg, K, &o, &err), FA_OK);
    o.nsamples = ((size_t)1 << P) - 2; /* every coalition: the exact values */
    assert_int_equal(fa_shap_kernel(ke, NULL, m, x, N, bg, K, &o, &err), FA_OK);
    for (size_t i = 0; i < N * (P + 1); i++) {
        assert_close(ke[i], ex[i], 1e-9);
    }
    o.nsamples = 300; /* sampled */
    o.threads = 1;
    assert_int_equal(fa_shap_kernel(k1, NULL, m, x, N, bg, K, &o, &err), FA_OK);
    o.threads = 2;
    assert_int_equal(fa_shap_kernel(k2, NULL, m, x, N, bg, K, &o, &err), FA_OK);
    assert_memory_equal(k1, k2, sizeof k1);
    free(bg);
    free(x);
    fa_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(front__deep_trees_every_coalition),
        cmocka_unit_test(front__64_columns),
        cmocka_unit_test(walk__70_columns),
        cmocka_unit_test(kernel__deep_model_exact_and_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
