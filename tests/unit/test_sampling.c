/*
 * test_sampling.c - explain/sampling.c: permutation sampling with antithetic pairs.
 *
 * - One antithetic pair is exact for a game without interactions of order 3 or more:
 *   PAIRWISE (sum of a_j x_j + b_jk x_j x_k) gives fa_shap_exact's values to 1e-12 with a
 *   budget of 2 permutations, whatever the seed (a feature's contributions along a
 *   permutation and its reverse average to a_j + half its pair terms: the Shapley value).
 * - Convergence on WIGGLY12 (order-3 interactions): the largest error against exact falls
 *   with the budget and is below 0.1 at 2000 permutations (measured 0.038).
 * - Standard errors calibrated over 60 seeds (rms error / rms se within [0.6, 1.6]).
 * - Efficiency to 1e-12 at every budget; dummy (unused feature) exactly 0 through
 *   telescoping of a zero contribution; linearity for a fixed seed and budget.
 * - The tolerance stops rows early: every standard error is below it; a tiny tolerance
 *   spends the whole budget (the same values as no tolerance).
 * - Exact, kernel and sampling agree on a small model within 4 standard errors.
 * - The same bits with 1, 2 and 3 threads; the XGBoost tree game; refusals.
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

/* WIGGLY12 (as in test_kernelshap.c): order-2 and order-3 interactions over 12 features. */
static int wiggly_predict(double out[], const double x[], size_t n_rows, size_t n_cols,
                          fa_error *err, void *payload)
{
    (void)err;
    (void)payload;
    for (size_t i = 0; i < n_rows; i++) {
        const double *r = x + i * n_cols;
        double f =
            r[0] * r[1] + sin(r[2]) * r[3] + r[4] * r[4] * r[5] + r[0] * r[2] * r[4] + 0.5 * r[1];
        for (size_t j = 6; j + 1 < n_cols; j += 2) {
            f += r[j] * cos(r[j + 1]) + 0.3 * r[j] * r[j - 3] * r[j + 1];
        }
        out[i] = f;
    }
    return FA_OK;
}

/* PAIRWISE: sum_j (j + 1) x_j / 4 + sum_{j<k} sin(j + 2k) x_j x_k; the last feature unused. */
static int pairwise_predict(double out[], const double x[], size_t n_rows, size_t n_cols,
                            fa_error *err, void *payload)
{
    (void)err;
    (void)payload;
    for (size_t i = 0; i < n_rows; i++) {
        const double *r = x + i * n_cols;
        double f = 0.0;
        for (size_t j = 0; j + 1 < n_cols; j++) {
            f += (double)(j + 1) * r[j] / 4.0;
            for (size_t k = j + 1; k + 1 < n_cols; k++) {
                f += sin((double)(j + 2 * k)) * r[j] * r[k];
            }
        }
        out[i] = f;
    }
    return FA_OK;
}

static int double_predict(double out[], const double x[], size_t n_rows, size_t n_cols,
                          fa_error *err, void *payload)
{
    int st = wiggly_predict(out, x, n_rows, n_cols, err, payload);
    double *g = malloc((n_rows ? n_rows : 1) * sizeof *g);
    if (g == NULL) {
        return FA_ENOMEM;
    }
    pairwise_predict(g, x, n_rows, n_cols, err, payload);
    for (size_t i = 0; i < n_rows; i++) {
        out[i] = out[i] - 3.0 * g[i];
    }
    free(g);
    return st;
}

static const fa_model_vtable WIGGLY_VT = {"wiggly", wiggly_predict, NULL, FA_OUTPUT_MARGIN, 1};
static const fa_model_vtable PAIRWISE_VT = {"pairwise", pairwise_predict, NULL, FA_OUTPUT_MARGIN,
                                            1};
static const fa_model_vtable DOUBLE_VT = {"double", double_predict, NULL, FA_OUTPUT_MARGIN, 1};

static fa_model *local_model(const fa_model_vtable *vt, size_t p)
{
    static const char *const NAMES[] = {"x0", "x1", "x2", "x3",  "x4",  "x5",  "x6",
                                        "x7", "x8", "x9", "x10", "x11", "x12", "x13"};
    assert_true(p <= sizeof NAMES / sizeof *NAMES);
    fa_model *m = fa_model__new(vt, FA_LINK_IDENTITY);
    assert_non_null(m);
    assert_int_equal(fa_model__set_names(m, NAMES, p, "test", NULL), FA_OK);
    return m;
}

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

static double efficiency_gap(const double phi[], const fa_model *m, const double x[], size_t n)
{
    size_t p = fa_model_n_features(m);
    double *f = alloc0(n), worst = 0.0;
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

static void run_sampling(double out[], double se[], const fa_model *m, const double x[], size_t n,
                         const double bg[], size_t k, size_t nsamples, double tol, uint64_t seed,
                         int threads)
{
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.nsamples = nsamples;
    o.tolerance = tol;
    o.seed = seed;
    o.threads = threads;
    fa_error err;
    if (fa_shap_sampling(out, se, m, x, n, bg, k, &o, &err) != FA_OK) {
        fail_with(&err, "fa_shap_sampling");
    }
}

static void run_exact(double out[], const fa_model *m, const double x[], size_t n,
                      const double bg[], size_t k)
{
    fa_error err;
    if (fa_shap_exact(out, m, x, n, bg, k, NULL, &err) != FA_OK) {
        fail_with(&err, "fa_shap_exact");
    }
}

static void sampling__one_pair_is_exact_without_higher_interactions(void **state)
{
    (void)state;
    enum { N = 5, K = 7, P = 8 };
    double x[N * P], bg[K * P], ex[N * (P + 1)], sa[N * (P + 1)], se[N * (P + 1)];
    fill(x, N * P, 3);
    fill(bg, K * P, 4);
    fa_model *m = local_model(&PAIRWISE_VT, P);
    run_exact(ex, m, x, N, bg, K);
    for (uint64_t seed = 0; seed < 5; seed++) {
        run_sampling(sa, se, m, x, N, bg, K, 2, 0.0, seed, 1);
        assert_true(max_abs_diff(sa, ex, N * (P + 1)) <= 1e-12);
        for (size_t i = 0; i < N; i++) {
            assert_true(sa[i * (P + 1) + P - 1] == 0.0); /* unused: exactly 0 */
            assert_true(isnan(se[i * (P + 1)]));         /* one pair: no spread to measure */
        }
    }
    /* more pairs: every pair is exact, so the spread is 0 up to rounding */
    run_sampling(sa, se, m, x, N, bg, K, 20, 0.0, 1, 1);
    for (size_t i = 0; i < N * (P + 1); i++) {
        assert_true(se[i] <= 1e-12);
    }
    fa_model_free(m);
}

static double sampling_error(const fa_model *m, const double x[], size_t n, const double bg[],
                             size_t k, const double ex[], size_t budget, uint64_t seed)
{
    const size_t p = fa_model_n_features(m);
    double *sa = alloc0(n * (p + 1));
    run_sampling(sa, NULL, m, x, n, bg, k, budget, 0.0, seed, 0);
    assert_true(efficiency_gap(sa, m, x, n) <= 1e-12);
    double e = max_abs_diff(sa, ex, n * (p + 1));
    free(sa);
    return e;
}

static void sampling__converges_to_exact(void **state)
{
    (void)state;
    enum { N = 6, K = 12, P = 12 };
    double x[N * P], bg[K * P], ex[N * (P + 1)];
    fill(x, N * P, 31);
    fill(bg, K * P, 32);
    fa_model *m = local_model(&WIGGLY_VT, P);
    run_exact(ex, m, x, N, bg, K);
    const size_t budgets[] = {20, 200, 2000};
    double err[3];
    for (size_t b = 0; b < 3; b++) {
        err[b] = 0.0;
        for (uint64_t seed = 1; seed <= 3; seed++) {
            err[b] = fmax(err[b], sampling_error(m, x, N, bg, K, ex, budgets[b], seed));
        }
        print_message("sampling budget %zu: max |error| %.3g\n", budgets[b], err[b]);
    }
    assert_true(err[1] < err[0]);
    assert_true(err[2] < err[1]);
    assert_true(err[2] < 0.1); /* the stated bound at 2000 permutations */
    fa_model_free(m);
}

static void sampling__standard_errors_match_the_spread(void **state)
{
    (void)state;
    enum { K = 12, P = 12, SEEDS = 60 };
    double x[P], bg[K * P], ex[P + 1], sa[P + 1], se[P + 1];
    fill(x, P, 41);
    fill(bg, K * P, 42);
    fa_model *m = local_model(&WIGGLY_VT, P);
    run_exact(ex, m, x, 1, bg, K);
    double sq = 0.0, se2 = 0.0;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        run_sampling(sa, se, m, x, 1, bg, K, 100, 0.0, seed, 1);
        for (size_t j = 0; j < P; j++) {
            sq += (sa[j] - ex[j]) * (sa[j] - ex[j]);
            se2 += se[j] * se[j];
        }
        assert_true(se[P] == 0.0);
    }
    const double ratio = sqrt(sq / se2);
    print_message("sampling: rms error / rms standard error = %.3f\n", ratio);
    assert_true(ratio > 0.6 && ratio < 1.6);
    fa_model_free(m);
}

static void sampling__linearity_and_tolerance(void **state)
{
    (void)state;
    enum { N = 4, K = 10, P = 12 };
    double x[N * P], bg[K * P];
    fill(x, N * P, 21);
    fill(bg, K * P, 22);
    fa_model *f = local_model(&WIGGLY_VT, P), *g = local_model(&PAIRWISE_VT, P);
    fa_model *h = local_model(&DOUBLE_VT, P);
    double pf[N * (P + 1)], pg[N * (P + 1)], ph[N * (P + 1)], se[N * (P + 1)];
    run_sampling(pf, NULL, f, x, N, bg, K, 60, 0.0, 9, 1);
    run_sampling(pg, NULL, g, x, N, bg, K, 60, 0.0, 9, 1);
    run_sampling(ph, NULL, h, x, N, bg, K, 60, 0.0, 9, 1);
    for (size_t i = 0; i < N * (P + 1); i++) {
        assert_close(ph[i], pf[i] - 3.0 * pg[i], 1e-9);
    }
    /* tolerance 0.05: every standard error below it, with a budget that allows it */
    run_sampling(pf, se, f, x, N, bg, K, 100000, 0.05, 9, 2);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < P; j++) {
            assert_true(se[i * (P + 1) + j] < 0.05);
        }
    }
    assert_true(efficiency_gap(pf, f, x, N) <= 1e-12);
    /* a tolerance never reached spends the budget: the same values as none */
    run_sampling(pf, NULL, f, x, N, bg, K, 200, 1e-9, 9, 1);
    run_sampling(pg, NULL, f, x, N, bg, K, 200, 0.0, 9, 1);
    assert_memory_equal(pf, pg, sizeof pf);
    fa_model_free(f);
    fa_model_free(g);
    fa_model_free(h);
}

static void sampling__agrees_with_kernel_and_exact(void **state)
{
    (void)state;
    enum { K = 9, P = 6 };
    double x[P], bg[K * P], ex[P + 1], ke[P + 1], sa[P + 1], se[P + 1];
    fill(x, P, 61);
    fill(bg, K * P, 62);
    fa_model *m = local_model(&WIGGLY_VT, P);
    run_exact(ex, m, x, 1, bg, K);
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    o.nsamples = 62;
    assert_int_equal(fa_shap_kernel(ke, NULL, m, x, 1, bg, K, &o, NULL), FA_OK);
    run_sampling(sa, se, m, x, 1, bg, K, 4000, 0.0, 3, 1);
    for (size_t j = 0; j <= P; j++) {
        assert_close(ke[j], ex[j], 1e-9);
        assert_close(sa[j], ex[j], 4.0 * se[j] + 1e-12);
    }
    fa_model_free(m);
}

static const char *const XGB2 =
    "{\"learner\": {\"attributes\": {}, \"feature_names\": [\"a\", \"b\", \"c\"],\n"
    " \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {\n"
    "  \"gbtree_model_param\": {\"num_parallel_tree\": \"1\", \"num_trees\": \"2\"},\n"
    "  \"tree_info\": [0, 0], \"trees\": [\n"
    "   {\"tree_param\": {\"num_nodes\": \"5\"}, \"left_children\": [1, 3, -1, -1, -1],\n"
    "    \"right_children\": [2, 4, -1, -1, -1], \"split_indices\": [0, 1, 0, 0, 0],\n"
    "    \"split_conditions\": [0.5, 0.5, 3.0, 1.0, 2.0], \"default_left\": [1, 0, 0, 0, 0],\n"
    "    \"sum_hessian\": [10, 4, 6, 1, 3]},\n"
    "   {\"tree_param\": {\"num_nodes\": \"5\"}, \"left_children\": [1, -1, 3, -1, -1],\n"
    "    \"right_children\": [2, -1, 4, -1, -1], \"split_indices\": [2, 0, 0, 0, 0],\n"
    "    \"split_conditions\": [0.5, -1.0, 1.5, 0.5, 1.0], \"default_left\": [0, 0, 1, 0, 0],\n"
    "    \"sum_hessian\": [10, 4, 6, 2, 4]}]}},\n"
    " \"learner_model_param\": {\"base_score\": \"5E-1\", \"num_class\": \"0\",\n"
    "  \"num_feature\": \"3\"},\n"
    " \"objective\": {\"name\": \"binary:logistic\"}},\n"
    " \"version\": [1, 7, 4]}\n";

static void sampling__same_bits_whatever_the_thread_count(void **state)
{
    (void)state;
    enum { N = 23, K = 9, P = 12 };
    double x[N * P], bg[K * P];
    fill(x, N * P, 51);
    fill(bg, K * P, 52);
    fa_model *m = local_model(&WIGGLY_VT, P);
    double *a = alloc0(N * (P + 1)), *b = alloc0(N * (P + 1));
    double *sa = alloc0(N * (P + 1)), *sb = alloc0(N * (P + 1));
    run_sampling(a, sa, m, x, N, bg, K, 300, 0.01, 77, 1);
    for (int t = 2; t <= 3; t++) {
        run_sampling(b, sb, m, x, N, bg, K, 300, 0.01, 77, t);
        assert_memory_equal(a, b, N * (P + 1) * sizeof *a);
        assert_memory_equal(sa, sb, N * (P + 1) * sizeof *a);
    }
    /* the XGBoost tree game (margin): additive, the same with 2 threads */
    fa_model *xm = NULL;
    fa_error err;
    assert_int_equal(fa_model__parse_json(&xm, XGB2, strlen(XGB2), "m.json", &err), FA_OK);
    double xx[N * 3], xb[K * 3];
    fill(xx, N * 3, 53);
    fill(xb, K * 3, 54);
    run_sampling(a, sa, xm, xx, N, xb, K, 50, 0.0, 5, 1);
    run_sampling(b, sb, xm, xx, N, xb, K, 50, 0.0, 5, 2);
    assert_memory_equal(a, b, N * 4 * sizeof *a);
    assert_true(efficiency_gap(a, xm, xx, N) <= 1e-12);
    double ex[N * 4];
    run_exact(ex, xm, xx, N, xb, K);
    for (size_t i = 0; i < N * 4; i++) {
        assert_close(a[i], ex[i], 4.0 * sa[i] + 1e-12);
    }
    free(a);
    free(b);
    free(sa);
    free(sb);
    fa_model_free(m);
    fa_model_free(xm);
}

static void sampling__refusals(void **state)
{
    (void)state;
    enum { P = 6 };
    double x[P] = {0}, bg[P] = {1, 1, 1, 1, 1, 1}, phi[P + 1];
    fa_model *m = local_model(&WIGGLY_VT, P);
    fa_shap_options o = FA_SHAP_OPTIONS_INIT;
    fa_error err;
    o.nsamples = 1;
    assert_int_equal(fa_shap_sampling(phi, NULL, m, x, 1, bg, 1, &o, &err), FA_EINVAL);
    assert_non_null(strstr(err.message, "a budget of 1 permutation is below 2"));
    o.nsamples = 2;
    o.tolerance = -1.0;
    assert_int_equal(fa_shap_sampling(phi, NULL, m, x, 1, bg, 1, &o, &err), FA_EINVAL);
    assert_non_null(strstr(err.message, "tolerance must be a finite number >= 0"));
    o.tolerance = 0.0;
    assert_int_equal(fa_shap_sampling(phi, NULL, m, x, 1, bg, 0, &o, &err), FA_EINVAL);
    assert_non_null(strstr(err.message, "need a background: it is empty"));
    /* every feature equal to the single background row: all 0, base = f(bg) = f(x) */
    assert_int_equal(fa_shap_sampling(phi, NULL, m, bg, 1, bg, 1, &o, &err), FA_OK);
    for (size_t j = 0; j < P; j++) {
        assert_true(phi[j] == 0.0);
    }
    fa_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sampling__one_pair_is_exact_without_higher_interactions),
        cmocka_unit_test(sampling__converges_to_exact),
        cmocka_unit_test(sampling__standard_errors_match_the_spread),
        cmocka_unit_test(sampling__linearity_and_tolerance),
        cmocka_unit_test(sampling__agrees_with_kernel_and_exact),
        cmocka_unit_test(sampling__same_bits_whatever_the_thread_count),
        cmocka_unit_test(sampling__refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
