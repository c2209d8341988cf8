/*
 * test_interval.c - metrics/interval.c: Wilson score and Clopper-Pearson intervals of a
 * proportion, their edges (x = 0, x = n, n = 0), and the interval of a rate from counts.
 *
 * References: Wilson's closed form worked out below; Clopper-Pearson from R's
 * binom.test(7, 13)$conf.int = [0.2513, 0.8078], to full precision by bisecting the exact
 * binomial tails in python3's standard library (math.lgamma, math.fsum).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include <gsl/gsl_cdf.h>

#include "metrics/interval.h"

/* 1.9599639845400536 = Phi^-1(0.975), python3: statistics.NormalDist().inv_cdf(0.975) */
#define Z95 1.9599639845400536

#define assert_close(got, want, tol) check_close((got), (want), (tol), #got, __FILE__, __LINE__)

static void check_close(double got, double want, double tol, const char *expr, const char *file,
                        int line)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", expr, got, want, tol);
        _fail(file, line);
    }
}

#define assert_rel(got, want, tol)                                                                 \
    check_close((got), (want), (tol)*fabs(want), #got, __FILE__, __LINE__)

#define assert_double_exact(got, want) check_close((got), (want), 0.0, #got, __FILE__, __LINE__)

#define assert_nan(got) check_nan((got), #got, __FILE__, __LINE__)

static void check_nan(double got, const char *expr, const char *file, int line)
{
    if (!isnan(got)) {
        print_error("%s = %.17g, expected NAN (undefined)\n", expr, got);
        _fail(file, line);
    }
}

/* --------------------------------------------------------------------- z */

static void interval__z_of_95_percent_is_1_96(void **state)
{
    (void)state;
    assert_close(fa_interval_z(0.95), Z95, 1e-15);
    assert_close(fa_interval_z(0.5), 0.67448975019608171, 1e-15); /* Phi^-1(0.75) */
}

static void interval__z_outside_0_1_is_undefined(void **state)
{
    (void)state;
    assert_nan(fa_interval_z(0.0));
    assert_nan(fa_interval_z(1.0));
    assert_nan(fa_interval_z(NAN));
}

/* ---------------------------------------------------------------- Wilson */

static void interval__wilson_7_of_13(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_wilson(&iv, 7.0, 13.0, 0.95), FA_OK);
    /* (7 + z^2/2 -+ z sqrt(7 * 6 / 13 + z^2 / 4)) / (13 + z^2), z = 1.95996 */
    assert_close(iv.lo, 0.29143795714506, 1e-13);
    assert_close(iv.hi, 0.767939321904617, 1e-13);
}

static void interval__wilson_at_zero_and_n_is_exactly_0_and_1(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_wilson(&iv, 0.0, 13.0, 0.95), FA_OK);
    assert_double_exact(iv.lo, 0.0);
    /* x = 0: (z^2/2 + z * z/2) / (13 + z^2) = z^2 / (13 + z^2) */
    assert_close(iv.hi, Z95 * Z95 / (13.0 + Z95 * Z95), 1e-15); /* 0.2280953723541983 */
    assert_int_equal(fa_interval_wilson(&iv, 13.0, 13.0, 0.95), FA_OK);
    assert_close(iv.lo, 13.0 / (13.0 + Z95 * Z95), 1e-15); /* 1 - 0.2280953723541983 */
    assert_double_exact(iv.hi, 1.0);
}

static void interval__wilson_of_weighted_counts_treats_the_weight_sum_as_n(void **state)
{
    (void)state;
    fa_interval iv;
    /* x = 2.5, n = 6.5: (2.5 + z^2/2 -+ z sqrt(2.5 * 4 / 6.5 + z^2/4)) / (6.5 + z^2) */
    assert_int_equal(fa_interval_wilson(&iv, 2.5, 6.5, 0.95), FA_OK);
    assert_close(iv.lo, 0.12788155380471455, 1e-14);
    assert_close(iv.hi, 0.7270712119503089, 1e-14);
}

/* -------------------------------------------------------- Clopper-Pearson */

static void interval__clopper_pearson_7_of_13_matches_r_binom_test(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_clopper_pearson(&iv, 7.0, 13.0, 0.95), FA_OK);
    assert_close(iv.lo, 0.2513, 5e-5); /* R: binom.test(7, 13) */
    assert_close(iv.hi, 0.8078, 5e-5);
    assert_close(iv.lo, 0.251345482270304, 1e-13); /* exact tails, bisected */
    assert_close(iv.hi, 0.807767558198712, 1e-13);
}

static void interval__clopper_pearson_at_zero_and_n_has_closed_forms(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_clopper_pearson(&iv, 0.0, 13.0, 0.95), FA_OK);
    assert_double_exact(iv.lo, 0.0);
    assert_close(iv.hi, 0.24705263800047095, 1e-15); /* 1 - 0.025^(1/13) */
    assert_int_equal(fa_interval_clopper_pearson(&iv, 13.0, 13.0, 0.95), FA_OK);
    assert_close(iv.lo, 0.752947361999529, 1e-15); /* 0.025^(1/13) */
    assert_double_exact(iv.hi, 1.0);
}

static void interval__clopper_pearson_of_one_trial(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_clopper_pearson(&iv, 0.0, 1.0, 0.95), FA_OK);
    assert_double_exact(iv.lo, 0.0);
    assert_close(iv.hi, 0.975, 1e-15); /* 1 - 0.025^(1/1) */
    assert_int_equal(fa_interval_clopper_pearson(&iv, 1.0, 1.0, 0.95), FA_OK);
    assert_close(iv.lo, 0.025, 1e-15);
    assert_double_exact(iv.hi, 1.0);
}

/* P(X >= x) and P(X <= x) for X ~ Bin(n, p), by direct sums (n small). */
static double binom_tail(int x, int n, double p, int upper)
{
    double sum = 0.0;
    for (int j = upper ? x : 0; j <= (upper ? n : x); j++) {
        double lc = lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0);
        sum += exp(lc + j * log(p) + (n - j) * log1p(-p));
    }
    return sum;
}

static void interval__clopper_pearson_bounds_solve_the_binomial_tails(void **state)
{
    (void)state;
    for (int x = 1; x < 20; x++) {
        fa_interval iv;
        assert_int_equal(fa_interval_clopper_pearson(&iv, x, 20.0, 0.9), FA_OK);
        /* P(X >= x | lo) = 0.05 and P(X <= x | hi) = 0.05 */
        assert_close(binom_tail(x, 20, iv.lo, 1), 0.05, 1e-12);
        assert_close(binom_tail(x, 20, iv.hi, 0), 0.05, 1e-12);
    }
}

static void interval__clopper_pearson_holds_where_gsl_beta_pinv_fails(void **state)
{
    (void)state;
    fa_interval iv;
    /* gsl_cdf_beta_Pinv(0.75, 2, 9999) fails to converge (and aborts by default) */
    assert_int_equal(fa_interval_clopper_pearson(&iv, 1.0, 10000.0, 0.5), FA_OK);
    assert_rel(iv.lo, 2.87677934446065e-05, 1e-9); /* exact tails, bisected */
    assert_rel(iv.hi, 0.000269240665597498, 1e-9);
    assert_int_equal(fa_interval_clopper_pearson(&iv, 1.0, 1000.0, 0.95), FA_OK);
    assert_rel(iv.lo, 2.53174874912924e-05, 1e-9);
    assert_rel(iv.hi, 0.00555892427982676, 1e-9);
    assert_int_equal(fa_interval_clopper_pearson(&iv, 999.0, 1000.0, 0.8), FA_OK);
    assert_rel(iv.lo, 0.996115895601603, 1e-12);
    assert_rel(iv.hi, 0.999894645034566, 1e-12);
    assert_int_equal(fa_interval_clopper_pearson(&iv, 3.0, 10000.0, 0.99), FA_OK);
    assert_rel(iv.lo, 3.37891471007436e-05, 1e-9);
    assert_rel(iv.hi, 0.00109730997296017, 1e-9);
}

static void interval__clopper_pearson_of_huge_n_is_wilson_widened_by_one_over_n(void **state)
{
    (void)state;
    /* n = 1e12 (weighted): both are z sqrt(p (1 - p) / n) wide to first order; the exact
     * interval's continuity adds 1/(2n) on each side. The direct ln of t^a (1-t)^b / B(a, b)
     * would lose 4 digits here and widen the interval by 8e-10. */
    fa_interval cp, w;
    assert_int_equal(fa_interval_clopper_pearson(&cp, 5e11, 1e12, 0.95), FA_OK);
    assert_int_equal(fa_interval_wilson(&w, 5e11, 1e12, 0.95), FA_OK);
    assert_close((cp.hi - cp.lo) - (w.hi - w.lo), 1.0 / 1e12, 0.1 / 1e12);
    assert_close(0.5 * (cp.lo + cp.hi), 0.5, 1e-15);
}

static void interval__clopper_pearson_of_weighted_counts_uses_beta_quantiles(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_clopper_pearson(&iv, 2.5, 6.5, 0.95), FA_OK);
    /* lo = B^-1(0.025; 2.5, 5), hi = B^-1(0.975; 3.5, 4) */
    assert_close(gsl_cdf_beta_P(iv.lo, 2.5, 5.0), 0.025, 1e-13);
    assert_close(gsl_cdf_beta_Q(iv.hi, 3.5, 4.0), 0.025, 1e-13);
}

static void interval__clopper_pearson_is_wider_than_wilson_on_small_samples(void **state)
{
    (void)state;
    for (int x = 0; x <= 13; x++) {
        fa_interval cp, w;
        fa_interval_clopper_pearson(&cp, x, 13.0, 0.95);
        fa_interval_wilson(&w, x, 13.0, 0.95);
        assert_true(cp.hi - cp.lo > w.hi - w.lo);
    }
}

/* ------------------------------------------------------ undefined, errors */

static void interval__no_trials_is_undefined_not_an_error(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_wilson(&iv, 0.0, 0.0, 0.95), FA_OK);
    assert_nan(iv.lo);
    assert_nan(iv.hi);
    assert_int_equal(fa_interval_clopper_pearson(&iv, 0.0, 0.0, 0.95), FA_OK);
    assert_nan(iv.lo);
    assert_nan(iv.hi);
}

static void interval__bad_level_or_counts_are_domain_errors(void **state)
{
    (void)state;
    fa_interval iv;
    const double levels[4] = {0.0, 1.0, 1.5, NAN};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(fa_interval_wilson(&iv, 1.0, 2.0, levels[i]), FA_EDOMAIN);
        assert_nan(iv.lo);
        assert_int_equal(fa_interval_clopper_pearson(&iv, 1.0, 2.0, levels[i]), FA_EDOMAIN);
        assert_nan(iv.hi);
    }
    assert_int_equal(fa_interval_wilson(&iv, 3.0, 2.0, 0.95), FA_EDOMAIN);  /* x > n */
    assert_int_equal(fa_interval_wilson(&iv, -1.0, 2.0, 0.95), FA_EDOMAIN); /* x < 0 */
    assert_int_equal(fa_interval_clopper_pearson(&iv, 0.0, -2.0, 0.95), FA_EDOMAIN);
    assert_int_equal(fa_interval_clopper_pearson(&iv, NAN, 2.0, 0.95), FA_EDOMAIN);
    assert_int_equal(fa_interval_wilson(&iv, 1.0, INFINITY, 0.95), FA_EDOMAIN);
}

static void interval__x_above_n_by_a_rounding_error_is_n(void **state)
{
    (void)state;
    fa_interval iv;
    const double n = 0.1 + 0.2; /* 0.30000000000000004 */
    assert_int_equal(fa_interval_wilson(&iv, nextafter(n, 1.0), n, 0.95), FA_OK);
    assert_double_exact(iv.hi, 1.0);
}

static void interval__unknown_method_is_invalid(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_proportion(&iv, 1.0, 2.0, 0.95, (fa_interval_method)7), FA_EINVAL);
    assert_nan(iv.lo);
    assert_int_equal(fa_interval_proportion(&iv, 7.0, 13.0, 0.95, FA_INTERVAL_CLOPPER_PEARSON),
                     FA_OK);
    assert_close(iv.lo, 0.251345482270304, 1e-13);
}

/* ----------------------------------------------------------------- rates */

/* tp 7, fp 3, tn 20, fn 6 (weights 1): P = 13, N = 23, PP = 10, PN = 26, n = 36 */
static const fa_counts G = {7.0, 3.0, 20.0, 6.0, 0.0, 0.0, 36};
/* the population: G plus tp 5, fp 5, tn 10, fn 4 */
static const fa_counts ALL = {12.0, 8.0, 30.0, 10.0, 0.0, 0.0, 60};

static void interval__tpr_is_tp_over_actual_positives(void **state)
{
    (void)state;
    fa_interval iv;
    assert_int_equal(fa_interval_rate(&iv, FA_METRIC_TRUE_POSITIVE_RATE, &G, &ALL, 0.95,
                                      FA_INTERVAL_CLOPPER_PEARSON),
                     FA_OK);
    assert_close(iv.lo, 0.251345482270304, 1e-13); /* 7 / (7 + 6) = 7 / 13 */
    assert_close(iv.hi, 0.807767558198712, 1e-13);
    double x, n;
    assert_int_equal(fa_interval_rate_parts(&x, &n, FA_METRIC_PREDICTED_POSITIVE_SHARE, &G, &ALL),
                     1);
    assert_double_exact(x, 10.0); /* PP = 7 + 3 */
    assert_double_exact(n, 20.0); /* PP_all = 12 + 8 */
}

static void interval__rate_parts_give_the_metric_value_bit_for_bit(void **state)
{
    (void)state;
    /* weighted counts, so that the order of the sums matters */
    const fa_counts g = {0.7, 0.3, 2.1, 0.9, 0.0, 0.0, 9};
    const fa_counts all = {1.7, 1.3, 4.1, 1.9, 0.0, 0.0, 20};
    int n_prop = 0;
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        double x, n;
        if (!fa_interval_rate_parts(&x, &n, (fa_metric)m, &g, &all)) {
            assert_nan(x);
            continue;
        }
        n_prop++;
        assert_double_exact(x / n, fa_metric_value((fa_metric)m, &g, &all, NULL));
        assert_true(x <= n);
    }
    assert_int_equal(n_prop, 14); /* all but count, balanced_accuracy, f1, treatment_eq., mean */
}

static void interval__rate_that_is_not_a_proportion_is_invalid(void **state)
{
    (void)state;
    const fa_metric not_prop[5] = {FA_METRIC_COUNT, FA_METRIC_BALANCED_ACCURACY, FA_METRIC_F1,
                                   FA_METRIC_TREATMENT_EQUALITY, FA_METRIC_MEAN_SCORE};
    for (int i = 0; i < 5; i++) {
        fa_interval iv;
        assert_int_equal(fa_interval_rate(&iv, not_prop[i], &G, &ALL, 0.95, FA_INTERVAL_WILSON),
                         FA_EINVAL);
        assert_nan(iv.lo);
        assert_nan(iv.hi);
    }
}

static void interval__undefined_rate_has_undefined_bounds(void **state)
{
    (void)state;
    const fa_counts no_pos = {0.0, 4.0, 6.0, 0.0, 0.0, 0.0, 10}; /* P = 0 */
    fa_interval iv;
    assert_int_equal(fa_interval_rate(&iv, FA_METRIC_TRUE_POSITIVE_RATE, &no_pos, &ALL, 0.95,
                                      FA_INTERVAL_WILSON),
                     FA_OK);
    assert_nan(iv.lo);
    assert_nan(iv.hi);
    /* share without a population: n_all = 0 */
    assert_int_equal(fa_interval_rate(&iv, FA_METRIC_SHARE, &G, NULL, 0.95, FA_INTERVAL_WILSON),
                     FA_OK);
    assert_nan(iv.lo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interval__z_of_95_percent_is_1_96),
        cmocka_unit_test(interval__z_outside_0_1_is_undefined),
        cmocka_unit_test(interval__wilson_7_of_13),
        cmocka_unit_test(interval__wilson_at_zero_and_n_is_exactly_0_and_1),
        cmocka_unit_test(interval__wilson_of_weighted_counts_treats_the_weight_sum_as_n),
        cmocka_unit_test(interval__clopper_pearson_7_of_13_matches_r_binom_test),
        cmocka_unit_test(interval__clopper_pearson_at_zero_and_n_has_closed_forms),
        cmocka_unit_test(interval__clopper_pearson_of_one_trial),
        cmocka_unit_test(interval__clopper_pearson_bounds_solve_the_binomial_tails),
        cmocka_unit_test(interval__clopper_pearson_holds_where_gsl_beta_pinv_fails),
        cmocka_unit_test(interval__clopper_pearson_of_huge_n_is_wilson_widened_by_one_over_n),
        cmocka_unit_test(interval__clopper_pearson_of_weighted_counts_uses_beta_quantiles),
        cmocka_unit_test(interval__clopper_pearson_is_wider_than_wilson_on_small_samples),
        cmocka_unit_test(interval__no_trials_is_undefined_not_an_error),
        cmocka_unit_test(interval__bad_level_or_counts_are_domain_errors),
        cmocka_unit_test(interval__x_above_n_by_a_rounding_error_is_n),
        cmocka_unit_test(interval__unknown_method_is_invalid),
        cmocka_unit_test(interval__tpr_is_tp_over_actual_positives),
        cmocka_unit_test(interval__rate_parts_give_the_metric_value_bit_for_bit),
        cmocka_unit_test(interval__rate_that_is_not_a_proportion_is_invalid),
        cmocka_unit_test(interval__undefined_rate_has_undefined_bounds),
    };
    return cmocka_run_group_tests_name("interval", tests, NULL, NULL);
}
