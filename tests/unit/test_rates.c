/*
 * test_rates.c - metrics/rates.c: every per-group metric of METRICS.md from hand-made counts,
 * every undefined case (NAN plus the exact reason, never 0), weighted rows, and the metric
 * names and aliases.
 *
 * The fixture group G has TP = 7, FP = 3, TN = 11, FN = 6, so
 *   P = TP + FN = 13, N = FP + TN = 14, PP = TP + FP = 10, PN = TN + FN = 17, n = 27;
 * the population ALL has TP = 20, FP = 10, TN = 40, FN = 30, so n_all = 100, PP_all = 30.
 * Each expected value is written as the fraction of counts it is, in the order the formula
 * states it, so the comparison is exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "include/fairaudit.h"
#include "metrics/rates.h"

/* Exact comparison of two doubles, both printed with 17 digits on failure. */
#define assert_double_exact(got, want) check_exact((got), (want), #got, __FILE__, __LINE__)

static void check_exact(double got, double want, const char *expr, const char *file, int line)
{
    if (!(got == want)) {
        print_error("%s = %.17g, expected %.17g\n", expr, got, want);
        _fail(file, line);
    }
}

/* Metric m of g is undefined: NAN, and the reason is exactly `why`. */
#define assert_undefined(m, g, all, why) check_undefined((m), (g), (all), (why), __FILE__, __LINE__)

static void check_undefined(fa_metric m, const fa_counts *g, const fa_counts *all, const char *why,
                            const char *file, int line)
{
    const char *reason = "(not set)";
    double v = fa_metric_value(m, g, all, &reason);
    if (!isnan(v)) {
        print_error("%s = %.17g, expected undefined (%s)\n", fa_metric_name(m), v, why);
        _fail(file, line);
    }
    if (reason == NULL || strcmp(reason, why) != 0) {
        print_error("%s: reason \"%s\", expected \"%s\"\n", fa_metric_name(m),
                    reason ? reason : "(null)", why);
        _fail(file, line);
    }
}

static const fa_counts G = {7.0, 3.0, 11.0, 6.0, 0.0, 0.0, 27};
static const fa_counts ALL = {20.0, 10.0, 40.0, 30.0, 0.0, 0.0, 100};

static double value_of(fa_metric m)
{
    const char *reason = "(not set)";
    double v = fa_metric_value(m, &G, &ALL, &reason);
    assert_null(reason); /* a defined value clears the reason */
    return v;
}

/* ------------------------------------------------------------------ values */

static void rates__count_and_share_of_the_population(void **state)
{
    (void)state;
    assert_double_exact(value_of(FA_METRIC_COUNT), 27.0 /* tp + fp + tn + fn */);
    assert_double_exact(value_of(FA_METRIC_SHARE), 27.0 / 100.0 /* n / n_all */);
}

static void rates__base_and_selection_rate(void **state)
{
    (void)state;
    assert_double_exact(value_of(FA_METRIC_BASE_RATE), 13.0 / 27.0 /* (tp + fn) / n */);
    assert_double_exact(value_of(FA_METRIC_SELECTION_RATE), 10.0 / 27.0 /* (tp + fp) / n */);
    assert_double_exact(value_of(FA_METRIC_PREDICTED_POSITIVE_SHARE),
                        10.0 / 30.0 /* pp / (tp_all + fp_all) */);
}

static void rates__error_rates_on_actual_positives_and_negatives(void **state)
{
    (void)state;
    assert_double_exact(value_of(FA_METRIC_TRUE_POSITIVE_RATE), 7.0 / 13.0 /* tp / (tp + fn) */);
    assert_double_exact(value_of(FA_METRIC_FALSE_NEGATIVE_RATE), 6.0 / 13.0 /* fn / (tp + fn) */);
    assert_double_exact(value_of(FA_METRIC_FALSE_POSITIVE_RATE), 3.0 / 14.0 /* fp / (fp + tn) */);
    assert_double_exact(value_of(FA_METRIC_TRUE_NEGATIVE_RATE), 11.0 / 14.0 /* tn / (fp + tn) */);
}

static void rates__predictive_values_on_predictions(void **state)
{
    (void)state;
    assert_double_exact(value_of(FA_METRIC_POSITIVE_PREDICTIVE_VALUE),
                        7.0 / 10.0 /* tp / (tp + fp) */);
    assert_double_exact(value_of(FA_METRIC_FALSE_DISCOVERY_RATE), 3.0 / 10.0 /* fp / (tp + fp) */);
    assert_double_exact(value_of(FA_METRIC_NEGATIVE_PREDICTIVE_VALUE),
                        11.0 / 17.0 /* tn / (tn + fn) */);
    assert_double_exact(value_of(FA_METRIC_FALSE_OMISSION_RATE), 6.0 / 17.0 /* fn / (tn + fn) */);
}

static void rates__accuracy_f1_and_treatment_equality(void **state)
{
    (void)state;
    assert_double_exact(value_of(FA_METRIC_ACCURACY), 18.0 / 27.0 /* (tp + tn) / n */);
    assert_double_exact(value_of(FA_METRIC_ERROR_RATE), 9.0 / 27.0 /* (fp + fn) / n */);
    assert_double_exact(value_of(FA_METRIC_BALANCED_ACCURACY),
                        (7.0 / 13.0 + 11.0 / 14.0) / 2.0 /* (tpr + tnr) / 2 */);
    assert_double_exact(value_of(FA_METRIC_F1), 14.0 / 23.0 /* 2tp / (2tp + fp + fn) */);
    assert_double_exact(value_of(FA_METRIC_TREATMENT_EQUALITY), 6.0 / 3.0 /* fn / fp */);
}

static void rates__mean_score_is_the_weighted_mean(void **state)
{
    (void)state;
    fa_counts c = G;
    c.score_sum = 5.5;
    c.score_weight = 10.0;
    const char *reason = "(not set)";
    assert_double_exact(fa_metric_value(FA_METRIC_MEAN_SCORE, &c, &ALL, &reason),
                        5.5 / 10.0 /* score_sum / score_weight */);
    assert_null(reason);
}

static void rates__reason_may_be_null(void **state)
{
    (void)state;
    const fa_counts none = {0};
    assert_true(isnan(fa_metric_value(FA_METRIC_TRUE_POSITIVE_RATE, &none, &ALL, NULL)));
    assert_double_exact(fa_metric_value(FA_METRIC_COUNT, &G, &ALL, NULL), 27.0);
}

static void rates__group_without_predicted_positives_has_zero_share(void **state)
{
    (void)state;
    const fa_counts g = {0.0, 0.0, 4.0, 1.0, 0.0, 0.0, 5}; /* PP = 0, PP_all = 30 */
    const char *reason = "(not set)";
    assert_double_exact(fa_metric_value(FA_METRIC_PREDICTED_POSITIVE_SHARE, &g, &ALL, &reason),
                        0.0 / 30.0 /* pp / pp_all */);
    assert_null(reason);
}

/* ------------------------------------------------------------- undefined */

static void rates__tpr_without_positives_is_undefined(void **state)
{
    (void)state;
    const fa_counts g = {0.0, 3.0, 11.0, 0.0, 0.0, 0.0, 14}; /* P = tp + fn = 0 */
    assert_undefined(FA_METRIC_TRUE_POSITIVE_RATE, &g, &ALL, "no actual positives");
    assert_undefined(FA_METRIC_FALSE_NEGATIVE_RATE, &g, &ALL, "no actual positives");
    assert_undefined(FA_METRIC_BALANCED_ACCURACY, &g, &ALL, "no actual positives");
    /* the rates on actual negatives stay defined */
    assert_double_exact(fa_metric_value(FA_METRIC_FALSE_POSITIVE_RATE, &g, &ALL, NULL),
                        3.0 / 14.0 /* fp / (fp + tn) */);
}

static void rates__fpr_without_negatives_is_undefined(void **state)
{
    (void)state;
    const fa_counts g = {7.0, 0.0, 0.0, 6.0, 0.0, 0.0, 13}; /* N = fp + tn = 0 */
    assert_undefined(FA_METRIC_FALSE_POSITIVE_RATE, &g, &ALL, "no actual negatives");
    assert_undefined(FA_METRIC_TRUE_NEGATIVE_RATE, &g, &ALL, "no actual negatives");
    assert_undefined(FA_METRIC_BALANCED_ACCURACY, &g, &ALL, "no actual negatives");
    assert_undefined(FA_METRIC_TREATMENT_EQUALITY, &g, &ALL, "no false positives");
    assert_double_exact(fa_metric_value(FA_METRIC_TRUE_POSITIVE_RATE, &g, &ALL, NULL),
                        7.0 / 13.0 /* tp / (tp + fn) */);
}

static void rates__ppv_without_predicted_positives_is_undefined(void **state)
{
    (void)state;
    const fa_counts g = {0.0, 0.0, 11.0, 6.0, 0.0, 0.0, 17}; /* PP = tp + fp = 0 */
    assert_undefined(FA_METRIC_POSITIVE_PREDICTIVE_VALUE, &g, &ALL, "no predicted positives");
    assert_undefined(FA_METRIC_FALSE_DISCOVERY_RATE, &g, &ALL, "no predicted positives");
    assert_undefined(FA_METRIC_TREATMENT_EQUALITY, &g, &ALL, "no false positives");
    /* not 0 as AIF360 reports it: the selection rate is 0, the PPV has no evidence */
    assert_double_exact(fa_metric_value(FA_METRIC_SELECTION_RATE, &g, &ALL, NULL),
                        0.0 / 17.0 /* pp / n */);
}

static void rates__npv_without_predicted_negatives_is_undefined(void **state)
{
    (void)state;
    const fa_counts g = {7.0, 3.0, 0.0, 0.0, 0.0, 0.0, 10}; /* PN = tn + fn = 0 */
    assert_undefined(FA_METRIC_NEGATIVE_PREDICTIVE_VALUE, &g, &ALL, "no predicted negatives");
    assert_undefined(FA_METRIC_FALSE_OMISSION_RATE, &g, &ALL, "no predicted negatives");
    assert_double_exact(fa_metric_value(FA_METRIC_TREATMENT_EQUALITY, &g, &ALL, NULL),
                        0.0 / 3.0 /* fn / fp */);
}

static void rates__empty_group_has_count_zero_and_undefined_rates(void **state)
{
    (void)state;
    const fa_counts g = {0};
    assert_double_exact(fa_metric_value(FA_METRIC_COUNT, &g, &ALL, NULL), 0.0);
    assert_double_exact(fa_metric_value(FA_METRIC_SHARE, &g, &ALL, NULL), 0.0 / 100.0);
    assert_undefined(FA_METRIC_BASE_RATE, &g, &ALL, "no rows");
    assert_undefined(FA_METRIC_SELECTION_RATE, &g, &ALL, "no rows");
    assert_undefined(FA_METRIC_ACCURACY, &g, &ALL, "no rows");
    assert_undefined(FA_METRIC_ERROR_RATE, &g, &ALL, "no rows");
    assert_undefined(FA_METRIC_TRUE_POSITIVE_RATE, &g, &ALL, "no actual positives");
    assert_undefined(FA_METRIC_FALSE_POSITIVE_RATE, &g, &ALL, "no actual negatives");
    assert_undefined(FA_METRIC_POSITIVE_PREDICTIVE_VALUE, &g, &ALL, "no predicted positives");
    assert_undefined(FA_METRIC_NEGATIVE_PREDICTIVE_VALUE, &g, &ALL, "no predicted negatives");
    assert_undefined(FA_METRIC_F1, &g, &ALL, "no positives, actual or predicted");
    assert_undefined(FA_METRIC_TREATMENT_EQUALITY, &g, &ALL, "no false positives");
    assert_undefined(FA_METRIC_MEAN_SCORE, &g, &ALL, "no scores");
}

static void rates__share_of_an_empty_population_is_undefined(void **state)
{
    (void)state;
    const fa_counts none = {0};
    assert_undefined(FA_METRIC_SHARE, &none, &none, "no rows");
    assert_undefined(FA_METRIC_PREDICTED_POSITIVE_SHARE, &none, &none,
                     "no predicted positives overall");
}

static void rates__predicted_positive_share_without_positives_overall_is_undefined(void **state)
{
    (void)state;
    const fa_counts all = {0.0, 0.0, 40.0, 30.0, 0.0, 0.0, 70}; /* PP_all = 0 */
    const fa_counts g = {0.0, 0.0, 11.0, 6.0, 0.0, 0.0, 17};
    assert_undefined(FA_METRIC_PREDICTED_POSITIVE_SHARE, &g, &all,
                     "no predicted positives overall");
}

static void rates__f1_with_true_negatives_only_is_undefined(void **state)
{
    (void)state;
    const fa_counts g = {0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 5}; /* 2tp + fp + fn = 0 */
    assert_undefined(FA_METRIC_F1, &g, &ALL, "no positives, actual or predicted");
    assert_double_exact(fa_metric_value(FA_METRIC_ACCURACY, &g, &ALL, NULL), 5.0 / 5.0);
}

static void rates__treatment_equality_without_false_positives_is_undefined(void **state)
{
    (void)state;
    const fa_counts g = {7.0, 0.0, 11.0, 6.0, 0.0, 0.0, 24}; /* fp = 0, fn = 6 */
    assert_undefined(FA_METRIC_TREATMENT_EQUALITY, &g, &ALL, "no false positives");
}

static void rates__mean_score_without_scores_is_undefined(void **state)
{
    (void)state;
    assert_undefined(FA_METRIC_MEAN_SCORE, &G, &ALL, "no scores"); /* score_weight = 0 */
}

static void rates__metric_out_of_range_is_undefined(void **state)
{
    (void)state;
    assert_undefined(FA_METRIC_COUNT_ALL, &G, &ALL, "unknown metric");
}

static void rates__defined_value_after_undefined_clears_reason(void **state)
{
    (void)state;
    const fa_counts none = {0};
    const char *reason = NULL;
    assert_true(isnan(fa_metric_value(FA_METRIC_TRUE_POSITIVE_RATE, &none, &ALL, &reason)));
    assert_non_null(reason);
    fa_metric_value(FA_METRIC_TRUE_POSITIVE_RATE, &G, &ALL, &reason);
    assert_null(reason);
}

/* ---------------------------------------------------------------- weights */

static void rates__weighted_rows_give_fractional_counts(void **state)
{
    (void)state;
    fa_counts c = {0};
    fa_counts_add_row(&c, 1, 1, 0.5, NAN);  /* tp */
    fa_counts_add_row(&c, 1, 1, 0.5, NAN);  /* tp */
    fa_counts_add_row(&c, 1, 0, 0.5, 0.75); /* fn */
    fa_counts_add_row(&c, 0, 1, 0.5, 0.25); /* fp */
    fa_counts_add_row(&c, 0, 0, 2.0, 0.5);  /* tn */
    assert_double_exact(c.tp, 0.5 + 0.5);
    assert_double_exact(c.fn, 0.5);
    assert_double_exact(c.fp, 0.5);
    assert_double_exact(c.tn, 2.0);
    assert_int_equal(c.rows, 5); /* rows count whatever their weight */
    assert_double_exact(c.score_sum, 0.5 * 0.75 + 0.5 * 0.25 + 2.0 * 0.5);
    assert_double_exact(c.score_weight, 0.5 + 0.5 + 2.0); /* NAN scores carry no weight */
    const fa_counts all = c;
    assert_double_exact(fa_metric_value(FA_METRIC_COUNT, &c, &all, NULL), 4.0 /* weights */);
    assert_double_exact(fa_metric_value(FA_METRIC_TRUE_POSITIVE_RATE, &c, &all, NULL),
                        1.0 / 1.5 /* tp / (tp + fn) */);
    assert_double_exact(fa_metric_value(FA_METRIC_FALSE_POSITIVE_RATE, &c, &all, NULL),
                        0.5 / 2.5 /* fp / (fp + tn) */);
    assert_double_exact(fa_metric_value(FA_METRIC_SELECTION_RATE, &c, &all, NULL),
                        1.5 / 4.0 /* (tp + fp) / n */);
    assert_double_exact(fa_metric_value(FA_METRIC_MEAN_SCORE, &c, &all, NULL),
                        1.5 / 3.0 /* score_sum / score_weight */);
}

static void rates__zero_weight_row_counts_a_row_but_no_weight(void **state)
{
    (void)state;
    fa_counts c = {0};
    fa_counts_add_row(&c, 1, 1, 0.0, 0.9);
    assert_int_equal(c.rows, 1);
    assert_double_exact(c.tp + c.fp + c.tn + c.fn, 0.0);
    assert_undefined(FA_METRIC_TRUE_POSITIVE_RATE, &c, &c, "no actual positives");
}

static void rates__counts_add_field_by_field(void **state)
{
    (void)state;
    fa_counts a = {1.0, 2.0, 3.0, 4.0, 0.5, 1.0, 10};
    const fa_counts b = {0.5, 0.25, 8.0, 16.0, 2.0, 3.0, 7};
    fa_counts_add(&a, &b);
    assert_double_exact(a.tp, 1.0 + 0.5);
    assert_double_exact(a.fp, 2.0 + 0.25);
    assert_double_exact(a.tn, 3.0 + 8.0);
    assert_double_exact(a.fn, 4.0 + 16.0);
    assert_double_exact(a.score_sum, 0.5 + 2.0);
    assert_double_exact(a.score_weight, 1.0 + 3.0);
    assert_int_equal(a.rows, 17);
}

/* ------------------------------------------------------------------ names */

static void rates__aliases_find_their_metric(void **state)
{
    (void)state;
    assert_int_equal(fa_metric_from_name("tpr"), FA_METRIC_TRUE_POSITIVE_RATE);
    assert_int_equal(fa_metric_from_name("recall"), FA_METRIC_TRUE_POSITIVE_RATE);
    assert_int_equal(fa_metric_from_name("precision"), FA_METRIC_POSITIVE_PREDICTIVE_VALUE);
    assert_int_equal(fa_metric_from_name("ppv"), FA_METRIC_POSITIVE_PREDICTIVE_VALUE);
    assert_int_equal(fa_metric_from_name("fpr"), FA_METRIC_FALSE_POSITIVE_RATE);
    assert_int_equal(fa_metric_from_name("prevalence"), FA_METRIC_BASE_RATE);
    assert_int_equal(fa_metric_from_name("ppr"), FA_METRIC_PREDICTED_POSITIVE_SHARE);
    assert_int_equal(fa_metric_from_name("selection_rate"), FA_METRIC_SELECTION_RATE);
}

static void rates__unknown_names_give_minus_one(void **state)
{
    (void)state;
    assert_int_equal(fa_metric_from_name("no_such_metric"), -1);
    assert_int_equal(fa_metric_from_name(""), -1);
    assert_int_equal(fa_metric_from_name("true_positive_rat"), -1);
    assert_int_equal(fa_metric_from_name("true_positive_rate "), -1);
    assert_int_equal(fa_metric_from_name("demographic_parity_ratio"), -1); /* a summary */
    assert_int_equal(fa_metric_from_name(NULL), -1);
}

static void rates__names_round_trip(void **state)
{
    (void)state;
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        const char *name = fa_metric_name((fa_metric)m);
        assert_non_null(name);
        assert_int_equal(fa_metric_from_name(name), m);
        assert_non_null(fa_metric_definition((fa_metric)m));
        for (int k = 0; k < m; k++) {
            assert_string_not_equal(name, fa_metric_name((fa_metric)k));
        }
    }
    assert_string_equal(fa_metric_name(FA_METRIC_TRUE_POSITIVE_RATE), "true_positive_rate");
    assert_string_equal(fa_metric_name(FA_METRIC_POSITIVE_PREDICTIVE_VALUE),
                        "positive_predictive_value");
    assert_null(fa_metric_name(FA_METRIC_COUNT_ALL));
    assert_null(fa_metric_name((fa_metric)-1));
    assert_null(fa_metric_definition(FA_METRIC_COUNT_ALL));
}

static void rates__count_and_share_have_no_disparity(void **state)
{
    (void)state;
    assert_false(fa_rates_has_disparity(FA_METRIC_COUNT));
    assert_false(fa_rates_has_disparity(FA_METRIC_SHARE));
    assert_true(fa_rates_has_disparity(FA_METRIC_SELECTION_RATE));
    assert_true(fa_rates_has_disparity(FA_METRIC_TRUE_POSITIVE_RATE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rates__count_and_share_of_the_population),
        cmocka_unit_test(rates__base_and_selection_rate),
        cmocka_unit_test(rates__error_rates_on_actual_positives_and_negatives),
        cmocka_unit_test(rates__predictive_values_on_predictions),
        cmocka_unit_test(rates__accuracy_f1_and_treatment_equality),
        cmocka_unit_test(rates__mean_score_is_the_weighted_mean),
        cmocka_unit_test(rates__reason_may_be_null),
        cmocka_unit_test(rates__group_without_predicted_positives_has_zero_share),
        cmocka_unit_test(rates__tpr_without_positives_is_undefined),
        cmocka_unit_test(rates__fpr_without_negatives_is_undefined),
        cmocka_unit_test(rates__ppv_without_predicted_positives_is_undefined),
        cmocka_unit_test(rates__npv_without_predicted_negatives_is_undefined),
        cmocka_unit_test(rates__empty_group_has_count_zero_and_undefined_rates),
        cmocka_unit_test(rates__share_of_an_empty_population_is_undefined),
        cmocka_unit_test(rates__predicted_positive_share_without_positives_overall_is_undefined),
        cmocka_unit_test(rates__f1_with_true_negatives_only_is_undefined),
        cmocka_unit_test(rates__treatment_equality_without_false_positives_is_undefined),
        cmocka_unit_test(rates__mean_score_without_scores_is_undefined),
        cmocka_unit_test(rates__metric_out_of_range_is_undefined),
        cmocka_unit_test(rates__defined_value_after_undefined_clears_reason),
        cmocka_unit_test(rates__weighted_rows_give_fractional_counts),
        cmocka_unit_test(rates__zero_weight_row_counts_a_row_but_no_weight),
        cmocka_unit_test(rates__counts_add_field_by_field),
        cmocka_unit_test(rates__aliases_find_their_metric),
        cmocka_unit_test(rates__unknown_names_give_minus_one),
        cmocka_unit_test(rates__names_round_trip),
        cmocka_unit_test(rates__count_and_share_have_no_disparity),
    };
    return cmocka_run_group_tests_name("rates", tests, NULL, NULL);
}
