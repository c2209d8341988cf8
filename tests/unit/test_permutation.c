/*
 * test_permutation.c - explain/permutation.c: permutation importance.
 *
 * Synthetic models built here through a local vtable (explain/model.h):
 * - LIN: margin = 3 x0 - 2 x2 on five features, logistic link; features 1, 3 and 4 are
 *   unused, so shuffling them changes no prediction and their importances are exactly 0.
 * - IDENT: probability = x0 (identity link), for hand-computed scores on tiny data.
 * - DIFF: margin = 4 (x0 - x1), where the data has x1 = x0: shuffling x0 or x1 alone breaks
 *   the tie, shuffling the group {x0, x1} together cannot.
 * Then the identities: bitwise the same with 1 or 2 threads and with the row-block path, and
 * for an XGBoost model with or without the index of the rows' leaves (incremental
 * prediction);
 * a group of one feature is that feature; a model that is not thread-safe is never called
 * from two threads at once. Finally the goldens of ../shared/golden (scikit-learn 1.2.1) within
 * their README's tolerance: 3 combined standard errors plus one row of accuracy.
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

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "explain/model.h"
#include "explain/permutation.h"
#include "include/fairaudit.h"

/* |got - want| <= tol, both printed with 17 digits on failure (cmocka's float check is float). */
#define assert_close(got, want, tol) check_close((got), (want), (tol), #got, __FILE__, __LINE__)

static void check_close(double got, double want, double tol, const char *expr, const char *file,
                        int line)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", expr, got, want, tol);
        _fail(file, line);
    }
}

/* ------------------------------------------------------------------ local models */

typedef struct lin_payload {
    size_t p;
    double w[8], b;
    int active, max_active; /* concurrent predict calls (atomics) */
    int fail_after;         /* > 0: the fail_after-th call fails */
    int calls;
} lin_payload;

static int lin_predict(double out[], const double x[], size_t n_rows, size_t n_cols, fa_error *err,
                       void *payload)
{
    lin_payload *lp = payload;
    int now = __atomic_add_fetch(&lp->active, 1, __ATOMIC_SEQ_CST);
    int seen = __atomic_load_n(&lp->max_active, __ATOMIC_SEQ_CST);
    while (now > seen && !__atomic_compare_exchange_n(&lp->max_active, &seen, now, 0,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
    int call = __atomic_add_fetch(&lp->calls, 1, __ATOMIC_SEQ_CST);
    for (size_t i = 0; i < n_rows; i++) {
        double z = lp->b;
        for (size_t j = 0; j < n_cols; j++) {
            z += lp->w[j] * x[i * n_cols + j];
        }
        out[i] = z;
    }
    __atomic_sub_fetch(&lp->active, 1, __ATOMIC_SEQ_CST);
    if (lp->fail_after > 0 && call >= lp->fail_after) {
        fa_error_clear(err);
        err->status = FA_EIO;
        snprintf(err->message, sizeof err->message, "test model: broken pipe");
        return FA_EIO;
    }
    return FA_OK;
}

static int ident_predict(double out[], const double x[], size_t n_rows, size_t n_cols,
                         fa_error *err, void *payload)
{
    (void)err;
    (void)payload;
    for (size_t i = 0; i < n_rows; i++) {
        out[i] = x[i * n_cols];
    }
    return FA_OK;
}

static const fa_model_vtable LIN_VT = {"test-linear", lin_predict, NULL, FA_OUTPUT_MARGIN, 1};
static const fa_model_vtable LIN_UNSAFE_VT = {"test-unsafe", lin_predict, NULL, FA_OUTPUT_MARGIN,
                                              0};
static const fa_model_vtable IDENT_VT = {"test-ident", ident_predict, NULL, FA_OUTPUT_PROBABILITY,
                                         1};

static const char *const NAMES[] = {"x0", "x1", "x2", "x3", "x4"};

static fa_model *make_model(const fa_model_vtable *vt, fa_link link, void *payload, size_t p)
{
    fa_model *m = fa_model__new(vt, link);
    assert_non_null(m);
    m->payload = payload; /* borrowed: the vtables free nothing */
    assert_int_equal(fa_model__set_names(m, NAMES, p, "test", NULL), FA_OK);
    return m;
}

/* ------------------------------------------------------------------ synthetic data */

#define N_SYN 2000
#define P_SYN 5

typedef struct syn {
    double x[N_SYN * P_SYN];
    double y[N_SYN];
    int32_t g[N_SYN];
} syn;

/* x ~ N(0, 1); y = [3 x0 - 2 x2 + noise > 0]; group = [x0 > 0.5] (so x0 carries the gap). */
static syn *make_syn(void)
{
    syn *d = malloc(sizeof *d);
    assert_non_null(d);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 12345);
    for (size_t i = 0; i < N_SYN; i++) {
        double *row = d->x + i * P_SYN;
        for (size_t j = 0; j < P_SYN; j++) {
            row[j] = gsl_ran_gaussian(rng, 1.0);
        }
        d->y[i] = 3.0 * row[0] - 2.0 * row[2] + gsl_ran_gaussian(rng, 1.0) > 0.0;
        d->g[i] = row[0] + 0.5 * gsl_ran_gaussian(rng, 1.0) > 0.5;
    }
    gsl_rng_free(rng);
    return d;
}

static lin_payload LIN_3_0_M2 = {P_SYN, {3.0, 0.0, -2.0, 0.0, 0.0}, 0.0, 0, 0, 0, 0};

static fa_permutation_result *run(const fa_model *m, const syn *d, fa_permutation_options *o)
{
    fa_permutation_result *r = NULL;
    fa_error err;
    fa_error_clear(&err);
    int st = fa_permutation_importance(&r, m, d->x, N_SYN, d->y, d->g, o, &err);
    if (st != FA_OK) {
        char buf[1024];
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("fa_permutation_importance: %d %s", st, buf);
    }
    return r;
}

static void assert_same_bits(const fa_permutation_result *a, const fa_permutation_result *b)
{
    assert_int_equal(fa_permutation_result_n(a), fa_permutation_result_n(b));
    size_t R = fa_permutation_result_repeats(a);
    assert_int_equal(R, fa_permutation_result_repeats(b));
    double ba = fa_permutation_result_baseline(a), bb = fa_permutation_result_baseline(b);
    assert_memory_equal(&ba, &bb, sizeof ba);
    for (size_t k = 0; k < fa_permutation_result_n(a); k++) {
        assert_memory_equal(fa_permutation_result_values(a, k), fa_permutation_result_values(b, k),
                            R * sizeof(double));
        double ma = fa_permutation_result_mean(a, k), mb = fa_permutation_result_mean(b, k);
        double sa = fa_permutation_result_std(a, k), sb = fa_permutation_result_std(b, k);
        assert_memory_equal(&ma, &mb, sizeof ma);
        assert_memory_equal(&sa, &sb, sizeof sa);
    }
}

/* ------------------------------------------------------------------ behaviour */

static void permutation__unused_features_are_exactly_zero(void **state)
{
    (void)state;
    syn *d = make_syn();
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &LIN_3_0_M2, P_SYN);
    const char *scorings[] = {"accuracy",
                              "balanced_accuracy",
                              "roc_auc",
                              "log_loss",
                              "brier",
                              "demographic_parity_difference",
                              "equalized_odds_difference"};
    for (size_t s = 0; s < sizeof scorings / sizeof scorings[0]; s++) {
        fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
        o.scoring = scorings[s];
        o.seed = 7;
        fa_permutation_result *r = run(m, d, &o);
        assert_int_equal(fa_permutation_result_n(r), P_SYN);
        assert_int_equal(fa_permutation_result_repeats(r), FA_PERMUTATION_DEFAULT_REPEATS);
        assert_string_equal(fa_permutation_result_scoring(r), scorings[s]);
        assert_string_equal(fa_permutation_result_name(r, 3), "x3");
        const size_t unused[] = {1, 3, 4};
        for (size_t u = 0; u < 3; u++) {
            const double *v = fa_permutation_result_values(r, unused[u]);
            for (size_t k = 0; k < fa_permutation_result_repeats(r); k++) {
                assert_true(v[k] == 0.0);
            }
            assert_true(fa_permutation_result_mean(r, unused[u]) == 0.0);
            assert_true(fa_permutation_result_std(r, unused[u]) == 0.0);
        }
        if (s < 5) { /* every performance score drops when x0 or x2 is shuffled */
            assert_true(fa_permutation_result_mean(r, 0) > 0.05);
            assert_true(fa_permutation_result_mean(r, 2) > 0.02);
            assert_true(fa_permutation_result_mean(r, 0) > fa_permutation_result_mean(r, 2));
        }
        fa_permutation_result_free(r);
    }
    fa_model_free(m);
    free(d);
}

/* Accuracy moves in steps of 1/n: every repeat is an integer count over N_SYN. */
static void permutation__accuracy_importances_are_whole_rows(void **state)
{
    (void)state;
    syn *d = make_syn();
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &LIN_3_0_M2, P_SYN);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.repeats = 4;
    fa_permutation_result *r = run(m, d, &o);
    double base = fa_permutation_result_baseline(r) * N_SYN;
    assert_true(fabs(base - nearbyint(base)) < 1e-9);
    for (size_t k = 0; k < P_SYN; k++) {
        for (size_t i = 0; i < 4; i++) {
            double rows = fa_permutation_result_values(r, k)[i] * N_SYN;
            assert_true(fabs(rows - nearbyint(rows)) < 1e-9);
        }
    }
    fa_permutation_result_free(r);
    fa_model_free(m);
    free(d);
}

static void permutation__same_bits_with_one_or_two_threads_and_row_blocks(void **state)
{
    (void)state;
    syn *d = make_syn();
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &LIN_3_0_M2, P_SYN);
    const char *scorings[] = {"accuracy", "roc_auc", "equalized_odds_difference"};
    for (size_t s = 0; s < 3; s++) {
        fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
        o.scoring = scorings[s];
        o.seed = 99;
        o.repeats = 7;
        o.threads = 1;
        fa_permutation_result *one = run(m, d, &o);
        o.threads = 2;
        fa_permutation_result *two = run(m, d, &o);
        assert_same_bits(one, two);
        /* windows of 3 rows x 2 threads: 333 blocks per evaluation, one of 2 rows */
        fa_permutation_result *blocks = NULL;
        assert_int_equal(fa_permutation__run(&blocks, m, d->x, N_SYN, d->y, d->g, &o,
                                             2 * 3 * P_SYN * sizeof(double), 0, NULL),
                         FA_OK);
        assert_same_bits(one, blocks);
        fa_permutation_result_free(one);
        fa_permutation_result_free(two);
        fa_permutation_result_free(blocks);
    }
    fa_model_free(m);
    free(d);
}

static void permutation__seed_changes_the_shuffles(void **state)
{
    (void)state;
    syn *d = make_syn();
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &LIN_3_0_M2, P_SYN);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.seed = 1;
    fa_permutation_result *a = run(m, d, &o);
    fa_permutation_result *again = run(m, d, &o);
    o.seed = 2;
    fa_permutation_result *b = run(m, d, &o);
    assert_same_bits(a, again);
    assert_true(memcmp(fa_permutation_result_values(a, 0), fa_permutation_result_values(b, 0),
                       5 * sizeof(double)) != 0);
    /* the repeats of one feature are different shuffles */
    const double *v = fa_permutation_result_values(a, 0);
    assert_true(v[0] != v[1] || v[1] != v[2] || v[2] != v[3]);
    fa_permutation_result_free(a);
    fa_permutation_result_free(again);
    fa_permutation_result_free(b);
    fa_model_free(m);
    free(d);
}

static void permutation__not_thread_safe_model_runs_on_one_thread(void **state)
{
    (void)state;
    syn *d = make_syn();
    lin_payload lp = LIN_3_0_M2;
    fa_model *safe = make_model(&LIN_VT, FA_LINK_LOGISTIC, &lp, P_SYN);
    lin_payload up = LIN_3_0_M2;
    up.active = up.max_active = up.calls = 0; /* the static one counted earlier tests */
    fa_model *unsafe = make_model(&LIN_UNSAFE_VT, FA_LINK_LOGISTIC, &up, P_SYN);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.threads = 2;
    o.repeats = 10;
    fa_permutation_result *a = run(safe, d, &o);
    fa_permutation_result *b = run(unsafe, d, &o);
    assert_int_equal(up.max_active, 1);
    assert_int_equal(up.calls, 1 + P_SYN * 10); /* the baseline, then one call per repeat */
    assert_same_bits(a, b);
    fa_permutation_result_free(a);
    fa_permutation_result_free(b);
    fa_model_free(safe);
    fa_model_free(unsafe);
    free(d);
}

/* Columns 0 and 1 are equal and the model uses their difference: a joint shuffle keeps it 0. */
static void permutation__feature_groups_move_together(void **state)
{
    (void)state;
    syn *d = make_syn();
    for (size_t i = 0; i < N_SYN; i++) {
        d->x[i * P_SYN + 1] = d->x[i * P_SYN];
        d->y[i] = d->x[i * P_SYN + 2] > 0.0;
    }
    lin_payload lp = {P_SYN, {4.0, -4.0, 1.0, 0.0, 0.0}, 0.0, 0, 0, 0, 0};
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &lp, P_SYN);
    const size_t members[] = {0, 1, 2, 3, 4};
    const size_t sizes[] = {2, 1, 2};
    const char *names[] = {"x0+x1", "x2", "x3+x4"};
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.scoring = "log_loss";
    o.feature_group_members = members;
    o.feature_group_sizes = sizes;
    o.feature_group_names = names;
    o.n_feature_groups = 3;
    fa_permutation_result *g = run(m, d, &o);
    assert_int_equal(fa_permutation_result_n(g), 3);
    assert_string_equal(fa_permutation_result_name(g, 0), "x0+x1");
    assert_string_equal(fa_permutation_result_name(g, 2), "x3+x4");
    assert_true(fa_permutation_result_mean(g, 0) == 0.0); /* x0 - x1 stays 0 */
    assert_true(fa_permutation_result_mean(g, 1) > 0.1);
    assert_true(fa_permutation_result_mean(g, 2) == 0.0);
    o.n_feature_groups = 0;
    fa_permutation_result *alone = run(m, d, &o);
    assert_true(fa_permutation_result_mean(alone, 0) > 0.5); /* alone, each breaks the tie */
    assert_true(fa_permutation_result_mean(alone, 1) > 0.5);
    fa_permutation_result_free(g);
    fa_permutation_result_free(alone);
    fa_model_free(m);
    free(d);
}

/* Groups of one feature each, in feature order, are the features themselves, unnamed. */
static void permutation__singleton_groups_equal_features(void **state)
{
    (void)state;
    syn *d = make_syn();
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &LIN_3_0_M2, P_SYN);
    const size_t members[] = {0, 1, 2, 3, 4};
    const size_t sizes[] = {1, 1, 1, 1, 1};
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    fa_permutation_result *plain = run(m, d, &o);
    o.feature_group_members = members;
    o.feature_group_sizes = sizes;
    o.n_feature_groups = 5;
    fa_permutation_result *grouped = run(m, d, &o);
    assert_same_bits(plain, grouped);
    assert_string_equal(fa_permutation_result_name(grouped, 4), "group_4");
    fa_permutation_result_free(plain);
    fa_permutation_result_free(grouped);
    fa_model_free(m);
    free(d);
}

static void permutation__max_samples_scores_one_subsample(void **state)
{
    (void)state;
    syn *d = make_syn();
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &LIN_3_0_M2, P_SYN);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.seed = 3;
    fa_permutation_result *all = run(m, d, &o);
    o.max_samples = N_SYN; /* every row: no subsample at all */
    fa_permutation_result *same = run(m, d, &o);
    assert_same_bits(all, same);
    o.max_samples = 250;
    fa_permutation_result *sub = run(m, d, &o);
    assert_int_equal(fa_permutation_result_rows(all), N_SYN);
    assert_int_equal(fa_permutation_result_rows(sub), 250);
    double base = fa_permutation_result_baseline(sub) * 250; /* accuracy of 250 rows */
    assert_true(fabs(base - nearbyint(base)) < 1e-9);
    assert_true(fabs(fa_permutation_result_baseline(sub) - fa_permutation_result_baseline(all)) <
                0.1);
    assert_true(fa_permutation_result_mean(sub, 1) == 0.0); /* baseline on the same rows */
    assert_true(fa_permutation_result_mean(sub, 0) > 0.05);
    o.threads = 1;
    fa_permutation_result *sub1 = run(m, d, &o);
    assert_same_bits(sub, sub1);
    o.max_samples = N_SYN + 1;
    fa_permutation_result *r = NULL;
    fa_error err;
    assert_int_equal(fa_permutation_importance(&r, m, d->x, N_SYN, d->y, d->g, &o, &err),
                     FA_EINVAL);
    assert_null(r);
    assert_string_equal(err.message, "max_samples 2001 is larger than the number of rows (2000)");
    fa_permutation_result_free(all);
    fa_permutation_result_free(same);
    fa_permutation_result_free(sub);
    fa_permutation_result_free(sub1);
    fa_model_free(m);
    free(d);
}

/* ------------------------------------------------------------------ hand-computed scores */

/*
 * Five rows, probability = x0 = 0.9 0.2 0.6 0.4 0.8, label 1 0 0 1 1, group 0 0 1 1 1.
 * Predictions (> 0.5): 1 0 1 0 1; TP = 2 (rows 0, 4), TN = 1 (row 1), FP = 1 (row 2),
 * FN = 1 (row 3).
 */
static const double TINY_X[] = {0.9, 0.2, 0.6, 0.4, 0.8};
static const double TINY_Y[] = {1, 0, 0, 1, 1};
static const int32_t TINY_G[] = {0, 0, 1, 1, 1};

static double tiny_baseline(const char *scoring)
{
    fa_model *m = make_model(&IDENT_VT, FA_LINK_IDENTITY, NULL, 1);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.scoring = scoring;
    fa_permutation_result *r = NULL;
    assert_int_equal(fa_permutation_importance(&r, m, TINY_X, 5, TINY_Y, TINY_G, &o, NULL), FA_OK);
    double b = fa_permutation_result_baseline(r);
    fa_permutation_result_free(r);
    fa_model_free(m);
    return b;
}

static void permutation__scores_by_hand(void **state)
{
    (void)state;
    assert_true(tiny_baseline(NULL) == 3.0 / 5.0); /* (TP + TN) / n */
    assert_true(tiny_baseline("accuracy") == 3.0 / 5.0);
    /* (TPR + TNR) / 2 = (2/3 + 1/2) / 2 = 7/12 */
    assert_close(tiny_baseline("balanced_accuracy"), 7.0 / 12.0, 1e-15);
    /* positives 0.9 0.4 0.8 against negatives 0.2 0.6: 5 of 6 pairs ordered */
    assert_close(tiny_baseline("roc_auc"), 5.0 / 6.0, 1e-15);
    /* -(ln 0.9 + ln(1 - 0.2) + ln(1 - 0.6) + ln 0.4 + ln 0.8) / 5 */
    double ll = -(log(0.9) + log(0.8) + log(0.4) + log(0.4) + log(0.8)) / 5.0;
    assert_close(tiny_baseline("log_loss"), ll, 1e-15);
    /* (0.1^2 + 0.2^2 + 0.6^2 + 0.6^2 + 0.2^2) / 5 = 0.81 / 5 */
    assert_close(tiny_baseline("brier"), 0.81 / 5.0, 1e-15);
    /* selection rates: group 0 1/2, group 1 2/3 */
    assert_close(tiny_baseline("demographic_parity_difference"), 1.0 / 6.0, 1e-15);
    assert_close(tiny_baseline("demographic_parity_ratio"), 3.0 / 4.0, 1e-15);
    /* TPR: group 0 1/1, group 1 1/2; FPR: group 0 0/1, group 1 1/1 */
    assert_close(tiny_baseline("equal_opportunity_difference"), 0.5, 1e-15);
    assert_close(tiny_baseline("equalized_odds_difference"), 1.0, 1e-15);
}

/* Ties count half: positives 0.5 0.7, negatives 0.5 0.3: (0.5 + 1 + 1 + 1) / 4. */
static void permutation__roc_auc_counts_ties_half(void **state)
{
    (void)state;
    const double x[] = {0.5, 0.7, 0.5, 0.3};
    const double y[] = {1, 1, 0, 0};
    fa_model *m = make_model(&IDENT_VT, FA_LINK_IDENTITY, NULL, 1);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.scoring = "roc_auc";
    fa_permutation_result *r = NULL;
    assert_int_equal(fa_permutation_importance(&r, m, x, 4, y, NULL, &o, NULL), FA_OK);
    assert_true(fa_permutation_result_baseline(r) == 3.5 / 4.0);
    fa_permutation_result_free(r);
    fa_model_free(m);
}

/*
 * Two rows, x0 = 0.9 0.2, labels 1 0: a shuffle is the identity (importance 0) or the swap,
 * which predicts 0.2 for the positive and 0.9 for the negative. Accuracy: 1 - 0 = 1.
 * Log loss (a loss: importance = permuted - original): (-ln 0.2 - ln 0.1)/2 -
 * (-ln 0.9 - ln 0.8)/2. Brier: (0.64 + 0.81)/2 - (0.01 + 0.04)/2 = 0.7.
 */
static void permutation__sign_conventions_by_hand(void **state)
{
    (void)state;
    const double x[] = {0.9, 0.2};
    const double y[] = {1, 0};
    const struct {
        const char *scoring;
        double swap;
    } cases[] = {
        {"accuracy", 1.0},
        {"roc_auc", 1.0},
        {"log_loss", (-log(0.2) - log(0.1)) / 2.0 - (-log(0.9) - log(0.8)) / 2.0},
        {"brier", 0.7},
    };
    fa_model *m = make_model(&IDENT_VT, FA_LINK_IDENTITY, NULL, 1);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
        o.scoring = cases[c].scoring;
        o.repeats = 40;
        fa_permutation_result *r = NULL;
        assert_int_equal(fa_permutation_importance(&r, m, x, 2, y, NULL, &o, NULL), FA_OK);
        const double *v = fa_permutation_result_values(r, 0);
        size_t swaps = 0;
        for (size_t i = 0; i < 40; i++) {
            if (v[i] != 0.0) {
                assert_close(v[i], cases[c].swap, 1e-12);
                swaps++;
            }
        }
        assert_true(swaps > 5 && swaps < 35); /* a fair coin, 40 times */
        /* numpy: mean = swaps/40 * swap; std (ddof 0) = swap * sqrt(q (1 - q)) */
        double q = (double)swaps / 40.0;
        assert_close(fa_permutation_result_mean(r, 0), q * cases[c].swap, 1e-12);
        assert_close(fa_permutation_result_std(r, 0), cases[c].swap * sqrt(q * (1 - q)), 1e-12);
        fa_permutation_result_free(r);
    }
    fa_model_free(m);
}

/* x0 follows the group, so the selection-rate gap flows through x0 only. */
static void permutation__disparity_flows_through_the_feature(void **state)
{
    (void)state;
    syn *d = make_syn();
    lin_payload lp = {P_SYN, {4.0, 0.0, 0.0, 0.0, 0.0}, 0.0, 0, 0, 0, 0};
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &lp, P_SYN);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.scoring = "demographic_parity_difference";
    fa_permutation_result *diff = NULL;
    /* labels are not needed for demographic parity */
    assert_int_equal(fa_permutation_importance(&diff, m, d->x, N_SYN, NULL, d->g, &o, NULL), FA_OK);
    assert_true(fa_permutation_result_baseline(diff) > 0.5);
    /* shuffled, x0 no longer knows the group: the gap nearly closes, a positive importance */
    assert_true(fa_permutation_result_mean(diff, 0) > 0.4);
    assert_true(fa_permutation_result_mean(diff, 2) == 0.0);
    o.scoring = "demographic_parity_ratio";
    fa_permutation_result *ratio = NULL;
    assert_int_equal(fa_permutation_importance(&ratio, m, d->x, N_SYN, NULL, d->g, &o, NULL),
                     FA_OK);
    assert_true(fa_permutation_result_baseline(ratio) < 0.5);
    /* a ratio rises towards 1 when the gap closes: the importance is negative */
    assert_true(fa_permutation_result_mean(ratio, 0) < -0.4);
    fa_permutation_result_free(diff);
    fa_permutation_result_free(ratio);
    fa_model_free(m);
    free(d);
}

/* Negative codes are one "missing" group: three groups here, so the gap is 1 - 0. */
static void permutation__negative_group_codes_are_one_group(void **state)
{
    (void)state;
    const double x[] = {0.9, 0.8, 0.2, 0.1, 0.7, 0.3};
    const int32_t g[] = {5, 5, 1000000, 1000000, -1, -7};
    fa_model *m = make_model(&IDENT_VT, FA_LINK_IDENTITY, NULL, 1);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.scoring = "demographic_parity_difference";
    fa_permutation_result *r = NULL;
    assert_int_equal(fa_permutation_importance(&r, m, x, 6, NULL, g, &o, NULL), FA_OK);
    assert_true(fa_permutation_result_baseline(r) == 1.0); /* SR 1, 0, 1/2 */
    fa_permutation_result_free(r);
    o.min_group_size = 3; /* every group has 2 rows: none left, undefined */
    assert_int_equal(fa_permutation_importance(&r, m, x, 6, NULL, g, &o, NULL), FA_OK);
    assert_true(isnan(fa_permutation_result_baseline(r)));
    assert_true(isnan(fa_permutation_result_mean(r, 0)));
    fa_permutation_result_free(r);
    fa_model_free(m);
}

static void permutation__undefined_score_is_nan(void **state)
{
    (void)state;
    const double x[] = {0.9, 0.2, 0.6};
    const double y[] = {1, 1, 1};
    fa_model *m = make_model(&IDENT_VT, FA_LINK_IDENTITY, NULL, 1);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.scoring = "roc_auc"; /* one class: no pair to order */
    fa_permutation_result *r = NULL;
    assert_int_equal(fa_permutation_importance(&r, m, x, 3, y, NULL, &o, NULL), FA_OK);
    assert_true(isnan(fa_permutation_result_baseline(r)));
    assert_true(isnan(fa_permutation_result_mean(r, 0)));
    assert_true(isnan(fa_permutation_result_values(r, 0)[0]));
    fa_permutation_result_free(r);
    fa_model_free(m);
}

/* ------------------------------------------------------------------ errors */

static void expect_error(const fa_model *m, const double x[], size_t n, const double y[],
                         const int32_t g[], const fa_permutation_options *o, int status,
                         const char *message)
{
    fa_permutation_result *r = (fa_permutation_result *)&r; /* must be reset to NULL */
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_permutation_importance(&r, m, x, n, y, g, o, &err), status);
    assert_null(r);
    assert_int_equal(err.status, status);
    assert_string_equal(err.message, message);
}

static void permutation__bad_arguments_are_errors(void **state)
{
    (void)state;
    syn *d = make_syn();
    fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &LIN_3_0_M2, P_SYN);
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.scoring = "f2";
    expect_error(m, d->x, N_SYN, d->y, NULL, &o, FA_EINVAL, "unknown scoring 'f2'");
    o.scoring = NULL;
    o.repeats = 0;
    expect_error(m, d->x, N_SYN, d->y, NULL, &o, FA_EINVAL, "repeats must be at least 1");
    o.repeats = 3;
    expect_error(m, d->x, N_SYN, NULL, NULL, &o, FA_EINVAL, "scoring 'accuracy' needs the labels");
    expect_error(m, d->x, 0, d->y, NULL, &o, FA_EINVAL,
                 "permutation importance: no rows or no features");
    o.scoring = "equalized_odds_difference";
    expect_error(m, d->x, N_SYN, d->y, NULL, &o, FA_EINVAL,
                 "scoring 'equalized_odds_difference' needs group codes");
    o.scoring = NULL;
    o.threshold = NAN;
    expect_error(m, d->x, N_SYN, d->y, NULL, &o, FA_EINVAL, "threshold must be a finite number");
    o.threshold = 0.5;
    d->y[17] = 2.0;
    expect_error(m, d->x, N_SYN, d->y, NULL, &o, FA_EDOMAIN,
                 "label of row 18 is 2: expected 0 or 1");
    d->y[17] = 1.0;
    const size_t members[] = {0, 5};
    const size_t sizes[] = {2};
    const char *names[] = {"bad"};
    o.feature_group_members = members;
    o.feature_group_sizes = sizes;
    o.feature_group_names = names;
    o.n_feature_groups = 1;
    expect_error(m, d->x, N_SYN, d->y, NULL, &o, FA_EINVAL,
                 "feature group 0 'bad': feature index 5 is out of range (the model has 5 "
                 "features)");
    const size_t empty[] = {0};
    o.feature_group_sizes = empty;
    expect_error(m, d->x, N_SYN, d->y, NULL, &o, FA_EINVAL, "feature group 0 'bad' is empty");
    o.n_feature_groups = 0;
    expect_error(NULL, d->x, N_SYN, d->y, NULL, &o, FA_EINVAL, "permutation importance: no model");
    fa_model_free(m);
    free(d);
}

/* The model's failure comes back as it was, with nothing leaked (ASan), on 1 or 2 threads. */
static void permutation__model_failure_is_returned(void **state)
{
    (void)state;
    syn *d = make_syn();
    for (int threads = 1; threads <= 2; threads++) {
        lin_payload lp = LIN_3_0_M2;
        lp.fail_after = 4;
        fa_model *m = make_model(&LIN_VT, FA_LINK_LOGISTIC, &lp, P_SYN);
        fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
        o.threads = threads;
        expect_error(m, d->x, N_SYN, d->y, NULL, &o, FA_EIO, "test model: broken pipe");
        fa_model_free(m);
    }
    free(d);
}

static void permutation__scoring_needs(void **state)
{
    (void)state;
    assert_int_equal(fa_permutation_scoring_needs(NULL), FA_SCORING_NEEDS_LABELS);
    assert_int_equal(fa_permutation_scoring_needs("brier"), FA_SCORING_NEEDS_LABELS);
    assert_int_equal(fa_permutation_scoring_needs("demographic_parity_ratio"),
                     FA_SCORING_NEEDS_GROUPS);
    assert_int_equal(fa_permutation_scoring_needs("demographic_parity_difference_to_overall"),
                     FA_SCORING_NEEDS_GROUPS);
    assert_int_equal(fa_permutation_scoring_needs("equal_opportunity_difference"),
                     FA_SCORING_NEEDS_GROUPS | FA_SCORING_NEEDS_LABELS);
    assert_int_equal(fa_permutation_scoring_needs("f1"), -1);
}

/* ------------------------------------------------------------------ goldens */

static const char *shared_dir(void)
{
    struct stat st;
    const char *env = getenv("FAIRAUDIT_SHARED");
    const char *dir = env != NULL && env[0] != '\0' ? env : "../shared";
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* One data set's test matrix and labels, read once for both models. */
typedef struct golden_data {
    double *x, *y;
    size_t n, p;
    char **names;
} golden_data;

static void golden_data_free(golden_data *gd)
{
    for (size_t j = 0; gd->names != NULL && j < gd->p; j++) {
        free(gd->names[j]);
    }
    free(gd->names);
    free(gd->x);
    free(gd->y);
}

static void load_table(fa_table **t, const char *shared, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/models/%s", shared, name);
    fa_error err;
    if (fa_table_load_csv(t, path, NULL, &err) != FA_OK) {
        char buf[1200];
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("%s", buf);
    }
}

static void golden_data_load(golden_data *gd, const char *shared, const char *ds, const char *label)
{
    memset(gd, 0, sizeof *gd);
    char name[128];
    fa_table *xt, *pt;
    snprintf(name, sizeof name, "%s_test_features.csv", ds);
    load_table(&xt, shared, name);
    snprintf(name, sizeof name, "%s_pred_logreg.csv", ds);
    load_table(&pt, shared, name);
    gd->n = fa_table_n_rows(xt);
    gd->p = fa_table_n_cols(xt);
    size_t *cols = calloc(gd->p, sizeof *cols);
    gd->names = calloc(gd->p, sizeof *gd->names);
    gd->y = calloc(gd->n, sizeof *gd->y);
    assert_non_null(cols);
    assert_non_null(gd->names);
    assert_non_null(gd->y);
    for (size_t j = 0; j < gd->p; j++) {
        cols[j] = j; /* the matrix's columns are in the models' order (models/README.md) */
        gd->names[j] = strdup(fa_table_column_name(xt, j));
    }
    assert_int_equal(fa_table_matrix(&gd->x, xt, cols, gd->p, NULL), FA_OK);
    long lc = fa_table_column_index(pt, label);
    assert_true(lc >= 0);
    assert_int_equal(fa_table_n_rows(pt), gd->n);
    memcpy(gd->y, fa_table_numeric(pt, (size_t)lc), gd->n * sizeof *gd->y);
    free(cols);
    fa_table_free(xt);
    fa_table_free(pt);
}

/* A golden row: model, feature, mean, std. */
typedef struct golden_row {
    char model[16], feature[128];
    double mean, std;
} golden_row;

static size_t golden_rows_load(golden_row **out, const char *shared, const char *ds)
{
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/golden/%s_permutation_importance.csv", shared, ds);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = 0, cap = 256;
    golden_row *rows = calloc(cap, sizeof *rows);
    assert_non_null(rows);
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f) != NULL) {
        char *save = NULL;
        char *model = strtok_r(line, ",", &save), *feat = strtok_r(NULL, ",", &save);
        char *mean = strtok_r(NULL, ",", &save), *sd = strtok_r(NULL, ",\n", &save);
        assert_true(model && feat && mean && sd && n < cap);
        snprintf(rows[n].model, sizeof rows[n].model, "%s", model);
        snprintf(rows[n].feature, sizeof rows[n].feature, "%s", feat);
        rows[n].mean = strtod(mean, NULL);
        rows[n].std = strtod(sd, NULL);
        n++;
    }
    fclose(f);
    *out = rows;
    return n;
}

#define GOLDEN_REPEATS 10

/*
 * Our importances of `model` against the golden rows: |ours - theirs| <= 3 sqrt(se1^2 + se2^2)
 * + 1/n, se = std / sqrt(10). Prints the tally and the worst case in standard errors.
 */
static void check_golden(const char *ds, const char *model, const char *label,
                         const char *const subset[], size_t n_subset)
{
    const char *shared = shared_dir();
    if (shared == NULL) {
        fprintf(stderr, "../shared not found: permutation goldens skipped\n");
        skip();
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/models/%s_%s.json", shared, ds, model);
    fa_model *m = NULL;
    fa_error err;
    if (fa_model_load(&m, path, &err) != FA_OK) {
        char buf[1200];
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("%s", buf);
    }
    golden_data gd;
    golden_data_load(&gd, shared, ds, label);
    assert_int_equal(fa_model_n_features(m), gd.p);
    golden_row *rows;
    size_t n_rows = golden_rows_load(&rows, shared, ds);
    /* the subset as feature groups of one feature each, named as the matrix columns */
    size_t n_units = n_subset ? n_subset : gd.p;
    size_t *members = calloc(n_units, sizeof *members), *sizes = calloc(n_units, sizeof *sizes);
    const char **unames = calloc(n_units, sizeof *unames);
    assert_true(members && sizes && unames);
    for (size_t k = 0; k < n_units; k++) {
        size_t j = k;
        if (n_subset) {
            for (j = 0; j < gd.p && strcmp(gd.names[j], subset[k]) != 0; j++) {
            }
            assert_true(j < gd.p);
        }
        members[k] = j;
        sizes[k] = 1;
        unames[k] = gd.names[j];
    }
    fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
    o.repeats = GOLDEN_REPEATS;
    o.seed = 42;
    o.feature_group_members = members;
    o.feature_group_sizes = sizes;
    o.feature_group_names = unames;
    o.n_feature_groups = n_units;
    fa_permutation_result *r = NULL;
    assert_int_equal(fa_permutation_importance(&r, m, gd.x, gd.n, gd.y, NULL, &o, &err), FA_OK);
    size_t within = 0, compared = 0;
    double worst = 0.0;
    const char *worst_name = "";
    for (size_t k = 0; k < n_units; k++) {
        const golden_row *g = NULL;
        for (size_t i = 0; i < n_rows && g == NULL; i++) {
            if (strcmp(rows[i].model, model) == 0 && strcmp(rows[i].feature, unames[k]) == 0) {
                g = &rows[i];
            }
        }
        assert_non_null(g);
        double se1 = g->std / sqrt(GOLDEN_REPEATS);
        double se2 = fa_permutation_result_std(r, k) / sqrt(GOLDEN_REPEATS);
        double se = sqrt(se1 * se1 + se2 * se2);
        double gap = fabs(fa_permutation_result_mean(r, k) - g->mean);
        double tol = 3.0 * se + 1.0 / (double)gd.n;
        compared++;
        if (gap <= tol) {
            within++;
        } else {
            print_error("%s %s %s: ours %.6g +- %.3g, sklearn %.6g +- %.3g (gap %.3g > %.3g)\n", ds,
                        model, unames[k], fa_permutation_result_mean(r, k),
                        fa_permutation_result_std(r, k), g->mean, g->std, gap, tol);
        }
        double in_se = se > 0.0 ? gap / se : (gap == 0.0 ? 0.0 : INFINITY);
        if (in_se > worst) {
            worst = in_se;
            worst_name = unames[k];
        }
    }
    print_message("golden %s %s: baseline %.7g; %zu/%zu features within tolerance; worst %.2f "
                  "standard errors (%s)\n",
                  ds, model, fa_permutation_result_baseline(r), within, compared, worst,
                  worst_name);
    assert_int_equal(within, compared);
    fa_permutation_result_free(r);
    free(members);
    free(sizes);
    free(unames);
    free(rows);
    golden_data_free(&gd);
    fa_model_free(m);
}

/*
 * German's XGBoost model: the incremental path (the index of the rows' leaves) gives the bits
 * of predicting every repeat in full, on one or two threads, and with row-block windows (of 5
 * rows) when predicting in full, for single features, groups and a subsample.
 */
static void permutation__xgboost_leaf_index_gives_the_same_bits(void **state)
{
    (void)state;
    const char *shared = shared_dir();
    if (shared == NULL) {
        fprintf(stderr, "../shared not found: skipped\n");
        skip();
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/models/german_xgb.json", shared);
    fa_model *m = NULL;
    assert_int_equal(fa_model_load(&m, path, NULL), FA_OK);
    golden_data gd;
    golden_data_load(&gd, shared, "german", "good_credit");
    const size_t members[] = {0, 1, 5, 2, 3};
    const size_t sizes[] = {3, 2};
    for (int variant = 0; variant < 3; variant++) {
        fa_permutation_options o = FA_PERMUTATION_OPTIONS_INIT;
        o.repeats = 3;
        o.seed = 5;
        o.threads = 1;
        o.scoring = variant == 1 ? "roc_auc" : "log_loss";
        if (variant == 1) {
            o.feature_group_members = members;
            o.feature_group_sizes = sizes;
            o.n_feature_groups = 2;
        }
        o.max_samples = variant == 2 ? gd.n / 2 + 3 : 0;
        fa_permutation_result *full = NULL, *rec = NULL, *rec2 = NULL, *blocks = NULL;
        size_t big = (size_t)1 << 30;
        assert_int_equal(fa_permutation__run(&full, m, gd.x, gd.n, gd.y, NULL, &o, big, 0, NULL),
                         FA_OK);
        assert_int_equal(fa_permutation__run(&rec, m, gd.x, gd.n, gd.y, NULL, &o, big, big, NULL),
                         FA_OK);
        o.threads = 2;
        assert_int_equal(fa_permutation__run(&rec2, m, gd.x, gd.n, gd.y, NULL, &o, big, big, NULL),
                         FA_OK);
        assert_int_equal(fa_permutation__run(&blocks, m, gd.x, gd.n, gd.y, NULL, &o,
                                             2 * 5 * gd.p * sizeof(double), 0, NULL),
                         FA_OK);
        assert_same_bits(full, rec);
        assert_same_bits(full, rec2);
        assert_same_bits(full, blocks);
        fa_permutation_result_free(full);
        fa_permutation_result_free(rec);
        fa_permutation_result_free(rec2);
        fa_permutation_result_free(blocks);
    }
    golden_data_free(&gd);
    fa_model_free(m);
}

static void permutation__golden_german_logreg(void **state)
{
    (void)state;
    check_golden("german", "logreg", "good_credit", NULL, 0);
}

static void permutation__golden_german_xgb(void **state)
{
    (void)state;
    check_golden("german", "xgb", "good_credit", NULL, 0);
}

/* Ten of Adult's 88 columns, from the most important down to small ones, to stay fast. */
static const char *const ADULT_SUBSET[] = {"marital_status=Married-civ-spouse",
                                           "capital_gain",
                                           "education_num",
                                           "age",
                                           "capital_loss",
                                           "hours_per_week",
                                           "occupation=Exec-managerial",
                                           "relationship=Wife",
                                           "sex=Male",
                                           "workclass=Private"};

static void permutation__golden_adult_logreg(void **state)
{
    (void)state;
    check_golden("adult", "logreg", "income_gt_50k", ADULT_SUBSET, 10);
}

static void permutation__golden_adult_xgb(void **state)
{
    (void)state;
    check_golden("adult", "xgb", "income_gt_50k", ADULT_SUBSET, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(permutation__unused_features_are_exactly_zero),
        cmocka_unit_test(permutation__accuracy_importances_are_whole_rows),
        cmocka_unit_test(permutation__same_bits_with_one_or_two_threads_and_row_blocks),
        cmocka_unit_test(permutation__seed_changes_the_shuffles),
        cmocka_unit_test(permutation__not_thread_safe_model_runs_on_one_thread),
        cmocka_unit_test(permutation__feature_groups_move_together),
        cmocka_unit_test(permutation__singleton_groups_equal_features),
        cmocka_unit_test(permutation__max_samples_scores_one_subsample),
        cmocka_unit_test(permutation__scores_by_hand),
        cmocka_unit_test(permutation__roc_auc_counts_ties_half),
        cmocka_unit_test(permutation__sign_conventions_by_hand),
        cmocka_unit_test(permutation__disparity_flows_through_the_feature),
        cmocka_unit_test(permutation__negative_group_codes_are_one_group),
        cmocka_unit_test(permutation__undefined_score_is_nan),
        cmocka_unit_test(permutation__bad_arguments_are_errors),
        cmocka_unit_test(permutation__model_failure_is_returned),
        cmocka_unit_test(permutation__scoring_needs),
        cmocka_unit_test(permutation__xgboost_leaf_index_gives_the_same_bits),
        cmocka_unit_test(permutation__golden_german_logreg),
        cmocka_unit_test(permutation__golden_german_xgb),
        cmocka_unit_test(permutation__golden_adult_logreg),
        cmocka_unit_test(permutation__golden_adult_xgb),
    };
    return cmocka_run_group_tests_name("permutation", tests, NULL, NULL);
}
