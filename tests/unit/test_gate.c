/*
 * test_gate.c - audit/gate.c through fa_result_compute: a tally made by hand, policies parsed
 * from strings, and the outcome of every gate (passed, failed, inconclusive), the value and
 * group it reports, the verdict and the exit status.
 *
 * The fixture, one attribute "sex", min_group_size 10:
 *   M: 60 rows, TP 24, FN 6, FP 12, TN 18 -> SR 36/60 = 0.6,  TPR 24/30 = 0.8, FPR 12/30 = 0.4
 *   F: 40 rows, TP 10, FN 10, FP 4, TN 16 -> SR 14/40 = 0.35, TPR 10/20 = 0.5, FPR 4/20 = 0.2
 * and, in some tests,
 *   O: 20 rows, TP 5, FN 4, FP 3, TN 8   -> SR 8/20 = 0.4, TPR 5/9, FPR 3/11
 *   X:  5 rows, TP 5                     -> SR 1, below min_group_size
 * M is the largest group, hence the reference unless the policy names another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit/policy.h"
#include "include/fairaudit.h"
#include "reports/result.h"

typedef struct grp {
    const char *value;
    int tp, fp, tn, fn;
} grp;

static const grp M = {"M", 24, 12, 18, 6};
static const grp F = {"F", 10, 4, 16, 10};
static const grp O = {"O", 5, 3, 8, 4};
static const grp X = {"X", 5, 0, 0, 0};

static const char *const SEX[] = {"sex"};

static void add_rows(fa_tally *t, const char *const values[], int label, int pred, int count)
{
    size_t lens[2];
    for (size_t a = 0; a < fa_tally_n_attrs(t) && a < 2; a++) {
        lens[a] = strlen(values[a]);
    }
    for (int i = 0; i < count; i++) {
        assert_int_equal(fa_tally_add(t, values, lens, label, pred, 1.0, NAN, NULL), FA_OK);
    }
}

/* The tally of one attribute "sex" with the given groups. */
static fa_tally *tally_of(const grp *const groups[], size_t n)
{
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, SEX, 1, 0, NULL), FA_OK);
    for (size_t k = 0; k < n; k++) {
        const char *v[] = {groups[k]->value};
        add_rows(t, v, 1, 1, groups[k]->tp);
        add_rows(t, v, 0, 1, groups[k]->fp);
        add_rows(t, v, 0, 0, groups[k]->tn);
        add_rows(t, v, 1, 0, groups[k]->fn);
    }
    return t;
}

/*
 * Computes the result of tally t under the policy text (NULL: no policy), with group
 * columns `cols` and min_group_size 10 unless the policy says otherwise.
 */
static int compute_with(fa_result **res, const fa_tally *t, const char *const cols[], size_t n_cols,
                        int intersect, const char *policy, fa_error *err)
{
    fa_policy *p = NULL;
    if (policy) {
        fa_error perr;
        if (fa_policy_parse_json(&p, policy, strlen(policy), "policy.json", &perr) != FA_OK) {
            char buf[1400];
            fa_error_format(buf, sizeof buf, &perr);
            fail_msg("policy: %s", buf);
        }
    }
    fa_audit_options opts = FA_AUDIT_OPTIONS_INIT;
    opts.label = "y";
    opts.pred = "p";
    opts.groups = cols;
    opts.n_groups = n_cols;
    opts.intersect = intersect;
    opts.min_group_size = (p && p->min_group_size >= 0) ? -1 : 10;
    fa_error_clear(err);
    int st = fa_result_compute(res, t, &opts, p, "test.csv", err);
    fa_policy_free(p); /* the result keeps its own copy of the gates */
    return st;
}

/* The result of the groups under the policy; fails the test on an error. */
static fa_result *audit(const grp *const groups[], size_t n, const char *policy)
{
    fa_tally *t = tally_of(groups, n);
    fa_result *res = NULL;
    fa_error err;
    int st = compute_with(&res, t, SEX, 1, 0, policy, &err);
    fa_tally_free(t);
    if (st != FA_OK) {
        char buf[1400];
        fa_error_format(buf, sizeof buf, &err);
        fail_msg("fa_result_compute: %s", buf);
    }
    return res;
}

/* Gate i has the outcome, value and reason given (reason NULL: none). */
#define assert_gate(res, i, verdict, value, reason)                                                \
    check_gate((res), (i), (verdict), (value), (reason), __FILE__, __LINE__)

static void check_gate(const fa_result *res, size_t i, fa_verdict verdict, double value,
                       const char *reason, const char *file, int line)
{
    double v;
    const char *name;
    fa_verdict got = fa_result_gate(res, i, &name, &v);
    const char *why = res->gates[i].reason;
    int same_value = isnan(value) ? isnan(v) : v == value;
    int same_reason = reason ? (why && strcmp(why, reason) == 0) : why == NULL;
    if (got != verdict || !same_value || !same_reason) {
        print_error("gate %zu (%s): outcome %d, value %.17g, reason \"%s\"\n"
                    "expected outcome %d, value %.17g, reason \"%s\"\n",
                    i, name, (int)got, v, why ? why : "(none)", (int)verdict, value,
                    reason ? reason : "(none)");
        _fail(file, line);
    }
}

/* Outcome of gate 0 and the exit status, the result freed before anything is asserted. */
static fa_verdict first_gate(const grp *const groups[], size_t n, const char *policy, int *status)
{
    fa_result *res = audit(groups, n, policy);
    fa_verdict v = fa_result_gate(res, 0, NULL, NULL);
    *status = fa_result_exit_status(res);
    fa_result_free(res);
    return v;
}

static const grp *const MF[] = {&M, &F};
static const grp *const MFX[] = {&M, &F, &X};
static const grp *const MFO[] = {&M, &F, &O};

/* ------------------------------------------------------------ pass and fail */

static void gate__summary_within_bounds_passes(void **state)
{
    (void)state;
    fa_result *res = audit(MF, 2,
                           "{\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                           "\"max\": 0.3}]}");
    assert_int_equal(fa_result_n_gates(res), 1);
    assert_gate(res, 0, FA_VERDICT_PASSED, 36.0 / 60.0 - 14.0 / 40.0 /* SR(M) - SR(F) */, NULL);
    const char *name;
    fa_result_gate(res, 0, &name, NULL);
    assert_string_equal(name, "demographic_parity_difference");
    assert_string_equal(res->gates[0].attribute, "sex");
    assert_int_equal(fa_result_verdict(res), FA_VERDICT_PASSED);
    assert_int_equal(fa_result_exit_status(res), 0);
    fa_result_free(res);
}

static void gate__summary_out_of_bounds_fails(void **state)
{
    (void)state;
    fa_result *res = audit(MF, 2,
                           "{\"gates\": [{\"name\": \"four_fifths\", \"metric\": "
                           "\"demographic_parity_ratio\", \"min\": 0.8}]}");
    assert_gate(res, 0, FA_VERDICT_FAILED, (14.0 / 40.0) / (36.0 / 60.0) /* SR(F) / SR(M) */,
                "demographic_parity_ratio = 0.583333 is below the minimum 0.8");
    const char *name;
    fa_result_gate(res, 0, &name, NULL);
    assert_string_equal(name, "four_fifths");
    assert_int_equal(fa_result_verdict(res), FA_VERDICT_FAILED);
    assert_int_equal(fa_result_exit_status(res), 1);
    fa_result_free(res);
}

static void gate__equalized_odds_takes_the_larger_difference(void **state)
{
    (void)state;
    /* TPR 0.8 - 0.5 = 0.3 against FPR 0.4 - 0.2 = 0.2: 0.3 > 0.25 fails */
    fa_result *res = audit(MF, 2,
                           "{\"gates\": [{\"metric\": \"equalized_odds_difference\", "
                           "\"max\": 0.25}]}");
    assert_gate(res, 0, FA_VERDICT_FAILED, 24.0 / 30.0 - 10.0 / 20.0,
                "equalized_odds_difference = 0.3 is above the maximum 0.25");
    fa_result_free(res);
}

static void gate__rate_ratio_between_groups(void **state)
{
    (void)state;
    fa_result *res = audit(MF, 2,
                           "{\"gates\": [{\"metric\": \"tpr\", \"disparity\": \"ratio\", "
                           "\"min\": 0.8}]}");
    assert_gate(res, 0, FA_VERDICT_FAILED, (10.0 / 20.0) / (24.0 / 30.0) /* min / max TPR */,
                "true_positive_rate = 0.625 is below the minimum 0.8");
    fa_result_free(res);
}

static void gate__rate_difference_to_overall(void **state)
{
    (void)state;
    /* overall SR = (14 + 36) / 100 = 0.5; |0.35 - 0.5| = 0.15 > |0.6 - 0.5| = 0.1 */
    fa_result *res = audit(MF, 2,
                           "{\"gates\": [{\"metric\": \"selection_rate\", "
                           "\"disparity\": \"difference\", \"against\": \"to_overall\", "
                           "\"max\": 0.125}]}");
    assert_gate(res, 0, FA_VERDICT_FAILED, fabs(14.0 / 40.0 - 50.0 / 100.0),
                "selection_rate = 0.15 is above the maximum 0.125");
    fa_result_free(res);
}

/* ------------------------------------------------------------ inconclusive */

static void gate__small_group_left_out_makes_a_passing_gate_inconclusive(void **state)
{
    (void)state;
    /* X (SR 1) would make the difference 1 - 0.35 = 0.65; left out, it stays 0.25 */
    fa_result *res = audit(MFX, 3,
                           "{\"gates\": [{\"metric\": "
                           "\"demographic_parity_difference\", \"max\": 0.3}]}");
    assert_gate(res, 0, FA_VERDICT_INCONCLUSIVE, 36.0 / 60.0 - 14.0 / 40.0,
                "within bounds, but 1 group was left out: X (5 rows < min_group_size 10)");
    assert_int_equal(fa_result_verdict(res), FA_VERDICT_INCONCLUSIVE);
    assert_int_equal(fa_result_exit_status(res), 4);
    fa_result_free(res);
}

static void gate__min_group_size_comes_from_the_policy(void **state)
{
    (void)state;
    /* with min_group_size 3, X (5 rows) counts: 1 - 0.35 = 0.65 > 0.3 */
    fa_result *res = audit(MFX, 3,
                           "{\"min_group_size\": 3, \"gates\": [{\"metric\": "
                           "\"demographic_parity_difference\", \"max\": 0.3}]}");
    assert_gate(res, 0, FA_VERDICT_FAILED, 5.0 / 5.0 - 14.0 / 40.0,
                "demographic_parity_difference = 0.65 is above the maximum 0.3");
    fa_result_free(res);
}

static void gate__failing_gate_fails_even_with_groups_left_out(void **state)
{
    (void)state;
    fa_result *res = audit(MFX, 3,
                           "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                           "\"min\": 0.8}]}");
    assert_gate(res, 0, FA_VERDICT_FAILED, (14.0 / 40.0) / (36.0 / 60.0),
                "demographic_parity_ratio = 0.583333 is below the minimum 0.8");
    assert_int_equal(fa_result_exit_status(res), 1);
    fa_result_free(res);
}

static void gate__undefined_metric_is_inconclusive(void **state)
{
    (void)state;
    /* N has no actual positives: its TPR is undefined and only M is left */
    static const grp N = {"N", 0, 4, 16, 0};
    const grp *const groups[] = {&M, &N};
    fa_result *res = audit(groups, 2,
                           "{\"gates\": [{\"metric\": "
                           "\"equal_opportunity_difference\", \"max\": 0.1}]}");
    assert_gate(res, 0, FA_VERDICT_INCONCLUSIVE, NAN,
                "equal_opportunity_difference is undefined for 'sex': left out: N "
                "(true_positive_rate undefined: no actual positives)");
    assert_int_equal(fa_result_exit_status(res), 4);
    fa_result_free(res);
}

static void gate__upper_ci_without_intervals_is_inconclusive(void **state)
{
    (void)state;
    fa_result *res = audit(MF, 2,
                           "{\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                           "\"max\": 0.3, \"use\": \"upper_ci\"}]}");
    assert_gate(res, 0, FA_VERDICT_INCONCLUSIVE, 36.0 / 60.0 - 14.0 / 40.0,
                "\"use\": \"upper_ci\" needs a confidence interval, and this audit computed "
                "none (run with --bootstrap B)");
    fa_result_free(res);
}

static void gate__upper_ci_above_max_fails_on_the_point_value(void **state)
{
    (void)state;
    /* the upper bound is >= the point value 0.25 > 0.1: it would fail whatever the interval */
    fa_result *res = audit(MF, 2,
                           "{\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                           "\"max\": 0.1, \"use\": \"upper_ci\"}]}");
    assert_int_equal(fa_result_gate(res, 0, NULL, NULL), FA_VERDICT_FAILED);
    fa_result_free(res);
}

static void gate__lower_ci_above_max_cannot_be_decided_without_intervals(void **state)
{
    (void)state;
    /* the point value 0.25 > 0.1 says nothing about the lower bound, which may be <= 0.1:
     * without intervals the gate cannot fail, only be inconclusive */
    int status;
    fa_verdict v = first_gate(MF, 2,
                              "{\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                              "\"max\": 0.1, \"use\": \"lower_ci\"}]}",
                              &status);
    assert_int_equal(v, FA_VERDICT_INCONCLUSIVE);
    assert_int_equal(status, 4);
}

static void gate__upper_ci_below_min_cannot_be_decided_without_intervals(void **state)
{
    (void)state;
    /* point 0.583 < 0.8, but the upper bound may reach 0.8 */
    int status;
    fa_verdict v = first_gate(MF, 2,
                              "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                              "\"min\": 0.8, \"use\": \"upper_ci\"}]}",
                              &status);
    assert_int_equal(v, FA_VERDICT_INCONCLUSIVE);
    assert_int_equal(status, 4);
}

/* -------------------------------------------------------- against reference */

static void gate__against_reference_reports_the_worst_group(void **state)
{
    (void)state;
    /* ratios to M: F 0.35 / 0.6 = 0.583, O 0.4 / 0.6 = 0.667; F is the worst */
    fa_result *res = audit(MFO, 3,
                           "{\"gates\": [{\"name\": \"four_fifths\", \"metric\": "
                           "\"selection_rate\", \"disparity\": \"ratio\", \"against\": "
                           "\"reference\", \"min\": 0.8}]}");
    assert_string_equal(fa_result_reference(res, 0), "M");
    assert_gate(res, 0, FA_VERDICT_FAILED, (14.0 / 40.0) / (36.0 / 60.0),
                "selection_rate = 0.583333 (F) is below the minimum 0.8");
    assert_string_equal(res->gates[0].group, "F");

    /* the JSON names the group too */
    char *json;
    assert_int_equal(fa_result_to_json_string(&json, res, NULL), FA_OK);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    const cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "gates"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "group")), "F");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "against")),
                        "reference");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "outcome")),
                        "failed");
    cJSON_Delete(root);
    free(json);
    fa_result_free(res);
}

static void gate__against_reference_passing_reports_the_farthest_group(void **state)
{
    (void)state;
    fa_result *res = audit(MFO, 3,
                           "{\"gates\": [{\"metric\": \"selection_rate\", "
                           "\"disparity\": \"ratio\", \"against\": \"reference\", "
                           "\"min\": 0.5}]}");
    assert_gate(res, 0, FA_VERDICT_PASSED, (14.0 / 40.0) / (36.0 / 60.0), NULL);
    assert_string_equal(res->gates[0].group, "F");
    fa_result_free(res);
}

static void gate__against_reference_on_signed_differences(void **state)
{
    (void)state;
    /* differences to M: F 0.35 - 0.6 = -0.25, O 0.4 - 0.6 = -0.2: F breaks min -0.2 most */
    fa_result *res = audit(MFO, 3,
                           "{\"gates\": [{\"metric\": \"selection_rate\", "
                           "\"disparity\": \"difference\", \"against\": \"reference\", "
                           "\"min\": -0.125, \"max\": 0.125}]}");
    assert_gate(res, 0, FA_VERDICT_FAILED, 14.0 / 40.0 - 36.0 / 60.0,
                "selection_rate = -0.25 (F) is below the minimum -0.125");
    fa_result_free(res);
}

static void gate__reference_given_by_the_policy(void **state)
{
    (void)state;
    /* against F: M 0.6 / 0.35 = 1.714, O 0.4 / 0.35 = 1.143; M breaks max 1.25 */
    fa_result *res = audit(MFO, 3,
                           "{\"reference\": {\"sex\": \"F\"}, \"gates\": [{\"metric\": "
                           "\"selection_rate\", \"disparity\": \"ratio\", \"against\": "
                           "\"reference\", \"min\": 0.8, \"max\": 1.25}]}");
    assert_string_equal(fa_result_reference(res, 0), "F");
    assert_gate(res, 0, FA_VERDICT_FAILED, (36.0 / 60.0) / (14.0 / 40.0),
                "selection_rate = 1.71429 (M) is above the maximum 1.25");
    assert_string_equal(res->gates[0].group, "M");
    fa_result_free(res);
}

static void gate__small_groups_are_not_compared_with_the_reference(void **state)
{
    (void)state;
    /* X (ratio 1 / 0.6 = 1.67) is small: left out, and the gate is inconclusive */
    fa_result *res = audit(MFX, 3,
                           "{\"gates\": [{\"metric\": \"selection_rate\", "
                           "\"disparity\": \"ratio\", \"against\": \"reference\", "
                           "\"min\": 0.5, \"max\": 1.25}]}");
    assert_gate(res, 0, FA_VERDICT_INCONCLUSIVE, (14.0 / 40.0) / (36.0 / 60.0),
                "within bounds, but 1 group was left out: X (5 rows < min_group_size 10)");
    assert_string_equal(res->gates[0].group, "F");
    fa_result_free(res);
}

static void gate__small_reference_is_inconclusive(void **state)
{
    (void)state;
    /* against X (SR 1): M 0.6, F 0.35; both within [0.3, 2] but the reference is too small */
    fa_result *res = audit(MFX, 3,
                           "{\"reference\": {\"sex\": \"X\"}, \"gates\": [{\"metric\": "
                           "\"selection_rate\", \"disparity\": \"ratio\", \"against\": "
                           "\"reference\", \"min\": 0.3, \"max\": 2}]}");
    const fa_verdict v = fa_result_gate(res, 0, NULL, NULL);
    assert_int_equal(v, FA_VERDICT_INCONCLUSIVE);
    assert_string_equal(res->gates[0].reason,
                        "the reference group 'X' has 5 rows < min_group_size 10");
    fa_result_free(res);
}

static void gate__small_reference_cannot_fail_a_gate(void **state)
{
    (void)state;
    /* against X (SR 1, 5 rows): F's 0.35 breaks min 0.8, but a reference below
     * min_group_size is no evidence: the gate is inconclusive, as with max/min summaries */
    int status;
    fa_verdict v = first_gate(MFX, 3,
                              "{\"reference\": {\"sex\": \"X\"}, \"gates\": [{\"metric\": "
                              "\"selection_rate\", \"disparity\": \"ratio\", \"against\": "
                              "\"reference\", \"min\": 0.8}]}",
                              &status);
    assert_int_equal(v, FA_VERDICT_INCONCLUSIVE);
    assert_int_equal(status, 4);
}

/* ------------------------------------------------------ severity and verdict */

static void gate__warning_severity_does_not_fail_the_audit(void **state)
{
    (void)state;
    fa_result *res = audit(MFX, 3,
                           "{\"gates\": ["
                           "{\"metric\": \"demographic_parity_ratio\", \"min\": 0.8, "
                           "\"severity\": \"warning\"},"
                           "{\"metric\": \"demographic_parity_difference\", "
                           "\"max\": 0.3, \"severity\": \"warning\"}]}");
    assert_int_equal(fa_result_gate(res, 0, NULL, NULL), FA_VERDICT_FAILED);
    assert_int_equal(fa_result_gate(res, 1, NULL, NULL), FA_VERDICT_INCONCLUSIVE);
    assert_int_equal(fa_result_verdict(res), FA_VERDICT_PASSED);
    assert_int_equal(fa_result_exit_status(res), 0);
    fa_result_free(res);
}

static void gate__inconclusive_maps_to_the_policy_exit_status(void **state)
{
    (void)state;
    static const char *const MAP[] = {"", "\"inconclusive\": \"pass\", ",
                                      "\"inconclusive\": \"fail\", "};
    static const int STATUS[] = {4, 0, 1};
    for (int k = 0; k < 3; k++) {
        char policy[256];
        snprintf(policy, sizeof policy,
                 "{%s\"gates\": [{\"metric\": \"demographic_parity_difference\", "
                 "\"max\": 0.3}]}",
                 MAP[k]);
        fa_result *res = audit(MFX, 3, policy); /* inconclusive: X left out */
        assert_int_equal(fa_result_verdict(res), FA_VERDICT_INCONCLUSIVE); /* before mapping */
        assert_int_equal(fa_result_exit_status(res), STATUS[k]);
        fa_result_free(res);
    }
}

static void gate__failed_wins_over_inconclusive(void **state)
{
    (void)state;
    fa_result *res = audit(MFX, 3,
                           "{\"inconclusive\": \"pass\", \"gates\": ["
                           "{\"metric\": \"demographic_parity_difference\", "
                           "\"max\": 0.3},"
                           "{\"metric\": \"demographic_parity_ratio\", \"min\": 0.8}]}");
    assert_int_equal(fa_result_gate(res, 0, NULL, NULL), FA_VERDICT_INCONCLUSIVE);
    assert_int_equal(fa_result_gate(res, 1, NULL, NULL), FA_VERDICT_FAILED);
    assert_int_equal(fa_result_verdict(res), FA_VERDICT_FAILED);
    assert_int_equal(fa_result_exit_status(res), 1);
    fa_result_free(res);
}

static void gate__no_policy_or_no_gates_passes(void **state)
{
    (void)state;
    fa_result *res = audit(MF, 2, NULL);
    assert_int_equal(fa_result_n_gates(res), 0);
    assert_int_equal(fa_result_verdict(res), FA_VERDICT_PASSED);
    assert_int_equal(fa_result_exit_status(res), 0);
    fa_result_free(res);
    res = audit(MF, 2, "{\"gates\": []}");
    assert_int_equal(fa_result_n_gates(res), 0);
    assert_int_equal(fa_result_exit_status(res), 0);
    fa_result_free(res);
}

/* ------------------------------------------------------------- attributes */

/* Two attributes, sex and band, and their intersection. */
static fa_tally *two_attribute_tally(void)
{
    static const char *const cols[] = {"sex", "band"};
    fa_tally *t;
    assert_int_equal(fa_tally_create(&t, cols, 2, 1, NULL), FA_OK);
    static const char *const values[4][2] = {
        {"M", "young"}, {"M", "old"}, {"F", "young"}, {"F", "old"}};
    for (int k = 0; k < 4; k++) {
        add_rows(t, values[k], 1, 1, 10 + 2 * k);
        add_rows(t, values[k], 0, 0, 10);
    }
    return t;
}

static void gate__applies_to_each_attribute_but_not_the_intersection(void **state)
{
    (void)state;
    static const char *const cols[] = {"sex", "band"};
    fa_tally *t = two_attribute_tally();
    fa_result *res;
    fa_error err;
    assert_int_equal(compute_with(&res, t, cols, 2, 1,
                                  "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                                  "\"min\": 0.5}]}",
                                  &err),
                     FA_OK);
    assert_int_equal(fa_result_n_attrs(res), 3);
    assert_int_equal(fa_result_n_gates(res), 2);
    assert_string_equal(res->gates[0].attribute, "sex");
    assert_string_equal(res->gates[1].attribute, "band");
    fa_result_free(res);

    assert_int_equal(compute_with(&res, t, cols, 2, 1,
                                  "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                                  "\"attribute\": \"sex & band\", \"min\": 0.5}]}",
                                  &err),
                     FA_OK);
    assert_int_equal(fa_result_n_gates(res), 1);
    assert_string_equal(res->gates[0].attribute, "sex & band");
    fa_result_free(res);
    fa_tally_free(t);
}

static void gate__on_an_attribute_not_audited_is_an_error(void **state)
{
    (void)state;
    fa_tally *t = tally_of(MF, 2);
    fa_result *res = (fa_result *)&res;
    fa_error err;
    int st = compute_with(&res, t, SEX, 1, 0,
                          "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", "
                          "\"attribute\": \"age\", \"min\": 0.8}]}",
                          &err);
    assert_int_equal(st, FA_EINVAL);
    assert_null(res);
    assert_int_equal(err.status, FA_EINVAL);
    assert_string_equal(err.path, "policy.json");
    assert_string_equal(err.json_path, "gates[0].attribute");
    assert_string_equal(err.message,
                        "'age' is not an audited attribute (audited: the --group columns)");
    fa_tally_free(t);

    static const char *const cols[] = {"sex", "band"};
    t = two_attribute_tally();
    st = compute_with(&res, t, cols, 2, 1,
                      "{\"gates\": [{\"metric\": \"demographic_parity_ratio\", \"min\": 0.8}, "
                      "{\"metric\": \"demographic_parity_ratio\", \"attribute\": \"band & sex\", "
                      "\"min\": 0.8}]}",
                      &err);
    assert_int_equal(st, FA_EINVAL);
    assert_null(res);
    assert_string_equal(err.json_path, "gates[1].attribute");
    assert_string_equal(err.message, "'band & sex' is not an audited attribute (audited: the "
                                     "--group columns and their intersection)");
    fa_tally_free(t);
}

static void gate__given_reference_missing_from_the_data_is_an_error(void **state)
{
    (void)state;
    fa_tally *t = tally_of(MF, 2);
    fa_result *res;
    fa_error err;
    int st = compute_with(&res, t, SEX, 1, 0, "{\"reference\": {\"sex\": \"Z\"}}", &err);
    assert_int_equal(st, FA_EINVAL);
    assert_null(res);
    assert_string_equal(err.message, "reference group sex=\"Z\" not found in the data; its "
                                     "groups are \"F\", \"M\"");
    fa_tally_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gate__summary_within_bounds_passes),
        cmocka_unit_test(gate__summary_out_of_bounds_fails),
        cmocka_unit_test(gate__equalized_odds_takes_the_larger_difference),
        cmocka_unit_test(gate__rate_ratio_between_groups),
        cmocka_unit_test(gate__rate_difference_to_overall),
        cmocka_unit_test(gate__small_group_left_out_makes_a_passing_gate_inconclusive),
        cmocka_unit_test(gate__min_group_size_comes_from_the_policy),
        cmocka_unit_test(gate__failing_gate_fails_even_with_groups_left_out),
        cmocka_unit_test(gate__undefined_metric_is_inconclusive),
        cmocka_unit_test(gate__upper_ci_without_intervals_is_inconclusive),
        cmocka_unit_test(gate__upper_ci_above_max_fails_on_the_point_value),
        cmocka_unit_test(gate__lower_ci_above_max_cannot_be_decided_without_intervals),
        cmocka_unit_test(gate__upper_ci_below_min_cannot_be_decided_without_intervals),
        cmocka_unit_test(gate__against_reference_reports_the_worst_group),
        cmocka_unit_test(gate__against_reference_passing_reports_the_farthest_group),
        cmocka_unit_test(gate__against_reference_on_signed_differences),
        cmocka_unit_test(gate__reference_given_by_the_policy),
        cmocka_unit_test(gate__small_groups_are_not_compared_with_the_reference),
        cmocka_unit_test(gate__small_reference_is_inconclusive),
        cmocka_unit_test(gate__small_reference_cannot_fail_a_gate),
        cmocka_unit_test(gate__warning_severity_does_not_fail_the_audit),
        cmocka_unit_test(gate__inconclusive_maps_to_the_policy_exit_status),
        cmocka_unit_test(gate__failed_wins_over_inconclusive),
        cmocka_unit_test(gate__no_policy_or_no_gates_passes),
        cmocka_unit_test(gate__applies_to_each_attribute_but_not_the_intersection),
        cmocka_unit_test(gate__on_an_attribute_not_audited_is_an_error),
        cmocka_unit_test(gate__given_reference_missing_from_the_data_is_an_error),
    };
    return cmocka_run_group_tests_name("gate", tests, NULL, NULL);
}
