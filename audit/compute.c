/*
 * audit/compute.c - from a tally to a result: every metric of every group, the reference
 * group of each attribute, differences and ratios against it, the between-groups and
 * to-overall disparities, the named summaries, then the policy's gates.
 *
 * Groups are sorted by value (bytewise) so the result does not depend on row order or on
 * how the file was split between threads. Groups with fewer rows than min_group_size stay in
 * the result, flagged, and are left out of every max/min (METRICS.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/evidence.h"
#include "audit/gate.h"
#include "audit/policy.h"
#include "common/alloc.h"
#include "common/error.h"
#include "metrics/interval.h"
#include "metrics/rates.h"
#include "metrics/summary.h"
#include "metrics/tally.h"
#include "reports/baseline.h"
#include "reports/result.h"

static int cmp_group(const void *a, const void *b)
{
    const fa_group_result *x = a, *y = b;
    return strcmp(x->value, y->value);
}

/* Metrics that need no prediction: the rest are undefined in a label-only audit. */
static int label_only_metric(int m)
{
    return m == FA_METRIC_COUNT || m == FA_METRIC_SHARE || m == FA_METRIC_BASE_RATE ||
           m == FA_METRIC_MEAN_SCORE;
}

static void fill_metrics(double out[], const char *reasons[], fa_interval ci[], const fa_counts *c,
                         const fa_counts *all, const fa_result *res)
{
    fa_interval_method im =
        res->ci_method == FA_CI_CLOPPER_PEARSON ? FA_INTERVAL_CLOPPER_PEARSON : FA_INTERVAL_WILSON;
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        out[m] = fa_metric_value((fa_metric)m, c, all, &reasons[m]);
        double x, n;
        if (fa_interval_rate_parts(&x, &n, (fa_metric)m, c, all) != 1 ||
            fa_interval_rate(&ci[m], (fa_metric)m, c, all, res->confidence_level, im) != FA_OK) {
            ci[m].lo = ci[m].hi = NAN;
        }
        if (m == FA_METRIC_MEAN_SCORE && res->score == NULL) {
            out[m] = NAN;
            reasons[m] = "no score column";
        }
        if (isnan(out[m])) {
            ci[m].lo = ci[m].hi = NAN;
        }
        if (!res->has_pred && !label_only_metric(m)) {
            out[m] = NAN;
            ci[m].lo = ci[m].hi = NAN;
            reasons[m] = "no prediction column";
        }
    }
}

/* The reference value given for attribute `name` (options first, then policy), or NULL. */
static const char *given_reference(const char *name, const fa_audit_options *o, const fa_policy *p)
{
    for (size_t i = 0; i < o->n_refs; i++) {
        if (strcmp(o->ref_attrs[i], name) == 0) {
            return o->ref_values[i];
        }
    }
    for (size_t i = 0; p && i < p->n_refs; i++) {
        if (strcmp(p->ref_attrs[i], name) == 0) {
            return p->ref_values[i];
        }
    }
    return NULL;
}

/* The members' references joined as an intersection value ("Caucasian & Male"), if all set. */
static int join_references(char *buf, size_t size, const fa_audit_options *o, const fa_policy *p)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < o->n_groups; i++) {
        const char *r = given_reference(o->groups[i], o, p);
        if (r == NULL) {
            return 0;
        }
        int w = snprintf(buf + used, size - used, "%s%s", i ? " & " : "", r);
        if (w < 0 || (size_t)w >= size - used) {
            return 0;
        }
        used += (size_t)w;
    }
    return 1;
}

static int choose_reference(fa_attr_result *at, const fa_audit_options *o, const fa_policy *p,
                            const char *input, fa_error *err)
{
    at->reference = -1;
    if (at->n_groups == 0) {
        return FA_OK;
    }
    const char *given = given_reference(at->name, o, p);
    char joined[1024];
    int derived = 0;
    if (given == NULL && at->is_intersection && join_references(joined, sizeof joined, o, p)) {
        given = joined; /* every member has a reference: the intersection's is their tuple */
        derived = 1;
    }
    if (given) {
        for (size_t g = 0; g < at->n_groups; g++) {
            if (strcmp(at->groups[g].value, given) == 0) {
                at->reference = (long)g;
                at->reference_source = derived ? "members' references" : "given";
                return FA_OK;
            }
        }
    }
    if (given && !derived) {
        char list[512] = "";
        size_t o2 = 0;
        for (size_t g = 0; g < at->n_groups && o2 + 64 < sizeof list; g++) {
            int w = snprintf(list + o2, sizeof list - o2, "%s\"%s\"", g ? ", " : "",
                             at->groups[g].value);
            o2 += w > 0 ? (size_t)w : 0;
        }
        return fa_error_set(err, FA_EINVAL, input, 0, 0,
                            "reference group %s=\"%s\" not found in the data; its groups are %s%s",
                            at->name, given, list, o2 + 64 >= sizeof list ? ", ..." : "");
    }
    size_t best = 0;
    if (o->reference_rule == FA_REFERENCE_MIN_METRIC) {
        double lo = INFINITY;
        for (size_t g = 0; g < at->n_groups; g++) {
            double v = at->groups[g].metrics[FA_METRIC_SELECTION_RATE];
            if (!at->groups[g].small && !isnan(v) && v < lo) {
                lo = v;
                best = g;
            }
        }
        at->reference_source = "lowest selection rate";
    } else {
        for (size_t g = 1; g < at->n_groups; g++) {
            if (at->groups[g].metrics[FA_METRIC_COUNT] >
                at->groups[best].metrics[FA_METRIC_COUNT]) {
                best = g;
            }
        }
        at->reference_source = "largest group";
    }
    at->reference = (long)best;
    return FA_OK;
}

static void compute_disparities(fa_attr_result *at, const fa_result *res, double *vals,
                                unsigned char *excl)
{
    const fa_group_result *ref = at->reference >= 0 ? &at->groups[at->reference] : NULL;
    memset(&at->rest, 0, sizeof at->rest);
    for (size_t g = 0; g < at->n_groups; g++) {
        fa_group_result *gr = &at->groups[g];
        gr->is_reference = ref == gr;
        if (ref && ref != gr) {
            fa_counts_add(&at->rest, &gr->counts);
        }
        for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
            gr->diff[m] = ref ? fa_disparity_difference(gr->metrics[m], ref->metrics[m]) : NAN;
            gr->ratio[m] = ref ? fa_disparity_ratio(gr->metrics[m], ref->metrics[m]) : NAN;
        }
    }
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        for (size_t g = 0; g < at->n_groups; g++) {
            vals[g] = at->groups[g].metrics[m];
            excl[g] = at->groups[g].small ? FA_EXCL_SMALL
                      : isnan(vals[g])    ? FA_EXCL_UNDEFINED
                                          : FA_EXCL_NONE;
        }
        fa_disparity_compute(&at->disp[m], vals, excl, at->n_groups, res->overall_metrics[m]);
    }
    fa_summary_compute(at->summary, at->disp);
}

static int build_attr(fa_result *res, size_t a, const fa_tally *t, const fa_audit_options *o,
                      const fa_policy *p, fa_score_output *so, fa_error *err)
{
    fa_attr_result *at = &res->attrs[a];
    at->name = fa_strdup(fa_tally_attr_name(t, a));
    at->is_intersection = a >= res->n_group_cols;
    at->n_groups = fa_tally_n_groups(t, a);
    at->groups = fa_calloc_array(at->n_groups, sizeof *at->groups);
    if (at->name == NULL || at->groups == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t g = 0; g < at->n_groups; g++) {
        fa_group_result *gr = &at->groups[g];
        gr->value = fa_strdup(fa_tally_group_value(t, a, g));
        if (gr->value == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        gr->counts =
            so->counts && so->counts[a] ? so->counts[a][g] : *fa_tally_group_counts(t, a, g);
        if (so->groups && so->groups[a]) { /* owned by the group from here; sorted along with it */
            gr->scores = so->groups[a][g];
            gr->sweep = so->sweeps[a][g];
            so->groups[a][g] = NULL;
            so->sweeps[a][g] = NULL;
        }
        gr->small = gr->counts.rows < (uint64_t)res->min_group_size;
        fill_metrics(gr->metrics, gr->reasons, gr->ci, &gr->counts, &res->overall, res);
    }
    qsort(at->groups, at->n_groups, sizeof *at->groups, cmp_group);
    int st = choose_reference(at, o, p, res->input_path, err);
    if (st != FA_OK) {
        return st;
    }
    double *vals = fa_alloc_array(at->n_groups, sizeof *vals);
    unsigned char *excl = fa_alloc_array(at->n_groups, 1);
    if (vals == NULL || excl == NULL) {
        free(vals);
        free(excl);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    compute_disparities(at, res, vals, excl);
    free(vals);
    free(excl);
    if (at->n_groups == 1 && !at->is_intersection) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "%s%swarning: group column '%s' has one value only (\"%s\"): no disparity can "
                 "be computed for it",
                 res->input_path ? res->input_path : "", res->input_path ? ": " : "", at->name,
                 at->groups[0].value);
        if (o->log) {
            o->log(FA_LOG_WARNING, msg, o->log_payload);
        }
        if (fa_result__add_warning(res, "%s", msg) != FA_OK) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    return FA_OK;
}

static int copy_columns(fa_result *res, const fa_audit_options *o, const char *input_path)
{
    res->input_path = input_path ? fa_strdup(input_path) : NULL;
    res->label = fa_strdup(o->label);
    res->pred = fa_strdup(o->pred);
    res->score = o->score ? fa_strdup(o->score) : NULL;
    res->weight = o->weight ? fa_strdup(o->weight) : NULL;
    res->positive = o->positive ? fa_strdup(o->positive) : NULL;
    if ((input_path && !res->input_path) || (o->label && !res->label) || (o->pred && !res->pred) ||
        (o->score && !res->score) || (o->weight && !res->weight) ||
        (o->positive && !res->positive)) {
        return FA_ENOMEM;
    }
    res->group_cols = fa_calloc_array(o->n_groups, sizeof(char *));
    if (res->group_cols == NULL) {
        return FA_ENOMEM;
    }
    for (size_t i = 0; i < o->n_groups; i++) {
        res->group_cols[i] = fa_strdup(o->groups[i]);
        if (res->group_cols[i] == NULL) {
            return FA_ENOMEM;
        }
        res->n_group_cols = i + 1;
    }
    res->intersect = o->intersect && o->n_groups >= 2;
    res->threshold = o->threshold;
    res->has_pred =
        o->pred != NULL || !isnan(o->threshold) || o->top_k > 0.0 || o->top_percent > 0.0;
    res->cutoff_rule = o->top_k > 0.0         ? FA_CUTOFF_TOP_K
                       : o->top_percent > 0.0 ? FA_CUTOFF_TOP_PERCENT
                                              : FA_CUTOFF_NONE;
    res->cutoff_value = o->top_k > 0.0 ? o->top_k : o->top_percent;
    return FA_OK;
}

/* 1 when attribute at has a group `value`. */
static int has_group(const fa_attr_result *at, const char *value)
{
    for (size_t g = 0; g < at->n_groups; g++) {
        if (strcmp(at->groups[g].value, value) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * The policy's reference population shares, copied to the attributes they name; a share of a
 * group the data lacks, or of an attribute not audited, is a warning (the representation
 * ratios of the groups that are there do not depend on it).
 */
static int copy_population(fa_result *res, const fa_policy *p, const fa_audit_options *o,
                           fa_error *err)
{
    for (size_t i = 0; p && i < p->n_pop; i++) {
        fa_attr_result *at = NULL;
        for (size_t a = 0; a < res->n_attrs && at == NULL; a++) {
            at = strcmp(res->attrs[a].name, p->pop_attrs[i]) == 0 ? &res->attrs[a] : NULL;
        }
        char msg[512] = "";
        if (at == NULL) {
            snprintf(msg, sizeof msg,
                     "%s: warning: population.%s: '%s' is not an audited group column (ignored)",
                     p->name, p->pop_attrs[i], p->pop_attrs[i]);
        } else if (!has_group(at, p->pop_groups[i])) {
            snprintf(msg, sizeof msg, "%s: warning: population.%s.%s: no group '%s' in the data",
                     p->name, p->pop_attrs[i], p->pop_groups[i], p->pop_groups[i]);
        }
        if (msg[0] && o->log) {
            o->log(FA_LOG_WARNING, msg, o->log_payload);
        }
        if (msg[0] && fa_result__add_warning(res, "%s", msg) != FA_OK) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (at == NULL) {
            continue;
        }
        void *g = fa_realloc_array(at->population_groups, at->n_population + 1, sizeof(char *));
        if (g != NULL) {
            at->population_groups = g;
        }
        void *v = g ? fa_realloc_array(at->population_shares, at->n_population + 1, sizeof(double))
                    : NULL;
        if (v != NULL) {
            at->population_shares = v;
        }
        char *name = v ? fa_strdup(p->pop_groups[i]) : NULL;
        if (name == NULL) {
            return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
        }
        at->population_groups[at->n_population] = name;
        at->population_shares[at->n_population++] = p->pop_shares[i];
    }
    return FA_OK;
}

/* References the options or the policy give for attributes that are not audited. */
static int check_reference_attrs(fa_result *res, const fa_audit_options *o, const fa_policy *p,
                                 fa_error *err)
{
    for (size_t i = 0; i < o->n_refs; i++) {
        size_t a = 0;
        while (a < res->n_attrs && strcmp(res->attrs[a].name, o->ref_attrs[i]) != 0) {
            a++;
        }
        if (a == res->n_attrs) {
            return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                                "a reference group is given for '%s', which is not an audited "
                                "group column",
                                o->ref_attrs[i]);
        }
    }
    (void)p; /* a policy may name attributes another audit uses: not an error */
    return FA_OK;
}

/*
 * Score metrics and sweeps (with score_metrics) and the cut-off (top-k / top-percent) from the
 * tally's per-cell score statistics; the overall statistics and sweep go to the result, the
 * groups' stay in *so for build_attr.
 */
static int compute_scores(fa_score_output *so, fa_result *res, const fa_tally *tally,
                          const fa_audit_options *opts, fa_error *err)
{
    memset(so, 0, sizeof *so);
    int metrics = opts->score && opts->score_metrics;
    if (!metrics && res->cutoff_rule == FA_CUTOFF_NONE) {
        return FA_OK;
    }
    fa_score_request req = {metrics, FA_DEFAULT_SWEEP_POINTS, (fa_cutoff_rule)res->cutoff_rule,
                            res->cutoff_value, FA_SCORES_OPTIONS_INIT};
    int st = fa_tally__compute_scores(so, tally, &req, opts->threads, err);
    if (st != FA_OK) {
        return st;
    }
    res->cutoff = so->cutoff;
    res->overall_scores = so->overall;
    res->overall_sweep = so->overall_sweep;
    res->n_sweep = so->n_sweep;
    so->overall = NULL;
    so->overall_sweep = NULL;
    return FA_OK;
}

int fa_result_compute(fa_result **out, const fa_tally *tally, const fa_audit_options *opts,
                      const fa_policy *policy, const char *input_path, fa_error *err)
{
    *out = NULL;
    if (opts->confidence_level != 0.0 &&
        !(opts->confidence_level > 0.0 && opts->confidence_level < 1.0)) {
        return fa_error_set(err, FA_EINVAL, NULL, 0, 0,
                            "confidence level: expected a number in (0, 1), got %g",
                            opts->confidence_level);
    }
    fa_result *res = calloc(1, sizeof *res);
    if (res == NULL || copy_columns(res, opts, input_path) != FA_OK) {
        fa_result_free(res);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    res->min_group_size = opts->min_group_size >= 0                 ? opts->min_group_size
                          : (policy && policy->min_group_size >= 0) ? policy->min_group_size
                                                                    : FA_DEFAULT_MIN_GROUP_SIZE;
    res->tau = opts->tau > 0.0                 ? opts->tau
               : (policy && policy->tau > 0.0) ? policy->tau
                                               : FA_DEFAULT_TAU;
    res->inconclusive = policy ? policy->inconclusive : FA_INCONCLUSIVE_KEEP;
    res->confidence_level = opts->confidence_level > 0.0                 ? opts->confidence_level
                            : (policy && policy->confidence_level > 0.0) ? policy->confidence_level
                                                                         : FA_DEFAULT_CONFIDENCE;
    res->ci_method = opts->ci_method;
    res->bootstrap = opts->bootstrap;
    res->seed = opts->seed;
    res->boot_method = opts->boot_method;
    res->gei_alpha = (policy && policy->has_gei_alpha) ? policy->gei_alpha : FA_DEFAULT_GEI_ALPHA;
    fa_score_output so;
    int st = compute_scores(&so, res, tally, opts, err);
    if (st != FA_OK) {
        fa_result_free(res);
        return st;
    }
    res->overall = res->cutoff_rule ? so.overall_counts : *fa_tally_overall(tally);
    res->rows = res->overall.rows;
    fill_metrics(res->overall_metrics, res->overall_reasons, res->overall_ci, &res->overall,
                 &res->overall, res);
    res->n_attrs = fa_tally_n_attrs(tally);
    res->attrs = fa_calloc_array(res->n_attrs, sizeof *res->attrs);
    if (res->attrs == NULL) {
        fa_tally__score_output_dispose(&so);
        fa_result_free(res);
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t a = 0; a < res->n_attrs && st == FA_OK; a++) {
        st = build_attr(res, a, tally, opts, policy, &so, err);
    }
    fa_tally__score_output_dispose(&so);
    if (st == FA_OK) {
        st = check_reference_attrs(res, opts, policy, err);
    }
    if (st == FA_OK) {
        st = copy_population(res, policy, opts, err);
    }
    if (st == FA_OK) {
        st = fa_evidence__compute(res, opts->threads, err);
    }
    if (st == FA_OK && policy) {
        for (size_t i = 0; i < policy->n_warnings && st == FA_OK; i++) {
            st = fa_result__add_warning(res, "%s", policy->warnings[i]);
        }
    }
    if (st == FA_OK && opts->baseline) {
        st = fa_baseline__check_attributes(opts->baseline, opts->groups, opts->n_groups, err);
        res->baseline = opts->baseline;
    }
    if (st == FA_OK) {
        st = fa_gate__evaluate(res, policy, err);
    }
    res->baseline = NULL; /* borrowed for the evaluation only */
    if (st != FA_OK) {
        fa_result_free(res);
        return st;
    }
    *out = res;
    return FA_OK;
}
