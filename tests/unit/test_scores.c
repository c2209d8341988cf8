/*
 * test_scores.c - metrics/scores.c: the per-group score accumulator and what is computed from
 * it, on hand-made rows whose expected values are worked out in the comments; the identities
 * (shards merged in any order give the same bits, a row of weight 2 is two rows of weight 1,
 * statistics merged from cells equal the statistics of the merged accumulators); every error
 * status but out of memory; and ROC AUC against ../shared/golden (the fairness references' overall
 * `auc`, the fairlearn peers' roc_auc_by_group and roc_auc_overall), read from the CSV files here.
 *
 * The running example E (scikit-learn's documentation example):
 *   scores 0.1  0.4  0.35  0.8
 *   labels 0    0    1     1      P = 2, N = 2, W = 4
 * In increasing order: 0.1 (neg), 0.35 (pos), 0.4 (neg), 0.8 (pos).
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

#include "common/text.h"
#include "golden_util.h"
#include "include/fairaudit.h"
#include "metrics/scores.h"

/* ------------------------------------------------------------------------ helpers */

#define assert_double_exact(got, want) check_close((got), (want), 0.0, #got, __FILE__, __LINE__)
#define assert_double_close(got, want, tol)                                                        \
    check_close((got), (want), (tol), #got, __FILE__, __LINE__)

static void check_close(double got, double want, double tol, const char *expr, const char *file,
                        int line)
{
    if (!(got == want || fabs(got - want) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", expr, got, want, tol);
        _fail(file, line);
    }
}

/* Metric m of sc is undefined: NAN, and the reason is exactly `why`. */
#define assert_undefined(sc, m, why) check_undefined((sc), (m), (why), __FILE__, __LINE__)

static void check_undefined(const fa_scores *sc, fa_score_metric m, const char *why,
                            const char *file, int line)
{
    const char *reason = "(not set)";
    double v = fa_scores_value(sc, m, &reason);
    if (!isnan(v)) {
        print_error("%s = %.17g, expected undefined (%s)\n", fa_score_metric_name(m), v, why);
        _fail(file, line);
    }
    if (reason == NULL || strcmp(reason, why) != 0) {
        print_error("%s: reason \"%s\", expected \"%s\"\n", fa_score_metric_name(m),
                    reason ? reason : "(null)", why);
        _fail(file, line);
    }
}

/* A defined metric: the value, with the reason checked to be cleared. */
static double value_of(const fa_scores *sc, fa_score_metric m)
{
    const char *reason = "(not set)";
    double v = fa_scores_value(sc, m, &reason);
    if (reason != NULL) {
        fail_msg("%s undefined: %s", fa_score_metric_name(m), reason);
    }
    return v;
}

static void add_rows(fa_scorestats *s, const double score[], const int label[],
                     const double weight[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fa_scorestats_add(s, score[i], label[i], weight ? weight[i] : 1.0, NULL),
                         FA_OK);
    }
}

static fa_scorestats *stats_of(const double score[], const int label[], const double weight[],
                               size_t n)
{
    fa_scorestats *s = NULL;
    assert_int_equal(fa_scorestats_create(&s, NULL), FA_OK);
    add_rows(s, score, label, weight, n);
    return s;
}

static fa_scores *compute(const fa_scorestats *s, const fa_scores_options *o)
{
    fa_scores *sc = NULL;
    fa_error err;
    int rc = fa_scores_compute(&sc, s, o, &err);
    if (rc != FA_OK) {
        fail_msg("fa_scores_compute: %s", err.message);
    }
    return sc;
}

/* Rows straight to statistics, with default options. */
static fa_scores *scores_of(const double score[], const int label[], const double weight[],
                            size_t n)
{
    fa_scorestats *s = stats_of(score, label, weight, n);
    fa_scores *sc = compute(s, NULL);
    fa_scorestats_free(s);
    return sc;
}

static const double E_SCORE[] = {0.1, 0.4, 0.35, 0.8};
static const int E_LABEL[] = {0, 0, 1, 1};

/* splitmix64: the tests' own reproducible random numbers */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Two statistics are the same bits: every metric, reason, bin, sweep point and the arrays. */
static void assert_same_scores(const fa_scores *a, const fa_scores *b)
{
    assert_int_equal(fa_scores_n_distinct(a), fa_scores_n_distinct(b));
    assert_int_equal(fa_scores_n_rows(a), fa_scores_n_rows(b));
    for (int m = 0; m < FA_SCORE_METRIC_COUNT; m++) {
        const char *ra, *rb;
        double va = fa_scores_value(a, (fa_score_metric)m, &ra);
        double vb = fa_scores_value(b, (fa_score_metric)m, &rb);
        if (memcmp(&va, &vb, sizeof va) != 0 || ra != rb) {
            fail_msg("%s: %.17g vs %.17g", fa_score_metric_name((fa_score_metric)m), va, vb);
        }
    }
    size_t na, nb;
    const fa_calibration_bin *ba = fa_scores_bins(a, &na), *bb = fa_scores_bins(b, &nb);
    assert_int_equal(na, nb);
    if (na > 0) {
        assert_memory_equal(ba, bb, na * sizeof *ba);
    }
    double grid[101];
    size_t n_grid;
    fa_sweep_point pa[101], pb[101];
    assert_int_equal(fa_scores_threshold_grid(grid, &n_grid, a, 101, NULL), FA_OK);
    fa_scores_sweep(pa, a, grid, n_grid);
    fa_scores_sweep(pb, b, grid, n_grid);
    assert_memory_equal(pa, pb, n_grid * sizeof *pa);
    fa_roc_point ca[64], cb[64];
    size_t k = fa_scores_roc_curve(ca, a, 64);
    assert_int_equal(k, fa_scores_roc_curve(cb, b, 64));
    assert_memory_equal(ca, cb, k * sizeof *ca);
}

/* -------------------------------------------------------------------------- ROC AUC */

static void scores__auc_of_the_documentation_example(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    /* pairs (pos, neg): (0.35, 0.1) won, (0.35, 0.4) lost, (0.8, 0.1) and (0.8, 0.4) won:
     * U = 3 of P N = 2 x 2 */
    assert_double_exact(value_of(sc, FA_SCORE_ROC_AUC), 3.0 / 4.0);
    assert_double_exact(fa_scores_positive_weight(sc), 2.0);
    assert_double_exact(fa_scores_negative_weight(sc), 2.0);
    assert_double_exact(fa_scores_min(sc), 0.1);
    assert_double_exact(fa_scores_max(sc), 0.8);
    assert_int_equal(fa_scores_n_distinct(sc), 4);
    fa_scores_free(sc);
}

static void scores__auc_counts_ties_half(void **state)
{
    (void)state;
    const double s[] = {0.5, 0.5, 0.2, 0.9};
    const int y[] = {1, 0, 0, 1};
    fa_scores *sc = scores_of(s, y, NULL, 4);
    /* (0.5+, 0.5-) tie = 1/2; (0.5+, 0.2-) 1; (0.9+, 0.5-) 1; (0.9+, 0.2-) 1: U = 3.5 of 4 */
    assert_double_exact(value_of(sc, FA_SCORE_ROC_AUC), 3.5 / 4.0);
    fa_scores_free(sc);
}

static void scores__auc_of_one_score_for_all_is_one_half(void **state)
{
    (void)state;
    const double s[] = {0.3, 0.3, 0.3};
    const int y[] = {1, 0, 0};
    fa_scores *sc = scores_of(s, y, NULL, 3);
    /* every pair ties: U = 2 x 1/2 of P N = 1 x 2 */
    assert_double_exact(value_of(sc, FA_SCORE_ROC_AUC), 0.5);
    fa_scores_free(sc);
}

static void scores__auc_without_positives_is_undefined(void **state)
{
    (void)state;
    const double s[] = {0.2, 0.7};
    const int y[] = {0, 0};
    fa_scores *sc = scores_of(s, y, NULL, 2);
    assert_undefined(sc, FA_SCORE_ROC_AUC, "no actual positives");
    assert_undefined(sc, FA_SCORE_AVERAGE_PRECISION, "no actual positives");
    fa_roc_point pts[4];
    assert_int_equal(fa_scores_roc_curve(pts, sc, 4), 0);
    /* the rest does not need positives: Brier = (0.04 + 0.49) / 2 */
    assert_double_close(value_of(sc, FA_SCORE_BRIER), 0.53 / 2.0, 1e-16);
    fa_scores_free(sc);
}

static void scores__auc_without_negatives_is_undefined_but_precision_is_one(void **state)
{
    (void)state;
    const double s[] = {0.2, 0.7};
    const int y[] = {1, 1};
    fa_scores *sc = scores_of(s, y, NULL, 2);
    assert_undefined(sc, FA_SCORE_ROC_AUC, "no actual negatives");
    /* every threshold has precision 1: AP = 1/2 x 1 + 1/2 x 1 */
    assert_double_exact(value_of(sc, FA_SCORE_AVERAGE_PRECISION), 1.0);
    fa_scores_free(sc);
}

static void scores__no_rows_leaves_every_metric_undefined(void **state)
{
    (void)state;
    fa_scorestats *s = stats_of(NULL, NULL, NULL, 0);
    fa_scores *sc = compute(s, NULL);
    for (int m = 0; m < FA_SCORE_METRIC_COUNT; m++) {
        assert_undefined(sc, (fa_score_metric)m, "no rows with a score");
    }
    size_t n = 99;
    assert_null(fa_scores_bins(sc, &n));
    assert_int_equal(n, 0);
    assert_true(isnan(fa_scores_min(sc)));
    double grid[4];
    assert_int_equal(fa_scores_threshold_grid(grid, &n, sc, 4, NULL), FA_OK);
    assert_int_equal(n, 0);
    fa_sweep_point pt;
    double t = 0.5;
    fa_scores_sweep(&pt, sc, &t, 1);
    assert_true(isnan(pt.selection_rate) && isnan(pt.tpr) && isnan(pt.fpr));
    fa_scores_free(sc);
    fa_scorestats_free(s);
}

/* ---------------------------------------------------------------- average precision */

static void scores__average_precision_of_the_documentation_example(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    /* thresholds, decreasing: 0.8 (TP 1, FP 0: P 1, R 1/2), 0.4 (1, 1: R unchanged),
     * 0.35 (2, 1: P 2/3, R 1): AP = 1/2 x 1 + 1/2 x 2/3 = 5/6, scikit-learn's 0.83... */
    assert_double_close(value_of(sc, FA_SCORE_AVERAGE_PRECISION), 5.0 / 6.0, 2e-16);
    fa_scores_free(sc);
}

static void scores__average_precision_takes_tied_scores_as_one_threshold(void **state)
{
    (void)state;
    const double s[] = {0.9, 0.5, 0.5, 0.2};
    const int y[] = {0, 1, 0, 1};
    fa_scores *sc = scores_of(s, y, NULL, 4);
    /* 0.9: TP 0, FP 1, no recall gained; 0.5 (both rows at once): TP 1, FP 2, P 1/3, R 1/2;
     * 0.2: TP 2, FP 2, P 1/2, R 1: AP = 1/2 x 1/3 + 1/2 x 1/2 = 5/12 (scikit-learn's value) */
    assert_double_close(value_of(sc, FA_SCORE_AVERAGE_PRECISION), 5.0 / 12.0, 2e-16);
    /* AUC: 0.5+ loses to 0.9- and ties 0.5- (1/2); 0.2+ loses both: U = 0.5 of 4 */
    assert_double_exact(value_of(sc, FA_SCORE_ROC_AUC), 0.5 / 4.0);
    fa_scores_free(sc);
}

/* ----------------------------------------------------------- Brier score and log loss */

static void scores__brier_score_is_the_mean_squared_error(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    /* (0.1 - 0)^2 + (0.4 - 0)^2 + (0.35 - 1)^2 + (0.8 - 1)^2 = 0.01 + 0.16 + 0.4225 + 0.04
     * = 0.6325, over W = 4 */
    assert_double_close(value_of(sc, FA_SCORE_BRIER), 0.6325 / 4.0, 1e-16);
    /* mean score 1.65 / 4 = 0.4125, base rate 1/2: calibration-in-the-large -0.0875 */
    assert_double_close(value_of(sc, FA_SCORE_MEAN), 0.4125, 1e-16);
    assert_double_close(value_of(sc, FA_SCORE_CALIBRATION_IN_THE_LARGE), -0.0875, 1e-16);
    fa_scores_free(sc);
}

static void scores__log_loss_clips_scores_at_eps(void **state)
{
    (void)state;
    const double s[] = {0.0, 1.0, 0.5};
    const int y[] = {1, 1, 0};
    fa_scores *sc = scores_of(s, y, NULL, 3);
    /* a positive at 0 costs -log(1e-15) = 34.54 instead of infinity; a positive at 1 costs
     * -log(1 - 1e-15) = 1.1e-15; a negative at 0.5 costs -log(0.5): mean of the three */
    double want = (-log(1e-15) - log(1.0 - 1e-15) - log(0.5)) / 3.0;
    assert_double_close(value_of(sc, FA_SCORE_LOG_LOSS), want, 1e-14);
    assert_double_close(value_of(sc, FA_SCORE_LOG_LOSS), 11.743974525156876, 1e-13);
    fa_scores_free(sc);

    fa_scorestats *acc = stats_of(s, y, NULL, 3);
    fa_scores_options o = FA_SCORES_OPTIONS_INIT;
    o.log_loss_eps = 1e-7;
    sc = compute(acc, &o);
    want = (-log(1e-7) - log(1.0 - 1e-7) - log(0.5)) / 3.0;
    assert_double_close(value_of(sc, FA_SCORE_LOG_LOSS), want, 1e-14);
    fa_scores_free(sc);
    fa_scorestats_free(acc);
}

static void scores__log_loss_of_the_documentation_example(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    /* -[log(0.9) + log(0.6) + log(0.35) + log(0.8)] / 4 = 0.4722...
     * (0.9 = 1 - 0.1 and 0.6 = 1 - 0.4 for the negatives) */
    double want = -(log(1.0 - 0.1) + log(1.0 - 0.4) + log(0.35) + log(0.8)) / 4.0;
    assert_double_close(value_of(sc, FA_SCORE_LOG_LOSS), want, 1e-15);
    fa_scores_free(sc);
}

static void scores__scores_outside_the_unit_interval_leave_calibration_undefined(void **state)
{
    (void)state;
    const double s[] = {-1.5, 0.2, 3.0, 0.7};
    const int y[] = {0, 0, 1, 1};
    fa_scores *sc = scores_of(s, y, NULL, 4);
    assert_false(fa_scores_are_probabilities(sc));
    assert_undefined(sc, FA_SCORE_BRIER, "scores outside [0, 1]");
    assert_undefined(sc, FA_SCORE_LOG_LOSS, "scores outside [0, 1]");
    assert_undefined(sc, FA_SCORE_ECE, "scores outside [0, 1]");
    assert_undefined(sc, FA_SCORE_CALIBRATION_IN_THE_LARGE, "scores outside [0, 1]");
    size_t n = 99;
    assert_null(fa_scores_bins(sc, &n));
    assert_int_equal(n, 0);
    /* ranks do not care: -1.5-, 0.2-, 0.7+, 3.0+: every pair won */
    assert_double_exact(value_of(sc, FA_SCORE_ROC_AUC), 1.0);
    /* (-1.5 + 0.2 + 3.0 + 0.7) / 4 */
    assert_double_close(value_of(sc, FA_SCORE_MEAN), 2.4 / 4.0, 1e-16);
    fa_scores_free(sc);
}

/* ----------------------------------------------------------------------- calibration */

static void scores__expected_calibration_error_of_a_hand_example(void **state)
{
    (void)state;
    const double s[] = {0.05, 0.15, 0.15, 0.95};
    const int y[] = {0, 1, 0, 1};
    fa_scores *sc = scores_of(s, y, NULL, 4);
    /* bin 0 (0, 0.1]: 0.05, observed 0       |0 - 0.05|   = 0.05, weight 1/4
     * bin 1 (0.1, 0.2]: 0.15 x 2, observed 1/2  |0.5 - 0.15| = 0.35, weight 2/4
     * bin 9 (0.9, 1]: 0.95, observed 1        |1 - 0.95|   = 0.05, weight 1/4
     * ECE = 0.0125 + 0.175 + 0.0125 = 0.2 */
    assert_double_close(value_of(sc, FA_SCORE_ECE), 0.2, 1e-16);
    /* mean 1.3 / 4 = 0.325, base rate 0.5 */
    assert_double_close(value_of(sc, FA_SCORE_CALIBRATION_IN_THE_LARGE), -0.175, 1e-16);
    size_t n;
    const fa_calibration_bin *b = fa_scores_bins(sc, &n);
    assert_int_equal(n, FA_DEFAULT_SCORE_BINS);
    assert_double_exact(b[0].weight, 1.0);
    assert_double_exact(b[0].mean_predicted, 0.05);
    assert_double_exact(b[0].observed_rate, 0.0);
    assert_double_exact(b[1].weight, 2.0);
    assert_double_close(b[1].mean_predicted, 0.15, 1e-16);
    assert_double_exact(b[1].observed_rate, 0.5);
    assert_double_exact(b[9].weight, 1.0);
    assert_double_exact(b[9].observed_rate, 1.0);
    assert_double_exact(b[1].lo, 0.1);
    assert_double_exact(b[1].hi, 0.2);
    for (size_t i = 2; i < 9; i++) { /* empty bins: weight 0, no means */
        assert_double_exact(b[i].weight, 0.0);
        assert_true(isnan(b[i].mean_predicted) && isnan(b[i].observed_rate));
    }
    fa_scores_free(sc);
}

static void scores__bins_are_closed_on_the_right_so_deciles_get_one_each(void **state)
{
    (void)state;
    /* 0, 0.1, ..., 1.0 (k / 10, as COMPAS's decile_score / 10) */
    double s[11];
    int y[11] = {0};
    for (int k = 0; k <= 10; k++) {
        s[k] = (double)k / 10.0;
    }
    fa_scores *sc = scores_of(s, y, NULL, 11);
    size_t n;
    const fa_calibration_bin *b = fa_scores_bins(sc, &n);
    assert_int_equal(n, 10);
    /* bin 0 = [0, 0.1] holds 0 and 0.1; bin b >= 1 = (b/10, (b+1)/10] holds (b+1)/10 */
    assert_double_exact(b[0].weight, 2.0);
    assert_double_close(b[0].mean_predicted, 0.05, 1e-17);
    for (size_t i = 1; i < 10; i++) {
        assert_double_exact(b[i].weight, 1.0);
        assert_double_exact(b[i].mean_predicted, (double)(i + 1) / 10.0);
    }
    fa_scores_free(sc);

    fa_scorestats *acc = stats_of(s, y, NULL, 11);
    fa_scores_options o = FA_SCORES_OPTIONS_INIT;
    o.n_bins = 4; /* [0, 0.25] 0 0.1 0.2; (0.25, 0.5] 0.3 0.4 0.5; 0.6 0.7; 0.8 0.9 1 */
    sc = compute(acc, &o);
    b = fa_scores_bins(sc, &n);
    assert_int_equal(n, 4);
    assert_double_exact(b[0].weight, 3.0);
    assert_double_exact(b[1].weight, 3.0);
    assert_double_exact(b[2].weight, 2.0);
    assert_double_exact(b[3].weight, 3.0);
    assert_double_exact(b[3].hi, 1.0);
    fa_scores_free(sc);
    fa_scorestats_free(acc);
}

/* --------------------------------------------------------------- sweep and curves */

static void scores__sweep_counts_rows_at_or_above_the_threshold(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    const double t[] = {0.05, 0.35, 0.5, 0.8, 0.9};
    fa_sweep_point p[5];
    fa_scores_sweep(p, sc, t, 5);
    /* below every score: all */
    assert_double_exact(p[0].threshold, 0.05);
    assert_double_exact(p[0].selection_rate, 1.0);
    assert_double_exact(p[0].fpr, 1.0);
    /* t = 0.35: 0.35+, 0.4-, 0.8+ selected */
    assert_double_exact(p[1].threshold, 0.35);
    assert_double_exact(p[1].selection_rate, 3.0 / 4.0);
    assert_double_exact(p[1].tpr, 2.0 / 2.0);
    assert_double_exact(p[1].fpr, 1.0 / 2.0);
    /* t = 0.5: 0.8+ */
    assert_double_exact(p[2].selection_rate, 1.0 / 4.0);
    assert_double_exact(p[2].tpr, 1.0 / 2.0);
    assert_double_exact(p[2].fpr, 0.0 / 2.0);
    /* t equal to a score selects it: 0.8 >= 0.8 */
    assert_double_exact(p[3].selection_rate, 1.0 / 4.0);
    /* above every score: none */
    assert_double_exact(p[4].selection_rate, 0.0);
    assert_double_exact(p[4].tpr, 0.0);
    fa_scores_free(sc);
}

static void scores__sweep_rates_without_positives_are_undefined(void **state)
{
    (void)state;
    const double s[] = {0.2, 0.6};
    const int y[] = {0, 0};
    fa_scores *sc = scores_of(s, y, NULL, 2);
    const double t = 0.5;
    fa_sweep_point p;
    fa_scores_sweep(&p, sc, &t, 1);
    assert_double_exact(p.selection_rate, 0.5);
    assert_true(isnan(p.tpr));
    assert_double_exact(p.fpr, 0.5);
    fa_scores_free(sc);
}

static void scores__threshold_grid_is_every_distinct_score_when_few(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    double grid[8];
    size_t n;
    assert_int_equal(fa_scores_threshold_grid(grid, &n, sc, 8, NULL), FA_OK);
    assert_int_equal(n, 4);
    assert_double_exact(grid[0], 0.1);
    assert_double_exact(grid[1], 0.35);
    assert_double_exact(grid[2], 0.4);
    assert_double_exact(grid[3], 0.8);
    /* more distinct scores than points: probabilities get i / (K - 1) */
    assert_int_equal(fa_scores_threshold_grid(grid, &n, sc, 3, NULL), FA_OK);
    assert_int_equal(n, 3);
    assert_double_exact(grid[0], 0.0);
    assert_double_exact(grid[1], 0.5);
    assert_double_exact(grid[2], 1.0);
    fa_error err;
    assert_int_equal(fa_scores_threshold_grid(grid, &n, sc, 1, &err), FA_EINVAL);
    assert_string_equal(err.message, "a threshold sweep needs at least 2 points, got 1");
    fa_scores_free(sc);
}

static void scores__threshold_grid_of_margins_spans_min_to_max(void **state)
{
    (void)state;
    const double s[] = {-2.0, -1.0, 0.5, 4.0};
    const int y[] = {0, 1, 0, 1};
    fa_scores *sc = scores_of(s, y, NULL, 4);
    double grid[3];
    size_t n;
    assert_int_equal(fa_scores_threshold_grid(grid, &n, sc, 3, NULL), FA_OK);
    assert_int_equal(n, 3);
    assert_double_exact(grid[0], -2.0);
    assert_double_exact(grid[1], 1.0); /* -2 x 1/2 + 4 x 1/2 */
    assert_double_exact(grid[2], 4.0);
    fa_scores_free(sc);
}

static void scores__grid_of_parts_is_the_grid_of_their_union(void **state)
{
    (void)state;
    /* margins in two parts: {-2, 0.5} and {-1, 4}; the union has 4 distinct values */
    const double s1[] = {-2.0, 0.5}, s2[] = {-1.0, 4.0};
    const int y[] = {0, 1};
    fa_scores *a = scores_of(s1, y, NULL, 2), *b = scores_of(s2, y, NULL, 2);
    const fa_scores *parts[] = {a, b};
    double grid[4];
    size_t n;
    /* 4 points: every distinct value of the union (it had to be merged to know) */
    assert_int_equal(fa_scores_threshold_grid_parts(grid, &n, parts, 2, 4, NULL), FA_OK);
    assert_int_equal(n, 4);
    assert_double_exact(grid[0], -2.0);
    assert_double_exact(grid[1], -1.0);
    assert_double_exact(grid[2], 0.5);
    assert_double_exact(grid[3], 4.0);
    /* 3 points: min to max of the union, -2 x 1/2 + 4 x 1/2 between */
    assert_int_equal(fa_scores_threshold_grid_parts(grid, &n, parts, 2, 3, NULL), FA_OK);
    assert_int_equal(n, 3);
    assert_double_exact(grid[0], -2.0);
    assert_double_exact(grid[1], 1.0);
    assert_double_exact(grid[2], 4.0);
    /* a part alone with more values than points: the union is not merged, same grid; and
     * probabilities get i / (K - 1) */
    const double s3[] = {0.1, 0.2, 0.3}, s4[] = {0.9};
    const int y3[] = {0, 1, 0};
    fa_scores *c = scores_of(s3, y3, NULL, 3), *d = scores_of(s4, y, NULL, 1);
    const fa_scores *pp[] = {c, d};
    assert_int_equal(fa_scores_threshold_grid_parts(grid, &n, pp, 2, 2, NULL), FA_OK);
    assert_int_equal(n, 2);
    assert_double_exact(grid[0], 0.0);
    assert_double_exact(grid[1], 1.0);
    /* no parts: an empty grid */
    assert_int_equal(fa_scores_threshold_grid_parts(grid, &n, pp, 0, 2, NULL), FA_OK);
    assert_int_equal(n, 0);
    fa_scores_free(a);
    fa_scores_free(b);
    fa_scores_free(c);
    fa_scores_free(d);
}

static void scores__roc_curve_steps_through_the_distinct_scores(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    fa_roc_point p[8];
    assert_int_equal(fa_scores_roc_curve(p, sc, 8), 5);
    /* (FPR, TPR) at thresholds inf, 0.8, 0.4, 0.35, 0.1 */
    const double fpr[] = {0.0, 0.0, 0.5, 0.5, 1.0}, tpr[] = {0.0, 0.5, 0.5, 1.0, 1.0};
    const double thr[] = {INFINITY, 0.8, 0.4, 0.35, 0.1};
    for (size_t i = 0; i < 5; i++) {
        assert_double_exact(p[i].fpr, fpr[i]);
        assert_double_exact(p[i].tpr, tpr[i]);
        assert_double_exact(p[i].threshold, thr[i]);
    }
    /* at most 3 points: the two ends, and the first point reaching FPR + TPR >= 1 */
    assert_int_equal(fa_scores_roc_curve(p, sc, 3), 3);
    assert_double_exact(p[0].fpr + p[0].tpr, 0.0);
    assert_double_exact(p[1].threshold, 0.4); /* 0.5 + 0.5 */
    assert_double_exact(p[2].fpr + p[2].tpr, 2.0);
    fa_scores_free(sc);
}

static void scores__roc_curve_of_many_scores_keeps_at_most_k_points(void **state)
{
    (void)state;
    fa_scorestats *s = stats_of(NULL, NULL, NULL, 0);
    uint64_t rng = 7;
    for (int i = 0; i < 5000; i++) {
        double v = (double)(next_random(&rng) >> 11) * 0x1p-53;
        assert_int_equal(fa_scorestats_add(s, v, (next_random(&rng) & 3) == 0, 1.0, NULL), FA_OK);
    }
    fa_scores *sc = compute(s, NULL);
    fa_roc_point p[FA_DEFAULT_SWEEP_POINTS];
    size_t n = fa_scores_roc_curve(p, sc, FA_DEFAULT_SWEEP_POINTS);
    assert_true(n >= 90 && n <= FA_DEFAULT_SWEEP_POINTS);
    assert_double_exact(p[0].fpr + p[0].tpr, 0.0);
    assert_double_exact(p[n - 1].fpr, 1.0);
    assert_double_exact(p[n - 1].tpr, 1.0);
    for (size_t i = 1; i < n; i++) { /* increasing, thresholds decreasing */
        assert_true(p[i].fpr >= p[i - 1].fpr && p[i].tpr >= p[i - 1].tpr);
        assert_true(p[i].threshold < p[i - 1].threshold);
    }
    fa_scores_free(sc);
    fa_scorestats_free(s);
}

/* ------------------------------------------------------------ cut-offs and counts */

static void scores__top_k_includes_every_row_at_the_cut_score(void **state)
{
    (void)state;
    const double s[] = {0.9, 0.8, 0.8, 0.8, 0.1};
    const int y[] = {1, 1, 0, 1, 0};
    fa_scores *sc = scores_of(s, y, NULL, 5);
    fa_cutoff c;
    /* k = 2: 0.9 then the three rows at 0.8 cannot be split: 4 selected */
    assert_int_equal(fa_scores_cutoff_top_k(&c, sc, 2.0, NULL), FA_OK);
    assert_double_exact(c.threshold, 0.8);
    assert_double_exact(c.requested, 2.0);
    assert_double_exact(c.selected, 4.0);
    assert_double_exact(c.tied, 3.0);
    assert_int_equal(c.ties_included, 1);
    /* k = 1: exactly the 0.9 row */
    assert_int_equal(fa_scores_cutoff_top_k(&c, sc, 1.0, NULL), FA_OK);
    assert_double_exact(c.threshold, 0.9);
    assert_double_exact(c.selected, 1.0);
    assert_int_equal(c.ties_included, 0);
    /* k = 4: exactly 0.9 and the three at 0.8, no tie broken */
    assert_int_equal(fa_scores_cutoff_top_k(&c, sc, 4.0, NULL), FA_OK);
    assert_double_exact(c.threshold, 0.8);
    assert_int_equal(c.ties_included, 0);
    /* more than there are: everyone, at the lowest score */
    assert_int_equal(fa_scores_cutoff_top_k(&c, sc, 10.0, NULL), FA_OK);
    assert_double_exact(c.threshold, 0.1);
    assert_double_exact(c.selected, 5.0);
    assert_int_equal(c.ties_included, 0);
    /* top 40 % of 5 rows = 2 rows: as k = 2 */
    assert_int_equal(fa_scores_cutoff_top_percent(&c, sc, 40.0, NULL), FA_OK);
    assert_double_exact(c.requested, 2.0);
    assert_double_exact(c.threshold, 0.8);
    assert_double_exact(c.selected, 4.0);
    fa_scores_free(sc);
}

static void scores__top_percent_of_whole_rows_does_not_round_up(void **state)
{
    (void)state;
    double s[10];
    int y[10] = {0};
    for (int i = 0; i < 10; i++) {
        s[i] = (double)(i + 1) / 100.0;
    }
    fa_scores *sc = scores_of(s, y, NULL, 10);
    fa_cutoff c;
    /* 30 % of 10 rows = 3 rows (0.3 x 10 would be 3.0000000000000004 and take a 4th) */
    assert_int_equal(fa_scores_cutoff_top_percent(&c, sc, 30.0, NULL), FA_OK);
    assert_double_exact(c.requested, 3.0);
    assert_double_exact(c.selected, 3.0);
    assert_double_exact(c.threshold, 0.08);
    fa_scores_free(sc);
}

static void scores__bad_cut_offs_are_invalid(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    fa_cutoff c;
    fa_error err;
    assert_int_equal(fa_scores_cutoff_top_k(&c, sc, 0.0, &err), FA_EINVAL);
    assert_string_equal(err.message, "a top-k cut-off needs k > 0, got 0");
    assert_true(isnan(c.threshold));
    assert_int_equal(fa_scores_cutoff_top_k(&c, sc, NAN, &err), FA_EINVAL);
    assert_int_equal(fa_scores_cutoff_top_percent(&c, sc, 100.5, &err), FA_EINVAL);
    assert_string_equal(err.message,
                        "a top-percent cut-off needs a percentage in (0, 100], got 100.5");
    fa_scores_free(sc);

    fa_scorestats *s = stats_of(NULL, NULL, NULL, 0);
    sc = compute(s, NULL);
    assert_int_equal(fa_scores_cutoff_top_k(&c, sc, 1.0, &err), FA_EINVAL);
    assert_string_equal(err.message, "a top-k cut-off needs rows with a score");
    fa_scores_free(sc);
    fa_scorestats_free(s);
}

static void scores__counts_at_a_threshold_are_the_confusion_counts(void **state)
{
    (void)state;
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    fa_counts c;
    fa_scores_counts_at(&c, sc, 0.38);
    /* predicted 1: 0.4- and 0.8+; predicted 0: 0.1- and 0.35+ */
    assert_double_exact(c.tp, 1.0);
    assert_double_exact(c.fp, 1.0);
    assert_double_exact(c.tn, 1.0);
    assert_double_exact(c.fn, 1.0);
    assert_int_equal(c.rows, 4);
    assert_double_close(c.score_sum, 1.65, 1e-15);
    assert_double_exact(c.score_weight, 4.0);
    assert_int_equal(fa_scores_predict(0.38, 0.38), 1);
    assert_int_equal(fa_scores_predict(0.37, 0.38), 0);
    fa_scores_counts_at(&c, sc, NAN); /* score >= NAN holds for no row */
    assert_double_exact(c.tp + c.fp, 0.0);
    fa_scores_free(sc);
}

/* ------------------------------------------------------------- weights and identities */

static void scores__a_row_of_weight_two_is_two_rows(void **state)
{
    (void)state;
    const double s[] = {0.1, 0.4, 0.35, 0.8, 0.35};
    const int y[] = {0, 0, 1, 1, 0};
    const double w[] = {1.0, 2.0, 1.0, 3.0, 1.0};
    fa_scores *weighted = scores_of(s, y, w, 5);
    const double s2[] = {0.1, 0.4, 0.4, 0.35, 0.8, 0.8, 0.8, 0.35};
    const int y2[] = {0, 0, 0, 1, 1, 1, 1, 0};
    fa_scores *repeated = scores_of(s2, y2, NULL, 8);
    /* the row counts differ (5 and 8), everything else is the same bits */
    assert_int_equal(fa_scores_n_rows(weighted), 5);
    assert_int_equal(fa_scores_n_rows(repeated), 8);
    for (int m = 0; m < FA_SCORE_METRIC_COUNT; m++) {
        double a = value_of(weighted, (fa_score_metric)m);
        double b = value_of(repeated, (fa_score_metric)m);
        assert_memory_equal(&a, &b, sizeof a);
    }
    /* P = 1 + 3 = 4, N = 1 + 2 + 1 = 4; pairs won: 0.35+ (w 1) beats 0.1- (1) and ties
     * 0.35- (1/2); 0.8+ (w 3) beats all 4: U = 1.5 + 12 = 13.5 of 16 */
    assert_double_exact(value_of(weighted, FA_SCORE_ROC_AUC), 13.5 / 16.0);
    fa_scores_free(weighted);
    fa_scores_free(repeated);
}

static void scores__fractional_weights_weigh_the_pairs(void **state)
{
    (void)state;
    const double w[] = {0.5, 0.25, 1.5, 2.0};
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, w, 4);
    /* P = 1.5 + 2 = 3.5, N = 0.5 + 0.25 = 0.75; won: 0.35+ x 0.1- = 1.5 x 0.5,
     * 0.8+ x both = 2 x 0.75: U = 0.75 + 1.5 = 2.25 of 2.625 */
    assert_double_exact(value_of(sc, FA_SCORE_ROC_AUC), 2.25 / 2.625);
    assert_double_exact(fa_scores_weight(sc), 4.25);
    fa_scores_free(sc);
}

static void scores__zero_weight_rows_and_negative_zero_leave_no_trace(void **state)
{
    (void)state;
    const double s[] = {0.0, -0.0, 0.6, 0.9};
    const int y[] = {0, 1, 1, 0};
    const double w[] = {1.0, 1.0, 1.0, 0.0};
    fa_scorestats *acc = stats_of(s, y, w, 4);
    /* -0.0 and 0.0 are one value; the 0.9 row has weight 0 */
    assert_int_equal(fa_scorestats_n_distinct(acc), 2);
    assert_int_equal(fa_scorestats_n_rows(acc), 4);
    fa_scores *sc = compute(acc, NULL);
    assert_int_equal(fa_scores_n_distinct(sc), 2);
    assert_double_exact(fa_scores_max(sc), 0.6);
    /* 0.0+ ties 0.0- (1/2), 0.6+ beats it (1): U = 1.5 of P N = 2 x 1 */
    assert_double_exact(value_of(sc, FA_SCORE_ROC_AUC), 0.75);
    fa_scores_free(sc);
    fa_scorestats_free(acc);
}

/* Random rows: scores from a small grid (many ties) and continuous ones, integer weights. */
typedef struct rows {
    double *s, *w;
    int *y;
    size_t n;
} rows;

static rows random_rows(size_t n, uint64_t seed, int unit_weights)
{
    rows r = {malloc(n * sizeof(double)), malloc(n * sizeof(double)), malloc(n * sizeof(int)), n};
    assert_non_null(r.s);
    assert_non_null(r.w);
    assert_non_null(r.y);
    for (size_t i = 0; i < n; i++) {
        uint64_t u = next_random(&seed);
        r.s[i] = (u & 1) ? (double)(u >> 56) / 255.0 : (double)(u >> 11) * 0x1p-53;
        r.y[i] = (next_random(&seed) % 1000) < (uint64_t)(r.s[i] * 1000.0);
        r.w[i] = unit_weights ? 1.0 : (double)(1 + next_random(&seed) % 3);
    }
    return r;
}

static void free_rows(rows *r)
{
    free(r->s);
    free(r->w);
    free(r->y);
}

/* Rows [lo, hi) of r in one new accumulator, forwards or backwards. */
static fa_scorestats *shard(const rows *r, size_t lo, size_t hi, int backwards)
{
    fa_scorestats *s = stats_of(NULL, NULL, NULL, 0);
    for (size_t k = lo; k < hi; k++) {
        size_t i = backwards ? hi - 1 - (k - lo) : k;
        assert_int_equal(fa_scorestats_add(s, r->s[i], r->y[i], r->w[i], NULL), FA_OK);
    }
    return s;
}

static void check_shards_merge_to_the_whole(int unit_weights)
{
    rows r = random_rows(20000, unit_weights ? 11 : 12, unit_weights);
    fa_scorestats *whole = shard(&r, 0, r.n, 0);
    fa_scores *want = compute(whole, NULL);
    /* three shards of unequal size; merged as (A + B) + C, and C + (B + A) with every shard
     * read backwards */
    size_t cut1 = 3000, cut2 = 14500;
    fa_scorestats *a = shard(&r, 0, cut1, 0), *b = shard(&r, cut1, cut2, 0);
    fa_scorestats *c = shard(&r, cut2, r.n, 0);
    assert_int_equal(fa_scorestats_merge(a, b, NULL), FA_OK);
    assert_int_equal(fa_scorestats_merge(a, c, NULL), FA_OK);
    fa_scores *got = compute(a, NULL);
    assert_same_scores(want, got);
    fa_scores_free(got);

    fa_scorestats *a2 = shard(&r, 0, cut1, 1), *b2 = shard(&r, cut1, cut2, 1);
    fa_scorestats *c2 = shard(&r, cut2, r.n, 1);
    assert_int_equal(fa_scorestats_merge(b2, a2, NULL), FA_OK);
    assert_int_equal(fa_scorestats_merge(c2, b2, NULL), FA_OK);
    got = compute(c2, NULL);
    assert_same_scores(want, got);
    assert_int_equal(fa_scorestats_n_distinct(c2), fa_scores_n_distinct(want));
    fa_scores_free(got);

    /* the statistics of the shards, merged, are those of the whole */
    fa_scorestats *a3 = shard(&r, 0, cut1, 0), *b3 = shard(&r, cut1, cut2, 0);
    fa_scorestats *c3 = shard(&r, cut2, r.n, 0);
    fa_scores *parts[3] = {compute(c3, NULL), compute(a3, NULL), compute(b3, NULL)};
    assert_int_equal(fa_scores_merge(&got, (const fa_scores *const *)parts, 3, NULL, NULL), FA_OK);
    assert_same_scores(want, got);
    fa_scores_free(got);
    for (int i = 0; i < 3; i++) {
        fa_scores_free(parts[i]);
    }
    fa_scorestats *all[] = {whole, a, b, c, a2, b2, c2, a3, b3, c3};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        fa_scorestats_free(all[i]);
    }
    fa_scores_free(want);
    free_rows(&r);
}

static void scores__merged_shards_equal_one_accumulator_in_any_order(void **state)
{
    (void)state;
    check_shards_merge_to_the_whole(1); /* count mode */
    check_shards_merge_to_the_whole(0); /* weights 1 to 3 */
}

static void scores__counts_merge_into_weights_and_back(void **state)
{
    (void)state;
    rows r = random_rows(6000, 5, 1);
    for (size_t i = 4000; i < r.n; i++) {
        r.w[i] = 2.0; /* the last third weighted */
    }
    fa_scorestats *whole = shard(&r, 0, r.n, 0);
    fa_scores *want = compute(whole, NULL);
    fa_scorestats *counts = shard(&r, 0, 4000, 0), *weights = shard(&r, 4000, r.n, 0);
    fa_scorestats *counts2 = shard(&r, 0, 4000, 0), *weights2 = shard(&r, 4000, r.n, 0);
    /* a map of counts merged into one of weights, and the other way round */
    assert_int_equal(fa_scorestats_merge(weights, counts, NULL), FA_OK);
    assert_int_equal(fa_scorestats_merge(counts2, weights2, NULL), FA_OK);
    fa_scores *g1 = compute(weights, NULL), *g2 = compute(counts2, NULL);
    assert_same_scores(want, g1);
    assert_same_scores(want, g2);
    fa_scores_free(g1);
    fa_scores_free(g2);
    fa_scores_free(want);
    fa_scorestats *all[] = {whole, counts, weights, counts2, weights2};
    for (size_t i = 0; i < 5; i++) {
        fa_scorestats_free(all[i]);
    }
    free_rows(&r);
}

static void scores__merge_into_an_empty_accumulator_copies(void **state)
{
    (void)state;
    fa_scorestats *src = stats_of(E_SCORE, E_LABEL, NULL, 4);
    fa_scorestats *dst = stats_of(NULL, NULL, NULL, 0);
    assert_int_equal(fa_scorestats_merge(dst, src, NULL), FA_OK);
    assert_int_equal(fa_scorestats_n_rows(dst), 4);
    fa_scores *a = compute(src, NULL), *b = compute(dst, NULL);
    assert_same_scores(a, b);
    fa_scores_free(a);
    fa_scores_free(b);
    fa_scorestats_free(src);
    fa_scorestats_free(dst);
    fa_scorestats_free(NULL);
    fa_scores_free(NULL);
}

static int cmp_row(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* An independent AUC: rows sorted, ranks with ties averaged (the textbook Mann-Whitney). */
static double rank_auc(const rows *r)
{
    double(*v)[3] = malloc(r->n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < r->n; i++) {
        v[i][0] = r->s[i];
        v[i][1] = r->y[i];
        v[i][2] = r->w[i];
    }
    qsort(v, r->n, sizeof *v, cmp_row);
    double neg = 0.0, pos = 0.0, u = 0.0;
    for (size_t i = 0; i < r->n;) {
        size_t j = i;
        double tp = 0.0, tn = 0.0;
        while (j < r->n && v[j][0] == v[i][0]) {
            tp += v[j][1] != 0.0 ? v[j][2] : 0.0;
            tn += v[j][1] == 0.0 ? v[j][2] : 0.0;
            j++;
        }
        u += tp * (neg + tn / 2.0);
        neg += tn;
        pos += tp;
        i = j;
    }
    free(v);
    return u / (pos * neg);
}

static void scores__large_maps_agree_with_a_rank_computation(void **state)
{
    (void)state;
    /* 50000 rows, about 25000 distinct scores: the map grows past the batched-insert size */
    rows r = random_rows(50000, 99, 0);
    fa_scorestats *s = shard(&r, 0, r.n, 0);
    assert_true(fa_scorestats_memory(s) > 25000 * 16);
    fa_scores *sc = compute(s, NULL);
    assert_double_close(value_of(sc, FA_SCORE_ROC_AUC), rank_auc(&r), 1e-14);
    double w = 0.0, brier = 0.0;
    for (size_t i = 0; i < r.n; i++) {
        w += r.w[i];
        brier += r.w[i] * (r.s[i] - r.y[i]) * (r.s[i] - r.y[i]);
    }
    assert_double_exact(fa_scores_weight(sc), w);
    assert_double_close(value_of(sc, FA_SCORE_BRIER), brier / w, 1e-14);
    fa_scores_free(sc);
    fa_scorestats_free(s);
    free_rows(&r);
}

/* Rows whose scores are mostly printed with six decimals (k / 1e6, what a CSV of rounded
 * probabilities holds: they are logged and counted in dense counters), every seventh one a
 * random_rows score (kept in the map). */
static rows decimal_rows(size_t n, uint64_t seed)
{
    rows r = random_rows(n, seed, 1);
    for (size_t i = 0; i < n; i++) {
        if (i % 7 != 0) {
            r.s[i] = (double)(next_random(&seed) % 1000001) / 1e6;
        }
    }
    return r;
}

static fa_scorestats *merged(fa_scorestats *const parts[], size_t n)
{
    fa_scorestats *acc = stats_of(NULL, NULL, NULL, 0);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(fa_scorestats_merge(acc, parts[k], NULL), FA_OK);
    }
    return acc;
}

static void scores__six_decimal_scores_are_counted_exactly(void **state)
{
    (void)state;
    /* 600000 rows: the log fills twice (counters), a tail stays logged, some go to the map */
    rows r = decimal_rows(600000, 7);
    fa_scorestats *whole = shard(&r, 0, r.n, 0);
    fa_scores *sc = compute(whole, NULL);
    assert_double_close(value_of(sc, FA_SCORE_ROC_AUC), rank_auc(&r), 1e-14);
    double brier = 0.0, sws = 0.0;
    for (size_t i = 0; i < r.n; i++) {
        brier += (r.s[i] - r.y[i]) * (r.s[i] - r.y[i]);
        sws += r.s[i];
    }
    assert_double_exact(fa_scores_weight(sc), (double)r.n);
    assert_double_close(value_of(sc, FA_SCORE_BRIER), brier / (double)r.n, 1e-13);
    assert_double_close(value_of(sc, FA_SCORE_MEAN), sws / (double)r.n, 1e-13);
    assert_int_equal(fa_scorestats_n_distinct(whole), fa_scores_n_distinct(sc));
    assert_true(fa_scorestats_memory(whole) > 8000000); /* the dense counters */
    /* shards with counters, with a log alone, with both, merged in two orders */
    fa_scorestats *p[3] = {shard(&r, 0, 400000, 0), shard(&r, 400000, 450000, 1),
                           shard(&r, 450000, r.n, 0)};
    fa_scorestats *q[3] = {p[2], p[0], p[1]};
    fa_scorestats *m1 = merged(p, 3), *m2 = merged(q, 3);
    fa_scores *s1 = compute(m1, NULL), *s2 = compute(m2, NULL);
    assert_same_scores(s1, sc);
    assert_same_scores(s2, sc);
    assert_int_equal(fa_scorestats_n_distinct(m2), fa_scores_n_distinct(sc));
    for (size_t k = 0; k < 3; k++) {
        fa_scorestats_free(p[k]);
    }
    fa_scorestats_free(m1);
    fa_scorestats_free(m2);
    fa_scores_free(s1);
    fa_scores_free(s2);
    fa_scores_free(sc);
    fa_scorestats_free(whole);
    free_rows(&r);
}

static void scores__a_weight_after_dense_counters_moves_them_to_the_map(void **state)
{
    (void)state;
    /* row 0 twice at weight 1 = row 0 once at weight 2, before (weights from the start, no
     * log), after the counters filled (they move to the map), or merged in */
    rows r = decimal_rows(300000, 11);
    fa_scorestats *a = stats_of(NULL, NULL, NULL, 0), *b = stats_of(NULL, NULL, NULL, 0);
    assert_int_equal(fa_scorestats_add(a, r.s[0], r.y[0], 1.0, NULL), FA_OK);
    assert_int_equal(fa_scorestats_add(b, r.s[0], r.y[0], 2.0, NULL), FA_OK);
    fa_scorestats *c = shard(&r, 1, r.n, 0), *d = shard(&r, 1, r.n, 0);
    fa_scorestats *e = stats_of(NULL, NULL, NULL, 0);
    assert_int_equal(fa_scorestats_add(e, r.s[0], r.y[0], 2.0, NULL), FA_OK);
    for (size_t i = 0; i < r.n; i++) {
        assert_int_equal(fa_scorestats_add(a, r.s[i], r.y[i], 1.0, NULL), FA_OK);
        assert_int_equal(fa_scorestats_add(b, r.s[i], r.y[i], i ? 1.0 : 0.0, NULL), FA_OK);
    }
    assert_int_equal(fa_scorestats_add(c, r.s[0], r.y[0], 2.0, NULL), FA_OK);
    assert_int_equal(fa_scorestats_merge(d, e, NULL), FA_OK);
    fa_scores *sa = compute(a, NULL), *sb = compute(b, NULL), *scc = compute(c, NULL),
              *sd = compute(d, NULL);
    assert_double_exact(fa_scores_weight(sa), (double)r.n + 1.0);
    assert_same_scores(sb, sa);
    assert_int_equal(fa_scorestats_n_distinct(c), fa_scores_n_distinct(sa));
    /* c and d saw one row fewer: the same metrics, one row less */
    assert_int_equal(fa_scores_n_rows(scc) + 1, fa_scores_n_rows(sa));
    for (int m = 0; m < FA_SCORE_METRIC_COUNT; m++) {
        double va = value_of(sa, (fa_score_metric)m), vc = value_of(scc, (fa_score_metric)m),
               vd = value_of(sd, (fa_score_metric)m);
        assert_memory_equal(&va, &vc, sizeof va);
        assert_memory_equal(&va, &vd, sizeof va);
    }
    fa_scores_free(sa);
    fa_scores_free(sb);
    fa_scores_free(scc);
    fa_scores_free(sd);
    fa_scorestats_free(a);
    fa_scorestats_free(b);
    fa_scorestats_free(c);
    fa_scorestats_free(d);
    fa_scorestats_free(e);
    free_rows(&r);
}

static void scores__margins_of_every_sign_sort_by_value(void **state)
{
    (void)state;
    /* integers -700 .. 1299, then 1 .. 2000, in an order unrelated to their value; the keys
     * of the second set differ in 3 of the 6 radix digits, so the sort ends in its scratch
     * array, while the first (both signs) takes all 6 passes and ends where it began */
    const double offset[] = {-700.0, 1.0};
    for (int k = 0; k < 2; k++) {
        rows r = random_rows(6000, 3, 0);
        for (size_t i = 0; i < r.n; i++) {
            r.s[i] = (double)((i * 7919) % 2000) + offset[k];
        }
        fa_scorestats *s = shard(&r, 0, r.n, 0);
        fa_scores *sc = compute(s, NULL);
        assert_int_equal(fa_scores_n_distinct(sc), 2000);
        assert_double_exact(fa_scores_min(sc), offset[k]);
        assert_double_exact(fa_scores_max(sc), offset[k] + 1999.0);
        assert_double_close(value_of(sc, FA_SCORE_ROC_AUC), rank_auc(&r), 1e-14);
        double grid[2000];
        size_t n;
        assert_int_equal(fa_scores_threshold_grid(grid, &n, sc, 2000, NULL), FA_OK);
        assert_int_equal(n, 2000);
        for (size_t i = 1; i < n; i++) {
            assert_true(grid[i - 1] + 1.0 == grid[i]);
        }
        fa_scores_free(sc);
        fa_scorestats_free(s);
        free_rows(&r);
    }
}

/* ------------------------------------------------------------------------- errors */

static void scores__bad_rows_are_domain_errors(void **state)
{
    (void)state;
    fa_scorestats *s = stats_of(NULL, NULL, NULL, 0);
    fa_error err;
    assert_int_equal(fa_scorestats_add(s, NAN, 1, 1.0, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "a score must be a finite number");
    assert_int_equal(fa_scorestats_add(s, INFINITY, 1, 1.0, &err), FA_EDOMAIN);
    assert_int_equal(fa_scorestats_add(s, 0.5, 1, -1.0, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "a weight must be a finite number >= 0");
    assert_int_equal(fa_scorestats_add(s, 0.5, 0, NAN, &err), FA_EDOMAIN);
    assert_int_equal(fa_scorestats_add(s, 0.5, 0, INFINITY, NULL), FA_EDOMAIN);
    /* nothing was added */
    assert_int_equal(fa_scorestats_n_rows(s), 0);
    assert_int_equal(fa_scorestats_n_distinct(s), 0);
    fa_scorestats_free(s);
}

static void scores__bad_options_are_invalid(void **state)
{
    (void)state;
    fa_scorestats *s = stats_of(E_SCORE, E_LABEL, NULL, 4);
    fa_scores *sc = (fa_scores *)(uintptr_t)1;
    fa_error err;
    fa_scores_options o = FA_SCORES_OPTIONS_INIT;
    o.n_bins = 0;
    assert_int_equal(fa_scores_compute(&sc, s, &o, &err), FA_EINVAL);
    assert_null(sc);
    assert_string_equal(err.message, "the number of calibration bins must be in [1, 1048576], "
                                     "got 0");
    o.n_bins = 10;
    o.log_loss_eps = 0.5;
    assert_int_equal(fa_scores_compute(&sc, s, &o, &err), FA_EINVAL);
    assert_string_equal(err.message, "the log-loss clipping must be in [0, 0.5), got 0.5");
    assert_int_equal(fa_scores_merge(&sc, NULL, 0, &o, &err), FA_EINVAL);
    assert_null(sc);
    fa_scorestats_free(s);
}

static void scores__metric_names_are_snake_case(void **state)
{
    (void)state;
    assert_string_equal(fa_score_metric_name(FA_SCORE_ROC_AUC), "roc_auc");
    assert_string_equal(fa_score_metric_name(FA_SCORE_AVERAGE_PRECISION), "average_precision");
    assert_string_equal(fa_score_metric_name(FA_SCORE_ECE), "expected_calibration_error");
    assert_null(fa_score_metric_name(FA_SCORE_METRIC_COUNT));
    for (int m = 0; m < FA_SCORE_METRIC_COUNT; m++) { /* every metric named, no name twice */
        assert_non_null(fa_score_metric_name((fa_score_metric)m));
        for (int k = 0; k < m; k++) {
            assert_string_not_equal(fa_score_metric_name((fa_score_metric)k),
                                    fa_score_metric_name((fa_score_metric)m));
        }
    }
    fa_scores *sc = scores_of(E_SCORE, E_LABEL, NULL, 4);
    const char *why;
    assert_true(isnan(fa_scores_value(sc, FA_SCORE_METRIC_COUNT, &why)));
    assert_string_equal(why, "unknown metric");
    fa_scores_free(sc);
}

/* ------------------------------------------------------------------------- golden */

/* One accumulator per (attribute, group value), the value "" standing for all rows. */
typedef struct named_stats {
    char attr[64], value[168];
    fa_scorestats *s;
} named_stats;

typedef struct stats_set {
    named_stats v[64];
    size_t n;
} stats_set;

static fa_scorestats *stats_for(stats_set *set, const char *attr, const char *value)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->v[i].attr, attr) == 0 && strcmp(set->v[i].value, value) == 0) {
            return set->v[i].s;
        }
    }
    assert_true(set->n < sizeof set->v / sizeof *set->v);
    named_stats *ns = &set->v[set->n++];
    snprintf(ns->attr, sizeof ns->attr, "%s", attr);
    snprintf(ns->value, sizeof ns->value, "%s", value);
    assert_int_equal(fa_scorestats_create(&ns->s, NULL), FA_OK);
    return ns->s;
}

static void stats_set_free(stats_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        fa_scorestats_free(set->v[i].s);
    }
    set->n = 0;
}

static long column_or_fail(const fa_csv_reader *r, const char *name)
{
    long c = fa_csv_column_index(r, name);
    if (c < 0) {
        fail_msg("%s: no column '%s'", fa_csv_path(r), name);
    }
    return c;
}

/*
 * Reads a prediction file: label = (label column == "1"), score = column x scale, and feeds
 * all rows ("", "") and, per group column, the row's group; with two group columns also the
 * intersection "A+B" whose value is "a & b" (the peers' spelling).
 */
static void read_scores(stats_set *set, const char *csv, const char *label, const char *score,
                        double scale, const char *const groups[], size_t n_groups)
{
    fa_csv_reader *r = NULL;
    fa_error err;
    if (fa_csv_reader_create(&r, csv, NULL, &err) != FA_OK) {
        fail_msg("%s: %s", csv, err.message);
    }
    long lc = column_or_fail(r, label), sc = column_or_fail(r, score), gc[2] = {-1, -1};
    for (size_t a = 0; a < n_groups && a < 2; a++) {
        gc[a] = column_or_fail(r, groups[a]);
    }
    char inter[64] = "";
    if (n_groups == 2) {
        snprintf(inter, sizeof inter, "%s+%s", groups[0], groups[1]);
    }
    const fa_field *f;
    int st;
    while ((st = fa_csv_next(r, &f, &err)) == 1) {
        double s;
        if (fa_parse_double(f[sc].data, f[sc].len, &s) != 0) {
            fail_msg("%s:%llu: bad score", csv, (unsigned long long)fa_csv_record_line(r));
        }
        s *= scale;
        int y = f[lc].len == 1 && f[lc].data[0] == '1';
        char v[2][80], both[168];
        assert_int_equal(fa_scorestats_add(stats_for(set, "", ""), s, y, 1.0, NULL), FA_OK);
        for (size_t a = 0; a < n_groups && a < 2; a++) {
            snprintf(v[a], sizeof v[a], "%.*s", (int)f[gc[a]].len, f[gc[a]].data);
            assert_int_equal(fa_scorestats_add(stats_for(set, groups[a], v[a]), s, y, 1.0, NULL),
                             FA_OK);
        }
        if (n_groups == 2) {
            snprintf(both, sizeof both, "%s & %s", v[0], v[1]);
            assert_int_equal(fa_scorestats_add(stats_for(set, inter, both), s, y, 1.0, NULL),
                             FA_OK);
        }
    }
    if (st != 0) {
        fail_msg("%s: %s", csv, err.message);
    }
    fa_csv_reader_free(r);
}

static double auc_of(fa_scorestats *s)
{
    fa_scores *sc = compute(s, NULL);
    double v = fa_scores_value(sc, FA_SCORE_ROC_AUC, NULL);
    fa_scores_free(sc);
    return v;
}

/* One model of a fairness reference: its prediction file and score column. */
typedef struct reference_auc {
    const char *json, *model, *dir, *csv, *label, *score;
    double scale;
} reference_auc;

static void scores__overall_auc_matches_the_fairness_references(void **state)
{
    (void)state;
    const char *shared;
    GOLDEN_SHARED_OR_SKIP(shared);
    /* COMPAS's AUC is of decile_score / 10, as the reference computed it */
    static const reference_auc cases[] = {
        {"compas_fairness_reference.json", "compas", "data", "compas_two_years.csv",
         "two_year_recid", "decile_score", 0.1},
        {"adult_fairness_reference.json", "logreg", "models", "adult_pred_logreg.csv",
         "income_gt_50k", "score", 1.0},
        {"adult_fairness_reference.json", "xgb", "models", "adult_pred_xgb.csv", "income_gt_50k",
         "score", 1.0},
        {"german_fairness_reference.json", "logreg", "models", "german_pred_logreg.csv",
         "good_credit", "score", 1.0},
        {"german_fairness_reference.json", "xgb", "models", "german_pred_xgb.csv", "good_credit",
         "score", 1.0},
    };
    golden_check ck = GOLDEN_CHECK_INIT("scores reference auc");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const reference_auc *c = &cases[i];
        char path[1024], csv[1024];
        if (!golden_path(path, sizeof path, shared, "golden", c->json) ||
            !golden_path(csv, sizeof csv, shared, c->dir, c->csv)) {
            golden_fail(&ck, "missing %s or %s", c->json, c->csv);
            continue;
        }
        cJSON *doc = golden_load_json(path);
        const cJSON *auc = golden_get(
            golden_get(golden_get(golden_get(doc, "models"), c->model), "overall"), "auc");
        stats_set set = {.n = 0};
        read_scores(&set, csv, c->label, c->score, c->scale, NULL, 0);
        golden_expect_json(&ck, golden_what(&ck, "%s %s overall auc", c->json, c->model), auc,
                           auc_of(stats_for(&set, "", "")));
        stats_set_free(&set);
        cJSON_Delete(doc);
    }
    golden_finish(&ck);
}

static void check_peers_auc(const char *name)
{
    const char *shared;
    GOLDEN_SHARED_OR_SKIP(shared);
    char path[1024], csv[1024];
    assert_true(golden_path(path, sizeof path, shared, "golden", name));
    cJSON *doc = golden_load_json(path);
    assert_non_null(doc);
    const cJSON *input = golden_get(doc, "input");
    const char *file = golden_str(input, "csv");
    assert_non_null(file);
    assert_true(golden_path(csv, sizeof csv, shared, "data", file) ||
                golden_path(csv, sizeof csv, shared, "models", file));
    const char *groups[2];
    size_t n_groups = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, golden_get(input, "groups"))
    {
        if (n_groups < 2) {
            groups[n_groups++] = item->valuestring;
        }
    }
    assert_string_equal(golden_str(input, "favorable"), "1");
    stats_set set = {.n = 0};
    read_scores(&set, csv, golden_str(input, "label"), golden_str(input, "score"), 1.0, groups,
                n_groups);
    golden_check ck = GOLDEN_CHECK_INIT(name);
    const cJSON *attr;
    cJSON_ArrayForEach(attr, golden_get(doc, "fairlearn"))
    {
        golden_expect_json(&ck, golden_what(&ck, "%s roc_auc_overall", attr->string),
                           golden_get(attr, "roc_auc_overall"), auc_of(stats_for(&set, "", "")));
        const cJSON *g;
        cJSON_ArrayForEach(g, golden_get(attr, "roc_auc_by_group"))
        {
            /* a group with one class only is null there and undefined here */
            golden_expect_json(&ck, golden_what(&ck, "%s = %s roc_auc", attr->string, g->string), g,
                               auc_of(stats_for(&set, attr->string, g->string)));
        }
    }
    stats_set_free(&set);
    cJSON_Delete(doc);
    golden_finish(&ck);
}

static void scores__auc_by_group_matches_fairlearn_on_compas(void **state)
{
    (void)state;
    check_peers_auc("compas_peers.json");
}

static void scores__auc_by_group_matches_fairlearn_on_adult(void **state)
{
    (void)state;
    check_peers_auc("adult_xgb_peers.json");
}

static void scores__auc_by_group_matches_fairlearn_on_german(void **state)
{
    (void)state;
    check_peers_auc("german_xgb_peers.json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scores__auc_of_the_documentation_example),
        cmocka_unit_test(scores__auc_counts_ties_half),
        cmocka_unit_test(scores__auc_of_one_score_for_all_is_one_half),
        cmocka_unit_test(scores__auc_without_positives_is_undefined),
        cmocka_unit_test(scores__auc_without_negatives_is_undefined_but_precision_is_one),
        cmocka_unit_test(scores__no_rows_leaves_every_metric_undefined),
        cmocka_unit_test(scores__average_precision_of_the_documentation_example),
        cmocka_unit_test(scores__average_precision_takes_tied_scores_as_one_threshold),
        cmocka_unit_test(scores__brier_score_is_the_mean_squared_error),
        cmocka_unit_test(scores__log_loss_clips_scores_at_eps),
        cmocka_unit_test(scores__log_loss_of_the_documentation_example),
        cmocka_unit_test(scores__scores_outside_the_unit_interval_leave_calibration_undefined),
        cmocka_unit_test(scores__expected_calibration_error_of_a_hand_example),
        cmocka_unit_test(scores__bins_are_closed_on_the_right_so_deciles_get_one_each),
        cmocka_unit_test(scores__sweep_counts_rows_at_or_above_the_threshold),
        cmocka_unit_test(scores__sweep_rates_without_positives_are_undefined),
        cmocka_unit_test(scores__threshold_grid_is_every_distinct_score_when_few),
        cmocka_unit_test(scores__threshold_grid_of_margins_spans_min_to_max),
        cmocka_unit_test(scores__grid_of_parts_is_the_grid_of_their_union),
        cmocka_unit_test(scores__roc_curve_steps_through_the_distinct_scores),
        cmocka_unit_test(scores__roc_curve_of_many_scores_keeps_at_most_k_points),
        cmocka_unit_test(scores__top_k_includes_every_row_at_the_cut_score),
        cmocka_unit_test(scores__top_percent_of_whole_rows_does_not_round_up),
        cmocka_unit_test(scores__bad_cut_offs_are_invalid),
        cmocka_unit_test(scores__counts_at_a_threshold_are_the_confusion_counts),
        cmocka_unit_test(scores__a_row_of_weight_two_is_two_rows),
        cmocka_unit_test(scores__fractional_weights_weigh_the_pairs),
        cmocka_unit_test(scores__zero_weight_rows_and_negative_zero_leave_no_trace),
        cmocka_unit_test(scores__merged_shards_equal_one_accumulator_in_any_order),
        cmocka_unit_test(scores__counts_merge_into_weights_and_back),
        cmocka_unit_test(scores__merge_into_an_empty_accumulator_copies),
        cmocka_unit_test(scores__large_maps_agree_with_a_rank_computation),
        cmocka_unit_test(scores__six_decimal_scores_are_counted_exactly),
        cmocka_unit_test(scores__a_weight_after_dense_counters_moves_them_to_the_map),
        cmocka_unit_test(scores__margins_of_every_sign_sort_by_value),
        cmocka_unit_test(scores__bad_rows_are_domain_errors),
        cmocka_unit_test(scores__bad_options_are_invalid),
        cmocka_unit_test(scores__metric_names_are_snake_case),
        cmocka_unit_test(scores__overall_auc_matches_the_fairness_references),
        cmocka_unit_test(scores__auc_by_group_matches_fairlearn_on_compas),
        cmocka_unit_test(scores__auc_by_group_matches_fairlearn_on_adult),
        cmocka_unit_test(scores__auc_by_group_matches_fairlearn_on_german),
    };
    return cmocka_run_group_tests_name("scores", tests, NULL, NULL);
}
