/*
 * test_imbalance.c - metrics/imbalance.c: every class-imbalance quantity of METRICS.md on a
 * small hand example, the undefined cases with their reasons, the infinite KL divergence
 * flagged, representation ratios with a population that omits a group, and bad input.
 *
 * The fixture has three groups of one attribute, label counts (P_g, N_g):
 *   A = (30, 10), B = (10, 30), C = (0, 20); totals P = 40, N = 60, n = 100.
 * Expected values are written as the arithmetic they are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "include/fairaudit.h"
#include "metrics/imbalance.h"

#define assert_double_exact(got, want) check_exact((got), (want), #got, __FILE__, __LINE__)

static void check_exact(double got, double want, const char *expr, const char *file, int line)
{
    if (!(got == want)) {
        print_error("%s = %.17g, expected %.17g\n", expr, got, want);
        _fail(file, line);
    }
}

#define assert_close(got, want, rel) check_close((got), (want), (rel), #got, __FILE__, __LINE__)

static void check_close(double got, double want, double rel, const char *expr, const char *file,
                        int line)
{
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("%s = %.17g, expected %.17g (relative tolerance %g)\n", expr, got, want, rel);
        _fail(file, line);
    }
}

/* A measure is defined, with this exact value. */
#define assert_measure(m, want) check_measure((m), (want), #m, __FILE__, __LINE__)

static void check_measure(fa_measure m, double want, const char *expr, const char *file, int line)
{
    if (m.reason != NULL || !(m.value == want)) {
        print_error("%s = %.17g (%s), expected %.17g\n", expr, m.value,
                    m.reason ? m.reason : "defined", want);
        _fail(file, line);
    }
}

/* A measure is undefined: NAN and exactly this reason. */
#define assert_undefined(m, why) check_undefined((m), (why), #m, __FILE__, __LINE__)

static void check_undefined(fa_measure m, const char *why, const char *expr, const char *file,
                            int line)
{
    if (!isnan(m.value) || m.reason == NULL || strcmp(m.reason, why) != 0) {
        print_error("%s = %.17g (%s), expected undefined (%s)\n", expr, m.value,
                    m.reason ? m.reason : "no reason", why);
        _fail(file, line);
    }
}

enum { A = 0, B = 1, C = 2, NG = 3 };
static const double POS[NG] = {30.0, 10.0, 0.0};
static const double NEG[NG] = {10.0, 30.0, 20.0};
static const char *const NAMES[NG] = {"A", "B", "C"};

static void compute(fa_imbalance *im, fa_imbalance_group g[], long reference)
{
    fa_imbalance_options o = FA_IMBALANCE_OPTIONS_INIT;
    o.reference = reference;
    assert_int_equal(fa_imbalance_compute(im, g, POS, NEG, NAMES, NG, &o, NULL), FA_OK);
}

/* ----------------------------------------------------------------- overall */

static void imbalance__label_counts_shares_ratio_and_minority(void **state)
{
    (void)state;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    compute(&im, g, A);
    assert_double_exact(im.positives, 30.0 + 10.0 + 0.0);
    assert_double_exact(im.negatives, 10.0 + 30.0 + 20.0);
    assert_double_exact(im.n, 100.0);
    assert_measure(im.positive_share, 40.0 / 100.0);
    assert_measure(im.negative_share, 60.0 / 100.0);
    assert_measure(im.imbalance_ratio, 60.0 / 40.0); /* majority / minority = 1.5 */
    assert_measure(im.minority_share, 40.0 / 100.0);
    assert_int_equal(im.minority_label, 1); /* the positives are the minority */
}

static void imbalance__ratio_is_undefined_when_a_class_is_absent(void **state)
{
    (void)state;
    const double pos[2] = {0.0, 0.0}, neg[2] = {5.0, 7.0};
    fa_imbalance im;
    fa_imbalance_group g[2];
    assert_int_equal(fa_imbalance_compute(&im, g, pos, neg, NULL, 2, NULL, NULL), FA_OK);
    assert_undefined(im.imbalance_ratio, "no actual positives");
    assert_measure(im.minority_share, 0.0 / 12.0); /* defined: no positives at all */
    assert_int_equal(im.minority_label, 1);
    assert_string_equal(im.chisq.reason, "only one label occurs");
}

static void imbalance__balanced_labels_have_no_minority_label(void **state)
{
    (void)state;
    const double pos[2] = {5.0, 15.0}, neg[2] = {15.0, 5.0};
    fa_imbalance im;
    fa_imbalance_group g[2];
    assert_int_equal(fa_imbalance_compute(&im, g, pos, neg, NULL, 2, NULL, NULL), FA_OK);
    assert_measure(im.imbalance_ratio, 20.0 / 20.0);
    assert_measure(im.minority_share, 20.0 / 40.0);
    assert_int_equal(im.minority_label, -1);
}

static void imbalance__without_rows_everything_is_undefined(void **state)
{
    (void)state;
    const double zero[2] = {0.0, 0.0};
    fa_imbalance im;
    fa_imbalance_group g[2];
    fa_imbalance_options o = FA_IMBALANCE_OPTIONS_INIT;
    o.reference = 0;
    assert_int_equal(fa_imbalance_compute(&im, g, zero, zero, NULL, 2, &o, NULL), FA_OK);
    assert_undefined(im.positive_share, "no rows");
    assert_undefined(im.imbalance_ratio, "no rows");
    assert_undefined(im.minority_share, "no rows");
    assert_int_equal(im.minority_label, -1);
    assert_string_equal(im.chisq.reason, "no rows");
    assert_undefined(g[1].share, "no rows");
    assert_undefined(g[1].base_rate, "the group has no rows");
    assert_undefined(g[1].class_imbalance, "neither the group nor the reference group has rows");
    assert_undefined(g[1].kl_divergence, "the group has no rows");
    assert_int_equal(g[1].kl_infinite, 0);
}

/* ------------------------------------------------------------------ groups */

static void imbalance__group_sizes_shares_and_base_rates(void **state)
{
    (void)state;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    compute(&im, g, A);
    assert_double_exact(g[A].size, 30.0 + 10.0);
    assert_double_exact(g[C].size, 0.0 + 20.0);
    assert_measure(g[A].share, 40.0 / 100.0);
    assert_measure(g[B].share, 40.0 / 100.0);
    assert_measure(g[C].share, 20.0 / 100.0);
    assert_measure(g[A].base_rate, 30.0 / 40.0);
    assert_measure(g[B].base_rate, 10.0 / 40.0);
    assert_measure(g[C].base_rate, 0.0 / 20.0);
}

static void imbalance__chi_square_of_label_by_group(void **state)
{
    (void)state;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    compute(&im, g, A);
    /* group sizes 40, 40, 20; labels 40, 60; n = 100; expected (P, N):
     * A (16, 24), B (16, 24), C (8, 12).
     * X^2 = 14^2/16 + 14^2/24 + 6^2/16 + 6^2/24 + 8^2/8 + 8^2/12
     *     = 12.25 + 8.1666 + 2.25 + 1.5 + 8 + 5.3333 = 37.5 */
    assert_null(im.chisq.reason);
    assert_close(im.chisq.statistic, 37.5, 1e-14);
    assert_int_equal(im.chisq.dof, 2);                                   /* (3 - 1)(2 - 1) */
    assert_close(im.chisq.p_value, exp(-37.5 / 2.0), 1e-12);             /* dof 2: exp(-X^2 / 2) */
    assert_close(im.chisq.cramers_v, sqrt(37.5 / (100.0 * 1.0)), 1e-14); /* min(3, 2) - 1 = 1 */
    assert_close(im.chisq.min_expected, 8.0, 1e-15);
}

static void imbalance__chi_square_reasons_speak_of_groups_and_labels(void **state)
{
    (void)state;
    const double pos[3] = {4.0, 0.0, 0.0}, neg[3] = {6.0, 0.0, 0.0};
    fa_imbalance im;
    fa_imbalance_group g[3];
    assert_int_equal(fa_imbalance_compute(&im, g, pos, neg, NULL, 3, NULL, NULL), FA_OK);
    assert_string_equal(im.chisq.reason, "fewer than two groups have rows");
    const double neg2[3] = {6.0, 3.0, 0.0};
    const double none[3] = {0.0, 0.0, 0.0};
    assert_int_equal(fa_imbalance_compute(&im, g, none, neg2, NULL, 3, NULL, NULL), FA_OK);
    assert_string_equal(im.chisq.reason, "only one label occurs");
}

static void imbalance__class_imbalance_against_the_reference(void **state)
{
    (void)state;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    compute(&im, g, A);
    /* (n_g - n_ref) / (n_g + n_ref), n_A = 40 */
    assert_measure(g[A].class_imbalance, (40.0 - 40.0) / (40.0 + 40.0));
    assert_measure(g[B].class_imbalance, (40.0 - 40.0) / (40.0 + 40.0));
    assert_measure(g[C].class_imbalance, (20.0 - 40.0) / (20.0 + 40.0)); /* -1/3 */
}

static void imbalance__kl_divergence_of_each_group_from_the_reference(void **state)
{
    (void)state;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    compute(&im, g, A);
    /* P_A = (0.75, 0.25) */
    assert_measure(g[A].kl_divergence, 0.0);
    /* D(P_B || P_A) = 0.25 ln(0.25 / 0.75) + 0.75 ln(0.75 / 0.25) = 0.5 ln 3 */
    assert_null(g[B].kl_divergence.reason);
    assert_close(g[B].kl_divergence.value, 0.5 * log(3.0), 1e-15);
    /* D(P_C || P_A) = 0 ln(0 / 0.75) + 1 ln(1 / 0.25) = ln 4, with 0 log 0 = 0 */
    assert_null(g[C].kl_divergence.reason);
    assert_close(g[C].kl_divergence.value, log(4.0), 1e-15);
    assert_int_equal(g[C].kl_infinite, 0);
    /* AIF360's direction D(P_A || P_B) = 0.75 ln 3 + 0.25 ln(1/3) = 0.5 ln 3 too */
    assert_close(g[B].kl_divergence_ref.value, 0.5 * log(3.0), 1e-15);
    /* D(P_A || P_C): C has no positives, A has: infinite, flagged, with a reason */
    assert_true(isinf(g[C].kl_divergence_ref.value) && g[C].kl_divergence_ref.value > 0.0);
    assert_int_equal(g[C].kl_ref_infinite, 1);
    assert_string_equal(g[C].kl_divergence_ref.reason,
                        "the group has no actual positives and the reference group has some "
                        "(infinite)");
}

static void imbalance__kl_is_infinite_and_flagged_when_the_reference_lacks_a_label(void **state)
{
    (void)state;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    compute(&im, g, C); /* the reference C has no positives; A and B have some */
    for (int i = A; i <= B; i++) {
        assert_true(isinf(g[i].kl_divergence.value) && g[i].kl_divergence.value > 0.0);
        assert_int_equal(g[i].kl_infinite, 1);
        assert_string_equal(g[i].kl_divergence.reason,
                            "the reference group has no actual positives and the group has "
                            "some (infinite)");
    }
    assert_measure(g[C].kl_divergence, 0.0);
    assert_int_equal(g[C].kl_infinite, 0);
    /* the other direction is finite: D(P_C || P_A) = ln 4 */
    assert_close(g[A].kl_divergence_ref.value, log(4.0), 1e-15);
    assert_int_equal(g[A].kl_ref_infinite, 0);
}

static void imbalance__kl_direct_with_zero_mass_and_no_rows(void **state)
{
    (void)state;
    int inf = -1;
    const char *why = "(not set)";
    /* P = (0, 1), Q = (0.5, 0.5): 0 log 0 + 1 ln(1 / 0.5) = ln 2 */
    assert_close(fa_imbalance_kl(0.0, 7.0, 3.0, 3.0, &inf, &why), log(2.0), 1e-15);
    assert_int_equal(inf, 0);
    assert_null(why);
    /* Q = (1, 0), P has negatives */
    assert_true(isinf(fa_imbalance_kl(1.0, 1.0, 5.0, 0.0, &inf, &why)));
    assert_int_equal(inf, 1);
    assert_string_equal(why, "the reference group has no actual negatives and the group has some "
                             "(infinite)");
    assert_true(isnan(fa_imbalance_kl(1.0, 1.0, 0.0, 0.0, &inf, &why)));
    assert_int_equal(inf, 0);
    assert_string_equal(why, "the reference group has no rows");
    /* the same distribution from different counts: exactly 0 */
    assert_double_exact(fa_imbalance_kl(1.0, 3.0, 10.0, 30.0, &inf, NULL), 0.0);
}

static void imbalance__without_a_reference_comparisons_are_undefined(void **state)
{
    (void)state;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    compute(&im, g, -1);
    assert_undefined(g[B].class_imbalance, "no reference group");
    assert_undefined(g[B].kl_divergence, "no reference group");
    assert_undefined(g[B].kl_divergence_ref, "no reference group");
    assert_measure(g[B].share, 40.0 / 100.0); /* the rest is still there */
}

/* -------------------------------------------------------------- population */

static void imbalance__representation_ratio_with_a_missing_population_share(void **state)
{
    (void)state;
    const fa_population_share pop[2] = {{"A", 0.5}, {"B", 0.3}}; /* C not given */
    fa_imbalance_options o = FA_IMBALANCE_OPTIONS_INIT;
    o.population = pop;
    o.n_population = 2;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    assert_int_equal(fa_imbalance_compute(&im, g, POS, NEG, NAMES, NG, &o, NULL), FA_OK);
    assert_measure(g[A].population_share, 0.5);
    assert_measure(g[A].representation, (40.0 / 100.0) / 0.5); /* 0.8: under-represented */
    assert_measure(g[B].representation, (40.0 / 100.0) / 0.3); /* 1.33: over-represented */
    assert_undefined(g[C].population_share, "no population share given");
    assert_undefined(g[C].representation, "no population share given");
}

static void imbalance__without_a_population_representation_is_undefined(void **state)
{
    (void)state;
    fa_imbalance im;
    fa_imbalance_group g[NG];
    compute(&im, g, A);
    assert_undefined(g[A].representation, "no population share given");
}

static void imbalance__population_share_zero_gives_an_undefined_ratio(void **state)
{
    (void)state;
    const fa_population_share pop[1] = {{"B", 0.0}};
    fa_imbalance_options o = {0, pop, 1};
    fa_imbalance im;
    fa_imbalance_group g[NG];
    assert_int_equal(fa_imbalance_compute(&im, g, POS, NEG, NAMES, NG, &o, NULL), FA_OK);
    assert_measure(g[B].population_share, 0.0);
    assert_undefined(g[B].representation, "the population share is 0");
}

static void imbalance__population_naming_a_group_twice_is_invalid(void **state)
{
    (void)state;
    const fa_population_share pop[3] = {{"A", 0.5}, {"B", 0.3}, {"A", 0.2}};
    fa_imbalance_options o = {0, pop, 3};
    fa_imbalance im;
    fa_imbalance_group g[NG];
    fa_error err;
    assert_int_equal(fa_imbalance_compute(&im, g, POS, NEG, NAMES, NG, &o, &err), FA_EINVAL);
    assert_string_equal(err.message, "population shares: group \"A\" is given twice");
}

static void imbalance__population_share_outside_zero_one_is_a_domain_error(void **state)
{
    (void)state;
    const fa_population_share pop[1] = {{"C", 1.25}};
    fa_imbalance_options o = {0, pop, 1};
    fa_imbalance im;
    fa_imbalance_group g[NG];
    fa_error err;
    assert_int_equal(fa_imbalance_compute(&im, g, POS, NEG, NAMES, NG, &o, &err), FA_EDOMAIN);
    assert_string_equal(err.message,
                        "population shares: group \"C\": a share must lie in [0, 1], got 1.25");
}

/* ------------------------------------------------------------------- input */

static void imbalance__negative_count_is_a_domain_error(void **state)
{
    (void)state;
    const double pos[2] = {3.0, -1.0}, neg[2] = {2.0, 2.0};
    fa_imbalance im;
    fa_imbalance_group g[2];
    fa_error err;
    assert_int_equal(fa_imbalance_compute(&im, g, pos, neg, NULL, 2, NULL, &err), FA_EDOMAIN);
    assert_string_equal(err.message, "class imbalance: group 2: label counts must be finite and "
                                     "non-negative, got -1 positives and 2 negatives");
    const double nan_neg[2] = {2.0, NAN};
    assert_int_equal(fa_imbalance_compute(&im, g, POS, nan_neg, NULL, 2, NULL, NULL), FA_EDOMAIN);
}

static void imbalance__label_counts_come_from_confusion_counts(void **state)
{
    (void)state;
    /* P = TP + FN and N = FP + TN of a full tally; with weights, as they are */
    const fa_counts a = {20.5, 4.0, 6.0, 9.5, 0.0, 0.0, 40};
    const fa_counts b = {5.0, 5.0, 25.0, 5.0, 0.0, 0.0, 40};
    const double pos[2] = {a.tp + a.fn, b.tp + b.fn}; /* 30, 10 */
    const double neg[2] = {a.fp + a.tn, b.fp + b.tn}; /* 10, 30 */
    fa_imbalance im;
    fa_imbalance_group g[2];
    fa_imbalance_options o = {1, NULL, 0};
    assert_int_equal(fa_imbalance_compute(&im, g, pos, neg, NULL, 2, &o, NULL), FA_OK);
    assert_measure(g[0].base_rate, 30.0 / 40.0);
    assert_measure(im.imbalance_ratio, 40.0 / 40.0);
    assert_close(g[0].kl_divergence.value, 0.5 * log(3.0), 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(imbalance__label_counts_shares_ratio_and_minority),
        cmocka_unit_test(imbalance__ratio_is_undefined_when_a_class_is_absent),
        cmocka_unit_test(imbalance__balanced_labels_have_no_minority_label),
        cmocka_unit_test(imbalance__without_rows_everything_is_undefined),
        cmocka_unit_test(imbalance__group_sizes_shares_and_base_rates),
        cmocka_unit_test(imbalance__chi_square_of_label_by_group),
        cmocka_unit_test(imbalance__chi_square_reasons_speak_of_groups_and_labels),
        cmocka_unit_test(imbalance__class_imbalance_against_the_reference),
        cmocka_unit_test(imbalance__kl_divergence_of_each_group_from_the_reference),
        cmocka_unit_test(imbalance__kl_is_infinite_and_flagged_when_the_reference_lacks_a_label),
        cmocka_unit_test(imbalance__kl_direct_with_zero_mass_and_no_rows),
        cmocka_unit_test(imbalance__without_a_reference_comparisons_are_undefined),
        cmocka_unit_test(imbalance__representation_ratio_with_a_missing_population_share),
        cmocka_unit_test(imbalance__without_a_population_representation_is_undefined),
        cmocka_unit_test(imbalance__population_share_zero_gives_an_undefined_ratio),
        cmocka_unit_test(imbalance__population_naming_a_group_twice_is_invalid),
        cmocka_unit_test(imbalance__population_share_outside_zero_one_is_a_domain_error),
        cmocka_unit_test(imbalance__negative_count_is_a_domain_error),
        cmocka_unit_test(imbalance__label_counts_come_from_confusion_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
