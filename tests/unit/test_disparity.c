/*
 * test_disparity.c - metrics/disparity.c: difference and ratio against a reference (signed,
 * never capped), between groups (max - min, min / max) and to the overall value
 * (max |m(g) - m(overall)|, min over g of min(q, 1/q)), with the groups the caller's mask
 * leaves out (too small, undefined) kept out of every max and min.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "metrics/disparity.h"

#define assert_double_exact(got, want) check_exact((got), (want), #got, __FILE__, __LINE__)

static void check_exact(double got, double want, const char *expr, const char *file, int line)
{
    if (!(got == want)) {
        print_error("%s = %.17g, expected %.17g\n", expr, got, want);
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

/* ------------------------------------------------------- against reference */

static void disparity__difference_is_signed_group_minus_reference(void **state)
{
    (void)state;
    assert_double_exact(fa_disparity_difference(0.25, 0.75), 0.25 - 0.75 /* -0.5 */);
    assert_double_exact(fa_disparity_difference(0.75, 0.25), 0.75 - 0.25 /* +0.5 */);
    assert_double_exact(fa_disparity_difference(0.4, 0.4), 0.0);
}

static void disparity__difference_with_an_undefined_side_is_undefined(void **state)
{
    (void)state;
    assert_nan(fa_disparity_difference(NAN, 0.5));
    assert_nan(fa_disparity_difference(0.5, NAN));
}

static void disparity__ratio_is_group_over_reference(void **state)
{
    (void)state;
    assert_double_exact(fa_disparity_ratio(0.25, 0.5), 0.25 / 0.5 /* 0.5 */);
    assert_double_exact(fa_disparity_ratio(0.6, 0.4), 0.6 / 0.4);
    assert_double_exact(fa_disparity_ratio(0.0, 0.4), 0.0 / 0.4 /* 0, defined */);
}

static void disparity__ratio_with_zero_reference_is_undefined_not_capped(void **state)
{
    (void)state;
    /* Aequitas reports 10 for x / 0; METRICS.md: report it undefined */
    assert_nan(fa_disparity_ratio(0.3, 0.0));
    assert_nan(fa_disparity_ratio(0.0, 0.0));
    assert_nan(fa_disparity_ratio(NAN, 0.5));
    assert_nan(fa_disparity_ratio(0.5, NAN));
}

/* ------------------------------------------------ between groups, to overall */

/*
 * Five groups: three included (0.2, 0.5, 0.4), one too small (0.9) and one undefined (NAN).
 * Were the small group counted, max would be 0.9.
 */
static const double VALUES[5] = {0.2, 0.5, 0.4, 0.9, NAN};
static const unsigned char EXCL[5] = {FA_EXCL_NONE, FA_EXCL_NONE, FA_EXCL_NONE, FA_EXCL_SMALL,
                                      FA_EXCL_UNDEFINED};

static void disparity__between_groups_leaves_out_excluded_groups(void **state)
{
    (void)state;
    fa_disparity d;
    fa_disparity_compute(&d, VALUES, EXCL, 5, 0.4);
    assert_int_equal(d.n_included, 3);
    assert_double_exact(d.between_difference, 0.5 - 0.2 /* max - min */);
    assert_double_exact(d.between_ratio, 0.2 / 0.5 /* min / max */);
    assert_int_equal(d.argmin, 0);
    assert_int_equal(d.argmax, 1);
}

static void disparity__to_overall_leaves_out_excluded_groups(void **state)
{
    (void)state;
    fa_disparity d;
    fa_disparity_compute(&d, VALUES, EXCL, 5, 0.4);
    /* |0.2 - 0.4| = 0.2 > |0.5 - 0.4| = 0.1 > |0.4 - 0.4| = 0; the small 0.9 would give 0.5 */
    assert_double_exact(d.to_overall_difference, 0.4 - 0.2);
    /* q = 0.5, 1.25, 1 -> min(q, 1/q) = 0.5, 0.8, 1 -> 0.5; the small 0.9 would give 0.444 */
    assert_double_exact(d.to_overall_ratio, 0.2 / 0.4);
}

static void disparity__to_overall_ratio_takes_the_reciprocal_above_one(void **state)
{
    (void)state;
    const double v[2] = {0.5, 1.0};
    const unsigned char ex[2] = {FA_EXCL_NONE, FA_EXCL_NONE};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 2, 0.4);
    /* q = 0.5 / 0.4 = 1.25 -> 0.8; q = 1.0 / 0.4 = 2.5 -> 1/q = 0.4: the minimum */
    assert_double_exact(d.to_overall_ratio, 0.4 / 1.0);
    assert_double_exact(d.to_overall_difference, 1.0 - 0.4 /* max |m(g) - m(overall)| */);
}

static void disparity__to_overall_ratio_is_the_minimum_over_groups(void **state)
{
    (void)state;
    const double v[3] = {0.3, 0.9, 0.6};
    const unsigned char ex[3] = {FA_EXCL_NONE, FA_EXCL_NONE, FA_EXCL_NONE};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 3, 0.6);
    /* q = 0.5 -> 0.5; q = 1.5 -> 1/1.5 = 0.667; q = 1 -> 1: min 0.5 */
    assert_double_exact(d.to_overall_ratio, 0.3 / 0.6);
    assert_double_exact(d.between_ratio, 0.3 / 0.9);
    assert_double_exact(d.between_difference, 0.9 - 0.3);
}

static void disparity__one_group_has_no_between_but_has_to_overall(void **state)
{
    (void)state;
    const double v[2] = {0.3, 0.8};
    const unsigned char ex[2] = {FA_EXCL_NONE, FA_EXCL_SMALL};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 2, 0.6);
    assert_int_equal(d.n_included, 1);
    assert_nan(d.between_difference); /* fewer than 2 groups */
    assert_nan(d.between_ratio);
    assert_double_exact(d.to_overall_difference, 0.6 - 0.3);
    assert_double_exact(d.to_overall_ratio, 0.3 / 0.6);
    assert_int_equal(d.argmin, 0);
    assert_int_equal(d.argmax, 0);
}

static void disparity__no_included_group_is_undefined_everywhere(void **state)
{
    (void)state;
    const double v[2] = {0.3, NAN};
    const unsigned char ex[2] = {FA_EXCL_SMALL, FA_EXCL_UNDEFINED};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 2, 0.6);
    assert_int_equal(d.n_included, 0);
    assert_nan(d.between_difference);
    assert_nan(d.between_ratio);
    assert_nan(d.to_overall_difference);
    assert_nan(d.to_overall_ratio);
}

static void disparity__empty_attribute_is_undefined_everywhere(void **state)
{
    (void)state;
    fa_disparity d;
    fa_disparity_compute(&d, NULL, NULL, 0, 0.6);
    assert_int_equal(d.n_included, 0);
    assert_nan(d.between_difference);
    assert_nan(d.to_overall_ratio);
}

static void disparity__undefined_value_is_left_out_even_unmasked(void **state)
{
    (void)state;
    const double v[3] = {NAN, 0.2, 0.4};
    const unsigned char ex[3] = {FA_EXCL_NONE, FA_EXCL_NONE, FA_EXCL_NONE};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 3, 0.3);
    assert_int_equal(d.n_included, 2);
    assert_double_exact(d.between_difference, 0.4 - 0.2);
    assert_int_equal(d.argmin, 1);
    assert_int_equal(d.argmax, 2);
}

static void disparity__between_ratio_with_all_zero_is_undefined(void **state)
{
    (void)state;
    const double v[2] = {0.0, 0.0};
    const unsigned char ex[2] = {FA_EXCL_NONE, FA_EXCL_NONE};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 2, 0.0);
    assert_double_exact(d.between_difference, 0.0 - 0.0);
    assert_nan(d.between_ratio); /* min / max = 0 / 0 */
    assert_double_exact(d.to_overall_difference, 0.0);
}

static void disparity__between_ratio_with_a_zero_group_is_zero(void **state)
{
    (void)state;
    const double v[2] = {0.0, 0.5};
    const unsigned char ex[2] = {FA_EXCL_NONE, FA_EXCL_NONE};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 2, 0.25);
    assert_double_exact(d.between_ratio, 0.0 / 0.5);
    assert_double_exact(d.to_overall_ratio, 0.0 / 0.25 /* q = 0 */);
}

static void disparity__undefined_overall_leaves_to_overall_undefined(void **state)
{
    (void)state;
    const double v[2] = {0.2, 0.5};
    const unsigned char ex[2] = {FA_EXCL_NONE, FA_EXCL_NONE};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 2, NAN);
    assert_double_exact(d.between_difference, 0.5 - 0.2);
    assert_nan(d.to_overall_difference);
    assert_nan(d.to_overall_ratio);
}

static void disparity__argmin_and_argmax_skip_an_excluded_extreme(void **state)
{
    (void)state;
    /* group 0 (0.01, too small) and group 4 (0.99, undefined mask) would be the extremes */
    const double v[5] = {0.01, 0.6, 0.3, 0.45, 0.99};
    const unsigned char ex[5] = {FA_EXCL_SMALL, FA_EXCL_NONE, FA_EXCL_NONE, FA_EXCL_NONE,
                                 FA_EXCL_UNDEFINED};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 5, 0.45);
    assert_int_equal(d.argmin, 2);
    assert_int_equal(d.argmax, 1);
    assert_double_exact(d.between_difference, 0.6 - 0.3);
}

static void disparity__argmin_and_argmax_attain_the_extremes_with_ties(void **state)
{
    (void)state;
    const double v[4] = {0.4, 0.2, 0.2, 0.4};
    const unsigned char ex[4] = {FA_EXCL_NONE, FA_EXCL_NONE, FA_EXCL_NONE, FA_EXCL_NONE};
    fa_disparity d;
    fa_disparity_compute(&d, v, ex, 4, 0.3);
    assert_double_exact(v[d.argmin], 0.2);
    assert_double_exact(v[d.argmax], 0.4);
    assert_double_exact(d.between_ratio, 0.2 / 0.4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(disparity__difference_is_signed_group_minus_reference),
        cmocka_unit_test(disparity__difference_with_an_undefined_side_is_undefined),
        cmocka_unit_test(disparity__ratio_is_group_over_reference),
        cmocka_unit_test(disparity__ratio_with_zero_reference_is_undefined_not_capped),
        cmocka_unit_test(disparity__between_groups_leaves_out_excluded_groups),
        cmocka_unit_test(disparity__to_overall_leaves_out_excluded_groups),
        cmocka_unit_test(disparity__to_overall_ratio_takes_the_reciprocal_above_one),
        cmocka_unit_test(disparity__to_overall_ratio_is_the_minimum_over_groups),
        cmocka_unit_test(disparity__one_group_has_no_between_but_has_to_overall),
        cmocka_unit_test(disparity__no_included_group_is_undefined_everywhere),
        cmocka_unit_test(disparity__empty_attribute_is_undefined_everywhere),
        cmocka_unit_test(disparity__undefined_value_is_left_out_even_unmasked),
        cmocka_unit_test(disparity__between_ratio_with_all_zero_is_undefined),
        cmocka_unit_test(disparity__between_ratio_with_a_zero_group_is_zero),
        cmocka_unit_test(disparity__undefined_overall_leaves_to_overall_undefined),
        cmocka_unit_test(disparity__argmin_and_argmax_skip_an_excluded_extreme),
        cmocka_unit_test(disparity__argmin_and_argmax_attain_the_extremes_with_ties),
    };
    return cmocka_run_group_tests_name("disparity", tests, NULL, NULL);
}
