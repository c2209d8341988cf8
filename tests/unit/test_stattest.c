/*
 * test_stattest.c - metrics/stattest.c: the two-proportion z test, Fisher's exact test (the
 * tea-tasting table, a larger table, tables with millions of rows, weighted cells rounded),
 * the chooser between them, the chi-square test of independence (statistic, dof, p-value,
 * Cramer's V, empty rows and columns dropped) and Holm's correction (ties, NaN, cap at 1).
 *
 * Reference values: exact fractions and 60-digit decimal walks computed once with python3's
 * fractions and decimal modules (scipy is not installed here); normal tails with math.erfc;
 * chi-square tails in closed form for dof 1 (erfc(sqrt(x / 2))), 2 (exp(-x / 2)) and 4
 * (exp(-x / 2) (1 + x / 2)).
 *
 * GSL's default error handler (abort) stays on in this binary: the module validates before
 * calling GSL, so a GSL error here would be a bug and would abort the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "include/fairaudit.h"
#include "metrics/stattest.h"

#define assert_double_exact(got, want) check_exact((got), (want), #got, __FILE__, __LINE__)

static void check_exact(double got, double want, const char *expr, const char *file, int line)
{
    if (!(got == want)) {
        print_error("%s = %.17g, expected %.17g\n", expr, got, want);
        _fail(file, line);
    }
}

/* |got - want| <= rel * |want| */
#define assert_close(got, want, rel) check_close((got), (want), (rel), #got, __FILE__, __LINE__)

static void check_close(double got, double want, double rel, const char *expr, const char *file,
                        int line)
{
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("%s = %.17g, expected %.17g (relative tolerance %g)\n", expr, got, want, rel);
        _fail(file, line);
    }
}

#define assert_nan(got) check_nan((got), #got, __FILE__, __LINE__)

static void check_nan(double got, const char *expr, const char *file, int line)
{
    if (!isnan(got)) {
        print_error("%s = %.17g, expected NAN (undefined)\n", expr, got);
        _fail(file, line);
    }
}

/* p-values through GSL's normal and chi-square tails: 1e-12 relative. */
#define REL 1e-12

/* ------------------------------------------------------------------ z test */

static void z__thirty_of_a_hundred_against_twenty_of_a_hundred(void **state)
{
    (void)state;
    fa_prop_test t;
    assert_int_equal(fa_stattest_z(&t, 30.0, 100.0, 20.0, 100.0, NULL), FA_OK);
    assert_int_equal(t.method, FA_TEST_Z);
    assert_null(t.reason);
    assert_double_exact(t.p1, 30.0 / 100.0);
    assert_double_exact(t.p2, 20.0 / 100.0);
    /* p = 50 / 200 = 0.25; SE = sqrt(0.25 * 0.75 * (1/100 + 1/100)) = sqrt(0.00375);
     * z = (0.3 - 0.2) / SE = 1.6329931618554518 (= sqrt(8/3)) */
    assert_close(t.statistic, 1.6329931618554518, 1e-14);
    assert_close(t.statistic * t.statistic, 8.0 / 3.0, 1e-14);
    /* 2 Q(z) = erfc(z / sqrt 2), python math.erfc */
    assert_close(t.p_value, 0.10247043485974951, REL);
    /* smallest expected cell: 100 * 50 / 200 = 25 */
    assert_double_exact(t.min_expected, 25.0);
}

static void z__statistic_is_signed_and_p_value_symmetric(void **state)
{
    (void)state;
    fa_prop_test a, b;
    assert_int_equal(fa_stattest_z(&a, 30.0, 100.0, 20.0, 100.0, NULL), FA_OK);
    assert_int_equal(fa_stattest_z(&b, 20.0, 100.0, 30.0, 100.0, NULL), FA_OK);
    assert_double_exact(b.statistic, -a.statistic);
    assert_double_exact(b.p_value, a.p_value);
}

static void z__squared_is_the_chi_square_of_the_2x2_table(void **state)
{
    (void)state;
    fa_prop_test z;
    fa_chisq_test c;
    const double table[4] = {30.0, 70.0, 20.0, 80.0};
    assert_int_equal(fa_stattest_z(&z, 30.0, 100.0, 20.0, 100.0, NULL), FA_OK);
    assert_int_equal(fa_stattest_chisq(&c, table, 2, 2, NULL), FA_OK);
    assert_close(z.statistic * z.statistic, c.statistic, 1e-14);
    assert_close(z.p_value, c.p_value, 1e-12);
}

static void z__group_without_rows_is_undefined(void **state)
{
    (void)state;
    fa_prop_test t;
    assert_int_equal(fa_stattest_z(&t, 3.0, 10.0, 0.0, 0.0, NULL), FA_OK);
    assert_nan(t.p_value);
    assert_nan(t.statistic);
    assert_nan(t.p2);
    assert_string_equal(t.reason, "a group has no rows");
    assert_int_equal(fa_stattest_z(&t, 0.0, 0.0, 0.0, 0.0, NULL), FA_OK);
    assert_string_equal(t.reason, "no rows");
}

static void z__every_row_with_the_same_outcome_is_undefined(void **state)
{
    (void)state;
    fa_prop_test t;
    /* pooled p = 0: SE = 0, z = 0 / 0 */
    assert_int_equal(fa_stattest_z(&t, 0.0, 10.0, 0.0, 20.0, NULL), FA_OK);
    assert_nan(t.p_value);
    assert_string_equal(t.reason, "every row has the same outcome");
    /* pooled p = 1 */
    assert_int_equal(fa_stattest_z(&t, 10.0, 10.0, 20.0, 20.0, NULL), FA_OK);
    assert_nan(t.p_value);
    assert_string_equal(t.reason, "every row has the same outcome");
}

static void z__successes_above_the_group_size_is_a_domain_error(void **state)
{
    (void)state;
    fa_prop_test t;
    fa_error err;
    fa_error_clear(&err);
    assert_int_equal(fa_stattest_z(&t, 5.0, 10.0, 12.0, 11.0, &err), FA_EDOMAIN);
    assert_int_equal(err.status, FA_EDOMAIN);
    assert_string_equal(err.message,
                        "two-proportion test: group 2: 12 successes exceed the group size 11");
}

static void z__negative_or_non_finite_count_is_a_domain_error(void **state)
{
    (void)state;
    fa_prop_test t;
    fa_error err;
    assert_int_equal(fa_stattest_z(&t, -1.0, 10.0, 2.0, 10.0, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "two-proportion test: group 1: counts must be finite and "
                                     "non-negative, got -1 of 10");
    assert_int_equal(fa_stattest_z(&t, 1.0, NAN, 2.0, 10.0, &err), FA_EDOMAIN);
    assert_int_equal(fa_stattest_z(&t, 1.0, 10.0, 2.0, INFINITY, NULL), FA_EDOMAIN);
}

/* ------------------------------------------------------------------ Fisher */

static void fisher__tea_tasting_table_is_17_over_35(void **state)
{
    (void)state;
    fa_prop_test t;
    /* (3, 1; 1, 3): margins 4, 4, k = 4; C(4,x) C(4,4-x) = 1, 16, 36, 16, 1 over C(8,4) = 70;
     * observed x = 3 has 16; tables at most as likely: 1 + 16 + 16 + 1 = 34 -> 34/70 */
    assert_int_equal(fa_stattest_fisher(&t, 3.0, 4.0, 1.0, 4.0, NULL, NULL), FA_OK);
    assert_int_equal(t.method, FA_TEST_FISHER);
    assert_null(t.reason);
    assert_close(t.p_value, 17.0 / 35.0, 1e-14); /* 0.4857142857142857 */
    assert_nan(t.statistic);
    assert_int_equal(t.rounded, 0);
    /* expected cells 4 * 4 / 8 = 2 */
    assert_double_exact(t.min_expected, 2.0);
}

static void fisher__larger_table_matches_the_exact_fraction(void **state)
{
    (void)state;
    fa_prop_test t;
    /* (12, 18; 3, 22): python fractions, sum of C(30,x) C(25,15-x) / C(55,15) over the x
     * at most as likely as x = 12: 101270209 / 3135625962 */
    assert_int_equal(fa_stattest_fisher(&t, 12.0, 30.0, 3.0, 25.0, NULL, NULL), FA_OK);
    assert_close(t.p_value, 101270209.0 / 3135625962.0, 1e-13); /* 0.032296648333465995 */
    /* (2, 8; 10, 5), where the two tails are unequal: 0.041405303540180377 (fractions) */
    assert_int_equal(fa_stattest_fisher(&t, 2.0, 10.0, 10.0, 15.0, NULL, NULL), FA_OK);
    assert_close(t.p_value, 0.041405303540180377, 1e-13);
}

/* R's definition summed directly with GSL's hypergeometric density, for small tables. */
static double fisher_by_pdf(unsigned a, unsigned n1, unsigned c, unsigned n2)
{
    unsigned k = a + c;
    unsigned lo = k > n2 ? k - n2 : 0, hi = k < n1 ? k : n1;
    double obs = gsl_ran_hypergeometric_pdf(a, n1, n2, k);
    double p = 0.0;
    for (unsigned x = lo; x <= hi; x++) {
        double d = gsl_ran_hypergeometric_pdf(x, n1, n2, k);
        p += d <= obs * (1.0 + 1e-7) ? d : 0.0;
    }
    return p;
}

static void fisher__agrees_with_gsl_hypergeometric_sums_on_every_small_table(void **state)
{
    (void)state;
    for (unsigned n1 = 1; n1 <= 12; n1++) {
        for (unsigned n2 = 1; n2 <= 12; n2++) {
            for (unsigned a = 0; a <= n1; a++) {
                for (unsigned c = 0; c <= n2; c++) {
                    fa_prop_test t;
                    assert_int_equal(fa_stattest_fisher(&t, a, n1, c, n2, NULL, NULL), FA_OK);
                    double want = fisher_by_pdf(a, n1, c, n2);
                    if (!(fabs(t.p_value - want) <= 1e-12 * want)) {
                        print_error("table (%u, %u; %u, %u): p = %.17g, pdf sum %.17g\n", a, n1 - a,
                                    c, n2 - c, t.p_value, want);
                        fail();
                    }
                }
            }
        }
    }
}

static void fisher__is_symmetric_in_the_two_groups(void **state)
{
    (void)state;
    fa_prop_test a, b;
    assert_int_equal(fa_stattest_fisher(&a, 12.0, 30.0, 3.0, 25.0, NULL, NULL), FA_OK);
    assert_int_equal(fa_stattest_fisher(&b, 3.0, 25.0, 12.0, 30.0, NULL, NULL), FA_OK);
    assert_close(b.p_value, a.p_value, 1e-13);
}

static void fisher__millions_of_rows_do_not_overflow(void **state)
{
    (void)state;
    fa_prop_test t;
    /* C(2e6, 201000) overflows any double; reference: a 60-digit decimal walk of the same
     * definition (python decimal): 0.0188008062075052537... */
    assert_int_equal(fa_stattest_fisher(&t, 101000.0, 1000000.0, 100000.0, 1000000.0, NULL, NULL),
                     FA_OK);
    assert_close(t.p_value, 0.018800806207505254, 1e-9);
    /* a far tail: 0 of a million against 50 of a million, 1.775269127061036e-15 */
    assert_int_equal(fa_stattest_fisher(&t, 0.0, 1000000.0, 50.0, 1000000.0, NULL, NULL), FA_OK);
    assert_close(t.p_value, 1.7752691270610363e-15, 1e-9);
}

static void fisher__hundreds_of_millions_of_rows_are_quick_and_accurate(void **state)
{
    (void)state;
    fa_prop_test t;
    /* 25,010,000 of 5e7 against 25,000,000 of 5e7: 0.0455218597421720930... (python decimal).
     * Far from the mode neighbours differ by a factor near 1, so a walk down to 0 would crawl
     * through subnormals to the end of the support; the walk stops at DBL_MIN instead. */
    assert_int_equal(
        fa_stattest_fisher(&t, 25010000.0, 50000000.0, 25000000.0, 50000000.0, NULL, NULL), FA_OK);
    assert_close(t.p_value, 0.045521859742172093, 1e-9);
    /* a billion rows, the observed table at the mode */
    assert_int_equal(fa_stattest_fisher(&t, 5e8, 1e9, 5e8, 1e9, NULL, NULL), FA_OK);
    assert_double_exact(t.p_value, 1.0);
}

static void fisher__one_possible_table_gives_one(void **state)
{
    (void)state;
    fa_prop_test t;
    /* no successes at all: k = 0, the only table with these margins is the observed one */
    assert_int_equal(fa_stattest_fisher(&t, 0.0, 10.0, 0.0, 7.0, NULL, NULL), FA_OK);
    assert_double_exact(t.p_value, 1.0);
    /* every row a success */
    assert_int_equal(fa_stattest_fisher(&t, 10.0, 10.0, 7.0, 7.0, NULL, NULL), FA_OK);
    assert_double_exact(t.p_value, 1.0);
}

static void fisher__group_without_rows_is_undefined(void **state)
{
    (void)state;
    fa_prop_test t;
    assert_int_equal(fa_stattest_fisher(&t, 0.0, 0.0, 3.0, 7.0, NULL, NULL), FA_OK);
    assert_nan(t.p_value);
    assert_string_equal(t.reason, "a group has no rows");
}

static void fisher__rounds_weighted_cells_to_integers_and_says_so(void **state)
{
    (void)state;
    fa_prop_test t;
    /* cells 2.6, 3.8 - 2.6 = 1.2, 0.9, 4.3 - 0.9 = 3.4 round to (3, 1; 1, 3): the tea table */
    assert_int_equal(fa_stattest_fisher(&t, 2.6, 3.8, 0.9, 4.3, NULL, NULL), FA_OK);
    assert_int_equal(t.rounded, 1);
    assert_close(t.p_value, 17.0 / 35.0, 1e-14);
    assert_double_exact(t.p1, 3.0 / 4.0); /* of the rounded table */
    /* halves go away from zero: 2.5, 1 - > (3, 1); 1, 3 */
    assert_int_equal(fa_stattest_fisher(&t, 2.5, 3.5, 1.0, 4.0, NULL, NULL), FA_OK);
    assert_close(t.p_value, 17.0 / 35.0, 1e-14);
}

static void fisher__tolerance_keeps_tables_tied_with_the_observed_one(void **state)
{
    (void)state;
    fa_prop_test t;
    /* the tea table's x = 1 and x = 3 are equally likely (16/70); with no tolerance rounding
     * might drop one of them, with R's 1e-7 both count: 34/70 */
    fa_stattest_options o = FA_STATTEST_OPTIONS_INIT;
    assert_double_exact(o.fisher_rel_tol, 1e-7);
    assert_int_equal(fa_stattest_fisher(&t, 1.0, 4.0, 3.0, 4.0, &o, NULL), FA_OK);
    assert_close(t.p_value, 17.0 / 35.0, 1e-14);
    o.fisher_rel_tol = -1.0;
    fa_error err;
    assert_int_equal(fa_stattest_fisher(&t, 1.0, 4.0, 3.0, 4.0, &o, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "fisher's exact test: the relative tolerance must be finite "
                                     "and non-negative, got -1");
}

static void fisher__more_rows_than_two_to_the_53_is_a_domain_error(void **state)
{
    (void)state;
    fa_prop_test t;
    fa_error err;
    assert_int_equal(fa_stattest_fisher(&t, 1.0, 1e16, 1.0, 10.0, NULL, &err), FA_EDOMAIN);
    assert_non_null(strstr(err.message, "more than an exact test can count"));
}

/* ----------------------------------------------------------------- chooser */

static void two_prop__small_expected_counts_choose_fisher(void **state)
{
    (void)state;
    fa_prop_test t;
    /* tea table: expected 4 * 4 / 8 = 2 < 5 */
    assert_int_equal(fa_stattest_two_prop(&t, 3.0, 4.0, 1.0, 4.0, NULL, NULL), FA_OK);
    assert_int_equal(t.method, FA_TEST_FISHER);
    assert_string_equal(fa_stattest_method_name(t.method), "fisher_exact");
    assert_close(t.p_value, 17.0 / 35.0, 1e-14);
}

static void two_prop__large_expected_counts_choose_z(void **state)
{
    (void)state;
    fa_prop_test t;
    /* expected 100 * 50 / 200 = 25 >= 5 */
    assert_int_equal(fa_stattest_two_prop(&t, 30.0, 100.0, 20.0, 100.0, NULL, NULL), FA_OK);
    assert_int_equal(t.method, FA_TEST_Z);
    assert_string_equal(fa_stattest_method_name(t.method), "two_proportion_z");
    assert_close(t.p_value, 0.10247043485974951, REL);
}

static void two_prop__fisher_only_below_five_expected(void **state)
{
    (void)state;
    fa_prop_test t;
    /* 10 and 10 rows, 10 successes: smallest expected 10 * 10 / 20 = 5, not below 5 */
    assert_int_equal(fa_stattest_two_prop(&t, 7.0, 10.0, 3.0, 10.0, NULL, NULL), FA_OK);
    assert_double_exact(t.min_expected, 5.0);
    assert_int_equal(t.method, FA_TEST_Z);
    /* 9 successes: 10 * 9 / 20 = 4.5 < 5 */
    assert_int_equal(fa_stattest_two_prop(&t, 6.0, 10.0, 3.0, 10.0, NULL, NULL), FA_OK);
    assert_double_exact(t.min_expected, 4.5);
    assert_int_equal(t.method, FA_TEST_FISHER);
}

static void two_prop__threshold_is_an_option(void **state)
{
    (void)state;
    fa_prop_test t;
    fa_stattest_options o = FA_STATTEST_OPTIONS_INIT;
    o.fisher_min_expected = 30.0; /* 25 < 30 */
    assert_int_equal(fa_stattest_two_prop(&t, 30.0, 100.0, 20.0, 100.0, &o, NULL), FA_OK);
    assert_int_equal(t.method, FA_TEST_FISHER);
}

static void two_prop__no_variation_goes_to_fisher_and_gives_one(void **state)
{
    (void)state;
    fa_prop_test t;
    /* no successes: expected successes 0 < 5, Fisher, one possible table */
    assert_int_equal(fa_stattest_two_prop(&t, 0.0, 100.0, 0.0, 100.0, NULL, NULL), FA_OK);
    assert_int_equal(t.method, FA_TEST_FISHER);
    assert_double_exact(t.p_value, 1.0);
    /* a group without rows stays undefined */
    assert_int_equal(fa_stattest_two_prop(&t, 0.0, 0.0, 10.0, 100.0, NULL, NULL), FA_OK);
    assert_nan(t.p_value);
    assert_string_equal(t.reason, "a group has no rows");
}

static void two_prop__bad_counts_are_a_domain_error(void **state)
{
    (void)state;
    fa_prop_test t;
    assert_int_equal(fa_stattest_two_prop(&t, 11.0, 10.0, 3.0, 10.0, NULL, NULL), FA_EDOMAIN);
}

/* -------------------------------------------------------------- chi-square */

static void chisq__three_by_two_statistic_dof_p_and_cramers_v(void **state)
{
    (void)state;
    const double table[6] = {10.0, 20.0, 20.0, 20.0, 30.0, 10.0};
    fa_chisq_test c;
    assert_int_equal(fa_stattest_chisq(&c, table, 3, 2, NULL), FA_OK);
    assert_null(c.reason);
    /* rows 30, 40, 40; columns 60, 50; n = 110; E = R C / n:
     * 180/11 150/11 | 240/11 200/11 | 240/11 200/11
     * X^2 = sum (O - E)^2 / E = 451/36 (python fractions) */
    assert_close(c.statistic, 451.0 / 36.0, 1e-14);
    assert_int_equal(c.dof, 2);                       /* (3 - 1)(2 - 1) */
    assert_close(c.p_value, exp(-451.0 / 72.0), REL); /* dof 2: exp(-X^2 / 2) = 0.0019038... */
    assert_close(c.cramers_v, sqrt(451.0 / 36.0 / (110.0 * 1.0)), 1e-14); /* 0.337474... */
    assert_double_exact(c.n, 110.0);
    assert_close(c.min_expected, 150.0 / 11.0, 1e-15);
    assert_int_equal(c.n_rows_used, 3);
    assert_int_equal(c.n_cols_used, 2);
}

static void chisq__general_r_by_c_table(void **state)
{
    (void)state;
    const double table[9] = {10.0, 20.0, 5.0, 20.0, 20.0, 10.0, 30.0, 10.0, 15.0};
    fa_chisq_test c;
    assert_int_equal(fa_stattest_chisq(&c, table, 3, 3, NULL), FA_OK);
    /* X^2 = 812/55 (python fractions), dof (3 - 1)(3 - 1) = 4, n = 140, min(r, c) - 1 = 2 */
    double x2 = 812.0 / 55.0;
    assert_close(c.statistic, x2, 1e-14);
    assert_int_equal(c.dof, 4);
    assert_close(c.p_value, exp(-x2 / 2.0) * (1.0 + x2 / 2.0), REL); /* 0.0052174144074002117 */
    assert_close(c.cramers_v, sqrt(x2 / (140.0 * 2.0)), 1e-14);
    assert_close(c.min_expected, 15.0 / 2.0, 1e-15);
}

static void chisq__empty_row_is_dropped_from_the_dof(void **state)
{
    (void)state;
    const double with_empty[6] = {10.0, 20.0, 0.0, 0.0, 30.0, 10.0};
    const double without[4] = {10.0, 20.0, 30.0, 10.0};
    fa_chisq_test c, d;
    assert_int_equal(fa_stattest_chisq(&c, with_empty, 3, 2, NULL), FA_OK);
    assert_int_equal(fa_stattest_chisq(&d, without, 2, 2, NULL), FA_OK);
    assert_null(c.reason);
    assert_int_equal(c.n_rows_used, 2);
    assert_int_equal(c.dof, 1); /* (2 - 1)(2 - 1), not (3 - 1)(2 - 1) */
    /* X^2 = 875/72 (python fractions); dof 1: p = erfc(sqrt(X^2 / 2)) = 0.00049014808789241506 */
    assert_close(c.statistic, 875.0 / 72.0, 1e-14);
    assert_close(c.p_value, 0.00049014808789241506, REL);
    assert_double_exact(c.statistic, d.statistic);
    assert_double_exact(c.p_value, d.p_value);
    assert_close(c.cramers_v, sqrt(875.0 / 72.0 / 70.0), 1e-14); /* 0.41666... */
}

static void chisq__empty_column_is_dropped_too(void **state)
{
    (void)state;
    /* the 3x2 table above with an empty middle column */
    const double table[9] = {10.0, 0.0, 20.0, 20.0, 0.0, 20.0, 30.0, 0.0, 10.0};
    fa_chisq_test c;
    assert_int_equal(fa_stattest_chisq(&c, table, 3, 3, NULL), FA_OK);
    assert_int_equal(c.n_cols_used, 2);
    assert_int_equal(c.dof, 2);
    assert_close(c.statistic, 451.0 / 36.0, 1e-14);
}

static void chisq__fewer_than_two_rows_or_columns_is_undefined(void **state)
{
    (void)state;
    fa_chisq_test c;
    const double one_row[6] = {0.0, 0.0, 5.0, 7.0, 0.0, 0.0};
    assert_int_equal(fa_stattest_chisq(&c, one_row, 3, 2, NULL), FA_OK);
    assert_nan(c.statistic);
    assert_nan(c.p_value);
    assert_nan(c.cramers_v);
    assert_int_equal(c.dof, 0);
    assert_string_equal(c.reason, "fewer than two non-empty rows");
    const double one_col[6] = {5.0, 0.0, 7.0, 0.0, 1.0, 0.0};
    assert_int_equal(fa_stattest_chisq(&c, one_col, 3, 2, NULL), FA_OK);
    assert_string_equal(c.reason, "fewer than two non-empty columns");
    const double zeros[4] = {0.0, 0.0, 0.0, 0.0};
    assert_int_equal(fa_stattest_chisq(&c, zeros, 2, 2, NULL), FA_OK);
    assert_string_equal(c.reason, "no rows");
    assert_int_equal(fa_stattest_chisq(&c, NULL, 0, 0, NULL), FA_OK);
    assert_string_equal(c.reason, "no rows");
}

static void chisq__two_columns_equal_the_row_major_table(void **state)
{
    (void)state;
    const double table[6] = {10.0, 20.0, 20.0, 20.0, 30.0, 10.0};
    const double pos[3] = {10.0, 20.0, 30.0}, neg[3] = {20.0, 20.0, 10.0};
    fa_chisq_test a, b;
    assert_int_equal(fa_stattest_chisq(&a, table, 3, 2, NULL), FA_OK);
    assert_int_equal(fa_stattest_chisq_2col(&b, pos, neg, 3, NULL), FA_OK);
    assert_double_exact(b.statistic, a.statistic);
    assert_double_exact(b.p_value, a.p_value);
    assert_double_exact(b.cramers_v, a.cramers_v);
    assert_int_equal(b.dof, a.dof);
}

static void chisq__is_the_same_for_the_transposed_table(void **state)
{
    (void)state;
    /* the wide table takes the other loop order */
    const double tall[6] = {10.0, 20.0, 20.0, 20.0, 30.0, 10.0};
    const double wide[6] = {10.0, 20.0, 30.0, 20.0, 20.0, 10.0};
    fa_chisq_test a, b;
    assert_int_equal(fa_stattest_chisq(&a, tall, 3, 2, NULL), FA_OK);
    assert_int_equal(fa_stattest_chisq(&b, wide, 2, 3, NULL), FA_OK);
    assert_close(b.statistic, a.statistic, 1e-14);
    assert_int_equal(b.dof, a.dof);
}

static void chisq__weighted_counts_are_taken_as_they_are(void **state)
{
    (void)state;
    /* every cell halved: E and (O - E)^2 / E halve, so X^2 halves; V does not change */
    const double table[6] = {5.0, 10.0, 10.0, 10.0, 15.0, 5.0};
    fa_chisq_test c;
    assert_int_equal(fa_stattest_chisq(&c, table, 3, 2, NULL), FA_OK);
    assert_close(c.statistic, 451.0 / 72.0, 1e-14);
    assert_close(c.cramers_v, sqrt(451.0 / 36.0 / 110.0), 1e-14);
}

static void chisq__negative_cell_is_a_domain_error(void **state)
{
    (void)state;
    const double table[4] = {1.0, 2.0, -3.0, 4.0};
    fa_chisq_test c;
    fa_error err;
    assert_int_equal(fa_stattest_chisq(&c, table, 2, 2, &err), FA_EDOMAIN);
    assert_string_equal(err.message,
                        "chi-square test: cell (2, 1) must be a finite non-negative count, got -3");
    const double nan_table[4] = {1.0, 2.0, 3.0, NAN};
    assert_int_equal(fa_stattest_chisq(&c, nan_table, 2, 2, NULL), FA_EDOMAIN);
}

/* ------------------------------------------------------------------- Holm */

static void holm__step_down_with_ties_and_nan(void **state)
{
    (void)state;
    const double p[6] = {0.01, 0.04, 0.03, 0.005, NAN, 0.03};
    double adj[6];
    size_t work[6];
    assert_int_equal(fa_stattest_holm(adj, p, 6, work, NULL), FA_OK);
    /* m = 5 (the NaN is not a test); sorted 0.005 (3), 0.01 (0), 0.03 (2), 0.03 (5), 0.04 (1)
     * times 5, 4, 3, 2, 1: 0.025, 0.04, 0.09, 0.06, 0.04; running max: 0.025 0.04 0.09 0.09
     * 0.09 */
    assert_double_exact(adj[3], 5.0 * 0.005);
    assert_double_exact(adj[0], 4.0 * 0.01);
    assert_double_exact(adj[2], 3.0 * 0.03);
    assert_double_exact(adj[5], 3.0 * 0.03); /* tied with p[2]: the same adjusted value */
    assert_double_exact(adj[1], 3.0 * 0.03); /* 1 * 0.04 < 0.09: monotone */
    assert_nan(adj[4]);
    const size_t order[5] = {3, 0, 2, 5, 1};
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(work[k], order[k]);
    }
}

static void holm__caps_adjusted_values_at_one(void **state)
{
    (void)state;
    const double p[3] = {0.6, 0.2, 0.7};
    double adj[3];
    size_t work[3];
    assert_int_equal(fa_stattest_holm(adj, p, 3, work, NULL), FA_OK);
    /* sorted 0.2, 0.6, 0.7 times 3, 2, 1: 0.6, 1.2, 0.7; running max 0.6, 1.2, 1.2; cap 1 */
    assert_double_exact(adj[1], 3.0 * 0.2);
    assert_double_exact(adj[0], 1.0);
    assert_double_exact(adj[2], 1.0);
}

static void holm__one_test_is_not_adjusted(void **state)
{
    (void)state;
    const double p[3] = {NAN, 0.03, NAN};
    double adj[3];
    size_t work[3];
    assert_int_equal(fa_stattest_holm(adj, p, 3, work, NULL), FA_OK);
    assert_double_exact(adj[1], 0.03);
    assert_nan(adj[0]);
    assert_nan(adj[2]);
    assert_int_equal(fa_stattest_holm(adj, p, 0, work, NULL), FA_OK); /* nothing at all */
}

static void holm__works_in_place(void **state)
{
    (void)state;
    double p[6] = {0.01, 0.04, 0.03, 0.005, NAN, 0.03};
    size_t work[6];
    assert_int_equal(fa_stattest_holm(p, p, 6, work, NULL), FA_OK);
    assert_double_exact(p[3], 5.0 * 0.005);
    assert_double_exact(p[0], 4.0 * 0.01);
    assert_double_exact(p[2], 3.0 * 0.03);
    assert_double_exact(p[5], 3.0 * 0.03);
    assert_double_exact(p[1], 3.0 * 0.03);
    assert_nan(p[4]);
}

static void holm__p_value_outside_zero_one_is_a_domain_error_and_writes_nothing(void **state)
{
    (void)state;
    const double p[3] = {0.2, 1.5, NAN};
    double adj[3] = {-7.0, -7.0, -7.0};
    size_t work[3];
    fa_error err;
    assert_int_equal(fa_stattest_holm(adj, p, 3, work, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "holm correction: p-value 2 must lie in [0, 1], got 1.5");
    assert_double_exact(adj[0], -7.0);
    assert_double_exact(adj[2], -7.0);
    const double q[1] = {-0.1};
    assert_int_equal(fa_stattest_holm(adj, q, 1, work, NULL), FA_EDOMAIN);
    const double r[1] = {INFINITY};
    assert_int_equal(fa_stattest_holm(adj, r, 1, work, NULL), FA_EDOMAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(z__thirty_of_a_hundred_against_twenty_of_a_hundred),
        cmocka_unit_test(z__statistic_is_signed_and_p_value_symmetric),
        cmocka_unit_test(z__squared_is_the_chi_square_of_the_2x2_table),
        cmocka_unit_test(z__group_without_rows_is_undefined),
        cmocka_unit_test(z__every_row_with_the_same_outcome_is_undefined),
        cmocka_unit_test(z__successes_above_the_group_size_is_a_domain_error),
        cmocka_unit_test(z__negative_or_non_finite_count_is_a_domain_error),
        cmocka_unit_test(fisher__tea_tasting_table_is_17_over_35),
        cmocka_unit_test(fisher__larger_table_matches_the_exact_fraction),
        cmocka_unit_test(fisher__agrees_with_gsl_hypergeometric_sums_on_every_small_table),
        cmocka_unit_test(fisher__is_symmetric_in_the_two_groups),
        cmocka_unit_test(fisher__millions_of_rows_do_not_overflow),
        cmocka_unit_test(fisher__hundreds_of_millions_of_rows_are_quick_and_accurate),
        cmocka_unit_test(fisher__one_possible_table_gives_one),
        cmocka_unit_test(fisher__group_without_rows_is_undefined),
        cmocka_unit_test(fisher__rounds_weighted_cells_to_integers_and_says_so),
        cmocka_unit_test(fisher__tolerance_keeps_tables_tied_with_the_observed_one),
        cmocka_unit_test(fisher__more_rows_than_two_to_the_53_is_a_domain_error),
        cmocka_unit_test(two_prop__small_expected_counts_choose_fisher),
        cmocka_unit_test(two_prop__large_expected_counts_choose_z),
        cmocka_unit_test(two_prop__fisher_only_below_five_expected),
        cmocka_unit_test(two_prop__threshold_is_an_option),
        cmocka_unit_test(two_prop__no_variation_goes_to_fisher_and_gives_one),
        cmocka_unit_test(two_prop__bad_counts_are_a_domain_error),
        cmocka_unit_test(chisq__three_by_two_statistic_dof_p_and_cramers_v),
        cmocka_unit_test(chisq__general_r_by_c_table),
        cmocka_unit_test(chisq__empty_row_is_dropped_from_the_dof),
        cmocka_unit_test(chisq__empty_column_is_dropped_too),
        cmocka_unit_test(chisq__fewer_than_two_rows_or_columns_is_undefined),
        cmocka_unit_test(chisq__two_columns_equal_the_row_major_table),
        cmocka_unit_test(chisq__is_the_same_for_the_transposed_table),
        cmocka_unit_test(chisq__weighted_counts_are_taken_as_they_are),
        cmocka_unit_test(chisq__negative_cell_is_a_domain_error),
        cmocka_unit_test(holm__step_down_with_ties_and_nan),
        cmocka_unit_test(holm__caps_adjusted_values_at_one),
        cmocka_unit_test(holm__one_test_is_not_adjusted),
        cmocka_unit_test(holm__works_in_place),
        cmocka_unit_test(holm__p_value_outside_zero_one_is_a_domain_error_and_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
