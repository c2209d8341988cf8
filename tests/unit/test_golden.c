/*
 * test_golden.c - fairaudit against the reference outputs in ../shared/golden (see its README).
 *
 * 1. <ds>_fairness_reference.json: counts, rates, mean score and the per-attribute summaries of
 *    the COMPAS, Adult and German predictions, computed by plain counting.
 * 2. <ds>_peers.json: what fairlearn, AIF360 and Aequitas report on the same files. Every value
 *    whose definition we share must agree to 1e-12. Where a peer puts a number on a zero
 *    denominator (fairlearn's 0 TPR without positives, AIF360's 0 PPV, Aequitas's 10 for x/0),
 *    ours must be undefined (NAN): the difference is asserted on purpose, not skipped.
 *
 * Whether a value is undefined "under our convention" is decided here from the group's counts
 * (which are themselves checked against the goldens), not by trusting the library's NAN.
 * Without ../shared (or $FAIRAUDIT_SHARED) every test is skipped, so a fresh clone passes.
 * FAIRAUDIT_GOLDEN_VERBOSE=1 prints how many values each test compared.
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

static int find_peer_attr(golden_check *ck, const fa_result *res, const char *key, size_t *a)
{
    char name[256];
    golden_attr_name(key, name, sizeof name);
    if (golden_find_attr(res, name, a))
        return 1;
    golden_fail(ck, "attribute \"%s\" (peer key \"%s\") is not in our result", name, key);
    return 0;
}

static int find_peer_group(golden_check *ck, const fa_result *res, size_t a, const char *value,
                           size_t *g)
{
    if (golden_find_group(res, a, value, g))
        return 1;
    golden_fail(ck, "%s: group \"%s\" is not in our result", fa_result_attr_name(res, a), value);
    return 0;
}

/* ---------------------------------------------------------------------- fixtures */

/* One audit of a golden file's input. */
typedef struct reference_case {
    const char *json, *model;  /* golden file and its key under "models" */
    const char *csv_dir, *csv; /* prediction file under ../shared */
    const char *label, *pred, *score;
    const char *groups[3];
    size_t n_groups;
    double score_scale; /* the reference's mean_score = ours * score_scale */
} reference_case;

/* The raw-column attributes only: the reference's age_group is binned from `age`, the
 * prediction files have no age_group column and fairaudit does not bin, so it is skipped. */
/* clang-format off */
static reference_case COMPAS = {"compas_fairness_reference.json", "compas", "data",
    "compas_two_years.csv", "two_year_recid", "pred_high_risk", "decile_score",
    {"race", "sex", "age_cat"}, 3, 0.1};
static reference_case ADULT_LOGREG = {"adult_fairness_reference.json", "logreg", "models",
    "adult_pred_logreg.csv", "income_gt_50k", "pred", "score", {"sex", "race"}, 2, 1.0};
static reference_case ADULT_XGB = {"adult_fairness_reference.json", "xgb", "models",
    "adult_pred_xgb.csv", "income_gt_50k", "pred", "score", {"sex", "race"}, 2, 1.0};
static reference_case GERMAN_LOGREG = {"german_fairness_reference.json", "logreg", "models",
    "german_pred_logreg.csv", "good_credit", "pred", "score", {"sex", "foreign_worker"}, 2, 1.0};
static reference_case GERMAN_XGB = {"german_fairness_reference.json", "xgb", "models",
    "german_pred_xgb.csv", "good_credit", "pred", "score", {"sex", "foreign_worker"}, 2, 1.0};
/* clang-format on */

static char COMPAS_PEERS[] = "compas_peers.json";
static char ADULT_PEERS[] = "adult_xgb_peers.json";
static char GERMAN_PEERS[] = "german_xgb_peers.json";

typedef struct fixture {
    const void *spec; /* a reference_case, or a peers file name */
    cJSON *doc;
    fa_result *res;
    char error[2048]; /* set when loading or auditing failed */
} fixture;

static void fixture_audit(fixture *fx, const char *csv, const fa_audit_options *opts)
{
    fa_error err;
    fa_error_clear(&err);
    int rc = fa_audit_csv(&fx->res, csv, opts, NULL, &err);
    if (rc != FA_OK) {
        char msg[1200];
        fa_error_format(msg, sizeof msg, &err);
        snprintf(fx->error, sizeof fx->error, "fa_audit_csv(%s) failed (%d): %s", csv, rc, msg);
    }
}

static int fixture_new(void **state, fixture **out)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->spec = *state;
    *state = fx;
    *out = fx;
    return golden_shared_dir() != NULL;
}

static int setup_reference(void **state)
{
    fixture *fx;
    if (!fixture_new(state, &fx))
        return 0; /* the test skips */
    const reference_case *rc = fx->spec;
    const char *shared = golden_shared_dir();
    char path[1024], csv[1024];
    if (!golden_path(path, sizeof path, shared, "golden", rc->json) ||
        !golden_path(csv, sizeof csv, shared, rc->csv_dir, rc->csv)) {
        snprintf(fx->error, sizeof fx->error, "missing %s or %s", rc->json, rc->csv);
        return 0;
    }
    if ((fx->doc = golden_load_json(path)) == NULL) {
        snprintf(fx->error, sizeof fx->error, "cannot read %s", path);
        return 0;
    }
    fa_audit_options opts = FA_AUDIT_OPTIONS_INIT;
    opts.label = rc->label;
    opts.pred = rc->pred;
    opts.score = rc->score;
    opts.groups = rc->groups;
    opts.n_groups = rc->n_groups;
    opts.min_group_size = 1; /* the references put every group into the summaries */
    fixture_audit(fx, csv, &opts);
    return 0;
}

/* Audits a peers file's input: its groups, their intersection when the file has an "A+B" key,
 * and its reference groups (the intersection's is AIF360's privileged combination). */
static int setup_peers(void **state)
{
    fixture *fx;
    if (!fixture_new(state, &fx))
        return 0;
    const char *shared = golden_shared_dir();
    char path[1024], csv[1024];
    if (!golden_path(path, sizeof path, shared, "golden", fx->spec) ||
        (fx->doc = golden_load_json(path)) == NULL) {
        snprintf(fx->error, sizeof fx->error, "cannot read golden/%s", (const char *)fx->spec);
        return 0;
    }
    const cJSON *input = golden_get(fx->doc, "input");
    const char *name = golden_str(input, "csv");
    if (name == NULL || (!golden_path(csv, sizeof csv, shared, "data", name) &&
                         !golden_path(csv, sizeof csv, shared, "models", name))) {
        snprintf(fx->error, sizeof fx->error, "%s: input.csv not found", path);
        return 0;
    }
    const char *groups[4], *ref_attrs[5], *ref_values[5];
    char inter_name[256] = "", inter_value[256] = "";
    size_t n_groups = 0, n_refs = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, golden_get(input, "groups"))
    {
        if (n_groups < 4)
            groups[n_groups++] = item->valuestring;
    }
    cJSON_ArrayForEach(item, golden_get(input, "reference"))
    {
        if (n_refs < 4) {
            ref_attrs[n_refs] = item->string;
            ref_values[n_refs++] = item->valuestring;
        }
    }
    int intersect = 0;
    cJSON_ArrayForEach(item, golden_get(fx->doc, "aif360"))
    {
        if (strchr(item->string, '+') == NULL)
            continue;
        intersect = 1;
        golden_attr_name(item->string, inter_name, sizeof inter_name);
        golden_join_values(golden_get(item, "privileged"), inter_value, sizeof inter_value);
        ref_attrs[n_refs] = inter_name;
        ref_values[n_refs++] = inter_value;
    }
    fa_audit_options opts = FA_AUDIT_OPTIONS_INIT;
    opts.label = golden_str(input, "label");
    opts.pred = golden_str(input, "pred");
    opts.positive = golden_str(input, "favorable"); /* "1" in all three: label 1 is positive */
    opts.groups = groups;
    opts.n_groups = n_groups;
    opts.intersect = intersect;
    opts.ref_attrs = ref_attrs;
    opts.ref_values = ref_values;
    opts.n_refs = n_refs;
    opts.min_group_size = 1;
    fixture_audit(fx, csv, &opts);
    return 0;
}

static int teardown_fixture(void **state)
{
    fixture *fx = *state;
    if (fx != NULL) {
        cJSON_Delete(fx->doc);
        fa_result_free(fx->res);
        free(fx);
    }
    return 0;
}

/* The test's fixture; skips without ../shared, fails when the audit failed. */
#define FIXTURE_OR_SKIP(fx, state)                                                                 \
    do {                                                                                           \
        const char *shared_;                                                                       \
        GOLDEN_SHARED_OR_SKIP(shared_);                                                            \
        (void)shared_;                                                                             \
        (fx) = *(state);                                                                           \
        if ((fx)->error[0] != '\0')                                                                \
            fail_msg("%s", (fx)->error);                                                           \
    } while (0)

/* ------------------------------------------------- 1. the fairness references */

static const struct {
    const char *key;
    fa_metric m;
} REF_RATES[] = {
    {"base_rate", FA_METRIC_BASE_RATE},
    {"selection_rate", FA_METRIC_SELECTION_RATE},
    {"TPR", FA_METRIC_TRUE_POSITIVE_RATE},
    {"FPR", FA_METRIC_FALSE_POSITIVE_RATE},
    {"FNR", FA_METRIC_FALSE_NEGATIVE_RATE},
    {"TNR", FA_METRIC_TRUE_NEGATIVE_RATE},
    {"PPV", FA_METRIC_POSITIVE_PREDICTIVE_VALUE},
    {"NPV", FA_METRIC_NEGATIVE_PREDICTIVE_VALUE},
    {"accuracy", FA_METRIC_ACCURACY},
};

/* Counts, rates and mean score of one group (or overall) against the reference object. */
static void compare_reference_group(golden_check *ck, const char *where, const cJSON *exp,
                                    const fa_result *res, const golden_target *t,
                                    double score_scale)
{
    char what[512];
    fa_counts c = golden_counts(res, t);
    const struct {
        const char *key;
        double got;
    } counts[] = {{"TP", c.tp},
                  {"FP", c.fp},
                  {"TN", c.tn},
                  {"FN", c.fn},
                  {"n", c.tp + c.fp + c.tn + c.fn},
                  {"n_label_pos", c.tp + c.fn},
                  {"n_pred_pos", c.tp + c.fp}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        snprintf(what, sizeof what, "%s %s", where, counts[i].key);
        const cJSON *v = golden_get(exp, counts[i].key);
        golden_expect_count(ck, what, cJSON_IsNumber(v) ? v->valuedouble : NAN, counts[i].got);
    }
    snprintf(what, sizeof what, "%s count metric", where);
    golden_expect_count(ck, what, c.tp + c.fp + c.tn + c.fn,
                        golden_metric(res, t, FA_METRIC_COUNT, NULL));
    if (!t->overall) {
        snprintf(what, sizeof what, "%s rows", where);
        golden_expect_count(ck, what, c.tp + c.fp + c.tn + c.fn, (double)c.rows);
    }
    for (size_t i = 0; i < sizeof REF_RATES / sizeof REF_RATES[0]; i++) {
        const char *reason = NULL;
        double got = golden_metric(res, t, REF_RATES[i].m, &reason);
        snprintf(what, sizeof what, "%s %s", where, REF_RATES[i].key);
        golden_expect_json(ck, what, golden_get(exp, REF_RATES[i].key), got);
        if (isnan(got) && reason == NULL)
            golden_fail(ck, "%s: undefined without a reason", what);
    }
    snprintf(what, sizeof what, "%s mean_score", where);
    golden_expect_json(ck, what, golden_get(exp, "mean_score"),
                       golden_metric(res, t, FA_METRIC_MEAN_SCORE, NULL) * score_scale);
    if (golden_get(exp, "auc") != NULL)
        ck->skipped++; /* overall auc: ROC AUC is a later feature */
}

/* The overall and per-group values (or, with `summaries`, the per-attribute summaries) of one
 * model; binned attributes, which we do not audit, are skipped. */
static void check_reference(void **state, const char *test, int summaries)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    const reference_case *rc = fx->spec;
    const fa_result *res = fx->res;
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const cJSON *model = golden_get(golden_get(fx->doc, "models"), rc->model);
    const cJSON *attr;
    golden_target all = {1, 0, 0};
    if (!summaries)
        compare_reference_group(&ck, "overall", golden_get(model, "overall"), res, &all,
                                rc->score_scale);
    cJSON_ArrayForEach(attr, golden_get(model, "by_attribute"))
    {
        size_t a;
        if (!golden_find_attr(res, attr->string, &a)) {
            if (cJSON_IsObject(golden_get(attr, "definition")))
                ck.skipped++; /* binned from `age`: not a column of the prediction file */
            else
                golden_fail(&ck, "attribute %s is not in our result", attr->string);
            continue;
        }
        const cJSON *groups = golden_get(attr, "groups"), *grp;
        if (summaries) {
            /* fairlearn-style max - min and min / max over every group (min_group_size 1) */
            const cJSON *sum = golden_get(attr, "summary");
            char what[256];
            const struct {
                const char *key;
                double got;
            } s[] = {
                {"selection_rate_min_over_max",
                 fa_result_summary(res, a, "demographic_parity_ratio")},
                {"selection_rate_max_minus_min",
                 fa_result_summary(res, a, "demographic_parity_difference")},
                {"TPR_max_minus_min", fa_result_disparity(res, a, FA_METRIC_TRUE_POSITIVE_RATE,
                                                          FA_DISPARITY_BETWEEN_DIFFERENCE)},
                {"FPR_max_minus_min", fa_result_disparity(res, a, FA_METRIC_FALSE_POSITIVE_RATE,
                                                          FA_DISPARITY_BETWEEN_DIFFERENCE)},
                {"equalized_odds_difference",
                 fa_result_summary(res, a, "equalized_odds_difference")},
            };
            for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
                snprintf(what, sizeof what, "%s summary %s", attr->string, s[i].key);
                golden_expect_json(&ck, what, golden_get(sum, s[i].key), s[i].got);
            }
            continue;
        }
        if (fa_result_n_groups(res, a) != (size_t)cJSON_GetArraySize(groups))
            golden_fail(&ck, "%s: %zu groups, reference has %d", attr->string,
                        fa_result_n_groups(res, a), cJSON_GetArraySize(groups));
        cJSON_ArrayForEach(grp, groups)
        {
            golden_target t = {0, a, 0};
            char where[256];
            if (!find_peer_group(&ck, res, a, grp->string, &t.g))
                continue;
            snprintf(where, sizeof where, "%s=%s", attr->string, grp->string);
            compare_reference_group(&ck, where, grp, res, &t, rc->score_scale);
        }
    }
    golden_finish(&ck);
}

/* -------------------------------------------- 2. the peers: per-group rates */

static const struct peer_rate {
    const char *name;
    fa_metric m;
    int fairlearn_zero; /* fairlearn (sklearn confusion_matrix) reports 0 on a zero denominator */
    int aif360_zero;    /* AIF360's performance_measures report 0 on a zero denominator */
} PEER_RATES[] = {
    {"count", FA_METRIC_COUNT, 0, 0},
    {"selection_rate", FA_METRIC_SELECTION_RATE, 0, 0},
    {"tpr", FA_METRIC_TRUE_POSITIVE_RATE, 1, 0},
    {"fpr", FA_METRIC_FALSE_POSITIVE_RATE, 1, 0},
    {"tnr", FA_METRIC_TRUE_NEGATIVE_RATE, 1, 0},
    {"fnr", FA_METRIC_FALSE_NEGATIVE_RATE, 1, 0},
    {"ppv", FA_METRIC_POSITIVE_PREDICTIVE_VALUE, 0, 1},
    {"npv", FA_METRIC_NEGATIVE_PREDICTIVE_VALUE, 0, 1},
    {"fdr", FA_METRIC_FALSE_DISCOVERY_RATE, 0, 1},
    {"for", FA_METRIC_FALSE_OMISSION_RATE, 0, 1},
    {"accuracy", FA_METRIC_ACCURACY, 0, 1},
};
#define N_PEER_RATES (sizeof PEER_RATES / sizeof PEER_RATES[0])

static const struct peer_rate *peer_rate_named(const char *name)
{
    for (size_t i = 0; i < N_PEER_RATES; i++)
        if (strcmp(PEER_RATES[i].name, name) == 0)
            return &PEER_RATES[i];
    return NULL;
}

/*
 * One peer rate against ours. Where our counts make the rate undefined, ours must be NAN with
 * a reason, and the peer must show null or, when `zero_standin`, its stand-in 0.
 */
static void compare_peer_rate(golden_check *ck, const char *what, const cJSON *exp,
                              const fa_result *res, const golden_target *t, fa_metric m,
                              int zero_standin)
{
    const char *reason = NULL;
    double got = golden_metric(res, t, m, &reason);
    fa_counts c = golden_counts(res, t), all = golden_overall_counts(res);
    int undefined = golden_undefined(m, &c, &all);
    if (!undefined) {
        golden_expect_json(ck, what, exp, got);
    } else if (!isnan(got) || reason == NULL) {
        golden_fail(ck, "%s: zero denominator, expected NAN with a reason, got %.17g", what, got);
    } else if (cJSON_IsNull(exp)) {
        ck->undefined++;
    } else if (zero_standin && cJSON_IsNumber(exp) && exp->valuedouble == 0.0) {
        ck->shown++; /* the peer's 0 stands for "undefined" */
    } else {
        golden_fail(ck, "%s: ours undefined (%s), peer reports a value", what, reason);
    }
}

/* by_group and overall rates of every attribute of a peer block (fairlearn or aif360). */
static void check_peer_group_rates(void **state, const char *test, const char *lib)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    int aif = strcmp(lib, "aif360") == 0;
    const cJSON *attr;
    cJSON_ArrayForEach(attr, golden_get(fx->doc, lib))
    {
        size_t a;
        if (!find_peer_attr(&ck, fx->res, attr->string, &a))
            continue;
        const cJSON *by_group = golden_get(attr, "by_group"), *grp, *v;
        if (fa_result_n_groups(fx->res, a) != (size_t)cJSON_GetArraySize(by_group))
            golden_fail(&ck, "%s: %zu groups, %s has %d", attr->string,
                        fa_result_n_groups(fx->res, a), lib, cJSON_GetArraySize(by_group));
        for (int i = -1; i < cJSON_GetArraySize(by_group); i++) {
            golden_target t = {i < 0, a, 0};
            grp = i < 0 ? golden_get(attr, "overall") : cJSON_GetArrayItem(by_group, i);
            if (i >= 0 && !find_peer_group(&ck, fx->res, a, grp->string, &t.g))
                continue;
            cJSON_ArrayForEach(v, grp)
            {
                const struct peer_rate *pr = peer_rate_named(v->string);
                char what[512];
                snprintf(what, sizeof what, "%s %s=%s %s", lib, attr->string,
                         i < 0 ? "(overall)" : grp->string, v->string);
                if (pr == NULL)
                    golden_fail(&ck, "%s: unknown rate name", what);
                else
                    compare_peer_rate(&ck, what, v, fx->res, &t, pr->m,
                                      aif ? pr->aif360_zero : pr->fairlearn_zero);
            }
        }
    }
    golden_finish(&ck);
}

/* ------------------------------------ 2. the peers: fairlearn's aggregates */

static const struct {
    const char *key;
    fa_disparity_kind k;
} FL_KINDS[] = {
    {"difference_between_groups", FA_DISPARITY_BETWEEN_DIFFERENCE},
    {"ratio_between_groups", FA_DISPARITY_BETWEEN_RATIO},
    {"difference_to_overall", FA_DISPARITY_TO_OVERALL_DIFFERENCE},
    {"ratio_to_overall", FA_DISPARITY_TO_OVERALL_RATIO},
};

/*
 * fairlearn's aggregate of `rate`, rebuilt from its own per-group values without the groups
 * where ours is undefined. *standins counts those groups that fairlearn gave a number (its 0):
 * then fairlearn's own aggregate includes the stand-in and is not comparable with ours.
 */
static double fairlearn_rebuilt(const cJSON *attr, const fa_result *res, size_t a, const char *rate,
                                fa_disparity_kind k, int *standins)
{
    const struct peer_rate *pr = peer_rate_named(rate);
    const cJSON *grp, *overall = golden_get(golden_get(attr, "overall"), rate);
    double v[64];
    size_t n = 0;
    fa_counts all = golden_overall_counts(res);
    *standins = 0;
    cJSON_ArrayForEach(grp, golden_get(attr, "by_group"))
    {
        const cJSON *x = golden_get(grp, rate);
        size_t g;
        if (!golden_find_group(res, a, grp->string, &g) || !cJSON_IsNumber(x))
            continue; /* null is skipped by fairlearn (pandas) as well */
        if (golden_undefined(pr->m, fa_result_group_counts(res, a, g), &all)) {
            (*standins)++;
            continue;
        }
        if (n < 64)
            v[n++] = x->valuedouble;
    }
    return golden_aggregate(v, n, cJSON_IsNumber(overall) ? overall->valuedouble : NAN, k);
}

/* A fairlearn aggregate against ours: fairlearn's own value, or the rebuilt one when
 * fairlearn's includes stand-in zeros. */
static void compare_fairlearn_aggregate(golden_check *ck, const char *what, const cJSON *exp,
                                        double rebuilt, int standins, double got)
{
    if (standins == 0) {
        golden_expect_json(ck, what, exp, got);
        return;
    }
    ck->recomputed++;
    if (isnan(rebuilt) && isnan(got))
        ck->undefined++;
    else
        golden_expect_close(ck, what, rebuilt, got);
}

static void check_fairlearn_disparities(void **state, const char *test)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const cJSON *attr;
    cJSON_ArrayForEach(attr, golden_get(fx->doc, "fairlearn"))
    {
        size_t a;
        if (!find_peer_attr(&ck, fx->res, attr->string, &a))
            continue;
        for (size_t r = 0; r < N_PEER_RATES; r++)
            for (size_t k = 0; k < sizeof FL_KINDS / sizeof FL_KINDS[0]; k++) {
                int standins;
                double rebuilt = fairlearn_rebuilt(attr, fx->res, a, PEER_RATES[r].name,
                                                   FL_KINDS[k].k, &standins);
                char what[512];
                snprintf(what, sizeof what, "fairlearn %s %s %s", attr->string, FL_KINDS[k].key,
                         PEER_RATES[r].name);
                compare_fairlearn_aggregate(
                    &ck, what, golden_get(golden_get(attr, FL_KINDS[k].key), PEER_RATES[r].name),
                    rebuilt, standins,
                    fa_result_disparity(fx->res, a, PEER_RATES[r].m, FL_KINDS[k].k));
            }
    }
    golden_finish(&ck);
}

/* fairlearn's named disparities: worst case over one or two rates (max of differences, min of
 * ratios). Between groups they are fa_result_summary's names; to the overall value the API has
 * no summary names, so they are built from fa_result_disparity, which is their definition. */
static const struct {
    const char *name;
    const char *rate1, *rate2;
    int ratio;
} FL_SUMMARIES[] = {
    {"demographic_parity_difference", "selection_rate", NULL, 0},
    {"demographic_parity_ratio", "selection_rate", NULL, 1},
    {"equalized_odds_difference", "tpr", "fpr", 0},
    {"equalized_odds_ratio", "tpr", "fpr", 1},
    {"equal_opportunity_difference", "tpr", NULL, 0},
    {"equal_opportunity_ratio", "tpr", NULL, 1},
};

static double worst(double x, double y, int ratio)
{
    if (isnan(x) || isnan(y))
        return NAN;
    return ratio ? fmin(x, y) : fmax(x, y);
}

static void check_fairlearn_summaries(void **state, const char *test)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const cJSON *attr;
    cJSON_ArrayForEach(attr, golden_get(fx->doc, "fairlearn"))
    {
        size_t a;
        if (!find_peer_attr(&ck, fx->res, attr->string, &a))
            continue;
        for (int to_overall = 0; to_overall <= 1; to_overall++) {
            const cJSON *block = golden_get(golden_get(attr, "disparities"),
                                            to_overall ? "to_overall" : "between_groups");
            const cJSON *item;
            cJSON_ArrayForEach(item, block)
            {
                size_t s = 0, n_s = sizeof FL_SUMMARIES / sizeof FL_SUMMARIES[0];
                while (s < n_s && strcmp(FL_SUMMARIES[s].name, item->string) != 0)
                    s++;
                if (s == n_s) {
                    ck.skipped++; /* the _agg_mean variants: not offered by our API */
                    continue;
                }
                int ratio = FL_SUMMARIES[s].ratio, st1, st2 = 0;
                fa_disparity_kind k = to_overall ? (ratio ? FA_DISPARITY_TO_OVERALL_RATIO
                                                          : FA_DISPARITY_TO_OVERALL_DIFFERENCE)
                                                 : (ratio ? FA_DISPARITY_BETWEEN_RATIO
                                                          : FA_DISPARITY_BETWEEN_DIFFERENCE);
                const struct peer_rate *r1 = peer_rate_named(FL_SUMMARIES[s].rate1);
                const struct peer_rate *r2 =
                    FL_SUMMARIES[s].rate2 ? peer_rate_named(FL_SUMMARIES[s].rate2) : r1;
                double rebuilt =
                    worst(fairlearn_rebuilt(attr, fx->res, a, r1->name, k, &st1),
                          fairlearn_rebuilt(attr, fx->res, a, r2->name, k, &st2), ratio);
                double got = to_overall ? worst(fa_result_disparity(fx->res, a, r1->m, k),
                                                fa_result_disparity(fx->res, a, r2->m, k), ratio)
                                        : fa_result_summary(fx->res, a, item->string);
                char what[512];
                snprintf(what, sizeof what, "fairlearn %s %s %s", attr->string,
                         to_overall ? "to_overall" : "between_groups", item->string);
                compare_fairlearn_aggregate(&ck, what, item, rebuilt, st1 + st2, got);
            }
        }
    }
    golden_finish(&ck);
}

/* -------------------------------------------- 2. the peers: AIF360 against the reference */

static const struct {
    const char *name;
    fa_metric m1;
    int m2;              /* a second rate it depends on, or -1 */
    golden_denom ratio0; /* a ratio: undefined when the reference's numerator of m1 is 0 */
} AIF_NAMES[] = {
    {"statistical_parity_difference", FA_METRIC_SELECTION_RATE, -1, D_NONE},
    {"disparate_impact", FA_METRIC_SELECTION_RATE, -1, D_PP},
    {"average_odds_difference", FA_METRIC_TRUE_POSITIVE_RATE, FA_METRIC_FALSE_POSITIVE_RATE,
     D_NONE},
    {"average_abs_odds_difference", FA_METRIC_TRUE_POSITIVE_RATE, FA_METRIC_FALSE_POSITIVE_RATE,
     D_NONE},
    {"equal_opportunity_difference", FA_METRIC_TRUE_POSITIVE_RATE, -1, D_NONE},
    {"true_positive_rate_difference", FA_METRIC_TRUE_POSITIVE_RATE, -1, D_NONE},
    {"false_positive_rate_difference", FA_METRIC_FALSE_POSITIVE_RATE, -1, D_NONE},
    {"false_negative_rate_difference", FA_METRIC_FALSE_NEGATIVE_RATE, -1, D_NONE},
    {"false_discovery_rate_difference", FA_METRIC_FALSE_DISCOVERY_RATE, -1, D_NONE},
    {"false_omission_rate_difference", FA_METRIC_FALSE_OMISSION_RATE, -1, D_NONE},
    {"error_rate_difference", FA_METRIC_ERROR_RATE, -1, D_NONE},
    {"error_rate_ratio", FA_METRIC_ERROR_RATE, -1, D_ERRORS},
};

/* The individual-fairness indices: a later feature (METRICS.md "Individual fairness"). */
static int aif360_later_feature(const char *name)
{
    return strstr(name, "theil_index") != NULL || strstr(name, "entropy_index") != NULL;
}

/* One block of AIF360 metrics (a pairwise group, g >= 0, or vs_rest, g < 0) against ours. */
static void compare_aif360_block(golden_check *ck, const char *where, const cJSON *block,
                                 const fa_result *res, size_t a, long g, const fa_counts *grp,
                                 const fa_counts *ref)
{
    fa_counts all = golden_overall_counts(res);
    const cJSON *item;
    cJSON_ArrayForEach(item, block)
    {
        char what[512];
        size_t i = 0, n = sizeof AIF_NAMES / sizeof AIF_NAMES[0];
        snprintf(what, sizeof what, "aif360 %s %s", where, item->string);
        if (aif360_later_feature(item->string)) {
            ck->skipped++;
            continue;
        }
        while (i < n && strcmp(AIF_NAMES[i].name, item->string) != 0)
            i++;
        if (i == n) {
            golden_fail(ck, "%s: unknown AIF360 name", what);
            continue;
        }
        int undefined = golden_undefined(AIF_NAMES[i].m1, grp, &all) ||
                        golden_undefined(AIF_NAMES[i].m1, ref, &all) ||
                        (AIF_NAMES[i].ratio0 != D_NONE &&
                         golden_denom_value(AIF_NAMES[i].ratio0, ref, &all) == 0.0);
        if (AIF_NAMES[i].m2 >= 0)
            undefined = undefined || golden_undefined((fa_metric)AIF_NAMES[i].m2, grp, &all) ||
                        golden_undefined((fa_metric)AIF_NAMES[i].m2, ref, &all);
        double got = g < 0 ? fa_result_vs_rest(res, a, item->string)
                           : fa_result_vs_reference(res, a, (size_t)g, item->string);
        if (!undefined)
            golden_expect_json(ck, what, item, got);
        else if (!isnan(got))
            golden_fail(ck, "%s: a rate is undefined, expected NAN, got %.17g", what, got);
        else if (cJSON_IsNull(item))
            ck->undefined++;
        else
            ck->shown++; /* AIF360's number is built on its 0 for an undefined rate */
    }
}

static void check_aif360_vs_reference(void **state, const char *test)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const fa_result *res = fx->res;
    const cJSON *attr;
    cJSON_ArrayForEach(attr, golden_get(fx->doc, "aif360"))
    {
        size_t a, ref_g;
        char priv[256] = "";
        const cJSON *grp;
        if (!find_peer_attr(&ck, res, attr->string, &a))
            continue;
        golden_join_values(golden_get(attr, "privileged"), priv, sizeof priv);
        const char *ours = fa_result_reference(res, a);
        if (ours == NULL || strcmp(ours, priv) != 0 || !golden_find_group(res, a, priv, &ref_g)) {
            golden_fail(&ck, "%s: reference is %s, AIF360's privileged group is %s", attr->string,
                        ours ? ours : "(none)", priv);
            continue;
        }
        fa_counts ref = *fa_result_group_counts(res, a, ref_g), rest = {0};
        for (size_t g = 0; g < fa_result_n_groups(res, a); g++)
            if (g != ref_g)
                fa_counts_add(&rest, fa_result_group_counts(res, a, g));
        char where[512];
        snprintf(where, sizeof where, "%s vs_rest", attr->string);
        compare_aif360_block(&ck, where, golden_get(attr, "vs_rest"), res, a, -1, &rest, &ref);
        cJSON_ArrayForEach(grp, golden_get(attr, "pairwise_vs_reference"))
        {
            size_t g;
            if (!find_peer_group(&ck, res, a, grp->string, &g))
                continue;
            snprintf(where, sizeof where, "%s=%s vs %s", attr->string, grp->string, priv);
            compare_aif360_block(&ck, where, grp, res, a, (long)g,
                                 fa_result_group_counts(res, a, g), &ref);
        }
        if (golden_get(attr, "between_all_groups_theil_index") != NULL)
            ck.skipped += 2; /* between_all_groups_* indices: a later feature */
    }
    golden_finish(&ck);
}

/* ---------------------------------------------------- 2. the peers: Aequitas */

static const struct {
    const char *name;
    fa_metric m;
    const char *disparity; /* its "<x>_disparity" column, or NULL */
} AEQ_RATES[] = {
    {"tpr", FA_METRIC_TRUE_POSITIVE_RATE, "tpr_disparity"},
    {"tnr", FA_METRIC_TRUE_NEGATIVE_RATE, "tnr_disparity"},
    {"for", FA_METRIC_FALSE_OMISSION_RATE, "for_disparity"},
    {"fdr", FA_METRIC_FALSE_DISCOVERY_RATE, "fdr_disparity"},
    {"fpr", FA_METRIC_FALSE_POSITIVE_RATE, "fpr_disparity"},
    {"fnr", FA_METRIC_FALSE_NEGATIVE_RATE, "fnr_disparity"},
    {"npv", FA_METRIC_NEGATIVE_PREDICTIVE_VALUE, "npv_disparity"},
    {"precision", FA_METRIC_POSITIVE_PREDICTIVE_VALUE, "precision_disparity"},
    {"ppr", FA_METRIC_PREDICTED_POSITIVE_SHARE, "ppr_disparity"},
    {"pprev", FA_METRIC_SELECTION_RATE, "pprev_disparity"},
    {"prev", FA_METRIC_BASE_RATE, NULL},
};

static void check_aequitas(void **state, const char *test)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const fa_result *res = fx->res;
    const cJSON *aeq = golden_get(fx->doc, "aequitas"), *row;
    const cJSON *fill = golden_get(aeq, "fill_divbyzero");
    fa_counts all = golden_overall_counts(res);
    cJSON_ArrayForEach(row, golden_get(aeq, "rows"))
    {
        const char *attr = golden_str(row, "attribute_name");
        const char *value = golden_str(row, "attribute_value");
        const char *ref = golden_str(golden_get(aeq, "reference_groups"), attr ? attr : "");
        size_t a, g, ref_g;
        if (attr == NULL || value == NULL || !find_peer_attr(&ck, res, attr, &a) ||
            !find_peer_group(&ck, res, a, value, &g))
            continue;
        if (ref == NULL || fa_result_reference(res, a) == NULL ||
            strcmp(ref, fa_result_reference(res, a)) != 0 ||
            !golden_find_group(res, a, ref, &ref_g)) {
            golden_fail(&ck, "%s: Aequitas reference %s is not ours", attr, ref ? ref : "?");
            continue;
        }
        const fa_counts *c = fa_result_group_counts(res, a, g);
        const fa_counts *rc = fa_result_group_counts(res, a, ref_g);
        const struct {
            const char *key;
            double got;
        } counts[] = {{"tp", c->tp},
                      {"fp", c->fp},
                      {"tn", c->tn},
                      {"fn", c->fn},
                      {"group_size", c->tp + c->fp + c->tn + c->fn},
                      {"group_label_pos", c->tp + c->fn},
                      {"group_label_neg", c->fp + c->tn},
                      {"pp", c->tp + c->fp},
                      {"pn", c->tn + c->fn}};
        char what[512];
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            const cJSON *v = golden_get(row, counts[i].key);
            snprintf(what, sizeof what, "aequitas %s=%s %s", attr, value, counts[i].key);
            golden_expect_count(&ck, what, cJSON_IsNumber(v) ? v->valuedouble : NAN, counts[i].got);
        }
        for (size_t i = 0; i < sizeof AEQ_RATES / sizeof AEQ_RATES[0]; i++) {
            fa_metric m = AEQ_RATES[i].m;
            golden_target t = {0, a, g};
            snprintf(what, sizeof what, "aequitas %s=%s %s", attr, value, AEQ_RATES[i].name);
            compare_peer_rate(&ck, what, golden_get(row, AEQ_RATES[i].name), res, &t, m, 0);
            if (AEQ_RATES[i].disparity == NULL)
                continue;
            const cJSON *exp = golden_get(row, AEQ_RATES[i].disparity);
            double ref_value = fa_result_group_metric(res, a, ref_g, m, NULL);
            double got = fa_result_group_ratio(res, a, g, m);
            int ref_zero = !golden_undefined(m, rc, &all) && ref_value == 0.0;
            snprintf(what, sizeof what, "aequitas %s=%s %s", attr, value, AEQ_RATES[i].disparity);
            if (!golden_undefined(m, c, &all) && !golden_undefined(m, rc, &all) && !ref_zero)
                golden_expect_json(&ck, what, exp, got);
            else if (!isnan(got))
                golden_fail(&ck, "%s: expected NAN (x/0 or undefined), got %.17g", what, got);
            else if (cJSON_IsNull(exp))
                ck.undefined++;
            else if (ref_zero && cJSON_IsNumber(fill) && cJSON_IsNumber(exp) &&
                     exp->valuedouble == fill->valuedouble)
                ck.shown++; /* Aequitas's fill_divbyzero (10) for x / 0 */
            else
                golden_fail(&ck, "%s: ours undefined, Aequitas reports a value", what);
        }
    }
    golden_finish(&ck);
}

/* ----------------------------------- the differences, each shown once by name */

/* Ours must be NAN with a reason for group `value` of `attr`. */
static void assert_undefined_here(const fa_result *res, const char *attr, const char *value,
                                  fa_metric m)
{
    size_t a, g;
    const char *reason = NULL;
    assert_true(golden_find_attr(res, attr, &a));
    assert_true(golden_find_group(res, a, value, &g));
    assert_true(isnan(fa_result_group_metric(res, a, g, m, &reason)));
    assert_non_null(reason);
}

/* The value of doc.<lib>.<attr>.by_group.<value>.<rate> (asserted to be there). */
static const cJSON *peer_value(const cJSON *doc, const char *lib, const char *attr,
                               const char *value, const char *rate)
{
    const cJSON *v = golden_get(
        golden_get(golden_get(golden_get(golden_get(doc, lib), attr), "by_group"), value), rate);
    assert_non_null(v);
    return v;
}

/* COMPAS "Native American & Female": 2 rows, both re-arrested, so no actual negatives. */
static void golden__compas_fpr_without_actual_negatives_is_undefined_not_fairlearns_0(void **state)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    const cJSON *fl =
        peer_value(fx->doc, "fairlearn", "race+sex", "Native American & Female", "fpr");
    assert_true(cJSON_IsNumber(fl) && fl->valuedouble == 0.0); /* fairlearn: 0 */
    assert_true(
        cJSON_IsNull(peer_value(fx->doc, "aif360", "race+sex", "Native American & Female", "fpr")));
    assert_undefined_here(fx->res, "race & sex", "Native American & Female",
                          FA_METRIC_FALSE_POSITIVE_RATE);
}

/* German foreign_worker = no: all 13 predicted good, so no predicted negatives. */
static void golden__german_npv_without_predicted_negatives_is_undefined_not_aif360s_0(void **state)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    assert_true(cJSON_IsNull(peer_value(fx->doc, "fairlearn", "foreign_worker", "no", "npv")));
    const cJSON *aif = peer_value(fx->doc, "aif360", "foreign_worker", "no", "npv");
    assert_true(cJSON_IsNumber(aif) && aif->valuedouble == 0.0); /* AIF360: 0 */
    assert_undefined_here(fx->res, "foreign_worker", "no", FA_METRIC_NEGATIVE_PREDICTIVE_VALUE);
    /* so the difference AIF360 builds on it is undefined too */
    size_t a, g;
    assert_true(golden_find_attr(fx->res, "foreign_worker", &a));
    assert_true(golden_find_group(fx->res, a, "yes", &g));
    assert_true(isnan(fa_result_vs_reference(fx->res, a, g, "false_omission_rate_difference")));
}

/* German foreign_worker: the reference "no" has FNR = 0 (12 / 12 positives found). */
static void golden__german_ratio_to_a_zero_reference_is_undefined_not_aequitas_10(void **state)
{
    fixture *fx;
    FIXTURE_OR_SKIP(fx, state);
    const cJSON *row;
    double aequitas = NAN;
    cJSON_ArrayForEach(row, golden_get(golden_get(fx->doc, "aequitas"), "rows"))
    {
        const char *value = golden_str(row, "attribute_value");
        if (value != NULL && strcmp(value, "yes") == 0) {
            const cJSON *v = golden_get(row, "fnr_disparity");
            assert_non_null(v);
            aequitas = v->valuedouble;
        }
    }
    assert_true(aequitas == 10.0); /* Aequitas's fill_divbyzero */
    size_t a, ref_g, g;
    assert_true(golden_find_attr(fx->res, "foreign_worker", &a));
    assert_true(golden_find_group(fx->res, a, "no", &ref_g));
    assert_true(golden_find_group(fx->res, a, "yes", &g));
    assert_true(fa_result_group_metric(fx->res, a, ref_g, FA_METRIC_FALSE_NEGATIVE_RATE, NULL) ==
                0.0);
    assert_true(isnan(fa_result_group_ratio(fx->res, a, g, FA_METRIC_FALSE_NEGATIVE_RATE)));
}

/* ----------------------------------------------------------------------- the tests */

#define REFERENCE_TESTS(ds)                                                                        \
    static void golden__##ds##_counts_and_rates_match_reference(void **state)                      \
    {                                                                                              \
        check_reference(state, __func__, 0);                                                       \
    }                                                                                              \
    static void golden__##ds##_attribute_summaries_match_reference(void **state)                   \
    {                                                                                              \
        check_reference(state, __func__, 1);                                                       \
    }

REFERENCE_TESTS(compas)
REFERENCE_TESTS(adult_logreg)
REFERENCE_TESTS(adult_xgb)
REFERENCE_TESTS(german_logreg)
REFERENCE_TESTS(german_xgb)

#define PEER_TESTS(ds)                                                                             \
    static void golden__##ds##_fairlearn_group_rates_match_where_defined(void **state)             \
    {                                                                                              \
        check_peer_group_rates(state, __func__, "fairlearn");                                      \
    }                                                                                              \
    static void golden__##ds##_fairlearn_disparities_match_over_defined_groups(void **state)       \
    {                                                                                              \
        check_fairlearn_disparities(state, __func__);                                              \
    }                                                                                              \
    static void golden__##ds##_fairlearn_named_summaries_match(void **state)                       \
    {                                                                                              \
        check_fairlearn_summaries(state, __func__);                                                \
    }                                                                                              \
    static void golden__##ds##_aif360_group_rates_match_where_defined(void **state)                \
    {                                                                                              \
        check_peer_group_rates(state, __func__, "aif360");                                         \
    }                                                                                              \
    static void golden__##ds##_aif360_pairwise_and_vs_rest_metrics_match(void **state)             \
    {                                                                                              \
        check_aif360_vs_reference(state, __func__);                                                \
    }                                                                                              \
    static void golden__##ds##_aequitas_crosstabs_and_disparities_match(void **state)              \
    {                                                                                              \
        check_aequitas(state, __func__);                                                           \
    }

PEER_TESTS(compas)
PEER_TESTS(adult_xgb)
PEER_TESTS(german_xgb)

#undef REFERENCE_TESTS
#define REFERENCE_TEST(fn, spec)                                                                   \
    cmocka_unit_test_prestate_setup_teardown(fn, setup_reference, teardown_fixture, &(spec))
#define REFERENCE_TESTS(ds, spec)                                                                  \
    REFERENCE_TEST(golden__##ds##_counts_and_rates_match_reference, spec),                         \
        REFERENCE_TEST(golden__##ds##_attribute_summaries_match_reference, spec)
#define PEERS_TEST(fn, file)                                                                       \
    cmocka_unit_test_prestate_setup_teardown(fn, setup_peers, teardown_fixture, (file))
#define PEERS_TESTS(ds, file)                                                                      \
    PEERS_TEST(golden__##ds##_fairlearn_group_rates_match_where_defined, file),                    \
        PEERS_TEST(golden__##ds##_fairlearn_disparities_match_over_defined_groups, file),          \
        PEERS_TEST(golden__##ds##_fairlearn_named_summaries_match, file),                          \
        PEERS_TEST(golden__##ds##_aif360_group_rates_match_where_defined, file),                   \
        PEERS_TEST(golden__##ds##_aif360_pairwise_and_vs_rest_metrics_match, file),                \
        PEERS_TEST(golden__##ds##_aequitas_crosstabs_and_disparities_match, file)

int main(void)
{
    const struct CMUnitTest tests[] = {
        REFERENCE_TESTS(compas, COMPAS),
        REFERENCE_TESTS(adult_logreg, ADULT_LOGREG),
        REFERENCE_TESTS(adult_xgb, ADULT_XGB),
        REFERENCE_TESTS(german_logreg, GERMAN_LOGREG),
        REFERENCE_TESTS(german_xgb, GERMAN_XGB),
        PEERS_TESTS(compas, COMPAS_PEERS),
        PEERS_TESTS(adult_xgb, ADULT_PEERS),
        PEERS_TESTS(german_xgb, GERMAN_PEERS),
        PEERS_TEST(golden__compas_fpr_without_actual_negatives_is_undefined_not_fairlearns_0,
                   COMPAS_PEERS),
        PEERS_TEST(golden__german_npv_without_predicted_negatives_is_undefined_not_aif360s_0,
                   GERMAN_PEERS),
        PEERS_TEST(golden__german_ratio_to_a_zero_reference_is_undefined_not_aequitas_10,
                   GERMAN_PEERS),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
