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

static int setup_reference(void **state)
{
    golden_fixture *fx;
    if (!golden_fixture_new(state, &fx))
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
    golden_fixture_audit(fx, csv, &opts);
    return 0;
}

/* Audits a peers file's input: its groups, their intersection when the file has an "A+B" key,
 * and its reference groups (the intersection's is AIF360's privileged combination). */
static int setup_peers(void **state)
{
    golden_fixture *fx;
    if (!golden_fixture_new(state, &fx))
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
    golden_fixture_audit(fx, csv, &opts);
    return 0;
}

/* Counts in the order tp, fp, tn, fn, n, P, PP, N, PN, under each golden file's names. */
static const char *const REF_COUNT_KEYS[9] = {"TP",          "FP",         "TN", "FN", "n",
                                              "n_label_pos", "n_pred_pos", NULL, NULL};
static const char *const AEQ_COUNT_KEYS[9] = {
    "tp", "fp", "tn", "fn", "group_size", "group_label_pos", "pp", "group_label_neg", "pn"};

static void expect_counts(golden_check *ck, const char *where, const cJSON *exp, const fa_counts *c,
                          const char *const keys[9])
{
    double n = c->tp + c->fp + c->tn + c->fn;
    double got[9] = {c->tp,         c->fp,         c->tn,         c->fn,        n,
                     c->tp + c->fn, c->tp + c->fp, c->fp + c->tn, c->tn + c->fn};
    for (size_t i = 0; i < 9; i++) {
        const cJSON *v = golden_get(exp, keys[i] ? keys[i] : "");
        if (keys[i] != NULL)
            golden_expect_count(ck, golden_what(ck, "%s %s", where, keys[i]),
                                cJSON_IsNumber(v) ? v->valuedouble : NAN, got[i]);
    }
}

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
                                    const fa_result *res, const golden_target *t, double scale)
{
    fa_counts c = golden_counts(res, t);
    double n = c.tp + c.fp + c.tn + c.fn;
    expect_counts(ck, where, exp, &c, REF_COUNT_KEYS);
    golden_expect_count(ck, golden_what(ck, "%s count", where), n,
                        golden_metric(res, t, FA_METRIC_COUNT, NULL));
    if (!t->overall)
        golden_expect_count(ck, golden_what(ck, "%s rows", where), n, (double)c.rows);
    for (size_t i = 0; i < sizeof REF_RATES / sizeof REF_RATES[0]; i++) {
        const char *reason = NULL;
        double got = golden_metric(res, t, REF_RATES[i].m, &reason);
        golden_expect_json(ck, golden_what(ck, "%s %s", where, REF_RATES[i].key),
                           golden_get(exp, REF_RATES[i].key), got);
        if (isnan(got) && reason == NULL)
            golden_fail(ck, "%s: undefined without a reason", ck->what);
    }
    golden_expect_json(ck, golden_what(ck, "%s mean_score", where), golden_get(exp, "mean_score"),
                       golden_metric(res, t, FA_METRIC_MEAN_SCORE, NULL) * scale);
    if (golden_get(exp, "auc") != NULL)
        ck->skipped++; /* overall ROC AUC: a later feature */
}

/* The reference's summary keys: fairlearn-style max - min and min / max over all groups. */
static double reference_summary(const fa_result *res, size_t a, const char *key)
{
    if (strcmp(key, "selection_rate_min_over_max") == 0)
        return fa_result_summary(res, a, "demographic_parity_ratio");
    if (strcmp(key, "selection_rate_max_minus_min") == 0)
        return fa_result_summary(res, a, "demographic_parity_difference");
    if (strcmp(key, "TPR_max_minus_min") == 0)
        return fa_result_disparity(res, a, FA_METRIC_TRUE_POSITIVE_RATE,
                                   FA_DISPARITY_BETWEEN_DIFFERENCE);
    if (strcmp(key, "FPR_max_minus_min") == 0)
        return fa_result_disparity(res, a, FA_METRIC_FALSE_POSITIVE_RATE,
                                   FA_DISPARITY_BETWEEN_DIFFERENCE);
    return fa_result_summary(res, a, key); /* equalized_odds_difference */
}

/* One model's overall and per-group values, or (summaries) its per-attribute summaries. */
static void check_reference(void **state, const char *test, int summaries)
{
    golden_fixture *fx;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    const reference_case *rc = fx->spec;
    const fa_result *res = fx->res;
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const cJSON *model = golden_get(golden_get(fx->doc, "models"), rc->model), *attr, *item;
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
        if (summaries) {
            cJSON_ArrayForEach(item, golden_get(attr, "summary"))
            {
                golden_expect_json(&ck, golden_what(&ck, "%s %s", attr->string, item->string), item,
                                   reference_summary(res, a, item->string));
            }
            continue;
        }
        const cJSON *groups = golden_get(attr, "groups");
        if (fa_result_n_groups(res, a) != (size_t)cJSON_GetArraySize(groups))
            golden_fail(&ck, "%s: %zu groups, reference has %d", attr->string,
                        fa_result_n_groups(res, a), cJSON_GetArraySize(groups));
        cJSON_ArrayForEach(item, groups)
        {
            golden_target t = {0, a, 0};
            char where[256];
            if (!golden_find_peer_group(&ck, res, a, item->string, &t.g))
                continue;
            snprintf(where, sizeof where, "%s=%s", attr->string, item->string);
            compare_reference_group(&ck, where, item, res, &t, rc->score_scale);
        }
    }
    golden_finish(&ck);
}

/* ------------------------------------------------ 2. the peers: per-group rates */

static const struct peer_rate {
    const char *name;
    fa_metric m;
    int fairlearn_zero; /* fairlearn (sklearn's confusion_matrix) reports 0 for 0/0 */
    int aif360_zero;    /* AIF360's performance_measures report 0 for 0/0 */
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

/* One peer rate (ck->what names it) against ours. Where our counts make it undefined, ours
 * must be NAN with a reason, and the peer must show null or, with zero_standin, its 0. */
static void compare_peer_rate(golden_check *ck, const cJSON *exp, const fa_result *res,
                              const golden_target *t, fa_metric m, int zero_standin)
{
    const char *reason = NULL;
    double got = golden_metric(res, t, m, &reason);
    fa_counts c = golden_counts(res, t), all = golden_overall_counts(res);
    if (!golden_undefined(m, &c, &all))
        golden_expect_json(ck, ck->what, exp, got);
    else if (!isnan(got) || reason == NULL)
        golden_fail(ck, "%s: zero denominator, expected NAN with a reason, got %.17g", ck->what,
                    got);
    else if (cJSON_IsNull(exp))
        ck->undefined++;
    else if (zero_standin && cJSON_IsNumber(exp) && exp->valuedouble == 0.0)
        ck->shown++; /* the peer's 0 stands for "undefined" */
    else
        golden_fail(ck, "%s: ours undefined (%s), the peer reports a value", ck->what, reason);
}

/* by_group and overall rates of every attribute of a peer (fairlearn or aif360). */
static void check_peer_group_rates(void **state, const char *test, const char *lib)
{
    golden_fixture *fx;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    int aif = strcmp(lib, "aif360") == 0;
    const cJSON *attr, *grp, *v;
    cJSON_ArrayForEach(attr, golden_get(fx->doc, lib))
    {
        size_t a;
        const cJSON *by_group = golden_get(attr, "by_group");
        if (!golden_find_peer_attr(&ck, fx->res, attr->string, &a))
            continue;
        if (fa_result_n_groups(fx->res, a) != (size_t)cJSON_GetArraySize(by_group))
            golden_fail(&ck, "%s: %zu groups, %s has %d", attr->string,
                        fa_result_n_groups(fx->res, a), lib, cJSON_GetArraySize(by_group));
        for (int i = -1; i < cJSON_GetArraySize(by_group); i++) {
            golden_target t = {i < 0, a, 0};
            grp = i < 0 ? golden_get(attr, "overall") : cJSON_GetArrayItem(by_group, i);
            if (i >= 0 && !golden_find_peer_group(&ck, fx->res, a, grp->string, &t.g))
                continue;
            cJSON_ArrayForEach(v, grp)
            {
                const struct peer_rate *pr = peer_rate_named(v->string);
                golden_what(&ck, "%s %s=%s %s", lib, attr->string, i < 0 ? "*" : grp->string,
                            v->string);
                if (pr == NULL)
                    golden_fail(&ck, "%s: unknown rate name", ck.what);
                else
                    compare_peer_rate(&ck, v, fx->res, &t, pr->m,
                                      aif ? pr->aif360_zero : pr->fairlearn_zero);
            }
        }
    }
    golden_finish(&ck);
}

/* ------------------------------------------- 2. the peers: fairlearn's aggregates */

static const struct {
    const char *key;
    fa_disparity_kind k;
} FL_KINDS[] = {
    {"difference_between_groups", FA_DISPARITY_BETWEEN_DIFFERENCE},
    {"ratio_between_groups", FA_DISPARITY_BETWEEN_RATIO},
    {"difference_to_overall", FA_DISPARITY_TO_OVERALL_DIFFERENCE},
    {"ratio_to_overall", FA_DISPARITY_TO_OVERALL_RATIO},
};

/* fairlearn's named disparities: the worst case over one or two rates (max of differences, min
 * of ratios). Between groups they are fa_result_summary's names; to the overall value the API
 * has no names for them, so they are built from fa_result_disparity, their definition. The
 * _agg_mean variants are not offered by our API and are skipped. */
static const struct {
    const char *name;
    const char *rate1, *rate2;
    int ratio;
} FL_SUMMARIES[] = {
    {"demographic_parity_difference", "selection_rate", "selection_rate", 0},
    {"demographic_parity_ratio", "selection_rate", "selection_rate", 1},
    {"equalized_odds_difference", "tpr", "fpr", 0},
    {"equalized_odds_ratio", "tpr", "fpr", 1},
    {"equal_opportunity_difference", "tpr", "tpr", 0},
    {"equal_opportunity_ratio", "tpr", "tpr", 1},
};

/*
 * fairlearn's aggregate of `rate`, rebuilt from its own per-group values without the groups
 * where ours is undefined. ->standins counts such groups that fairlearn gave a number (its 0):
 * then fairlearn's own aggregate includes the stand-in and is not comparable with ours. A null
 * is left out by fairlearn (pandas skips NaN) as by us. ->single is set when a between-groups
 * aggregate keeps fewer than two groups: fairlearn says 0 (or 1), ours is undefined.
 */
typedef struct rebuild_info {
    int standins, single;
} rebuild_info;

static double fairlearn_rebuilt(const cJSON *attr, const fa_result *res, size_t a, const char *rate,
                                fa_disparity_kind k, rebuild_info *info)
{
    const struct peer_rate *pr = peer_rate_named(rate);
    const cJSON *grp, *overall = golden_get(golden_get(attr, "overall"), rate);
    double v[64];
    size_t n = 0, g;
    fa_counts all = golden_overall_counts(res);
    cJSON_ArrayForEach(grp, golden_get(attr, "by_group"))
    {
        const cJSON *x = golden_get(grp, rate);
        if (!golden_find_group(res, a, grp->string, &g) || !cJSON_IsNumber(x))
            continue;
        if (golden_undefined(pr->m, fa_result_group_counts(res, a, g), &all))
            info->standins++;
        else if (n < 64)
            v[n++] = x->valuedouble;
    }
    if (n < 2 && (k == FA_DISPARITY_BETWEEN_DIFFERENCE || k == FA_DISPARITY_BETWEEN_RATIO))
        info->single = 1;
    return golden_aggregate(v, n, cJSON_IsNumber(overall) ? overall->valuedouble : NAN, k);
}

/* A fairlearn aggregate against ours: fairlearn's own value, or, when that includes a stand-in
 * zero, the value rebuilt from its per-group values where ours are defined. */
static void compare_fairlearn_aggregate(golden_check *ck, const cJSON *exp, double rebuilt,
                                        const rebuild_info *info, double got)
{
    if (info->single) {
        if (!isnan(got))
            golden_fail(ck, "%s: fewer than two groups, expected NAN, got %.17g", ck->what, got);
        else if (cJSON_IsNumber(exp))
            ck->shown++; /* fairlearn's max - min (min / max) over a single group */
        else
            ck->undefined++;
        return;
    }
    if (info->standins == 0) {
        golden_expect_json(ck, ck->what, exp, got);
        return;
    }
    ck->recomputed++;
    if (isnan(rebuilt) && isnan(got))
        ck->undefined++;
    else
        golden_expect_close(ck, ck->what, rebuilt, got);
}

/* The worst of two aggregates: the smaller ratio or the larger difference. */
static double worst(double x, double y, int ratio)
{
    if (isnan(x) || isnan(y))
        return NAN;
    return ratio ? fmin(x, y) : fmax(x, y);
}

static void check_fairlearn_aggregates(void **state, const char *test)
{
    golden_fixture *fx;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const fa_result *res = fx->res;
    const cJSON *attr, *item;
    cJSON_ArrayForEach(attr, golden_get(fx->doc, "fairlearn"))
    {
        size_t a;
        if (!golden_find_peer_attr(&ck, res, attr->string, &a))
            continue;
        for (size_t r = 0; r < N_PEER_RATES; r++) /* per rate, the four kinds */
            for (size_t k = 0; k < sizeof FL_KINDS / sizeof FL_KINDS[0]; k++) {
                rebuild_info info = {0, 0};
                double rebuilt =
                    fairlearn_rebuilt(attr, res, a, PEER_RATES[r].name, FL_KINDS[k].k, &info);
                golden_what(&ck, "fairlearn %s %s %s", attr->string, FL_KINDS[k].key,
                            PEER_RATES[r].name);
                compare_fairlearn_aggregate(
                    &ck, golden_get(golden_get(attr, FL_KINDS[k].key), PEER_RATES[r].name), rebuilt,
                    &info, fa_result_disparity(res, a, PEER_RATES[r].m, FL_KINDS[k].k));
            }
        for (int to_overall = 0; to_overall <= 1; to_overall++) /* the named disparities */
            cJSON_ArrayForEach(item, golden_get(golden_get(attr, "disparities"),
                                                to_overall ? "to_overall" : "between_groups"))
            {
                size_t s = 0, n_s = sizeof FL_SUMMARIES / sizeof FL_SUMMARIES[0];
                while (s < n_s && strcmp(FL_SUMMARIES[s].name, item->string) != 0)
                    s++;
                if (s == n_s) {
                    ck.skipped++; /* an _agg_mean variant */
                    continue;
                }
                int ratio = FL_SUMMARIES[s].ratio;
                rebuild_info info = {0, 0};
                fa_disparity_kind k = (fa_disparity_kind)(2 * to_overall + ratio);
                const struct peer_rate *r1 = peer_rate_named(FL_SUMMARIES[s].rate1);
                const struct peer_rate *r2 = peer_rate_named(FL_SUMMARIES[s].rate2);
                double rebuilt = worst(fairlearn_rebuilt(attr, res, a, r1->name, k, &info),
                                       fairlearn_rebuilt(attr, res, a, r2->name, k, &info), ratio);
                double got = to_overall ? worst(fa_result_disparity(res, a, r1->m, k),
                                                fa_result_disparity(res, a, r2->m, k), ratio)
                                        : fa_result_summary(res, a, item->string);
                golden_what(&ck, "fairlearn %s %s %s", attr->string,
                            to_overall ? "to_overall" : "between_groups", item->string);
                compare_fairlearn_aggregate(&ck, item, rebuilt, &info, got);
            }
    }
    golden_finish(&ck);
}

/* ----------------------------------------- 2. the peers: AIF360 against the reference */

#define AIF(name, m1, m2, ratio0)                                                                  \
    {                                                                                              \
        name, FA_METRIC_##m1, FA_METRIC_##m2, ratio0                                               \
    }
static const struct {
    const char *name;
    fa_metric m1, m2;    /* the rates it is built on (m2 = m1 for one) */
    golden_denom ratio0; /* a ratio: undefined when this count of the reference is 0 */
} AIF_NAMES[] = {
    /* clang-format off */
    AIF("statistical_parity_difference", SELECTION_RATE, SELECTION_RATE, D_NONE),
    AIF("disparate_impact", SELECTION_RATE, SELECTION_RATE, D_PP),
    AIF("average_odds_difference", TRUE_POSITIVE_RATE, FALSE_POSITIVE_RATE, D_NONE),
    AIF("average_abs_odds_difference", TRUE_POSITIVE_RATE, FALSE_POSITIVE_RATE, D_NONE),
    AIF("equal_opportunity_difference", TRUE_POSITIVE_RATE, TRUE_POSITIVE_RATE, D_NONE),
    AIF("true_positive_rate_difference", TRUE_POSITIVE_RATE, TRUE_POSITIVE_RATE, D_NONE),
    AIF("false_positive_rate_difference", FALSE_POSITIVE_RATE, FALSE_POSITIVE_RATE, D_NONE),
    AIF("false_negative_rate_difference", FALSE_NEGATIVE_RATE, FALSE_NEGATIVE_RATE, D_NONE),
    AIF("false_discovery_rate_difference", FALSE_DISCOVERY_RATE, FALSE_DISCOVERY_RATE, D_NONE),
    AIF("false_omission_rate_difference", FALSE_OMISSION_RATE, FALSE_OMISSION_RATE, D_NONE),
    AIF("error_rate_difference", ERROR_RATE, ERROR_RATE, D_NONE),
    AIF("error_rate_ratio", ERROR_RATE, ERROR_RATE, D_ERRORS),
    /* clang-format on */
};

/* One block of AIF360 metrics (group g against the reference, or vs_rest when g < 0). The
 * theil / generalized entropy indices are a later feature (METRICS.md "Individual fairness"). */
static void compare_aif360_block(golden_check *ck, const char *where, const cJSON *block,
                                 const fa_result *res, size_t a, long g, const fa_counts *grp,
                                 const fa_counts *ref)
{
    fa_counts all = golden_overall_counts(res);
    const cJSON *item;
    size_t n = sizeof AIF_NAMES / sizeof AIF_NAMES[0];
    cJSON_ArrayForEach(item, block)
    {
        size_t i = 0;
        golden_what(ck, "aif360 %s %s", where, item->string);
        if (strstr(item->string, "theil_index") || strstr(item->string, "entropy_index")) {
            ck->skipped++;
            continue;
        }
        while (i < n && strcmp(AIF_NAMES[i].name, item->string) != 0)
            i++;
        if (i == n) {
            golden_fail(ck, "%s: unknown AIF360 name", ck->what);
            continue;
        }
        int undefined = golden_undefined(AIF_NAMES[i].m1, grp, &all) ||
                        golden_undefined(AIF_NAMES[i].m1, ref, &all) ||
                        golden_undefined(AIF_NAMES[i].m2, grp, &all) ||
                        golden_undefined(AIF_NAMES[i].m2, ref, &all) ||
                        (AIF_NAMES[i].ratio0 != D_NONE &&
                         golden_denom_value(AIF_NAMES[i].ratio0, ref, &all) == 0.0);
        double got = g < 0 ? fa_result_vs_rest(res, a, item->string)
                           : fa_result_vs_reference(res, a, (size_t)g, item->string);
        if (!undefined)
            golden_expect_json(ck, ck->what, item, got);
        else if (!isnan(got))
            golden_fail(ck, "%s: built on an undefined rate, expected NAN, got %.17g", ck->what,
                        got);
        else if (cJSON_IsNull(item))
            ck->undefined++;
        else
            ck->shown++; /* AIF360's number is built on its 0 for an undefined rate */
    }
}

static void check_aif360_vs_reference(void **state, const char *test)
{
    golden_fixture *fx;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const fa_result *res = fx->res;
    const cJSON *attr, *grp;
    cJSON_ArrayForEach(attr, golden_get(fx->doc, "aif360"))
    {
        size_t a, ref_g, g;
        char priv[256], where[512];
        if (!golden_find_peer_attr(&ck, res, attr->string, &a))
            continue;
        golden_join_values(golden_get(attr, "privileged"), priv, sizeof priv);
        const char *ours = fa_result_reference(res, a);
        if (ours == NULL || strcmp(ours, priv) != 0 || !golden_find_group(res, a, priv, &ref_g)) {
            golden_fail(&ck, "%s: our reference is %s, AIF360's privileged group %s", attr->string,
                        ours ? ours : "(none)", priv);
            continue;
        }
        fa_counts ref = *fa_result_group_counts(res, a, ref_g), rest = {0};
        for (g = 0; g < fa_result_n_groups(res, a); g++)
            if (g != ref_g)
                fa_counts_add(&rest, fa_result_group_counts(res, a, g));
        snprintf(where, sizeof where, "%s vs_rest", attr->string);
        compare_aif360_block(&ck, where, golden_get(attr, "vs_rest"), res, a, -1, &rest, &ref);
        cJSON_ArrayForEach(grp, golden_get(attr, "pairwise_vs_reference"))
        {
            if (!golden_find_peer_group(&ck, res, a, grp->string, &g))
                continue;
            snprintf(where, sizeof where, "%s=%s vs %s", attr->string, grp->string, priv);
            compare_aif360_block(&ck, where, grp, res, a, (long)g,
                                 fa_result_group_counts(res, a, g), &ref);
        }
        ck.skipped += 2; /* between_all_groups_{theil,generalized_entropy}_index: later */
    }
    golden_finish(&ck);
}

/* ------------------------------------------------------- 2. the peers: Aequitas */

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

/* Aequitas's m(g) / m(ref) against fa_result_group_ratio: undefined when either rate is, or
 * m(ref) = 0, where Aequitas shows its fill_divbyzero (10) instead. */
static void compare_aequitas_ratio(golden_check *ck, const cJSON *exp, const cJSON *fill,
                                   const fa_result *res, size_t a, size_t g, size_t ref_g,
                                   fa_metric m)
{
    fa_counts all = golden_overall_counts(res);
    int undefined = golden_undefined(m, fa_result_group_counts(res, a, g), &all) ||
                    golden_undefined(m, fa_result_group_counts(res, a, ref_g), &all);
    int ref_zero = !undefined && fa_result_group_metric(res, a, ref_g, m, NULL) == 0.0;
    double got = fa_result_group_ratio(res, a, g, m);
    if (!undefined && !ref_zero)
        golden_expect_json(ck, ck->what, exp, got);
    else if (!isnan(got))
        golden_fail(ck, "%s: expected NAN (undefined or x / 0), got %.17g", ck->what, got);
    else if (cJSON_IsNull(exp))
        ck->undefined++;
    else if (ref_zero && cJSON_IsNumber(exp) && cJSON_IsNumber(fill) &&
             exp->valuedouble == fill->valuedouble)
        ck->shown++;
    else
        golden_fail(ck, "%s: ours undefined, Aequitas reports a value", ck->what);
}

static void check_aequitas(void **state, const char *test)
{
    golden_fixture *fx;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    golden_check ck = GOLDEN_CHECK_INIT(test);
    const fa_result *res = fx->res;
    const cJSON *aeq = golden_get(fx->doc, "aequitas"), *row;
    cJSON_ArrayForEach(row, golden_get(aeq, "rows"))
    {
        const char *attr = golden_str(row, "attribute_name");
        const char *value = golden_str(row, "attribute_value");
        const char *ref = golden_str(golden_get(aeq, "reference_groups"), attr ? attr : "");
        char where[512];
        size_t a, ref_g;
        golden_target t = {0, 0, 0};
        if (attr == NULL || value == NULL || !golden_find_peer_attr(&ck, res, attr, &a) ||
            !golden_find_peer_group(&ck, res, a, value, &t.g))
            continue;
        t.a = a;
        if (ref == NULL || fa_result_reference(res, a) == NULL ||
            strcmp(ref, fa_result_reference(res, a)) != 0 ||
            !golden_find_group(res, a, ref, &ref_g)) {
            golden_fail(&ck, "%s: Aequitas's reference %s is not ours", attr, ref ? ref : "?");
            continue;
        }
        snprintf(where, sizeof where, "aequitas %s=%s", attr, value);
        expect_counts(&ck, where, row, fa_result_group_counts(res, a, t.g), AEQ_COUNT_KEYS);
        for (size_t i = 0; i < sizeof AEQ_RATES / sizeof AEQ_RATES[0]; i++) {
            golden_what(&ck, "%s %s", where, AEQ_RATES[i].name);
            compare_peer_rate(&ck, golden_get(row, AEQ_RATES[i].name), res, &t, AEQ_RATES[i].m, 0);
            if (AEQ_RATES[i].disparity == NULL)
                continue;
            golden_what(&ck, "%s %s", where, AEQ_RATES[i].disparity);
            compare_aequitas_ratio(&ck, golden_get(row, AEQ_RATES[i].disparity),
                                   golden_get(aeq, "fill_divbyzero"), res, a, t.g, ref_g,
                                   AEQ_RATES[i].m);
        }
    }
    golden_finish(&ck);
}

/* ------------------------------------------- the three differences, each shown by name */

/* The group's metric m: NAN with a reason is asserted when `undefined`. */
static double our_value(const fa_result *res, const char *attr, const char *value, fa_metric m,
                        int undefined)
{
    size_t a, g;
    const char *reason = NULL;
    assert_true(golden_find_attr(res, attr, &a));
    assert_true(golden_find_group(res, a, value, &g));
    double v = fa_result_group_metric(res, a, g, m, &reason);
    if (undefined) {
        assert_true(isnan(v));
        assert_non_null(reason);
    }
    return v;
}

/* doc.<lib>.<attr>.by_group.<value>.<rate>: asserted to be null (want < 0) or want. */
static void assert_peer_value(const cJSON *doc, const char *lib, const char *attr,
                              const char *value, const char *rate, double want)
{
    const cJSON *v = golden_get(
        golden_get(golden_get(golden_get(golden_get(doc, lib), attr), "by_group"), value), rate);
    assert_true(want < 0 ? cJSON_IsNull(v) : cJSON_IsNumber(v) && v->valuedouble == want);
}

/* COMPAS "Native American & Female": 2 rows, both re-arrested, so no actual negatives. */
static void golden__compas_fpr_without_actual_negatives_is_undefined_not_fairlearns_0(void **state)
{
    golden_fixture *fx;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    assert_peer_value(fx->doc, "fairlearn", "race+sex", "Native American & Female", "fpr", 0.0);
    assert_peer_value(fx->doc, "aif360", "race+sex", "Native American & Female", "fpr", -1);
    our_value(fx->res, "race & sex", "Native American & Female", FA_METRIC_FALSE_POSITIVE_RATE, 1);
}

/* German foreign_worker = no: all 13 predicted good, so no predicted negatives; the FOR
 * difference AIF360 builds on its 0 is undefined here too. */
static void golden__german_npv_without_predicted_negatives_is_undefined_not_aif360s_0(void **state)
{
    golden_fixture *fx;
    size_t a, g;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    assert_peer_value(fx->doc, "fairlearn", "foreign_worker", "no", "npv", -1);
    assert_peer_value(fx->doc, "aif360", "foreign_worker", "no", "npv", 0.0);
    our_value(fx->res, "foreign_worker", "no", FA_METRIC_NEGATIVE_PREDICTIVE_VALUE, 1);
    assert_true(golden_find_attr(fx->res, "foreign_worker", &a));
    assert_true(golden_find_group(fx->res, a, "yes", &g));
    assert_true(isnan(fa_result_vs_reference(fx->res, a, g, "false_omission_rate_difference")));
}

/* German foreign_worker: the reference "no" has FNR = 0 (all 12 positives found), so the FNR
 * ratio of "yes" is x / 0: undefined here, 10 in Aequitas. */
static void golden__german_ratio_to_a_zero_reference_is_undefined_not_aequitas_10(void **state)
{
    golden_fixture *fx;
    const cJSON *row;
    size_t a, g;
    int seen = 0;
    GOLDEN_FIXTURE_OR_SKIP(fx, state);
    cJSON_ArrayForEach(row, golden_get(golden_get(fx->doc, "aequitas"), "rows"))
    {
        const char *value = golden_str(row, "attribute_value");
        if (value != NULL && strcmp(value, "yes") == 0) {
            const cJSON *v = golden_get(row, "fnr_disparity");
            assert_true(cJSON_IsNumber(v) && v->valuedouble == 10.0);
            seen = 1;
        }
    }
    assert_true(seen);
    assert_true(our_value(fx->res, "foreign_worker", "no", FA_METRIC_FALSE_NEGATIVE_RATE, 0) ==
                0.0);
    assert_true(golden_find_attr(fx->res, "foreign_worker", &a));
    assert_true(golden_find_group(fx->res, a, "yes", &g));
    assert_true(isnan(fa_result_group_ratio(fx->res, a, g, FA_METRIC_FALSE_NEGATIVE_RATE)));
}

/* -------------------------------------------------------------------------- the tests */

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
        check_fairlearn_aggregates(state, __func__);                                               \
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

#define REF_TEST(fn, spec)                                                                         \
    cmocka_unit_test_prestate_setup_teardown(fn, setup_reference, golden_teardown, &(spec))
#define REF_CASE(ds, spec)                                                                         \
    REF_TEST(golden__##ds##_counts_and_rates_match_reference, spec),                               \
        REF_TEST(golden__##ds##_attribute_summaries_match_reference, spec)
#define PEERS_TEST(fn, file)                                                                       \
    cmocka_unit_test_prestate_setup_teardown(fn, setup_peers, golden_teardown, (file))
#define PEERS_CASE(ds, file)                                                                       \
    PEERS_TEST(golden__##ds##_fairlearn_group_rates_match_where_defined, file),                    \
        PEERS_TEST(golden__##ds##_fairlearn_disparities_match_over_defined_groups, file),          \
        PEERS_TEST(golden__##ds##_aif360_group_rates_match_where_defined, file),                   \
        PEERS_TEST(golden__##ds##_aif360_pairwise_and_vs_rest_metrics_match, file),                \
        PEERS_TEST(golden__##ds##_aequitas_crosstabs_and_disparities_match, file)

int main(void)
{
    const struct CMUnitTest tests[] = {
        REF_CASE(compas, COMPAS),
        REF_CASE(adult_logreg, ADULT_LOGREG),
        REF_CASE(adult_xgb, ADULT_XGB),
        REF_CASE(german_logreg, GERMAN_LOGREG),
        REF_CASE(german_xgb, GERMAN_XGB),
        PEERS_CASE(compas, COMPAS_PEERS),
        PEERS_CASE(adult_xgb, ADULT_PEERS),
        PEERS_CASE(german_xgb, GERMAN_PEERS),
        PEERS_TEST(golden__compas_fpr_without_actual_negatives_is_undefined_not_fairlearns_0,
                   COMPAS_PEERS),
        PEERS_TEST(golden__german_npv_without_predicted_negatives_is_undefined_not_aif360s_0,
                   GERMAN_PEERS),
        PEERS_TEST(golden__german_ratio_to_a_zero_reference_is_undefined_not_aequitas_10,
                   GERMAN_PEERS),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
