/*
 * test_bootstrap.c - metrics/bootstrap.c: the stratified count bootstrap of one attribute.
 *
 * Replicates keep every group and its size; the same seed gives the same bytes with 1, 2 or 3
 * threads and with the statistics split into passes; point estimates are the data's own
 * disparities (compute.c's exclusion rule); the count bootstrap's percentile interval agrees
 * with a row-resampling stratified bootstrap written here; BCa reduces to the percentile
 * interval at z0 = a = 0 and moves the right way otherwise; the acceleration equals the
 * stratified leave-one-row-out jackknife computed row by row.
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
#include <time.h>

#include <gsl/gsl_rng.h>

#include "metrics/bootstrap.h"
#include "metrics/disparity.h"
#include "metrics/rates.h"
#include "metrics/summary.h"

#define assert_close(got, want, tol) check_close((got), (want), (tol), #got, __FILE__, __LINE__)

static void check_close(double got, double want, double tol, const char *expr, const char *file,
                        int line)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", expr, got, want, tol);
        _fail(file, line);
    }
}

#define assert_double_exact(got, want) check_close((got), (want), 0.0, #got, __FILE__, __LINE__)

#define assert_nan(got) check_nan((got), #got, __FILE__, __LINE__)

static void check_nan(double got, const char *expr, const char *file, int line)
{
    if (!isnan(got)) {
        print_error("%s = %.17g, expected NAN (undefined)\n", expr, got);
        _fail(file, line);
    }
}

static fa_counts cells(double tp, double fp, double tn, double fn)
{
    fa_counts c = {tp, fp, tn, fn, 0.0, 0.0, (uint64_t)(tp + fp + tn + fn)};
    return c;
}

/*
 * Three groups given as rows (label, prediction), in cell order:
 *   A: tp 12, fp 6, tn 20, fn 7  (45 rows)  SR = 18 / 45 = 0.40, TPR = 12 / 19
 *   B: tp 15, fp 15, tn 22, fn 8 (60 rows)  SR = 30 / 60 = 0.50, TPR = 15 / 23
 *   C: tp 32, fp 12, tn 28, fn 8 (80 rows)  SR = 44 / 80 = 0.55, TPR = 32 / 40
 * demographic_parity_difference = 0.55 - 0.40 = 0.15.
 */
static const double CELLS3[3][4] = {{12, 6, 20, 7}, {15, 15, 22, 8}, {32, 12, 28, 8}};

static void three_groups(fa_counts g[3])
{
    for (int i = 0; i < 3; i++) {
        g[i] = cells(CELLS3[i][0], CELLS3[i][1], CELLS3[i][2], CELLS3[i][3]);
    }
}

/* Rows of group i: label[r], pred[r] for r < n, cell by cell (tp, fp, tn, fn). */
static size_t rows_of(int label[], int pred[], int i)
{
    static const int LP[4][2] = {{1, 1}, {0, 1}, {0, 0}, {1, 0}};
    size_t n = 0;
    for (int k = 0; k < 4; k++) {
        for (int r = 0; r < (int)CELLS3[i][k]; r++) {
            label[n] = LP[k][0];
            pred[n] = LP[k][1];
            n++;
        }
    }
    return n;
}

static fa_bootstrap *run(const fa_counts g[], size_t n, long ref, const fa_bootstrap_options *o)
{
    fa_bootstrap *bs = NULL;
    fa_error err;
    int st = fa_bootstrap_compute(&bs, g, n, ref, o, &err);
    if (st != FA_OK) {
        print_error("fa_bootstrap_compute: %s\n", err.message);
    }
    assert_int_equal(st, FA_OK);
    assert_non_null(bs);
    return bs;
}

/* Every interval of two results, byte for byte. */
static int same_bytes(const fa_bootstrap *a, const fa_bootstrap *b)
{
    if (fa_bootstrap_n_groups(a) != fa_bootstrap_n_groups(b)) {
        return 0;
    }
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        for (int k = 0; k < FA_BOOTSTRAP_KINDS; k++) {
            if (memcmp(fa_bootstrap_disparity(a, (fa_metric)m, (fa_disparity_kind)k),
                       fa_bootstrap_disparity(b, (fa_metric)m, (fa_disparity_kind)k),
                       sizeof(fa_bootstrap_ci)) != 0) {
                return 0;
            }
        }
        for (size_t g = 0; g < fa_bootstrap_n_groups(a); g++) {
            if (memcmp(fa_bootstrap_group_difference(a, g, (fa_metric)m),
                       fa_bootstrap_group_difference(b, g, (fa_metric)m),
                       sizeof(fa_bootstrap_ci)) != 0 ||
                memcmp(fa_bootstrap_group_ratio(a, g, (fa_metric)m),
                       fa_bootstrap_group_ratio(b, g, (fa_metric)m),
                       sizeof(fa_bootstrap_ci)) != 0) {
                return 0;
            }
        }
    }
    for (int i = 0; i < FA_SUMMARY_SLOTS; i++) {
        if (memcmp(fa_bootstrap_summary(a, i), fa_bootstrap_summary(b, i),
                   sizeof(fa_bootstrap_ci)) != 0) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------ replicates */

static void bootstrap__replicate_never_loses_a_group(void **state)
{
    (void)state;
    /* a one-row group, a two-row group with one cell empty, and a large group */
    const fa_counts g[3] = {cells(0, 1, 0, 0), cells(1, 0, 1, 0), cells(400, 100, 450, 50)};
    fa_counts rep[3];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 42);
    for (int b = 0; b < 2000; b++) {
        fa_bootstrap_draw(rep, g, 3, rng);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(rep[i].rows, g[i].rows);
            /* unit weights: the cells are whole rows and add up to the group's size */
            assert_double_exact(rep[i].tp + rep[i].fp + rep[i].tn + rep[i].fn, (double)g[i].rows);
            assert_true(rep[i].tp == floor(rep[i].tp) && rep[i].fn == floor(rep[i].fn));
        }
        assert_double_exact(rep[0].fp, 1.0); /* a one-cell group can only redraw itself */
        assert_double_exact(rep[1].fp + rep[1].fn, 0.0); /* empty cells stay empty */
    }
    gsl_rng_free(rng);
}

static void bootstrap__weighted_replicate_gives_rows_the_group_average_weight(void **state)
{
    (void)state;
    /* 3 rows of weights 1, 2, 4.5 (tp, tn, tn): W = 7.5, each drawn row weighs 2.5 */
    fa_counts g = {1.0, 0.0, 6.5, 0.0, 0.0, 0.0, 3};
    fa_counts rep;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    double tp_sum = 0.0;
    for (int b = 0; b < 4000; b++) {
        fa_bootstrap_draw(&rep, &g, 1, rng);
        assert_int_equal(rep.rows, 3);
        assert_double_exact(rep.tp + rep.tn, 7.5);
        assert_double_exact(fmod(rep.tp, 2.5), 0.0);
        tp_sum += rep.tp;
    }
    /* cells in proportion to their weights: E[tp*] = 3 * (1 / 7.5) * 2.5 = 1 */
    assert_close(tp_sum / 4000.0, 1.0, 0.05);
    gsl_rng_free(rng);
}

static void bootstrap__zero_weight_group_stays_zero(void **state)
{
    (void)state;
    const fa_counts g = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5}; /* 5 rows of weight 0 */
    fa_counts rep;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    fa_bootstrap_draw(&rep, &g, 1, rng);
    assert_int_equal(rep.rows, 5);
    assert_double_exact(rep.tp + rep.fp + rep.tn + rep.fn, 0.0);
    gsl_rng_free(rng);
}

/* --------------------------------------------------------- determinism */

static void bootstrap__same_seed_gives_the_same_bytes_whatever_the_threads(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    for (int method = 0; method < 2; method++) {
        fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
        o.replicates = 300; /* 5 blocks, the last one partial */
        o.seed = 12345;
        o.min_group_size = 0;
        o.method = (fa_bootstrap_method)method;
        o.threads = 1;
        fa_bootstrap *one = run(g, 3, 2, &o);
        fa_bootstrap *again = run(g, 3, 2, &o);
        o.threads = 2;
        fa_bootstrap *two = run(g, 3, 2, &o);
        o.threads = 3;
        fa_bootstrap *three = run(g, 3, 2, &o);
        assert_true(same_bytes(one, again));
        assert_true(same_bytes(one, two));
        assert_true(same_bytes(one, three));
        fa_bootstrap_free(one);
        fa_bootstrap_free(again);
        fa_bootstrap_free(two);
        fa_bootstrap_free(three);
    }
}

static void bootstrap__passes_under_a_memory_limit_give_the_same_bytes(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 200;
    o.seed = 99;
    o.method = FA_BOOTSTRAP_BCA;
    fa_bootstrap *whole = run(g, 3, 1, &o);
    o.memory_limit = 7 * 200 * sizeof(double); /* 7 statistics per pass */
    o.threads = 2;
    fa_bootstrap *passes = run(g, 3, 1, &o);
    o.memory_limit = 1; /* one statistic per pass */
    fa_bootstrap *tiny = run(g, 3, 1, &o);
    assert_true(same_bytes(whole, passes));
    assert_true(same_bytes(whole, tiny));
    fa_bootstrap_free(whole);
    fa_bootstrap_free(passes);
    fa_bootstrap_free(tiny);
}

static void bootstrap__another_seed_or_stream_draws_other_replicates(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 200;
    fa_bootstrap *a = run(g, 3, 1, &o);
    o.seed = 1;
    fa_bootstrap *b = run(g, 3, 1, &o);
    o.seed = 0;
    o.stream = 1;
    fa_bootstrap *c = run(g, 3, 1, &o);
    assert_false(same_bytes(a, b));
    assert_false(same_bytes(a, c));
    assert_true(fa_bootstrap_block_seed(0, 0, 0) != fa_bootstrap_block_seed(0, 0, 1));
    assert_true(fa_bootstrap_block_seed(0, 0, 0) != fa_bootstrap_block_seed(0, 1, 0));
    fa_bootstrap_free(a);
    fa_bootstrap_free(b);
    fa_bootstrap_free(c);
}

/* ----------------------------------------------------- what is computed */

static void bootstrap__points_are_the_data_disparities(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 50;
    o.min_group_size = 0;
    fa_bootstrap *bs = run(g, 3, 2, &o);
    /* 0.55 - 0.40 (C - A), 0.40 / 0.55 */
    assert_close(fa_bootstrap_summary(bs, FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE)->point,
                 0.55 - 0.40, 1e-15);
    assert_close(fa_bootstrap_summary(bs, FA_SUMMARY_DEMOGRAPHIC_PARITY_RATIO)->point, 0.40 / 0.55,
                 1e-15);
    /* group A against the reference C: SR 0.40 - 0.55, TPR 12/19 - 32/40 */
    assert_close(fa_bootstrap_group_difference(bs, 0, FA_METRIC_SELECTION_RATE)->point, 0.40 - 0.55,
                 1e-15);
    assert_close(fa_bootstrap_group_difference(bs, 0, FA_METRIC_TRUE_POSITIVE_RATE)->point,
                 12.0 / 19.0 - 32.0 / 40.0, 1e-15);
    assert_close(fa_bootstrap_group_ratio(bs, 0, FA_METRIC_SELECTION_RATE)->point, 0.40 / 0.55,
                 1e-15);
    assert_double_exact(fa_bootstrap_group_difference(bs, 2, FA_METRIC_SELECTION_RATE)->point,
                        0.0); /* the reference against itself */
    /* every aggregate is what disparity.c and summary.c give on the data (compute.c's path) */
    fa_counts all = g[0];
    fa_counts_add(&all, &g[1]);
    fa_counts_add(&all, &g[2]);
    fa_disparity disp[FA_METRIC_COUNT_ALL];
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        double v[3];
        unsigned char ex[3];
        for (int i = 0; i < 3; i++) {
            v[i] = fa_metric_value((fa_metric)m, &g[i], &all, NULL);
            ex[i] = isnan(v[i]) ? FA_EXCL_UNDEFINED : FA_EXCL_NONE;
        }
        fa_disparity_compute(&disp[m], v, ex, 3, fa_metric_value((fa_metric)m, &all, &all, NULL));
        if (!fa_rates_has_disparity((fa_metric)m) || m == FA_METRIC_MEAN_SCORE) {
            continue;
        }
        const fa_bootstrap_ci *ci[4];
        for (int k = 0; k < 4; k++) {
            ci[k] = fa_bootstrap_disparity(bs, (fa_metric)m, (fa_disparity_kind)k);
        }
        assert_memory_equal(&ci[0]->point, &disp[m].between_difference, sizeof(double));
        assert_memory_equal(&ci[1]->point, &disp[m].between_ratio, sizeof(double));
        assert_memory_equal(&ci[2]->point, &disp[m].to_overall_difference, sizeof(double));
        assert_memory_equal(&ci[3]->point, &disp[m].to_overall_ratio, sizeof(double));
    }
    double summary[FA_SUMMARY_SLOTS];
    fa_summary_compute(summary, disp);
    for (int i = 0; i < FA_SUMMARY_SLOTS; i++) {
        assert_memory_equal(&fa_bootstrap_summary(bs, i)->point, &summary[i], sizeof(double));
    }
    fa_bootstrap_free(bs);
}

static void bootstrap__small_group_is_left_out_of_max_and_min(void **state)
{
    (void)state;
    fa_counts g[4];
    three_groups(g);
    g[3] = cells(5, 0, 0, 0); /* 5 rows, all selected: SR 1, below min_group_size 30 */
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 400;
    fa_bootstrap *bs = run(g, 4, 2, &o);
    const fa_bootstrap_ci *dpd = fa_bootstrap_summary(bs, FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE);
    assert_close(dpd->point, 0.55 - 0.40, 1e-15); /* not 1 - 0.40 */
    assert_true(dpd->hi < 0.6);
    /* but its own difference against the reference is there: 1 - 0.55, always */
    const fa_bootstrap_ci *d = fa_bootstrap_group_difference(bs, 3, FA_METRIC_SELECTION_RATE);
    assert_close(d->point, 1.0 - 0.55, 1e-15);
    assert_true(d->lo <= d->point && d->point <= d->hi);
    fa_bootstrap_free(bs);
}

static void bootstrap__undefined_replicates_are_counted_and_left_out(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    g[0] = cells(1, 10, 29, 0); /* one actual positive in 40 rows */
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 2000;
    o.seed = 3;
    fa_bootstrap *bs = run(g, 3, 2, &o);
    /* TPR of group 0 is undefined when its positive is not drawn: (39/40)^40 = 0.3632 */
    const fa_bootstrap_ci *d = fa_bootstrap_group_difference(bs, 0, FA_METRIC_TRUE_POSITIVE_RATE);
    assert_close((double)d->n_undefined / 2000.0, 0.3632, 0.04); /* 3.7 sd */
    assert_true(d->lo <= d->hi);
    /* the between-groups TPR difference stays defined on the other two groups */
    const fa_bootstrap_ci *b =
        fa_bootstrap_disparity(bs, FA_METRIC_TRUE_POSITIVE_RATE, FA_DISPARITY_BETWEEN_DIFFERENCE);
    assert_int_equal(b->n_undefined, 0);
    fa_bootstrap_free(bs);
}

static void bootstrap__without_reference_group_intervals_are_undefined(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 20;
    fa_bootstrap *bs = run(g, 3, -1, &o);
    const fa_bootstrap_ci *d = fa_bootstrap_group_difference(bs, 1, FA_METRIC_SELECTION_RATE);
    assert_nan(d->point);
    assert_nan(d->lo);
    assert_int_equal(d->n_undefined, 20);
    assert_false(isnan(fa_bootstrap_summary(bs, 0)->lo)); /* aggregates need no reference */
    fa_bootstrap_free(bs);
}

static void bootstrap__mean_score_count_and_share_are_not_resampled(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 20;
    fa_bootstrap *bs = run(g, 3, 0, &o);
    const fa_metric none[3] = {FA_METRIC_MEAN_SCORE, FA_METRIC_COUNT, FA_METRIC_SHARE};
    for (int i = 0; i < 3; i++) {
        const fa_bootstrap_ci *c =
            fa_bootstrap_disparity(bs, none[i], FA_DISPARITY_BETWEEN_DIFFERENCE);
        assert_nan(c->lo);
        assert_int_equal(c->n_undefined, 20);
        assert_nan(fa_bootstrap_group_ratio(bs, 1, none[i])->hi);
    }
    fa_bootstrap_free(bs);
}

static void bootstrap__one_replicate_is_its_own_interval(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 1;
    fa_bootstrap *bs = run(g, 3, 0, &o);
    const fa_bootstrap_ci *c = fa_bootstrap_summary(bs, FA_SUMMARY_EQUALIZED_ODDS_DIFFERENCE);
    assert_double_exact(c->lo, c->hi);
    fa_bootstrap_free(bs);
}

static void bootstrap__no_groups_gives_undefined_aggregates(void **state)
{
    (void)state;
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 10;
    fa_bootstrap *bs = run(NULL, 0, -1, &o);
    assert_int_equal(fa_bootstrap_n_groups(bs), 0);
    assert_nan(fa_bootstrap_summary(bs, 0)->lo);
    fa_bootstrap_free(bs);
}

static void bootstrap__bad_options_and_counts_are_errors(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    fa_bootstrap *bs = (fa_bootstrap *)&bs; /* not NULL, to see it reset */
    fa_error err;
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 0;
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, 0, &o, &err), FA_EINVAL);
    assert_null(bs);
    assert_string_equal(err.message, "bootstrap: replicates must be >= 1");
    o = (fa_bootstrap_options)FA_BOOTSTRAP_OPTIONS_INIT;
    o.level = 1.0;
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, 0, &o, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "bootstrap: confidence level 1 is not between 0 and 1");
    o = (fa_bootstrap_options)FA_BOOTSTRAP_OPTIONS_INIT;
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, 3, &o, &err), FA_EINVAL);
    assert_string_equal(err.message, "bootstrap: reference group 3 out of range (3 groups)");
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, -2, &o, NULL), FA_EINVAL);
    o.min_group_size = -1;
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, 0, &o, &err), FA_EINVAL);
    assert_string_equal(err.message, "bootstrap: min_group_size -1 is negative");
    o = (fa_bootstrap_options)FA_BOOTSTRAP_OPTIONS_INIT;
    o.method = (fa_bootstrap_method)9;
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, 0, &o, &err), FA_EINVAL);
    assert_string_equal(err.message, "bootstrap: unknown interval method 9");
    o = (fa_bootstrap_options)FA_BOOTSTRAP_OPTIONS_INIT;
    g[1].fn = -1.0;
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, 0, &o, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "bootstrap: group 1 has a negative or non-finite count");
    g[1].fn = NAN;
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, 0, &o, &err), FA_EDOMAIN);
    g[1].fn = 8.0;
    g[2].rows = 0;
    assert_int_equal(fa_bootstrap_compute(&bs, g, 3, 0, &o, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "bootstrap: group 2 has weight but no rows");
    assert_null(bs);
}

/* ------------------------------------------ against a row bootstrap */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 quantile of sorted v[0..n). */
static double sorted_quantile(const double v[], size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t k = (size_t)floor(h);
    return k + 1 < n ? v[k] + (h - (double)k) * (v[k + 1] - v[k]) : v[n - 1];
}

static void bootstrap__count_bootstrap_matches_a_row_bootstrap(void **state)
{
    (void)state;
    enum { B = 4000 };
    int label[3][80], pred[3][80];
    size_t n[3];
    for (int i = 0; i < 3; i++) {
        n[i] = rows_of(label[i], pred[i], i);
    }
    /* the stratified row bootstrap: each group's rows drawn with replacement, n_g of them */
    double *dpd = malloc(B * sizeof *dpd), *eod = malloc(B * sizeof *eod);
    assert_non_null(dpd);
    assert_non_null(eod);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2024);
    for (int b = 0; b < B; b++) {
        double sr[3], tpr[3], fpr[3];
        for (int i = 0; i < 3; i++) {
            fa_counts c = {0};
            for (size_t r = 0; r < n[i]; r++) {
                size_t j = gsl_rng_uniform_int(rng, n[i]);
                fa_counts_add_row(&c, label[i][j], pred[i][j], 1.0, NAN);
            }
            sr[i] = fa_metric_value(FA_METRIC_SELECTION_RATE, &c, NULL, NULL);
            tpr[i] = fa_metric_value(FA_METRIC_TRUE_POSITIVE_RATE, &c, NULL, NULL);
            fpr[i] = fa_metric_value(FA_METRIC_FALSE_POSITIVE_RATE, &c, NULL, NULL);
        }
        double lo = fmin(sr[0], fmin(sr[1], sr[2])), hi = fmax(sr[0], fmax(sr[1], sr[2]));
        dpd[b] = hi - lo;
        double dt = fmax(tpr[0], fmax(tpr[1], tpr[2])) - fmin(tpr[0], fmin(tpr[1], tpr[2]));
        double df = fmax(fpr[0], fmax(fpr[1], fpr[2])) - fmin(fpr[0], fmin(fpr[1], fpr[2]));
        eod[b] = fmax(dt, df); /* every group has positives and negatives in every draw here */
    }
    gsl_rng_free(rng);
    qsort(dpd, B, sizeof *dpd, cmp_double);
    qsort(eod, B, sizeof *eod, cmp_double);

    fa_counts g[3];
    three_groups(g);
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = B;
    o.seed = 77;
    fa_bootstrap *bs = run(g, 3, 2, &o);
    const fa_bootstrap_ci *c = fa_bootstrap_summary(bs, FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE);
    /* Monte Carlo error of a 2.5% quantile at B = 4000: about 0.004 each */
    assert_close(c->lo, sorted_quantile(dpd, B, 0.025), 0.02);
    assert_close(c->hi, sorted_quantile(dpd, B, 0.975), 0.02);
    const fa_bootstrap_ci *e = fa_bootstrap_summary(bs, FA_SUMMARY_EQUALIZED_ODDS_DIFFERENCE);
    assert_close(e->lo, sorted_quantile(eod, B, 0.025), 0.02);
    assert_close(e->hi, sorted_quantile(eod, B, 0.975), 0.02);
    print_message("      dpd count [%.4f, %.4f] rows [%.4f, %.4f]; eod count [%.4f, %.4f] rows "
                  "[%.4f, %.4f]\n",
                  c->lo, c->hi, sorted_quantile(dpd, B, 0.025), sorted_quantile(dpd, B, 0.975),
                  e->lo, e->hi, sorted_quantile(eod, B, 0.025), sorted_quantile(eod, B, 0.975));
    fa_bootstrap_free(bs);
    free(dpd);
    free(eod);
}

/* ------------------------------------------------------------ quantiles */

static void bootstrap__percentile_interval_is_the_type_7_quantile(void **state)
{
    (void)state;
    /* levels whose bounds come from the tails' one-pass buffer (0.9 and 0.99 up to n = 600:
     * k < 64 from either end) and from the partition (0.5 and 0.2: k = 0.25 n, 0.4 n) */
    const double levels[4] = {0.9, 0.99, 0.5, 0.2};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    static double v[601], s[601];
    for (int li = 0; li < 4; li++) {
        for (size_t n = 1; n <= 601; n += 25) {
            for (size_t i = 0; i < n; i++) {
                /* many ties, and the sign of zero kept */
                v[i] = (double)gsl_rng_uniform_int(rng, 40) - 20.0;
                s[i] = v[i];
            }
            qsort(s, n, sizeof *s, cmp_double);
            fa_bootstrap_ci ci = {0};
            ci.point = 3.0;
            fa_bootstrap_ci_from_values(&ci, v, n, levels[li], FA_BOOTSTRAP_PERCENTILE);
            assert_double_exact(ci.lo, sorted_quantile(s, n, 0.5 * (1.0 - levels[li])));
            assert_double_exact(ci.hi, sorted_quantile(s, n, 1.0 - 0.5 * (1.0 - levels[li])));
            assert_int_equal(ci.n_undefined, 0);
            assert_nan(ci.z0);
        }
    }
    gsl_rng_free(rng);
}

static void bootstrap__undefined_values_are_left_out_of_the_quantiles(void **state)
{
    (void)state;
    /* 1..5 with three NANs: q(0.025) = 1 + 0.1 * (2 - 1), q(0.975) = 4 + 0.9 * (5 - 4) */
    double v[8] = {NAN, 5.0, 1.0, NAN, 3.0, 2.0, NAN, 4.0};
    fa_bootstrap_ci ci = {0};
    ci.point = 3.0;
    fa_bootstrap_ci_from_values(&ci, v, 8, 0.95, FA_BOOTSTRAP_PERCENTILE);
    assert_int_equal(ci.n_undefined, 3);
    assert_close(ci.lo, 1.1, 1e-15);
    assert_close(ci.hi, 4.9, 1e-15);
    double all_nan[2] = {NAN, NAN};
    fa_bootstrap_ci_from_values(&ci, all_nan, 2, 0.95, FA_BOOTSTRAP_PERCENTILE);
    assert_int_equal(ci.n_undefined, 2);
    assert_nan(ci.lo);
    double some[2] = {1.0, 2.0};
    ci.point = NAN; /* no interval around an undefined point */
    fa_bootstrap_ci_from_values(&ci, some, 2, 0.95, FA_BOOTSTRAP_PERCENTILE);
    assert_nan(ci.hi);
}

/* ------------------------------------------------------------------ BCa */

/* v[i] = i - 50 + centre for i in 0..100: symmetric about `centre`. */
static void symmetric(double v[101], double centre)
{
    for (int i = 0; i <= 100; i++) {
        v[i] = (double)(i - 50) + centre;
    }
}

static void bootstrap__bca_without_bias_or_acceleration_is_the_percentile(void **state)
{
    (void)state;
    double p_lo, p_hi;
    assert_int_equal(fa_bootstrap_bca_levels(&p_lo, &p_hi, 0.0, 0.0, 0.95), FA_OK);
    assert_double_exact(p_lo, 0.5 * (1.0 - 0.95));
    assert_double_exact(p_hi, 1.0 - 0.5 * (1.0 - 0.95));
    /* point at the centre: 50 below, 1 tie -> share (50 + 0.5) / 101 = 0.5, z0 = 0 */
    double v[101];
    symmetric(v, 0.25);
    fa_bootstrap_ci pct = {0}, bca = {0};
    pct.point = bca.point = 0.25;
    bca.accel = 0.0;
    fa_bootstrap_ci_from_values(&pct, v, 101, 0.95, FA_BOOTSTRAP_PERCENTILE);
    symmetric(v, 0.25);
    fa_bootstrap_ci_from_values(&bca, v, 101, 0.95, FA_BOOTSTRAP_BCA);
    assert_double_exact(bca.z0, 0.0);
    assert_double_exact(bca.lo, pct.lo); /* q(0.025) = -50 + 2.5 + 0.25 = -47.25 */
    assert_double_exact(bca.hi, pct.hi);
    assert_close(pct.lo, -47.25, 1e-12);
}

static void bootstrap__bca_moves_toward_the_bias_and_the_skew(void **state)
{
    (void)state;
    double v[101];
    fa_bootstrap_ci pct = {0}, bca = {0};
    /* the point above most replicates (median bias down): z0 > 0 moves both bounds up */
    symmetric(v, 0.0);
    pct.point = bca.point = 10.5;
    bca.accel = 0.0;
    fa_bootstrap_ci_from_values(&pct, v, 101, 0.95, FA_BOOTSTRAP_PERCENTILE);
    symmetric(v, 0.0);
    fa_bootstrap_ci_from_values(&bca, v, 101, 0.95, FA_BOOTSTRAP_BCA);
    assert_true(bca.z0 > 0.0); /* Phi^-1(61 / 101) = 0.2637 */
    assert_close(bca.z0, 0.2636116145249011, 1e-12);
    assert_true(bca.lo > pct.lo && bca.hi > pct.hi);
    /* and below: both down */
    symmetric(v, 0.0);
    bca.point = -10.5;
    fa_bootstrap_ci_from_values(&bca, v, 101, 0.95, FA_BOOTSTRAP_BCA);
    assert_true(bca.z0 < 0.0 && bca.lo < pct.lo && bca.hi < pct.hi);
    /* positive acceleration (variance growing with the parameter) moves both levels up */
    double p_lo, p_hi;
    assert_int_equal(fa_bootstrap_bca_levels(&p_lo, &p_hi, 0.0, 0.1, 0.95), FA_OK);
    /* Phi(-1.96 / (1 + 0.196)) = Phi(-1.6388) = 0.0506, Phi(1.96 / (1 - 0.196)) = 0.9926 */
    assert_close(p_lo, 0.0506, 1e-3);
    assert_close(p_hi, 0.9926, 1e-3);
    assert_int_equal(fa_bootstrap_bca_levels(&p_lo, &p_hi, 0.0, -0.1, 0.95), FA_OK);
    assert_true(p_lo < 0.025 && p_hi < 0.975);
}

static void bootstrap__bca_is_undefined_when_its_correction_is(void **state)
{
    (void)state;
    double p_lo, p_hi;
    assert_int_equal(fa_bootstrap_bca_levels(&p_lo, &p_hi, INFINITY, 0.0, 0.95), FA_EDOMAIN);
    assert_nan(p_lo);
    /* 1 - a (z0 + z) = 1 - 1 * 1.96 < 0 */
    assert_int_equal(fa_bootstrap_bca_levels(&p_lo, &p_hi, 0.0, 1.0, 0.95), FA_EDOMAIN);
    assert_nan(p_hi);
    /* every replicate above the point: z0 = -infinity, no interval */
    double v[101];
    symmetric(v, 100.0);
    fa_bootstrap_ci bca = {0};
    bca.point = 0.0;
    bca.accel = 0.0;
    fa_bootstrap_ci_from_values(&bca, v, 101, 0.95, FA_BOOTSTRAP_BCA);
    assert_nan(bca.lo);
    assert_nan(bca.z0);
}

/* The statistic `pick` of counts g (the point of a one-replicate bootstrap). */
typedef const fa_bootstrap_ci *(*pick_fn)(const fa_bootstrap *bs);

static const fa_bootstrap_ci *pick_dpd(const fa_bootstrap *bs)
{
    return fa_bootstrap_summary(bs, FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE);
}

static const fa_bootstrap_ci *pick_di(const fa_bootstrap *bs)
{
    return fa_bootstrap_group_ratio(bs, 0, FA_METRIC_SELECTION_RATE);
}

static const fa_bootstrap_ci *pick_tpr_ratio_overall(const fa_bootstrap *bs)
{
    return fa_bootstrap_disparity(bs, FA_METRIC_TRUE_POSITIVE_RATE, FA_DISPARITY_TO_OVERALL_RATIO);
}

static double statistic(const fa_counts g[3], pick_fn pick)
{
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 1;
    o.min_group_size = 0;
    fa_bootstrap *bs = run(g, 3, 2, &o);
    double v = pick(bs)->point;
    fa_bootstrap_free(bs);
    return v;
}

/*
 * Davison & Hinkley's stratified acceleration, row by row: remove each row of each group in
 * turn, l_gi = (n_g - 1)(mean_g - theta_(gi)), a = sum_g n_g^-3 sum l^3 / (6 (sum_g n_g^-2
 * sum l^2)^(3/2)).
 */
static double explicit_acceleration(pick_fn pick)
{
    int label[80], pred[80];
    double theta[80], s2 = 0.0, s3 = 0.0;
    for (int i = 0; i < 3; i++) {
        const size_t n = rows_of(label, pred, i);
        double mean = 0.0;
        for (size_t r = 0; r < n; r++) {
            fa_counts g[3];
            three_groups(g);
            memset(&g[i], 0, sizeof g[i]);
            for (size_t q = 0; q < n; q++) {
                if (q != r) { /* every row of group i but row r */
                    fa_counts_add_row(&g[i], label[q], pred[q], 1.0, NAN);
                }
            }
            theta[r] = statistic(g, pick);
            mean += theta[r] / (double)n;
        }
        for (size_t r = 0; r < n; r++) {
            const double l = ((double)n - 1.0) * (mean - theta[r]);
            s2 += l * l / ((double)n * (double)n);
            s3 += l * l * l / ((double)n * (double)n * (double)n);
        }
    }
    return s3 / (6.0 * pow(s2, 1.5));
}

static void bootstrap__acceleration_is_the_stratified_row_jackknife(void **state)
{
    (void)state;
    fa_counts g[3];
    three_groups(g);
    fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
    o.replicates = 1000;
    o.method = FA_BOOTSTRAP_BCA;
    o.min_group_size = 0;
    fa_bootstrap *bs = run(g, 3, 2, &o);
    const pick_fn picks[3] = {pick_dpd, pick_di, pick_tpr_ratio_overall};
    for (int i = 0; i < 3; i++) {
        const fa_bootstrap_ci *c = picks[i](bs);
        const double a = explicit_acceleration(picks[i]);
        assert_close(c->accel, a, 1e-10 * fabs(a) + 1e-15);
        assert_true(fabs(a) > 1e-4); /* not a vacuous comparison */
        assert_false(isnan(c->z0));
        assert_true(c->lo < c->point && c->point < c->hi);
        print_message("      accel %.6g z0 %.4f [%.4f, %.4f]\n", c->accel, c->z0, c->lo, c->hi);
    }
    fa_bootstrap_free(bs);
}

/* ---------------------------------------------------------------- timing */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Cells of intersection group (i, j) of a 4 x 3 design: 150..2000 rows each. */
static fa_counts design_cell(int i, int j)
{
    const double n = 150.0 + 170.0 * (double)(3 * i + j);
    const double base = 0.2 + 0.05 * i + 0.03 * j, sel = 0.25 + 0.04 * j + 0.02 * i;
    const double tp = floor(n * base * 0.7), fn = floor(n * base) - tp;
    const double fp = floor(n * (1.0 - base) * sel * 0.5), tn = n - tp - fn - fp;
    return cells(tp, fp, tn, fn);
}

static void bootstrap__b_1000_on_4_3_and_12_groups_is_fast(void **state)
{
    (void)state;
    fa_counts a[4] = {{0}}, b[3] = {{0}}, ab[12];
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 3; j++) {
            ab[3 * i + j] = design_cell(i, j);
            fa_counts_add(&a[i], &ab[3 * i + j]);
            fa_counts_add(&b[j], &ab[3 * i + j]);
        }
    }
    for (int method = 0; method < 2; method++) {
        fa_bootstrap_options o = FA_BOOTSTRAP_OPTIONS_INIT;
        o.threads = 1;
        o.method = (fa_bootstrap_method)method;
        const double t0 = seconds();
        o.stream = 0;
        fa_bootstrap *x = run(a, 4, 0, &o);
        o.stream = 1;
        fa_bootstrap *y = run(b, 3, 0, &o);
        o.stream = 2;
        fa_bootstrap *z = run(ab, 12, 0, &o);
        const double dt = seconds() - t0;
        print_message("      B = 1000, %s, 1 thread, 4 + 3 + 12 groups: %.3f s\n",
                      method ? "bca" : "percentile", dt);
        assert_true(dt < 2.0); /* release: well under 0.2 s; debug and ASan builds are slower */
        fa_bootstrap_free(x);
        fa_bootstrap_free(y);
        fa_bootstrap_free(z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bootstrap__replicate_never_loses_a_group),
        cmocka_unit_test(bootstrap__weighted_replicate_gives_rows_the_group_average_weight),
        cmocka_unit_test(bootstrap__zero_weight_group_stays_zero),
        cmocka_unit_test(bootstrap__same_seed_gives_the_same_bytes_whatever_the_threads),
        cmocka_unit_test(bootstrap__passes_under_a_memory_limit_give_the_same_bytes),
        cmocka_unit_test(bootstrap__another_seed_or_stream_draws_other_replicates),
        cmocka_unit_test(bootstrap__points_are_the_data_disparities),
        cmocka_unit_test(bootstrap__small_group_is_left_out_of_max_and_min),
        cmocka_unit_test(bootstrap__undefined_replicates_are_counted_and_left_out),
        cmocka_unit_test(bootstrap__without_reference_group_intervals_are_undefined),
        cmocka_unit_test(bootstrap__mean_score_count_and_share_are_not_resampled),
        cmocka_unit_test(bootstrap__one_replicate_is_its_own_interval),
        cmocka_unit_test(bootstrap__no_groups_gives_undefined_aggregates),
        cmocka_unit_test(bootstrap__bad_options_and_counts_are_errors),
        cmocka_unit_test(bootstrap__count_bootstrap_matches_a_row_bootstrap),
        cmocka_unit_test(bootstrap__percentile_interval_is_the_type_7_quantile),
        cmocka_unit_test(bootstrap__undefined_values_are_left_out_of_the_quantiles),
        cmocka_unit_test(bootstrap__bca_without_bias_or_acceleration_is_the_percentile),
        cmocka_unit_test(bootstrap__bca_moves_toward_the_bias_and_the_skew),
        cmocka_unit_test(bootstrap__bca_is_undefined_when_its_correction_is),
        cmocka_unit_test(bootstrap__acceleration_is_the_stratified_row_jackknife),
        cmocka_unit_test(bootstrap__b_1000_on_4_3_and_12_groups_is_fast),
    };
    return cmocka_run_group_tests_name("bootstrap", tests, NULL, NULL);
}
