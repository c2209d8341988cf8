/*
 * reports/json.c - the result as JSON (DESIGN.md "The JSON result").
 *
 * Built as a cJSON tree and printed once. Undefined values (NAN) become null with the reason
 * beside them under "undefined"; numbers print with the fewest digits that read back to the
 * same double (cJSON tries 15 significant digits and falls back to 17). Groups are sorted and
 * every key is written in a fixed order, so the same input gives the same bytes.
 * Each node is attached to its parent right after it is made; the tree is freed in one place.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/text.h"
#include "metrics/rates.h"
#include "metrics/summary.h"
#include "reports/result.h"

/* cJSON returns NULL on allocation failure; one flag collects them all. */
typedef struct jb {
    int oom;
} jb;

static cJSON *obj(jb *b, cJSON *parent, const char *key)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL ||
        (key ? !cJSON_AddItemToObject(parent, key, o) : !cJSON_AddItemToArray(parent, o))) {
        cJSON_Delete(o);
        b->oom = 1;
        return NULL;
    }
    return o;
}

static cJSON *arr(jb *b, cJSON *parent, const char *key)
{
    cJSON *o = cJSON_CreateArray();
    if (o == NULL || !cJSON_AddItemToObject(parent, key, o)) {
        cJSON_Delete(o);
        b->oom = 1;
        return NULL;
    }
    return o;
}

static void num(jb *b, cJSON *parent, const char *key, double v)
{
    if (parent == NULL) {
        return;
    }
    /* cJSON accepts 15 digits whenever they read back within an epsilon, which loses the
     * last bit; the shared formatter prints the shortest text that reads back exactly */
    char text[40];
    fa_format_double(text, sizeof text, v);
    cJSON *n = isfinite(v) ? cJSON_CreateRaw(text) : cJSON_CreateNull();
    if (n == NULL || !cJSON_AddItemToObject(parent, key, n)) {
        cJSON_Delete(n);
        b->oom = 1;
    }
}

static void str(jb *b, cJSON *parent, const char *key, const char *s)
{
    if (parent == NULL) {
        return;
    }
    cJSON *n = s ? cJSON_CreateString(s) : cJSON_CreateNull();
    if (n == NULL ||
        (key ? !cJSON_AddItemToObject(parent, key, n) : !cJSON_AddItemToArray(parent, n))) {
        cJSON_Delete(n);
        b->oom = 1;
    }
}

static void boolean(jb *b, cJSON *parent, const char *key, int v)
{
    if (parent == NULL) {
        return;
    }
    cJSON *n = cJSON_CreateBool(v);
    if (n == NULL || !cJSON_AddItemToObject(parent, key, n)) {
        cJSON_Delete(n);
        b->oom = 1;
    }
}

static void counts(jb *b, cJSON *parent, const fa_counts *c)
{
    cJSON *o = obj(b, parent, "counts");
    if (o == NULL) {
        return;
    }
    num(b, o, "tp", c->tp);
    num(b, o, "fp", c->fp);
    num(b, o, "tn", c->tn);
    num(b, o, "fn", c->fn);
    num(b, o, "rows", (double)c->rows);
}

static void metrics(jb *b, cJSON *parent, const double m[], const char *const reasons[],
                    int has_score)
{
    cJSON *o = obj(b, parent, "metrics");
    cJSON *u = NULL;
    for (int k = 0; k < FA_METRIC_COUNT_ALL; k++) {
        if (k == FA_METRIC_MEAN_SCORE && !has_score) {
            continue;
        }
        num(b, o, fa_metric_name((fa_metric)k), m[k]);
    }
    for (int k = 0; k < FA_METRIC_COUNT_ALL; k++) {
        if (reasons[k] && (k != FA_METRIC_MEAN_SCORE || has_score)) {
            if (u == NULL && (u = obj(b, parent, "undefined")) == NULL) {
                return;
            }
            str(b, u, fa_metric_name((fa_metric)k), reasons[k]);
        }
    }
}

static void pair(jb *b, cJSON *parent, const char *key, double lo, double hi)
{
    if (parent == NULL) {
        return;
    }
    cJSON *a = cJSON_CreateArray();
    if (a == NULL || !cJSON_AddItemToObject(parent, key, a)) {
        cJSON_Delete(a);
        b->oom = 1;
        return;
    }
    char text[40];
    for (int k = 0; k < 2; k++) {
        double v = k ? hi : lo;
        fa_format_double(text, sizeof text, v);
        cJSON *n = isfinite(v) ? cJSON_CreateRaw(text) : cJSON_CreateNull();
        if (n == NULL || !cJSON_AddItemToArray(a, n)) {
            cJSON_Delete(n);
            b->oom = 1;
        }
    }
}

/* Intervals of the rates that are proportions: "ci": {"selection_rate": [lo, hi], ...}. */
static void intervals(jb *b, cJSON *parent, const fa_interval ci[])
{
    cJSON *o = obj(b, parent, "ci");
    for (int k = 0; o && k < FA_METRIC_COUNT_ALL; k++) {
        if (!isnan(ci[k].lo)) {
            pair(b, o, fa_metric_name((fa_metric)k), ci[k].lo, ci[k].hi);
        }
    }
}

static const char *const SCORE_NAMES[FA_SCORE_METRIC_COUNT] = {
    "roc_auc",   "average_precision",          "brier_score",
    "log_loss",  "expected_calibration_error", "calibration_in_the_large",
    "mean_score"};

/* One field of a sweep as a JSON array (NAN: null). */
static void sweep_array(jb *b, cJSON *o, const char *key, const fa_sweep_point *pts, size_t n,
                        int field)
{
    cJSON *vals = o ? arr(b, o, key) : NULL;
    for (size_t i = 0; vals && i < n; i++) {
        double v = field == 0   ? pts[i].threshold
                   : field == 1 ? pts[i].selection_rate
                   : field == 2 ? pts[i].tpr
                                : pts[i].fpr;
        char text[40];
        fa_format_double(text, sizeof text, v);
        cJSON *x = isfinite(v) ? cJSON_CreateRaw(text) : cJSON_CreateNull();
        if (x == NULL || !cJSON_AddItemToArray(vals, x)) {
            cJSON_Delete(x);
            b->oom = 1;
        }
    }
}

/*
 * Score metrics of a group (or all rows): values, undefined reasons, reliability bins, and the
 * threshold sweep computed at audit time ("scores": {"sweep": {"thresholds": [...],
 * "selection_rate": [...], "true_positive_rate": [...], "false_positive_rate": [...]}}, the
 * same thresholds for every group).
 */
static void score_block(jb *b, cJSON *parent, const fa_scores *sc, const fa_sweep_point *sweep,
                        size_t n_sweep)
{
    if (sc == NULL) {
        return;
    }
    cJSON *o = obj(b, parent, "scores"), *u = NULL;
    for (int k = 0; o && k < FA_SCORE_METRIC_COUNT; k++) {
        const char *why = NULL;
        double v = fa_scores_value(sc, (fa_score_metric)k, &why);
        num(b, o, SCORE_NAMES[k], v);
        if (why) {
            if (u == NULL && (u = obj(b, o, "undefined")) == NULL) {
                return;
            }
            str(b, u, SCORE_NAMES[k], why);
        }
    }
    if (sweep != NULL) {
        static const char *const K[4] = {"thresholds", "selection_rate", "true_positive_rate",
                                         "false_positive_rate"};
        cJSON *sw = o ? obj(b, o, "sweep") : NULL;
        for (int k = 0; sw && k < 4; k++) {
            sweep_array(b, sw, K[k], sweep, n_sweep, k);
        }
    }
    size_t n = 0;
    const fa_calibration_bin *bins = fa_scores_bins(sc, &n);
    cJSON *ca = arr(b, parent, "calibration");
    for (size_t i = 0; ca && bins && i < n; i++) {
        cJSON *e = obj(b, ca, NULL);
        num(b, e, "lo", bins[i].lo);
        num(b, e, "hi", bins[i].hi);
        num(b, e, "weight", bins[i].weight);
        num(b, e, "mean_predicted", bins[i].mean_predicted);
        num(b, e, "observed_rate", bins[i].observed_rate);
    }
}

/* The top-k / top-percent cut-off that made the predictions, when there is one. */
static void cutoff(jb *b, cJSON *root, const fa_result *r)
{
    if (r->cutoff_rule == 0) {
        return;
    }
    cJSON *o = obj(b, root, "cutoff");
    str(b, o, "rule", r->cutoff_rule == 1 ? "top_k" : "top_percent");
    num(b, o, "value", r->cutoff_value);
    num(b, o, "requested_weight", r->cutoff.requested);
    num(b, o, "threshold", r->cutoff.threshold);
    num(b, o, "selected_weight", r->cutoff.selected);
    num(b, o, "tied_weight", r->cutoff.tied);
    if (o) {
        boolean(b, o, "ties_included", r->cutoff.ties_included);
    }
}

static void header(jb *b, cJSON *root, const fa_result *r)
{
    str(b, root, "fairaudit_version", FA_VERSION);
    cJSON *in = obj(b, root, "input");
    str(b, in, "path", r->input_path);
    num(b, in, "rows", (double)r->rows);
    if (r->input_sha256[0]) { /* provenance for the report (reports/pdf_sections.c) */
        num(b, in, "bytes", (double)r->input_bytes);
        str(b, in, "sha256", r->input_sha256);
    }
    if (r->policy_title) {
        cJSON *pol = obj(b, root, "policy");
        str(b, pol, "title", r->policy_title);
    }
    cJSON *c = obj(b, root, "columns");
    str(b, c, "label", r->label);
    str(b, c, "pred", r->pred);
    str(b, c, "score", r->score);
    str(b, c, "weight", r->weight);
    str(b, c, "positive", r->positive);
    num(b, c, "threshold", r->threshold);
    cJSON *g = c ? arr(b, c, "groups") : NULL;
    for (size_t i = 0; g && i < r->n_group_cols; i++) {
        str(b, g, NULL, r->group_cols[i]);
    }
    if (c) {
        boolean(b, c, "intersect", r->intersect);
    }
    cJSON *o = obj(b, root, "options");
    num(b, o, "min_group_size", (double)r->min_group_size);
    num(b, o, "confidence_level", r->confidence_level);
    str(b, o, "ci_method", r->ci_method == FA_CI_CLOPPER_PEARSON ? "clopper_pearson" : "wilson");
    cJSON *bo = obj(b, o, "bootstrap");
    num(b, bo, "replicates", (double)r->bootstrap);
    num(b, bo, "seed", (double)r->seed);
    str(b, bo, "method", r->boot_method == FA_BOOT_BCA ? "bca" : "percentile");
    str(b, bo, "resampling",
        "stratified by group: multinomial draw of each group's confusion "
        "counts with the group's size");
    num(b, o, "tau", r->tau);
}

static void groups(jb *b, cJSON *root, const fa_result *r)
{
    cJSON *ga = arr(b, root, "groups");
    for (size_t a = 0; ga && a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        for (size_t g = 0; g < at->n_groups; g++) {
            const fa_group_result *gr = &at->groups[g];
            cJSON *o = obj(b, ga, NULL);
            if (o == NULL) {
                return;
            }
            str(b, o, "attribute", at->name);
            str(b, o, "value", gr->value);
            num(b, o, "count", gr->metrics[FA_METRIC_COUNT]);
            boolean(b, o, "reference", gr->is_reference);
            counts(b, o, &gr->counts);
            metrics(b, o, gr->metrics, gr->reasons, r->score != NULL);
            intervals(b, o, gr->ci);
            score_block(b, o, gr->scores, gr->sweep, r->n_sweep);
            cJSON *f = arr(b, o, "flags");
            if (f && gr->small) {
                char buf[96];
                snprintf(buf, sizeof buf, "below min_group_size (%ld)", r->min_group_size);
                str(b, f, NULL, buf);
            }
        }
    }
}

static void left_out(jb *b, cJSON *o, const fa_attr_result *at, int m, long min_size)
{
    cJSON *lo = arr(b, o, "left_out");
    for (size_t g = 0; lo && g < at->n_groups; g++) {
        const fa_group_result *gr = &at->groups[g];
        char why[160];
        if (gr->small) {
            snprintf(why, sizeof why, "below min_group_size (%llu rows < %ld)",
                     (unsigned long long)gr->counts.rows, min_size);
        } else if (isnan(gr->metrics[m])) {
            snprintf(why, sizeof why, "undefined (%s)", gr->reasons[m]);
        } else {
            continue;
        }
        cJSON *e = obj(b, lo, NULL);
        str(b, e, "group", gr->value);
        str(b, e, "reason", why);
    }
}

static void disparities(jb *b, cJSON *root, const fa_result *r)
{
    cJSON *da = arr(b, root, "disparities");
    for (size_t a = 0; da && a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
            if (!fa_rates_has_disparity((fa_metric)m) ||
                (m == FA_METRIC_MEAN_SCORE && r->score == NULL)) {
                continue;
            }
            cJSON *o = obj(b, da, NULL);
            if (o == NULL) {
                return;
            }
            str(b, o, "attribute", at->name);
            str(b, o, "metric", fa_metric_name((fa_metric)m));
            str(b, o, "reference", at->reference >= 0 ? at->groups[at->reference].value : NULL);
            cJSON *bg = obj(b, o, "by_group");
            for (size_t g = 0; bg && g < at->n_groups; g++) {
                const fa_group_result *gr = &at->groups[g];
                if (gr->is_reference) {
                    continue;
                }
                cJSON *e = obj(b, bg, gr->value);
                num(b, e, "difference", gr->diff[m]);
                num(b, e, "ratio", gr->ratio[m]);
                if (at->boot) {
                    const fa_bootstrap_ci *dc = fa_bootstrap_group_difference(at->boot, g, m);
                    const fa_bootstrap_ci *rc = fa_bootstrap_group_ratio(at->boot, g, m);
                    pair(b, e, "difference_ci", dc->lo, dc->hi);
                    pair(b, e, "ratio_ci", rc->lo, rc->hi);
                }
                /* Aequitas's tau rule: fair when tau <= ratio <= 1/tau */
                double q = gr->ratio[m];
                if (e && !isnan(q)) {
                    boolean(b, e, "within_tau", q >= r->tau && q <= 1.0 / r->tau);
                } else {
                    str(b, e, "within_tau", NULL);
                }
            }
            const fa_disparity *d = &at->disp[m];
            cJSON *bw = obj(b, o, "between_groups");
            num(b, bw, "difference", d->between_difference);
            num(b, bw, "ratio", d->between_ratio);
            if (bw && d->n_included > 0) {
                str(b, bw, "min_group", at->groups[d->argmin].value);
                str(b, bw, "max_group", at->groups[d->argmax].value);
            }
            cJSON *to = obj(b, o, "to_overall");
            num(b, to, "difference", d->to_overall_difference);
            num(b, to, "ratio", d->to_overall_ratio);
            if (at->boot) {
                static const fa_disparity_kind K[4] = {
                    FA_DISPARITY_BETWEEN_DIFFERENCE, FA_DISPARITY_BETWEEN_RATIO,
                    FA_DISPARITY_TO_OVERALL_DIFFERENCE, FA_DISPARITY_TO_OVERALL_RATIO};
                for (int k = 0; k < 4; k++) {
                    const fa_bootstrap_ci *c = fa_bootstrap_disparity(at->boot, (fa_metric)m, K[k]);
                    pair(b, k < 2 ? bw : to, k % 2 ? "ratio_ci" : "difference_ci", c->lo, c->hi);
                }
            }
            left_out(b, o, at, m, r->min_group_size);
        }
    }
}

static void summaries(jb *b, cJSON *root, const fa_result *r)
{
    cJSON *s = obj(b, root, "summary");
    for (size_t a = 0; s && a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        cJSON *o = obj(b, s, at->name);
        for (int i = 0; o && i < FA_SUMMARY_SLOTS; i++) {
            num(b, o, fa_summary_name(i), at->summary[i]);
        }
    }
    /* bootstrap intervals of the summaries: "summary_ci": {attr: {name: [lo, hi]}} */
    cJSON *sc = r->bootstrap > 0 && r->has_pred ? obj(b, root, "summary_ci") : NULL;
    for (size_t a = 0; sc && a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        cJSON *o = obj(b, sc, at->name);
        for (int i = 0; o && at->boot && i < FA_SUMMARY_SLOTS; i++) {
            const fa_bootstrap_ci *c = fa_bootstrap_summary(at->boot, i);
            pair(b, o, fa_summary_name(i), c->lo, c->hi);
        }
    }
    /* AIF360's pairwise metrics against the reference, and against the pooled rest */
    cJSON *v = obj(b, root, "vs_reference");
    for (size_t a = 0; v && a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        cJSON *o = obj(b, v, at->name);
        if (o == NULL || at->reference < 0) {
            continue;
        }
        const fa_counts *ref = &at->groups[at->reference].counts;
        str(b, o, "reference", at->groups[at->reference].value);
        str(b, o, "reference_source", at->reference_source);
        cJSON *gs = obj(b, o, "groups");
        for (size_t g = 0; gs && g < at->n_groups; g++) {
            if (at->groups[g].is_reference) {
                continue;
            }
            cJSON *e = obj(b, gs, at->groups[g].value);
            for (size_t k = 0; e && FA_AIF360_NAMES[k]; k++) {
                num(b, e, FA_AIF360_NAMES[k],
                    fa_summary_aif360(FA_AIF360_NAMES[k], &at->groups[g].counts, ref, &r->overall));
            }
        }
        cJSON *rest = obj(b, o, "vs_rest");
        for (size_t k = 0; rest && FA_AIF360_NAMES[k]; k++) {
            num(b, rest, FA_AIF360_NAMES[k],
                fa_summary_aif360(FA_AIF360_NAMES[k], &at->rest, ref, &r->overall));
        }
    }
}

static const char *const TESTED[FA_N_TESTED] = {"selection_rate", "true_positive_rate",
                                                "false_positive_rate"};

static void measure(jb *b, cJSON *o, cJSON **undef, const char *key, const fa_measure *m)
{
    num(b, o, key, m->value);
    if (m->reason) {
        if (*undef == NULL && (*undef = obj(b, o, "undefined")) == NULL) {
            return;
        }
        str(b, *undef, key, m->reason);
    }
}

/* Two-proportion tests against the reference, and independence tests, per attribute. */
static void tests(jb *b, cJSON *root, const fa_result *r)
{
    cJSON *ta = arr(b, root, "tests");
    for (size_t a = 0; ta && a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        for (int k = 0; k < FA_N_TESTED; k++) {
            const fa_chisq_test *c = &at->chisq[k];
            cJSON *o = obj(b, ta, NULL);
            str(b, o, "attribute", at->name);
            str(b, o, "metric", TESTED[k]);
            str(b, o, "test", "chi_square_independence");
            num(b, o, "statistic", c->statistic);
            num(b, o, "dof", (double)c->dof);
            num(b, o, "cramers_v", c->cramers_v);
            num(b, o, "p_value", c->p_value);
            num(b, o, "p_adjusted", at->chisq_adjusted[k]);
            if (c->reason) {
                str(b, o, "reason", c->reason);
            }
            for (size_t g = 0; g < at->n_groups; g++) {
                const fa_group_result *gr = &at->groups[g];
                if (gr->is_reference) {
                    continue;
                }
                const fa_prop_test *t = &gr->test[k];
                cJSON *e = obj(b, ta, NULL);
                str(b, e, "attribute", at->name);
                str(b, e, "metric", TESTED[k]);
                str(b, e, "test", fa_stattest_method_name(t->method));
                str(b, e, "group", gr->value);
                str(b, e, "reference", at->groups[at->reference].value);
                num(b, e, "statistic", t->statistic);
                num(b, e, "p_value", t->p_value);
                num(b, e, "p_adjusted", gr->p_adjusted[k]);
                if (t->reason) {
                    str(b, e, "reason", t->reason);
                }
            }
        }
    }
}

/* Label distributions: overall per attribute, and per group against the reference. */
static void imbalance(jb *b, cJSON *root, const fa_result *r)
{
    cJSON *im = obj(b, root, "imbalance");
    for (size_t a = 0; im && a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        const fa_imbalance *x = &at->imbalance;
        cJSON *o = obj(b, im, at->name), *u = NULL;
        if (o == NULL) {
            return;
        }
        num(b, o, "positives", x->positives);
        num(b, o, "negatives", x->negatives);
        measure(b, o, &u, "positive_share", &x->positive_share);
        measure(b, o, &u, "imbalance_ratio", &x->imbalance_ratio);
        measure(b, o, &u, "minority_share", &x->minority_share);
        cJSON *c = obj(b, o, "label_group_chi_square");
        num(b, c, "statistic", x->chisq.statistic);
        num(b, c, "dof", (double)x->chisq.dof);
        num(b, c, "p_value", x->chisq.p_value);
        num(b, c, "cramers_v", x->chisq.cramers_v);
        cJSON *gs = obj(b, o, "groups");
        for (size_t g = 0; gs && g < at->n_groups; g++) {
            const fa_imbalance_group *ig = &at->groups[g].imbalance;
            cJSON *e = obj(b, gs, at->groups[g].value), *ue = NULL;
            if (e == NULL) {
                return;
            }
            num(b, e, "size", ig->size);
            measure(b, e, &ue, "share", &ig->share);
            measure(b, e, &ue, "base_rate", &ig->base_rate);
            measure(b, e, &ue, "class_imbalance", &ig->class_imbalance);
            measure(b, e, &ue, "kl_divergence", &ig->kl_divergence);
            if (at->n_population > 0) { /* with the policy's "population" for this attribute */
                measure(b, e, &ue, "population_share", &ig->population_share);
                measure(b, e, &ue, "representation_ratio", &ig->representation);
            }
        }
    }
}

static void value_or_why(jb *b, cJSON *o, cJSON **undef, const char *key, double v, const char *why)
{
    fa_measure m = {isfinite(v) ? v : NAN, why};
    measure(b, o, undef, key, &m);
}

/* Individual fairness (benefit b = pred - label + 1) over all rows and per attribute. */
static void individual(jb *b, cJSON *root, const fa_result *r)
{
    cJSON *o = obj(b, root, "individual_fairness"), *u = NULL;
    if (o == NULL) {
        return;
    }
    num(b, o, "alpha", r->gei_alpha);
    if (r->consistency_k > 0) { /* with a features file */
        num(b, o, "consistency_k", (double)r->consistency_k);
        value_or_why(b, o, &u, "consistency", r->consistency, r->consistency_why);
    }
    value_or_why(b, o, &u, "generalized_entropy_index", r->gei, r->gei_why);
    value_or_why(b, o, &u, "theil_index", r->theil, r->theil_why);
    value_or_why(b, o, &u, "coefficient_of_variation", r->cv, r->cv_why);
    cJSON *by = obj(b, o, "by_attribute");
    for (size_t a = 0; by && a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        cJSON *e = obj(b, by, at->name), *ue = NULL;
        value_or_why(b, e, &ue, "between_group_generalized_entropy_index", at->gei_between,
                     at->gei_between_why);
        value_or_why(b, e, &ue, "within_group_generalized_entropy_index", at->gei_within,
                     at->gei_within_why);
        value_or_why(b, e, &ue, "between_group_theil_index", at->theil_between,
                     at->theil_between_why);
        value_or_why(b, e, &ue, "within_group_theil_index", at->theil_within, at->theil_within_why);
    }
}

/* n numbers as a JSON array under key (NULL: appended to the array parent); NAN is null. */
static void numbers(jb *b, cJSON *parent, const char *key, const double *v, size_t n)
{
    if (parent == NULL) {
        return;
    }
    cJSON *a = cJSON_CreateArray();
    if (a == NULL ||
        (key ? !cJSON_AddItemToObject(parent, key, a) : !cJSON_AddItemToArray(parent, a))) {
        cJSON_Delete(a);
        b->oom = 1;
        return;
    }
    char text[40];
    for (size_t k = 0; k < n; k++) {
        fa_format_double(text, sizeof text, v[k]);
        cJSON *x = isfinite(v[k]) ? cJSON_CreateRaw(text) : cJSON_CreateNull();
        if (x == NULL || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            b->oom = 1;
        }
    }
}

/* A Shapley run: importances (mean |phi|), per-group means and gaps, a beeswarm sample. */
static void shapley_run(jb *b, cJSON *e, const fa_attribution *a)
{
    str(b, e, "method", a->method);
    str(b, e, "output", a->output);
    if (a->attribute) {
        str(b, e, "attribute", a->attribute);
    }
    num(b, e, "rows", (double)a->rows);
    num(b, e, "base_value", a->base_value);
    cJSON *im = e ? arr(b, e, "importances") : NULL;
    for (size_t k = 0; im && k < a->n; k++) {
        cJSON *f = obj(b, im, NULL);
        str(b, f, "feature", a->names[k]);
        num(b, f, "mean", a->mean[k]);
        num(b, f, "std", a->std[k]);
    }
    if (a->attribute) {
        str(b, e, "reference",
            a->reference >= 0 && (size_t)a->reference < a->n_groups ? a->group_names[a->reference]
                                                                    : NULL);
    }
    num(b, e, "bootstrap", (double)a->bootstrap);
    cJSON *ga = e && a->attribute ? arr(b, e, "groups") : NULL;
    for (size_t g = 0; ga && g < a->n_groups; g++) {
        cJSON *o = obj(b, ga, NULL);
        str(b, o, "group", a->group_names[g]);
        num(b, o, "rows", (double)a->group_rows[g]);
        num(b, o, "mean_output", a->group_output[g]);
        numbers(b, o, "mean_phi", a->group_phi + g * a->n, a->n);
        numbers(b, o, "gap", a->gap + g * a->n, a->n);
        if (a->bootstrap > 0 && a->gap_lo && a->gap_hi) {
            cJSON *ci = o ? arr(b, o, "gap_ci") : NULL;
            for (size_t k = 0; ci && k < a->n; k++) {
                double lh[2] = {a->gap_lo[g * a->n + k], a->gap_hi[g * a->n + k]};
                numbers(b, ci, NULL, lh, 2);
            }
        }
    }
    cJSON *s = e && a->sample_rows > 0 ? obj(b, e, "sample") : NULL;
    if (s) {
        num(b, s, "rows", (double)a->sample_rows);
        cJSON *ph = arr(b, s, "phi");
        for (size_t i = 0; ph && i < a->sample_rows; i++) {
            numbers(b, ph, NULL, a->sample_phi + i * a->n, a->n);
        }
        cJSON *xs = arr(b, s, "x");
        for (size_t i = 0; xs && i < a->sample_rows; i++) {
            numbers(b, xs, NULL, a->sample_x + i * a->n, a->n);
        }
    }
}

/* Attribution runs (permutation importance, Shapley values) as computed by audit/. */
static void attributions(jb *b, cJSON *root, const fa_result *r)
{
    if (r->n_attributions == 0) {
        return;
    }
    cJSON *o = obj(b, root, "attributions");
    str(b, o, "model", r->model_path);
    str(b, o, "features_file", r->features_path);
    cJSON *runs = o ? arr(b, o, "runs") : NULL;
    for (size_t i = 0; runs && i < r->n_attributions; i++) {
        const fa_attribution *a = &r->attributions[i];
        cJSON *e = obj(b, runs, NULL);
        if (a->method && strcmp(a->method, "permutation") != 0) {
            shapley_run(b, e, a);
            continue;
        }
        str(b, e, "method", a->method);
        str(b, e, "scoring", a->scoring);
        str(b, e, "attribute", a->attribute);
        num(b, e, "baseline", a->baseline);
        num(b, e, "rows", (double)a->rows);
        num(b, e, "repeats", (double)a->repeats);
        cJSON *im = e ? arr(b, e, "importances") : NULL;
        for (size_t k = 0; im && k < a->n; k++) {
            cJSON *f = obj(b, im, NULL);
            str(b, f, "feature", a->names[k]);
            num(b, f, "mean", a->mean[k]);
            num(b, f, "std", a->std[k]);
        }
    }
}

static const char *verdict_name(fa_verdict v)
{
    return v == FA_VERDICT_PASSED ? "passed" : v == FA_VERDICT_FAILED ? "failed" : "inconclusive";
}

static void gates(jb *b, cJSON *root, const fa_result *r)
{
    static const char *const AGAINST[] = {"between_groups", "reference", "to_overall"};
    static const char *const USE[] = {"point", "upper_ci", "lower_ci"};
    cJSON *ga = arr(b, root, "gates");
    for (size_t i = 0; ga && i < r->n_gates; i++) {
        const fa_gate_result *g = &r->gates[i];
        const fa_gate_spec *s = g->spec;
        cJSON *o = obj(b, ga, NULL);
        if (o == NULL) {
            return;
        }
        str(b, o, "name", s->name);
        str(b, o, "metric", s->metric_name);
        if (s->summary < 0) {
            str(b, o, "disparity", s->ratio ? "ratio" : "difference");
            str(b, o, "against", AGAINST[s->against]);
        }
        str(b, o, "attribute", g->attribute);
        num(b, o, "value", g->value);
        if (g->group) {
            str(b, o, "group", g->group);
        }
        if (s->has_min) {
            num(b, o, "min", s->min);
        }
        if (s->has_max) {
            num(b, o, "max", s->max);
        }
        if (s->has_max_change) {
            num(b, o, "max_change", s->max_change);
        }
        if (s->has_max_relative_change) {
            num(b, o, "max_relative_change", s->max_relative_change);
        }
        if (g->has_baseline) {
            num(b, o, "baseline_value", g->baseline_value);
            num(b, o, "change", g->value - g->baseline_value);
        }
        str(b, o, "use", USE[s->use]);
        str(b, o, "severity", s->warning ? "warning" : "error");
        str(b, o, "outcome", verdict_name(g->verdict));
        boolean(b, o, "passed", g->verdict == FA_VERDICT_PASSED);
        if (g->reason) {
            str(b, o, "reason", g->reason);
        }
    }
    str(b, root, "verdict", verdict_name(r->verdict));
    boolean(b, root, "passed", r->verdict == FA_VERDICT_PASSED);
    num(b, root, "exit_status", (double)fa_result_exit_status(r));
    cJSON *w = arr(b, root, "warnings");
    for (size_t i = 0; w && i < r->n_warnings; i++) {
        str(b, w, NULL, r->warnings[i]);
    }
}

int fa_result_to_json_string(char **out, const fa_result *res, fa_error *err)
{
    *out = NULL;
    jb b = {0};
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    header(&b, root, res);
    cJSON *ov = obj(&b, root, "overall");
    if (ov) {
        num(&b, ov, "count", res->overall_metrics[FA_METRIC_COUNT]);
        counts(&b, ov, &res->overall);
        metrics(&b, ov, res->overall_metrics, res->overall_reasons, res->score != NULL);
        intervals(&b, ov, res->overall_ci);
        score_block(&b, ov, res->overall_scores, res->overall_sweep, res->n_sweep);
    }
    groups(&b, root, res);
    disparities(&b, root, res);
    summaries(&b, root, res);
    tests(&b, root, res);
    imbalance(&b, root, res);
    individual(&b, root, res);
    cutoff(&b, root, res);
    attributions(&b, root, res);
    gates(&b, root, res);
    char *text = b.oom ? NULL : cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t n = strlen(text);
    char *s = realloc(text, n + 2);
    if (s == NULL) {
        free(text);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    s[n] = '\n';
    s[n + 1] = '\0';
    *out = s;
    return FA_OK;
}

int fa_result_write_json(const fa_result *res, const char *path, fa_error *err)
{
    char *s;
    int st = fa_result_to_json_string(&s, res, err);
    if (st != FA_OK) {
        return st;
    }
    st = fa_atomic_write(path, s, strlen(s), err);
    free(s);
    return st;
}
