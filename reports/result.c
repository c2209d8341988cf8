/*
 * reports/result.c - the result object: its destructor, warnings and the public accessors.
 * Accessors cannot fail: they take indices the caller got from the same result.
 */
#include "reports/result.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "metrics/summary.h"

void fa_result__gate_spec_dispose(fa_gate_spec *g)
{
    free(g->name);
    free(g->metric_name);
    free(g->attribute);
    g->name = g->metric_name = g->attribute = NULL;
}

int fa_result__add_warning(fa_result *res, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    void *p = res->warnings;
    if (fa_grow(&p, &res->cap_warnings, res->n_warnings + 1, sizeof(char *)) != 0) {
        return FA_ENOMEM;
    }
    res->warnings = p;
    char *s = fa_strdup(buf);
    if (s == NULL) {
        return FA_ENOMEM;
    }
    res->warnings[res->n_warnings++] = s;
    return FA_OK;
}

void fa_result__attribution_dispose(fa_attribution *at)
{
    for (size_t k = 0; at->names && k < at->n; k++) {
        free(at->names[k]);
    }
    free(at->names);
    free(at->mean);
    free(at->std);
    free(at->method);
    free(at->scoring);
    free(at->attribute);
    free(at->output);
    for (size_t g = 0; at->group_names && g < at->n_groups; g++) {
        free(at->group_names[g]);
    }
    free(at->group_names);
    free(at->group_rows);
    free(at->group_output);
    free(at->group_phi);
    free(at->gap);
    free(at->gap_lo);
    free(at->gap_hi);
    free(at->sample_phi);
    free(at->sample_x);
    memset(at, 0, sizeof *at);
}

void fa_result_free(fa_result *res)
{
    if (res == NULL) {
        return;
    }
    free(res->input_path);
    free(res->label);
    free(res->pred);
    free(res->score);
    free(res->weight);
    free(res->positive);
    for (size_t i = 0; i < res->n_group_cols; i++) {
        free(res->group_cols[i]);
    }
    free(res->group_cols);
    for (size_t a = 0; a < res->n_attrs; a++) {
        fa_attr_result *at = &res->attrs[a];
        for (size_t g = 0; g < at->n_groups; g++) {
            free(at->groups[g].value);
            fa_scores_free(at->groups[g].scores);
            free(at->groups[g].sweep);
        }
        free(at->groups);
        for (size_t i = 0; i < at->n_population; i++) {
            free(at->population_groups[i]);
        }
        free(at->population_groups);
        free(at->population_shares);
        free(at->name);
        fa_bootstrap_free(at->boot);
    }
    free(res->attrs);
    fa_scores_free(res->overall_scores);
    free(res->overall_sweep);
    for (size_t i = 0; i < res->n_gates; i++) {
        free(res->gates[i].attribute);
        free(res->gates[i].group);
        free(res->gates[i].reason);
    }
    free(res->gates);
    for (size_t i = 0; i < res->n_gate_specs; i++) {
        fa_result__gate_spec_dispose(&res->gate_specs[i]);
    }
    free(res->gate_specs);
    for (size_t i = 0; i < res->n_warnings; i++) {
        free(res->warnings[i]);
    }
    free(res->warnings);
    for (size_t i = 0; i < res->n_attributions; i++) {
        fa_result__attribution_dispose(&res->attributions[i]);
    }
    free(res->attributions);
    free(res->model_path);
    free(res->features_path);
    free(res->policy_title);
    free(res->command_line);
    fa_intern_dispose(&res->strings);
    free(res);
}

fa_verdict fa_result_verdict(const fa_result *res)
{
    return res->verdict;
}

int fa_result_exit_status(const fa_result *res)
{
    if (res->verdict == FA_VERDICT_INCONCLUSIVE) {
        if (res->inconclusive == FA_INCONCLUSIVE_PASS) {
            return 0;
        }
        if (res->inconclusive == FA_INCONCLUSIVE_FAIL) {
            return 1;
        }
    }
    return (int)res->verdict;
}

size_t fa_result_n_attrs(const fa_result *res)
{
    return res->n_attrs;
}

const char *fa_result_attr_name(const fa_result *res, size_t a)
{
    return res->attrs[a].name;
}

const char *fa_result_reference(const fa_result *res, size_t a)
{
    const fa_attr_result *at = &res->attrs[a];
    return at->reference >= 0 ? at->groups[at->reference].value : NULL;
}

size_t fa_result_n_groups(const fa_result *res, size_t a)
{
    return res->attrs[a].n_groups;
}

const char *fa_result_group_value(const fa_result *res, size_t a, size_t g)
{
    return res->attrs[a].groups[g].value;
}

const fa_counts *fa_result_group_counts(const fa_result *res, size_t a, size_t g)
{
    return &res->attrs[a].groups[g].counts;
}

double fa_result_group_metric(const fa_result *res, size_t a, size_t g, fa_metric m,
                              const char **reason)
{
    const fa_group_result *gr = &res->attrs[a].groups[g];
    if (reason) {
        *reason = gr->reasons[m];
    }
    return gr->metrics[m];
}

const fa_counts *fa_result_overall_counts(const fa_result *res)
{
    return &res->overall;
}

int fa_result_group_ci(const fa_result *res, size_t a, size_t g, fa_metric m, double *lo,
                       double *hi)
{
    const fa_interval *ci = &res->attrs[a].groups[g].ci[m];
    *lo = ci->lo;
    *hi = ci->hi;
    return !isnan(ci->lo);
}

double fa_result_score_metric(const fa_result *res, size_t a, size_t g, const char *name,
                              const char **reason)
{
    static const char *const NAMES[FA_SCORE_METRIC_COUNT] = {
        "roc_auc",   "average_precision",          "brier_score",
        "log_loss",  "expected_calibration_error", "calibration_in_the_large",
        "mean_score"};
    const char *dummy;
    if (reason == NULL) {
        reason = &dummy;
    }
    const fa_scores *sc = a == (size_t)-1 ? res->overall_scores : res->attrs[a].groups[g].scores;
    *reason = sc ? "unknown score metric" : "no score metrics in this audit";
    for (int k = 0; sc && name && k < FA_SCORE_METRIC_COUNT; k++) {
        if (strcmp(name, NAMES[k]) == 0) {
            return fa_scores_value(sc, (fa_score_metric)k, reason);
        }
    }
    return NAN;
}

double fa_result_overall_metric(const fa_result *res, fa_metric m, const char **reason)
{
    if (reason) {
        *reason = res->overall_reasons[m];
    }
    return res->overall_metrics[m];
}

double fa_result_summary(const fa_result *res, size_t a, const char *name)
{
    int i = fa_summary_from_name(name);
    return i < 0 ? NAN : res->attrs[a].summary[i];
}

double fa_result_disparity(const fa_result *res, size_t a, fa_metric m, fa_disparity_kind k)
{
    const fa_disparity *d = &res->attrs[a].disp[m];
    switch (k) {
    case FA_DISPARITY_BETWEEN_DIFFERENCE:
        return d->between_difference;
    case FA_DISPARITY_BETWEEN_RATIO:
        return d->between_ratio;
    case FA_DISPARITY_TO_OVERALL_DIFFERENCE:
        return d->to_overall_difference;
    case FA_DISPARITY_TO_OVERALL_RATIO:
        return d->to_overall_ratio;
    default:
        return NAN;
    }
}

double fa_result_group_difference(const fa_result *res, size_t a, size_t g, fa_metric m)
{
    return res->attrs[a].groups[g].diff[m];
}

double fa_result_group_ratio(const fa_result *res, size_t a, size_t g, fa_metric m)
{
    return res->attrs[a].groups[g].ratio[m];
}

double fa_result_vs_reference(const fa_result *res, size_t a, size_t g, const char *name)
{
    const fa_attr_result *at = &res->attrs[a];
    if (at->reference < 0) {
        return NAN;
    }
    return fa_summary_aif360(name, &at->groups[g].counts, &at->groups[at->reference].counts,
                             &res->overall);
}

double fa_result_vs_rest(const fa_result *res, size_t a, const char *name)
{
    const fa_attr_result *at = &res->attrs[a];
    if (at->reference < 0) {
        return NAN;
    }
    return fa_summary_aif360(name, &at->rest, &at->groups[at->reference].counts, &res->overall);
}

size_t fa_result_n_gates(const fa_result *res)
{
    return res->n_gates;
}

fa_verdict fa_result_gate(const fa_result *res, size_t i, const char **name, double *value)
{
    const fa_gate_result *g = &res->gates[i];
    if (name) {
        *name = g->spec->name;
    }
    if (value) {
        *value = g->value;
    }
    return g->verdict;
}
