/*
 * test_individual.c - metrics/individual.c: the generalized entropy indices of the benefit
 * b = pred - label + 1 from confusion counts (worked out by hand), their between/within
 * decomposition, AIF360's conventions shown on purpose, the golden AIF360 values of
 * ../shared/golden/<ds>_peers.json, and consistency over k nearest neighbours.
 *
 * Fixture C: TP = 3, TN = 2, FP = 1, FN = 2, so n = 8 and the benefits are 0 (x2, the FNs),
 * 1 (x5, TP + TN) and 2 (x1, the FP): sum b = 5 + 2 = 7, mu = 7/8, sum b^2 = 5 + 4 = 9.
 * It is the union of group A (TP = 3, TN = 1, FN = 1: n = 5, sum b = 4, mu_A = 4/5) and group B
 * (TN = 1, FP = 1, FN = 1: n = 3, sum b = 3, mu_B = 1).
 * Fixture D (no false negatives): TP = 3, TN = 2, FP = 1, so n = 6, sum b = 7, mu = 7/6.
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

#include "golden_util.h"
#include "include/fairaudit.h"
#include "metrics/individual.h"

/* fa_counts: tp, fp, tn, fn, score_sum, score_weight, rows */
static const fa_counts C = {3.0, 1.0, 2.0, 2.0, 0.0, 0.0, 8};
static const fa_counts A = {3.0, 0.0, 1.0, 1.0, 0.0, 0.0, 5};
static const fa_counts B = {0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 3};
static const fa_counts D = {3.0, 1.0, 2.0, 0.0, 0.0, 0.0, 6};

/* got agrees with want to a relative 1e-14 (absolute below 1). */
#define assert_near(got, want) check_near((got), (want), 1e-14, #got, __FILE__, __LINE__)

static void check_near(double got, double want, double tol, const char *expr, const char *file,
                       int line)
{
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    if (!(fabs(got - want) <= tol * scale)) {
        print_error("%s = %.17g, expected %.17g\n", expr, got, want);
        _fail(file, line);
    }
}

/* v is NAN or INFINITY as `want`, with exactly the reason `why` (v, which sets reason, is
 * evaluated first). */
#define assert_special(v, reason, want, why)                                                       \
    do {                                                                                           \
        double v_ = (v);                                                                           \
        check_special(v_, (reason), (want), (why), #v, __FILE__, __LINE__);                        \
    } while (0)

static void check_special(double v, const char *reason, double want, const char *why,
                          const char *expr, const char *file, int line)
{
    int ok = isnan(want) ? isnan(v) : v == want;
    if (!ok || reason == NULL || strcmp(reason, why) != 0) {
        print_error("%s = %.17g (reason \"%s\"), expected %.17g (reason \"%s\")\n", expr, v,
                    reason ? reason : "(null)", want, why);
        _fail(file, line);
    }
}

/* A defined index: the value, the reason cleared. */
static double gei(const fa_counts *c, double alpha)
{
    const char *reason = "(not set)";
    double v = fa_individual_gei(c, alpha, &reason);
    assert_null(reason);
    return v;
}

/* ------------------------------------------------------------ the total index, by hand */

static void individual__mean_benefit_counts_fp_as_2_and_fn_as_0(void **state)
{
    (void)state;
    assert_near(fa_individual_mean_benefit(&C, NULL), 7.0 / 8.0 /* (tp + tn + 2 fp) / n */);
    assert_near(fa_individual_mean_benefit(&D, NULL), 7.0 / 6.0);
}

static void individual__gei2_is_half_the_squared_coefficient_of_variation(void **state)
{
    (void)state;
    /* (1 / (n 2 1)) sum ((b/mu)^2 - 1) = (1/16) (9 / (49/64) - 8) = (1/16) (576 - 392) / 49
     * = 184 / 784 = 23/98; also var = 9/8 - 49/64 = 23/64, CV^2 = 23/49, GE(2) = CV^2 / 2 */
    assert_near(gei(&C, 2.0), 23.0 / 98.0);
}

static void individual__theil_index_by_hand(void **state)
{
    (void)state;
    /* (1/8) [5 (8/7) ln(8/7) + 1 (16/7) ln(16/7)] (+ 2 * 0 ln 0 = 0)
     * = (1/7) [5 ln(8/7) + 2 ln(16/7)] = 0.331573444213079... */
    double want = (5.0 * log(8.0 / 7.0) + 2.0 * log(16.0 / 7.0)) / 7.0;
    assert_near(fa_individual_theil_index(&C, NULL), want);
    assert_near(gei(&C, 1.0), want);
}

static void individual__alpha0_is_infinite_with_a_false_negative(void **state)
{
    (void)state;
    const char *reason = NULL;
    /* C has two FNs: b = 0, -ln(0 / mu) = +inf */
    double v = fa_individual_gei(&C, 0.0, &reason);
    assert_special(v, reason, INFINITY,
                   "infinite: a false negative has benefit 0, whose log (alpha = 0) or negative "
                   "power (alpha < 0) is infinite");
    v = fa_individual_gei(&C, -1.0, &reason);
    assert_special(v, reason, INFINITY,
                   "infinite: a false negative has benefit 0, whose log (alpha = 0) or negative "
                   "power (alpha < 0) is infinite");
}

static void individual__alpha0_without_false_negatives_follows_the_formula_not_aif360(void **state)
{
    (void)state;
    /* D: -(1/6) [5 ln(6/7) + ln(12/7)] = (1/6) [5 ln(7/6) - ln(12/7)] = 0.0386261497339... */
    double want = (5.0 * log(7.0 / 6.0) - log(12.0 / 7.0)) / 6.0;
    double got = gei(&D, 0.0);
    assert_near(got, want);
    /* AIF360's code, -np.mean(np.log(b / mu) / mu), divides once more by mu = 7/6:
     * 0.0331081283433... - a different number, on purpose */
    double aif360 = want / (7.0 / 6.0);
    assert_true(fabs(got - aif360) > 1e-3);
}

static void individual__alpha_half_by_hand(void **state)
{
    (void)state;
    /* 1 / (n alpha (alpha - 1)) = 1 / (8 * 0.5 * -0.5) = -1/2;
     * sum (b/mu)^0.5 = 2 * 0 + 5 sqrt(8/7) + sqrt(16/7) = sqrt(8/7) (5 + sqrt 2);
     * GE(0.5) = -(1/2) (sqrt(8/7) (5 + sqrt 2) - 8) = 4 - sqrt(8/7) (5 + sqrt 2) / 2 */
    assert_near(gei(&C, 0.5), 4.0 - sqrt(8.0 / 7.0) * (5.0 + sqrt(2.0)) / 2.0);
}

static void individual__negative_alpha_is_finite_without_false_negatives(void **state)
{
    (void)state;
    /* D, alpha = -1: 1 / (6 * -1 * -2) = 1/12; (b/mu)^-1 = mu / b = 7/6 (x5) and 7/12 (x1):
     * (1/12) [5 (7/6 - 1) + (7/12 - 1)] = (1/12) (5/6 - 5/12) = (1/12) (5/12) = 5/144 */
    assert_near(gei(&D, -1.0), 5.0 / 144.0);
    /* alpha = 3: 1 / (8 * 3 * 2) = 1/48; sum (b/mu)^3 = (5 + 8) / (343/512) = 6656/343;
     * (1/48) (6656/343 - 8) = (1/48) (6656 - 2744) / 343 = 3912 / 16464 = 163/686 */
    assert_near(gei(&C, 3.0), 163.0 / 686.0);
}

static void individual__coefficient_of_variation_is_sd_over_mean_not_aif360s(void **state)
{
    (void)state;
    /* sd / mu = sqrt(23/64) / (7/8) = sqrt(23) / 7 = sqrt(2 * 23/98) */
    double cv = fa_individual_coefficient_of_variation(&C, NULL);
    assert_near(cv, sqrt(23.0) / 7.0);
    /* AIF360's coefficient_of_variation is 2 sqrt(GE(2)) = sqrt(2) * cv: shown, not followed */
    assert_near(2.0 * sqrt(gei(&C, 2.0)), sqrt(2.0) * cv);
}

static void individual__equal_benefits_give_exactly_zero(void **state)
{
    (void)state;
    const fa_counts all_right = {4.0, 0.0, 5.0, 0.0, 0.0, 0.0, 9}; /* every b = 1 */
    const fa_counts all_fp = {0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 3};    /* every b = 2 */
    const double alphas[] = {-2.0, 0.0, 0.5, 1.0, 2.0, 3.0};
    for (size_t i = 0; i < sizeof alphas / sizeof alphas[0]; i++) {
        assert_true(gei(&all_right, alphas[i]) == 0.0);
        assert_true(gei(&all_fp, alphas[i]) == 0.0);
    }
}

static void individual__weights_are_row_multiplicities(void **state)
{
    (void)state;
    /* C with every row counted 2.5 times: the same distribution, the same index */
    const fa_counts c25 = {7.5, 2.5, 5.0, 5.0, 0.0, 0.0, 8};
    assert_near(gei(&c25, 2.0), 23.0 / 98.0);
    assert_near(gei(&c25, 1.0), gei(&C, 1.0));
}

static void individual__undefined_without_rows_or_with_false_negatives_only(void **state)
{
    (void)state;
    const fa_counts none = {0};
    const fa_counts only_fn = {0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 4};
    const char *reason = NULL;
    assert_special(fa_individual_gei(&none, 2.0, &reason), reason, NAN, "no rows");
    assert_special(fa_individual_mean_benefit(&none, &reason), reason, NAN, "no rows");
    assert_special(fa_individual_coefficient_of_variation(&none, &reason), reason, NAN, "no rows");
    assert_special(fa_individual_gei(&only_fn, 2.0, &reason), reason, NAN,
                   "mean benefit is 0: every row is a false negative");
    assert_special(fa_individual_theil_index(&only_fn, &reason), reason, NAN,
                   "mean benefit is 0: every row is a false negative");
    assert_special(fa_individual_gei(&C, NAN, &reason), reason, NAN, "alpha is not finite");
    assert_special(fa_individual_gei(&C, INFINITY, &reason), reason, NAN, "alpha is not finite");
}

/* ------------------------------------------------------------ between and within groups */

static void individual__between_group_by_hand(void **state)
{
    (void)state;
    const fa_counts ab[2] = {A, B};
    /* means 4/5 (x5) and 1 (x3), mu = 7/8: r = 32/35 and 40/35;
     * GE(2) = (1/16) [(5 * 1024 + 3 * 1600) / 1225 - 8] = (1/16) (9920 - 9800) / 1225
     *       = 120 / 19600 = 3/490 */
    assert_near(fa_individual_between_group_gei(ab, 2, 2.0, NULL), 3.0 / 490.0);
    /* Theil: (1/8) [5 (32/35) ln(32/35) + 3 (8/7) ln(8/7)] */
    double theil =
        (5.0 * (32.0 / 35.0) * log(32.0 / 35.0) + 3.0 * (8.0 / 7.0) * log(8.0 / 7.0)) / 8.0;
    assert_near(fa_individual_between_group_gei(ab, 2, 1.0, NULL), theil);
}

static void individual__within_group_by_hand(void **state)
{
    (void)state;
    const fa_counts ab[2] = {A, B};
    /* GE_A(2): b = 1, 1, 1, 1, 0: var = 4/5 - 16/25 = 4/25, / mu_A^2 = 1/4, / 2 = 1/8;
     * GE_B(2): b = 1, 2, 0: var = 5/3 - 1 = 2/3, / 1, / 2 = 1/3;
     * within = (5/8) (32/35)^2 (1/8) + (3/8) (8/7)^2 (1/3) = 5120/78400 + 64/392 = 8/35,
     * which is total - between = 23/98 - 3/490 = (115 - 3) / 490 = 8/35 */
    assert_near(fa_individual_within_group_gei(ab, 2, 2.0, NULL), 8.0 / 35.0);
}

static void individual__between_plus_within_is_the_total(void **state)
{
    (void)state;
    const fa_counts d1 = {2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 3}, d2 = {1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 3};
    const fa_counts ab[2] = {A, B}, dd[2] = {d1, d2}; /* d1 + d2 = D, no false negatives */
    const double alphas[] = {0.5, 1.0, 2.0, 3.0, 1.5};
    for (size_t i = 0; i < sizeof alphas / sizeof alphas[0]; i++) {
        double a = alphas[i];
        assert_near(fa_individual_between_group_gei(ab, 2, a, NULL) +
                        fa_individual_within_group_gei(ab, 2, a, NULL),
                    gei(&C, a));
    }
    const double all_alphas[] = {-1.0, 0.0, 0.5, 1.0, 2.0, 3.0};
    for (size_t i = 0; i < sizeof all_alphas / sizeof all_alphas[0]; i++) {
        double a = all_alphas[i];
        assert_near(fa_individual_between_group_gei(dd, 2, a, NULL) +
                        fa_individual_within_group_gei(dd, 2, a, NULL),
                    gei(&D, a));
    }
}

static void individual__between_ignores_empty_groups_and_one_group_gives_zero(void **state)
{
    (void)state;
    const fa_counts none = {0};
    const fa_counts a_b_empty[3] = {A, none, B};
    assert_near(fa_individual_between_group_gei(a_b_empty, 3, 2.0, NULL), 3.0 / 490.0);
    assert_true(fa_individual_between_group_gei(&C, 1, 2.0, NULL) == 0.0);
    assert_near(fa_individual_within_group_gei(&C, 1, 2.0, NULL), 23.0 / 98.0);
    const char *reason = NULL;
    assert_special(fa_individual_between_group_gei(&none, 1, 2.0, &reason), reason, NAN, "no rows");
    assert_special(fa_individual_between_group_gei(NULL, 0, 2.0, &reason), reason, NAN, "no rows");
}

static void individual__alpha0_with_a_group_of_false_negatives_only(void **state)
{
    (void)state;
    const fa_counts only_fn = {0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 2};
    const fa_counts d_fn[2] = {D, only_fn};
    const fa_counts ab[2] = {A, B};
    const char *reason = NULL;
    assert_special(fa_individual_between_group_gei(d_fn, 2, 0.0, &reason), reason, INFINITY,
                   "infinite: a group of false negatives only has mean benefit 0, whose log "
                   "(alpha = 0) or negative power (alpha < 0) is infinite");
    assert_special(fa_individual_within_group_gei(d_fn, 2, 0.0, &reason), reason, NAN,
                   "undefined: a group of false negatives only makes both the total and the "
                   "between-group index infinite (alpha <= 0)");
    /* A and B each hold a false negative but have positive means: between finite, within not */
    assert_true(isfinite(fa_individual_between_group_gei(ab, 2, 0.0, NULL)));
    assert_special(fa_individual_within_group_gei(ab, 2, 0.0, &reason), reason, INFINITY,
                   "infinite: a false negative has benefit 0, whose log (alpha = 0) or negative "
                   "power (alpha < 0) is infinite");
    /* alpha > 0: the all-FN group is as unequal within as between (not at all): within = D's */
    assert_near(fa_individual_within_group_gei(d_fn, 2, 2.0, NULL),
                (6.0 / 8.0) * pow((7.0 / 6.0) / (7.0 / 8.0), 2.0) * gei(&D, 2.0));
}

static void individual__aif360_pairwise_gives_rows_outside_the_two_groups_benefit_0(void **state)
{
    (void)state;
    const fa_counts other = {1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2}; /* 2 rows in neither A nor B */
    const fa_counts all = {4.0, 1.0, 3.0, 2.0, 0.0, 0.0, 10};  /* C + other */
    const fa_counts ab[2] = {A, B};
    /* AIF360: 4/5 (x5), 1 (x3), 0 (x2): sum 7, n = 10, mu = 7/10;
     * GE(2) = (1/20) [5 (8/7)^2 + 3 (10/7)^2 - 10] = (1/20) (320 + 300 - 490) / 49 = 13/98 */
    assert_near(fa_individual_aif360_between_group_gei(&all, ab, 2, 2.0, NULL), 13.0 / 98.0);
    /* the partition index of A and B alone is 3/490, and with `other` as its own group: */
    const fa_counts abo[3] = {A, B, other};
    assert_near(fa_individual_between_group_gei(ab, 2, 2.0, NULL), 3.0 / 490.0);
    assert_near(fa_individual_aif360_between_group_gei(&all, abo, 3, 2.0, NULL),
                fa_individual_between_group_gei(abo, 3, 2.0, NULL));
    /* Theil: the benefit-0 rows add 0 ln 0 = 0 but count in n and mu:
     * (1/10) [5 (8/7) ln(8/7) + 3 (10/7) ln(10/7)] */
    assert_near(fa_individual_aif360_between_group_gei(&all, ab, 2, 1.0, NULL),
                (5.0 * (8.0 / 7.0) * log(8.0 / 7.0) + 3.0 * (10.0 / 7.0) * log(10.0 / 7.0)) / 10.0);
    const char *reason = NULL;
    assert_special(fa_individual_aif360_between_group_gei(&all, ab, 2, 0.0, &reason), reason,
                   INFINITY,
                   "infinite: rows outside the groups have benefit 0 (AIF360's convention), "
                   "whose log (alpha = 0) or negative power (alpha < 0) is infinite");
}

/* ------------------------------------------------------------ golden: AIF360's values */

/* Audits a peers file's input as test_golden.c does: its groups, their intersection when the
 * file has an "A+B" key, and its reference groups (AIF360's privileged values). */
static int setup_peers(void **state)
{
    golden_fixture *fx;
    if (!golden_fixture_new(state, &fx)) {
        return 0;
    }
    const char *shared = golden_shared_dir();
    char path[1024], csv[1024];
    if (!golden_path(path, sizeof path, shared, "golden", fx->spec) ||
        (fx->doc = golden_load_json(path)) == NULL) {
        snprintf(fx->error, sizeof fx->error, "cannot read golden/%s", (const char *)fx->spec);
        return 0;
    }
    const cJSON *input = golden_get(fx->doc, "input"), *item;
    const char *name = golden_str(input, "csv");
    if (name == NULL || (!golden_path(csv, sizeof csv, shared, "data", name) &&
                         !golden_path(csv, sizeof csv, shared, "models", name))) {
        snprintf(fx->error, sizeof fx->error, "%s: input.csv not found", path);
        return 0;
    }
    const char *groups[4], *ref_attrs[5], *ref_values[5];
    char inter_name[256] = "", inter_value[256] = "";
    size_t n_groups = 0, n_refs = 0;
    int intersect = 0;
    cJSON_ArrayForEach(item, golden_get(input, "groups"))
    {
        if (n_groups < 4) {
            groups[n_groups++] = item->valuestring;
        }
    }
    cJSON_ArrayForEach(item, golden_get(input, "reference"))
    {
        if (n_refs < 4) {
            ref_attrs[n_refs] = item->string;
            ref_values[n_refs++] = item->valuestring;
        }
    }
    cJSON_ArrayForEach(item, golden_get(fx->doc, "aif360"))
    {
        if (strchr(item->string, '+') != NULL) {
            intersect = 1;
            golden_attr_name(item->string, inter_name, sizeof inter_name);
            golden_join_values(golden_get(item, "privileged"), inter_value, sizeof inter_value);
            ref_attrs[n_refs] = inter_name;
            ref_values[n_refs++] = inter_value;
        }
    }
    fa_audit_options opts = FA_AUDIT_OPTIONS_INIT;
    opts.label = golden_str(input, "label");
    opts.pred = golden_str(input, "pred");
    opts.positive = golden_str(input, "favorable"); /* AIF360's favourable label is positive */
    opts.groups = groups;
    opts.n_groups = n_groups;
    opts.intersect = intersect;
    opts.ref_attrs = ref_attrs;
    opts.ref_values = ref_values;
    opts.n_refs = n_refs;
    opts.min_group_size = 1;
    golden_fixture_audit(fx, csv, &opts);
    return 0;
}

/* The comparisons of one peers file, and the largest absolute difference seen. */
typedef struct index_check {
    golden_check ck;
    double max_diff;
} index_check;

static void expect_index(index_check *ic, const cJSON *block, const char *key, const char *where,
                         double got)
{
    const cJSON *v = golden_get(block, key);
    golden_what(&ic->ck, "aif360 %s %s", where, key);
    if (!cJSON_IsNumber(v)) {
        golden_fail(&ic->ck, "%s: golden value missing or not a number", ic->ck.what);
        return;
    }
    golden_expect_close(&ic->ck, ic->ck.what, v->valuedouble, got);
    if (fabs(v->valuedouble - got) > ic->max_diff) {
        ic->max_diff = fabs(v->valuedouble - got);
    }
}

/* theil_index, generalized_entropy_index_alpha2 (over all rows) and the between_group_*
 * indices of one AIF360 block, ours computed over `pair` (2 groups) within `all`. */
static void expect_block(index_check *ic, const cJSON *block, const char *where,
                         const fa_counts *all, const fa_counts pair[2])
{
    expect_index(ic, block, "theil_index", where, fa_individual_theil_index(all, NULL));
    expect_index(ic, block, "generalized_entropy_index_alpha2", where,
                 fa_individual_gei(all, 2.0, NULL));
    expect_index(ic, block, "between_group_theil_index", where,
                 fa_individual_aif360_between_group_gei(all, pair, 2, 1.0, NULL));
    expect_index(ic, block, "between_group_generalized_entropy_index_alpha2", where,
                 fa_individual_aif360_between_group_gei(all, pair, 2, 2.0, NULL));
}

static void check_attribute(index_check *ic, const fa_result *res, const cJSON *attr)
{
    size_t a, ref_g, g, n = 0;
    char priv[256], where[512];
    if (!golden_find_peer_attr(&ic->ck, res, attr->string, &a)) {
        return;
    }
    golden_join_values(golden_get(attr, "privileged"), priv, sizeof priv);
    if (!golden_find_peer_group(&ic->ck, res, a, priv, &ref_g)) {
        return;
    }
    size_t n_groups = fa_result_n_groups(res, a);
    fa_counts *groups = calloc(n_groups, sizeof *groups), all = {0}, pair[2];
    assert_non_null(groups);
    memset(pair, 0, sizeof pair);
    for (g = 0; g < n_groups; g++) {
        groups[n++] = *fa_result_group_counts(res, a, g);
        fa_counts_add(&all, &groups[g]);
        if (g != ref_g) {
            fa_counts_add(&pair[1], &groups[g]);
        }
    }
    pair[0] = groups[ref_g];
    /* vs_rest: privileged against every other group pooled, a partition of all rows */
    snprintf(where, sizeof where, "%s vs_rest", attr->string);
    expect_block(ic, golden_get(attr, "vs_rest"), where, &all, pair);
    expect_index(ic, golden_get(attr, "vs_rest"), "between_group_theil_index", where,
                 fa_individual_between_group_gei(pair, 2, 1.0, NULL));
    /* pairwise: privileged against one group; the other groups' rows keep AIF360's 0 */
    const cJSON *grp;
    cJSON_ArrayForEach(grp, golden_get(attr, "pairwise_vs_reference"))
    {
        if (!golden_find_peer_group(&ic->ck, res, a, grp->string, &g)) {
            continue;
        }
        pair[1] = groups[g];
        snprintf(where, sizeof where, "%s=%s vs %s", attr->string, grp->string, priv);
        expect_block(ic, grp, where, &all, pair);
    }
    /* between_all_groups: every group of the attribute */
    expect_index(ic, attr, "between_all_groups_theil_index", attr->string,
                 fa_individual_between_group_gei(groups, n_groups, 1.0, NULL));
    expect_index(ic, attr, "between_all_groups_generalized_entropy_index_alpha2", attr->string,
                 fa_individual_between_group_gei(groups, n_groups, 2.0, NULL));
    free(groups);
}

static void check_peers(void **state, const char *test)
{
    golden_fixture *fx;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    index_check ic = {GOLDEN_CHECK_INIT(test), 0.0};
    const cJSON *attr;
    cJSON_ArrayForEach(attr, golden_get(fx->doc, "aif360"))
    {
        check_attribute(&ic, fx->res, attr);
    }
    const char *verbose = getenv("FAIRAUDIT_GOLDEN_VERBOSE");
    if (verbose != NULL && verbose[0] != '\0' && verbose[0] != '0') {
        print_message("%s: max |difference| %.3g\n", test, ic.max_diff);
    }
    golden_finish(&ic.ck);
}

static char COMPAS_PEERS[] = "compas_peers.json";
static char ADULT_PEERS[] = "adult_xgb_peers.json";
static char GERMAN_PEERS[] = "german_xgb_peers.json";

static void individual__golden_compas_aif360_entropy_indices(void **state)
{
    check_peers(state, __func__);
}

static void individual__golden_adult_xgb_aif360_entropy_indices(void **state)
{
    check_peers(state, __func__);
}

static void individual__golden_german_xgb_aif360_entropy_indices(void **state)
{
    check_peers(state, __func__);
}

/* ------------------------------------------------------------------------- consistency */

/* One feature, x = 0, 1, 3, 7, and yhat = 1, 1, 0, 0. Nearest others (distance):
 * row 0: 1 (1), 2 (3), 3 (7); row 1: 0 (1), 2 (2), 3 (6);
 * row 2: 1 (2), 0 (3), 3 (4); row 3: 2 (4), 1 (6), 0 (7). Standardising one column scales
 * every distance alike, so the order stays. */
static const double X1[4] = {0.0, 1.0, 3.0, 7.0};
static const double Y1[4] = {1.0, 1.0, 0.0, 0.0};

static double consistency(const double *x, size_t n, size_t d, const double *y, size_t k, int self)
{
    double v = NAN;
    fa_error err;
    fa_error_clear(&err);
    int rc = fa_individual_consistency(&v, x, n, d, y, k, self, &err);
    if (rc != FA_OK) {
        fail_msg("consistency failed (%d): %s", rc, err.message);
    }
    return v;
}

static void consistency__by_hand_without_self(void **state)
{
    (void)state;
    /* k = 1: |1 - y1| + |1 - y0| + |0 - y1| + |0 - y2| = 0 + 0 + 1 + 0 = 1: 1 - 1/4 */
    assert_near(consistency(X1, 4, 1, Y1, 1, 0), 0.75);
    /* k = 2: |1 - (1+0)/2| + |1 - (1+0)/2| + |0 - (1+1)/2| + |0 - (0+1)/2|
     * = 0.5 + 0.5 + 1 + 0.5 = 2.5: 1 - 2.5/4 = 0.375 */
    assert_near(consistency(X1, 4, 1, Y1, 2, 0), 0.375);
}

static void consistency__by_hand_with_self_as_aif360(void **state)
{
    (void)state;
    /* k = 1: every row is its own only neighbour: 1 */
    assert_near(consistency(X1, 4, 1, Y1, 1, 1), 1.0);
    /* k = 2: self and the nearest other: |1 - (1+1)/2| + |1 - (1+1)/2| + |0 - (0+1)/2|
     * + |0 - (0+0)/2| = 0.5: 1 - 0.5/4 = 0.875 */
    assert_near(consistency(X1, 4, 1, Y1, 2, 1), 0.875);
    /* k = n = 4: everyone's mean 1/2: 4 * 0.5 = 2, 1 - 2/4 */
    assert_near(consistency(X1, 4, 1, Y1, 4, 1), 0.5);
}

static void consistency__ties_go_to_the_lower_row_index(void **state)
{
    (void)state;
    /* x = 0, 1, -1: rows 1 and 2 are both at distance 1 from row 0; row 1 wins.
     * yhat = 0, 1, 0: |0 - y1| + |1 - y0| + |0 - y0| = 1 + 1 + 0 = 2: 1 - 2/3
     * (row 2 winning would give 0 + 1 + 0 = 1: 1 - 1/3) */
    const double x[3] = {0.0, 1.0, -1.0}, y[3] = {0.0, 1.0, 0.0};
    assert_near(consistency(x, 3, 1, y, 1, 0), 1.0 - 2.0 / 3.0);
}

static void consistency__a_duplicate_row_is_a_neighbour_the_row_itself_is_not(void **state)
{
    (void)state;
    /* rows 0 and 1 are equal; x = 0, 0, 5, yhat = 1, 0, 0. Without self, k = 1:
     * row 0 -> row 1 (distance 0): |1 - 0| = 1; row 1 -> row 0: |0 - 1| = 1;
     * row 2 -> row 0 (tie with row 1, lower index): |0 - 1| = 1: 1 - 3/3 = 0 */
    const double x[3] = {0.0, 0.0, 5.0}, y[3] = {1.0, 0.0, 0.0};
    assert_near(consistency(x, 3, 1, y, 1, 0), 0.0);
    /* with self, k = 2: row 0: (1+0)/2 -> 0.5; row 1: (0+1)/2 -> 0.5; row 2: (0+1)/2 -> 0.5:
     * 1 - 1.5/3 = 0.5 */
    assert_near(consistency(x, 3, 1, y, 2, 1), 0.5);
}

static void consistency__standardising_makes_scale_and_constant_columns_irrelevant(void **state)
{
    (void)state;
    /* Columns a = 0, 1, 2, 10 (mean 13/4, var 105/4 - 169/16 = 15.6875) and b = 0, 3, 0, 3
     * (mean 1.5, var 2.25); yhat = 1, 0, 1, 0. Standardised d^2 = da^2 / 15.6875 + db^2 / 2.25:
     * row 0: row 2 at 4/15.6875 = 0.25 (nearest), row 1 at 1/15.6875 + 4, row 3 at 10.4;
     * row 1: rows 0 and 2 both at 1/15.6875 + 4 = 4.06, row 3 at 81/15.6875 = 5.16;
     * row 2: row 0 at 0.25; row 3: row 1 at 5.16, row 2 at 64/15.6875 + 4 = 8.08, row 0 at 10.4.
     * k = 1: |1 - y2| + |0 - y0| + |1 - y0| + |0 - y1| = 0 + 1 + 0 + 0 = 1: 1 - 1/4.
     * Raw d^2 would take row 2 (64 + 9 = 73 < 81) for row 3, |0 - 1| = 1: 1 - 2/4 instead. */
    const double x[8] = {0, 0, 1, 3, 2, 0, 10, 3};
    const double y[4] = {1.0, 0.0, 1.0, 0.0};
    assert_near(consistency(x, 4, 2, y, 1, 0), 0.75);
    /* a scaled by 1000 and shifted by 7, b mirrored to -1 - b, a constant column 42 added:
     * the same standardised distances, the same consistency */
    const double x3[12] = {7.0,    -1.0, 42.0, 1007.0,  -4.0, 42.0,
                           2007.0, -1.0, 42.0, 10007.0, -4.0, 42.0};
    for (size_t k = 1; k <= 3; k++) {
        assert_true(consistency(x, 4, 2, y, k, 0) == consistency(x3, 4, 3, y, k, 0));
    }
}

/* A sorting reference: the same standardisation, every distance, a stable order. */
static int cmp_neighbour(const void *pa, const void *pb)
{
    const double *a = pa, *b = pb; /* {distance, index} pairs */
    if (a[0] != b[0]) {
        return a[0] < b[0] ? -1 : 1;
    }
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

static double reference_consistency(const double *x, size_t n, size_t d, const double *y, size_t k,
                                    int self)
{
    double *z = malloc(n * d * sizeof *z), *pairs = malloc(2 * n * sizeof *pairs), total = 0.0;
    assert_non_null(z);
    assert_non_null(pairs);
    for (size_t c = 0; c < d; c++) {
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++) {
            mean += x[i * d + c];
        }
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            ss += (x[i * d + c] - mean) * (x[i * d + c] - mean);
        }
        double sd = sqrt(ss / (double)n), scale = sd > 0.0 ? 1.0 / sd : 0.0;
        for (size_t i = 0; i < n; i++) {
            z[i * d + c] = (x[i * d + c] - mean) * scale;
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        for (size_t j = 0; j < n; j++) {
            double lane[4] = {0.0, 0.0, 0.0, 0.0}; /* column c in lane c % 4, as the library */
            for (size_t c = 0; c < d; c++) {
                lane[c % 4] += (z[i * d + c] - z[j * d + c]) * (z[i * d + c] - z[j * d + c]);
            }
            if (j != i) {
                pairs[2 * m] = (lane[0] + lane[1]) + (lane[2] + lane[3]);
                pairs[2 * m++ + 1] = (double)j;
            }
        }
        qsort(pairs, m, 2 * sizeof *pairs, cmp_neighbour);
        double sum = self ? y[i] : 0.0;
        for (size_t t = 0; t < (self ? k - 1 : k); t++) {
            sum += y[(size_t)pairs[2 * t + 1]];
        }
        total += fabs(y[i] - sum / (double)k);
    }
    free(z);
    free(pairs);
    return 1.0 - total / (double)n;
}

/* Small integer features (many ties) from a fixed linear congruential sequence. */
static void make_rows(double *x, double *y, size_t n, size_t d)
{
    uint32_t s = 12345u;
    for (size_t i = 0; i < n * d; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = (double)((s >> 16) % 4u);
    }
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        y[i] = (double)((s >> 16) % 2u);
    }
}

static void consistency__matches_a_sorting_reference_with_many_ties(void **state)
{
    (void)state;
    enum { N = 150, DIM = 11 }; /* 11 columns: the early exit after 8 columns is exercised */
    double *x = malloc(N * DIM * sizeof *x), y[N];
    assert_non_null(x);
    make_rows(x, y, N, DIM);
    const size_t ks[] = {1, 2, 3, 7, 20};
    for (size_t t = 0; t < sizeof ks / sizeof ks[0]; t++) {
        for (int self = 0; self <= 1; self++) {
            double want = reference_consistency(x, N, DIM, y, ks[t], self);
            double got = consistency(x, N, DIM, y, ks[t], self);
            if (got != want) {
                fail_msg("k = %zu, self = %d: %.17g, reference %.17g", ks[t], self, got, want);
            }
        }
    }
    free(x);
}

static void consistency__same_value_for_any_thread_count(void **state)
{
    (void)state;
    enum { N = 400, DIM = 3 };
    double *x = malloc(N * DIM * sizeof *x), y[N], v[4];
    assert_non_null(x);
    make_rows(x, y, N, DIM);
    for (int t = 1; t <= 4; t++) {
        fa_consistency_options o = FA_CONSISTENCY_OPTIONS_INIT;
        o.threads = t;
        assert_int_equal(fa_individual_consistency_ext(&v[t - 1], x, N, DIM, y, &o, NULL), FA_OK);
    }
    assert_true(v[0] == v[1] && v[1] == v[2] && v[2] == v[3]);
    free(x);
}

/* rc and the exact message of a failing call. */
static void expect_error(int rc, const fa_error *err, int want_rc, const char *want_msg)
{
    assert_int_equal(rc, want_rc);
    assert_int_equal(err->status, want_rc);
    assert_string_equal(err->message, want_msg);
}

static void consistency__refuses_bad_k_and_empty_features(void **state)
{
    (void)state;
    fa_error err;
    double v = -1.0;
    fa_error_clear(&err);
    expect_error(fa_individual_consistency(&v, X1, 4, 1, Y1, 0, 0, &err), &err, FA_EINVAL,
                 "consistency: k must be at least 1");
    expect_error(fa_individual_consistency(&v, X1, 4, 1, Y1, 4, 0, &err), &err, FA_EINVAL,
                 "consistency: k = 4 neighbours need at least 5 rows (a row is not its own "
                 "neighbour), got 4");
    expect_error(fa_individual_consistency(&v, X1, 4, 1, Y1, 5, 1, &err), &err, FA_EINVAL,
                 "consistency: k = 5 neighbours need at least 5 rows, got 4");
    expect_error(fa_individual_consistency(&v, X1, 4, 0, Y1, 1, 0, &err), &err, FA_EINVAL,
                 "consistency: no feature columns");
    assert_true(v == -1.0); /* *out untouched on failure */
}

static void consistency__refuses_rows_above_the_limit_unless_forced(void **state)
{
    (void)state;
    fa_error err;
    double v = -1.0;
    fa_consistency_options o = FA_CONSISTENCY_OPTIONS_INIT;
    o.k = 1;
    o.max_rows = 3;
    fa_error_clear(&err);
    expect_error(fa_individual_consistency_ext(&v, X1, 4, 1, Y1, &o, &err), &err, FA_EINVAL,
                 "consistency: 4 rows exceed the limit of 3 for the exact neighbour search "
                 "(n^2 distances); force it to run anyway");
    o.force = 1;
    assert_int_equal(fa_individual_consistency_ext(&v, X1, 4, 1, Y1, &o, &err), FA_OK);
    assert_near(v, 0.75);
}

static void consistency__refuses_values_that_are_not_finite(void **state)
{
    (void)state;
    fa_error err;
    double v;
    const double x[4] = {0.0, 1.0, NAN, 7.0}, y[4] = {1.0, INFINITY, 0.0, 0.0};
    fa_error_clear(&err);
    expect_error(fa_individual_consistency(&v, x, 4, 1, Y1, 1, 0, &err), &err, FA_EDOMAIN,
                 "consistency: row 3, column 1: feature is not finite (nan); impute missing "
                 "values first");
    expect_error(fa_individual_consistency(&v, X1, 4, 1, y, 1, 0, &err), &err, FA_EDOMAIN,
                 "consistency: row 2: prediction is not finite (inf)");
}

#define PEERS_TEST(fn, file)                                                                       \
    cmocka_unit_test_prestate_setup_teardown(fn, setup_peers, golden_teardown, (file))

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(individual__mean_benefit_counts_fp_as_2_and_fn_as_0),
        cmocka_unit_test(individual__gei2_is_half_the_squared_coefficient_of_variation),
        cmocka_unit_test(individual__theil_index_by_hand),
        cmocka_unit_test(individual__alpha0_is_infinite_with_a_false_negative),
        cmocka_unit_test(individual__alpha0_without_false_negatives_follows_the_formula_not_aif360),
        cmocka_unit_test(individual__alpha_half_by_hand),
        cmocka_unit_test(individual__negative_alpha_is_finite_without_false_negatives),
        cmocka_unit_test(individual__coefficient_of_variation_is_sd_over_mean_not_aif360s),
        cmocka_unit_test(individual__equal_benefits_give_exactly_zero),
        cmocka_unit_test(individual__weights_are_row_multiplicities),
        cmocka_unit_test(individual__undefined_without_rows_or_with_false_negatives_only),
        cmocka_unit_test(individual__between_group_by_hand),
        cmocka_unit_test(individual__within_group_by_hand),
        cmocka_unit_test(individual__between_plus_within_is_the_total),
        cmocka_unit_test(individual__between_ignores_empty_groups_and_one_group_gives_zero),
        cmocka_unit_test(individual__alpha0_with_a_group_of_false_negatives_only),
        cmocka_unit_test(individual__aif360_pairwise_gives_rows_outside_the_two_groups_benefit_0),
        PEERS_TEST(individual__golden_compas_aif360_entropy_indices, COMPAS_PEERS),
        PEERS_TEST(individual__golden_adult_xgb_aif360_entropy_indices, ADULT_PEERS),
        PEERS_TEST(individual__golden_german_xgb_aif360_entropy_indices, GERMAN_PEERS),
        cmocka_unit_test(consistency__by_hand_without_self),
        cmocka_unit_test(consistency__by_hand_with_self_as_aif360),
        cmocka_unit_test(consistency__ties_go_to_the_lower_row_index),
        cmocka_unit_test(consistency__a_duplicate_row_is_a_neighbour_the_row_itself_is_not),
        cmocka_unit_test(consistency__standardising_makes_scale_and_constant_columns_irrelevant),
        cmocka_unit_test(consistency__matches_a_sorting_reference_with_many_ties),
        cmocka_unit_test(consistency__same_value_for_any_thread_count),
        cmocka_unit_test(consistency__refuses_bad_k_and_empty_features),
        cmocka_unit_test(consistency__refuses_rows_above_the_limit_unless_forced),
        cmocka_unit_test(consistency__refuses_values_that_are_not_finite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
