/*
 * audit/gate.c - gates: thresholds on a named summary or on a rate's disparity.
 *
 * A gate on one attribute has three outcomes. It fails when a value that was computed breaks
 * a bound. It is inconclusive when it could not be decided: the value is undefined, a group
 * it concerns is below min_group_size or undefined (missing evidence never passes silently:
 * DESIGN.md exit status 4), or it asks for a confidence bound the audit did not compute. It
 * passes otherwise. For `"against": "reference"` every non-reference group must meet the
 * bounds and the reported value is the worst one.
 */
#include "audit/gate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/policy.h"
#include "common/alloc.h"
#include "common/error.h"
#include "metrics/summary.h"
#include "reports/baseline.h"

/* The interval bound a gate compares: the upper for "upper_ci", the lower for "lower_ci". */
static double bound(const fa_gate_spec *g, const fa_bootstrap_ci *ci)
{
    return g->use == FA_USE_UPPER_CI ? ci->hi : ci->lo;
}

/* How far v lies outside the bounds (0 inside). */
static double violation(const fa_gate_spec *g, double v)
{
    double d = 0.0;
    if (g->has_min && v < g->min) {
        d = g->min - v;
    }
    if (g->has_max && v > g->max) {
        d = v - g->max;
    }
    return d;
}

static const char *metric_of(const fa_gate_spec *g)
{
    return g->summary >= 0 ? fa_summary_name(g->summary) : fa_metric_name((fa_metric)g->rate);
}

/* Lists the groups left out of metric m's max/min into buf; returns how many. */
static size_t left_out(const fa_attr_result *at, const fa_metric ms[], int n_ms, long min_size,
                       char *buf, size_t size)
{
    size_t count = 0, o = strlen(buf);
    for (size_t g = 0; g < at->n_groups; g++) {
        const fa_group_result *gr = &at->groups[g];
        const char *why = NULL;
        char tmp[96];
        if (gr->small) {
            snprintf(tmp, sizeof tmp, "%llu rows < min_group_size %ld",
                     (unsigned long long)gr->counts.rows, min_size);
            why = tmp;
        } else {
            for (int k = 0; k < n_ms && !why; k++) {
                if (isnan(gr->metrics[ms[k]])) {
                    snprintf(tmp, sizeof tmp, "%s undefined: %s", fa_metric_name(ms[k]),
                             gr->reasons[ms[k]]);
                    why = tmp;
                }
            }
        }
        if (why == NULL) {
            continue;
        }
        if (o + 8 < size) {
            int w = snprintf(buf + o, size - o, "%s%s (%s)", count ? "; " : "", gr->value, why);
            o += w > 0 ? (size_t)w : 0;
            if (o >= size) {
                o = size - 1;
            }
        }
        count++;
    }
    return count;
}

static int set_str(char **dst, const char *s)
{
    *dst = s ? fa_strdup(s) : NULL;
    return (s && *dst == NULL) ? FA_ENOMEM : FA_OK;
}

static void finish(fa_gate_result *gr, double value, double viol, size_t n_out,
                   const char *out_list, const char *undefined_why, int use_ci, char *reason,
                   size_t rsize)
{
    const fa_gate_spec *g = gr->spec;
    gr->value = value;
    /* An interval contains its point estimate: an upper bound is at least the point, a lower
     * bound at most. So without intervals the point still proves a breach of a max by the
     * upper bound, or of a min by the lower bound, and decides nothing else. */
    int proven = viol > 0.0 && ((g->use == FA_USE_UPPER_CI && g->has_max && value > g->max) ||
                                (g->use == FA_USE_LOWER_CI && g->has_min && value < g->min));
    if (g->use != FA_USE_POINT && !use_ci && !proven) {
        gr->verdict = FA_VERDICT_INCONCLUSIVE;
        snprintf(reason, rsize,
                 "\"use\": \"%s\" needs a confidence interval, and this audit "
                 "computed none (run with --bootstrap B)",
                 g->use == FA_USE_UPPER_CI ? "upper_ci" : "lower_ci");
    } else if (undefined_why && viol > 0.0 && gr->small_reference) {
        /* a reference below min_group_size is not evidence enough to fail on */
        gr->verdict = FA_VERDICT_INCONCLUSIVE;
        snprintf(reason, rsize, "%s", undefined_why);
    } else if (viol > 0.0) {
        gr->verdict = FA_VERDICT_FAILED;
        char lim[96] = "";
        if (g->has_min && value < g->min) {
            snprintf(lim, sizeof lim, "below the minimum %.6g", g->min);
        } else {
            snprintf(lim, sizeof lim, "above the maximum %.6g", g->max);
        }
        snprintf(reason, rsize, "%s%s = %.6g%s%s%s is %s", metric_of(g),
                 !use_ci                     ? ""
                 : g->use == FA_USE_UPPER_CI ? " (upper CI bound)"
                                             : " (lower CI bound)",
                 value, gr->group ? " (" : "", gr->group ? gr->group : "", gr->group ? ")" : "",
                 lim);
    } else if (undefined_why) {
        gr->verdict = FA_VERDICT_INCONCLUSIVE;
        snprintf(reason, rsize, "%s", undefined_why);
    } else if (n_out > 0) {
        gr->verdict = FA_VERDICT_INCONCLUSIVE;
        snprintf(reason, rsize, "within bounds, but %zu group%s left out: %s", n_out,
                 n_out == 1 ? " was" : "s were", out_list);
    } else {
        gr->verdict = FA_VERDICT_PASSED;
        reason[0] = '\0';
    }
}

/* The tested rate behind a metric (FA_TEST_*), or -1 when none is tested. */
static int tested_rate(int rate)
{
    switch (rate) {
    case FA_METRIC_SELECTION_RATE:
        return FA_TEST_SELECTION;
    case FA_METRIC_TRUE_POSITIVE_RATE:
    case FA_METRIC_FALSE_NEGATIVE_RATE:
        return FA_TEST_TPR;
    case FA_METRIC_FALSE_POSITIVE_RATE:
    case FA_METRIC_TRUE_NEGATIVE_RATE:
        return FA_TEST_FPR;
    default:
        return -1;
    }
}

/*
 * The Holm-adjusted p-value of the evidence behind a gate's value: the worst group's test
 * against the reference, or the chi-square test of independence for a between-groups or
 * to-overall value (for equalized odds, the smaller of the TPR and FPR tests). NAN when the
 * metric has no test.
 */
static double gate_p_value(const fa_gate_spec *g, const fa_attr_result *at, long worst)
{
    if (g->summary >= 0) {
        fa_metric ms[2];
        int n = fa_summary_rates(g->summary, ms);
        double p = NAN;
        for (int k = 0; k < n; k++) {
            int t = tested_rate(ms[k]);
            double q = t < 0 ? NAN : at->chisq_adjusted[t];
            if (isnan(q)) {
                return NAN;
            }
            p = isnan(p) || q < p ? q : p;
        }
        return p;
    }
    int t = tested_rate(g->rate);
    if (t < 0) {
        return NAN;
    }
    if (g->against == FA_AGAINST_REFERENCE) {
        return worst >= 0 ? at->groups[worst].p_adjusted[t] : NAN;
    }
    return at->chisq_adjusted[t];
}

/* With significant_only, a breach that the data do not show to be significant passes. */
static void apply_significance(fa_gate_result *gr, const fa_attr_result *at, long worst,
                               double alpha, char *reason, size_t rsize)
{
    if (!gr->spec->significant_only || gr->verdict != FA_VERDICT_FAILED) {
        return;
    }
    double p = gate_p_value(gr->spec, at, worst);
    if (isnan(p)) {
        gr->verdict = FA_VERDICT_INCONCLUSIVE;
        snprintf(reason + strlen(reason), rsize - strlen(reason),
                 "; significant_only: no test covers this metric");
    } else if (p >= alpha) {
        gr->verdict = FA_VERDICT_PASSED;
        snprintf(reason + strlen(reason), rsize - strlen(reason),
                 ", but not significantly (Holm-adjusted p = %.3g >= %.3g)", p, alpha);
    } else {
        snprintf(reason + strlen(reason), rsize - strlen(reason),
                 " (significant: Holm-adjusted p = %.3g)", p);
    }
}

/* Evaluates one gate on one attribute into gr (spec and attribute already set). */
static int evaluate_one(fa_gate_result *gr, const fa_attr_result *at, const fa_result *res)
{
    const fa_gate_spec *g = gr->spec;
    char out_list[768] = "", reason[2048];
    fa_metric ms[2];
    int n_ms = 1;
    if (g->summary >= 0) {
        n_ms = fa_summary_rates(g->summary, ms);
    } else {
        ms[0] = (fa_metric)g->rate;
    }
    size_t n_out = left_out(at, ms, n_ms, res->min_group_size, out_list, sizeof out_list);
    double value = NAN, viol = 0.0;
    long worst_group = -1;
    const char *undefined_why = NULL;
    char why[1200];
    const int use_ci = g->use != FA_USE_POINT && at->boot != NULL;
    if (g->summary >= 0 || g->against != FA_AGAINST_REFERENCE) {
        if (g->summary >= 0) {
            value = use_ci ? bound(g, fa_bootstrap_summary(at->boot, g->summary))
                           : at->summary[g->summary];
        } else if (use_ci) {
            fa_disparity_kind k =
                g->against == FA_AGAINST_BETWEEN
                    ? (g->ratio ? FA_DISPARITY_BETWEEN_RATIO : FA_DISPARITY_BETWEEN_DIFFERENCE)
                    : (g->ratio ? FA_DISPARITY_TO_OVERALL_RATIO
                                : FA_DISPARITY_TO_OVERALL_DIFFERENCE);
            value = bound(g, fa_bootstrap_disparity(at->boot, (fa_metric)g->rate, k));
        } else {
            const fa_disparity *d = &at->disp[g->rate];
            value = g->against == FA_AGAINST_BETWEEN
                        ? (g->ratio ? d->between_ratio : d->between_difference)
                        : (g->ratio ? d->to_overall_ratio : d->to_overall_difference);
        }
        if (isnan(value)) {
            snprintf(why, sizeof why, "%s is undefined for '%s'%s%s", metric_of(g), at->name,
                     n_out ? ": left out: " : "", n_out ? out_list : "");
            undefined_why = why;
        } else {
            viol = violation(g, value);
        }
    } else if (at->reference < 0) {
        undefined_why = "the attribute has no groups";
    } else {
        /* every non-reference group against the reference: report the worst */
        const fa_group_result *ref = &at->groups[at->reference];
        long worst = -1;
        double worst_v = NAN, worst_viol = -1.0;
        for (size_t k = 0; k < at->n_groups; k++) {
            const fa_group_result *gk = &at->groups[k];
            if (gk == ref || gk->small) {
                continue;
            }
            double v = g->ratio ? gk->ratio[g->rate] : gk->diff[g->rate];
            if (use_ci && !isnan(v)) {
                v = bound(g, g->ratio
                                 ? fa_bootstrap_group_ratio(at->boot, k, (fa_metric)g->rate)
                                 : fa_bootstrap_group_difference(at->boot, k, (fa_metric)g->rate));
            }
            if (isnan(v)) {
                continue;
            }
            /* ties in violation: the value farthest from parity */
            double vi = violation(g, v);
            double far = g->ratio ? fabs(log(v > 0 ? v : 1e-300)) : fabs(v);
            double wfar =
                worst < 0 ? -1.0
                          : (g->ratio ? fabs(log(worst_v > 0 ? worst_v : 1e-300)) : fabs(worst_v));
            if (vi > worst_viol || (vi == worst_viol && far > wfar)) {
                worst = (long)k;
                worst_v = v;
                worst_viol = vi;
            }
        }
        if (ref->small) {
            gr->small_reference = 1;
            snprintf(why, sizeof why, "the reference group '%s' has %llu rows < min_group_size %ld",
                     ref->value, (unsigned long long)ref->counts.rows, res->min_group_size);
            undefined_why = why;
        } else if (isnan(ref->metrics[g->rate])) {
            snprintf(why, sizeof why, "%s of the reference group '%s' is undefined: %s",
                     fa_metric_name((fa_metric)g->rate), ref->value, ref->reasons[g->rate]);
            undefined_why = why;
        } else if (worst < 0) {
            snprintf(why, sizeof why, "no group could be compared with the reference '%s'%s%s",
                     ref->value, n_out ? ": left out: " : "", n_out ? out_list : "");
            undefined_why = why;
        }
        worst_group = worst;
        if (worst >= 0) {
            value = worst_v;
            viol = worst_viol;
            if (set_str(&gr->group, at->groups[worst].value) != FA_OK) {
                return FA_ENOMEM;
            }
        }
    }
    finish(gr, value, viol, n_out, out_list, undefined_why, use_ci, reason, sizeof reason);
    apply_significance(gr, at, worst_group, 1.0 - res->confidence_level, reason, sizeof reason);
    return set_str(&gr->reason, reason[0] ? reason : NULL);
}

/* Appends text to a gate's reason (which may be NULL). */
static int append_reason(fa_gate_result *gr, const char *text)
{
    size_t a = gr->reason ? strlen(gr->reason) : 0, b = strlen(text);
    char *r = realloc(gr->reason, a + b + 3);
    if (r == NULL) {
        return FA_ENOMEM;
    }
    if (a) {
        r[a++] = ';';
        r[a++] = ' ';
    }
    memcpy(r + a, text, b + 1);
    gr->reason = r;
    return FA_OK;
}

/*
 * "max_change" / "max_relative_change": how much the value may worsen since the baseline (in
 * the gate's worse direction: up for a max, down for a min, either way for both or none).
 * Missing evidence (no baseline, no such gate in it, an undefined value) never passes.
 */
static int apply_baseline(fa_gate_result *gr, const fa_result *res)
{
    const fa_gate_spec *g = gr->spec;
    gr->baseline_value = NAN;
    if (!g->has_max_change && !g->has_max_relative_change) {
        return FA_OK;
    }
    char text[512];
    double old = NAN;
    int found = res->baseline && fa_baseline__value(res->baseline, g->name, gr->attribute, &old);
    gr->has_baseline = found;
    gr->baseline_value = old;
    if (!found || isnan(old) || isnan(gr->value)) {
        snprintf(text, sizeof text, "%s",
                 res->baseline == NULL ? "max_change needs a baseline (--baseline OLD.json)"
                 : !found              ? "the baseline has no value of this gate on this attribute"
                                       : "the value is undefined now or in the baseline");
        if (gr->verdict == FA_VERDICT_PASSED) {
            gr->verdict = FA_VERDICT_INCONCLUSIVE;
        }
        return append_reason(gr, text);
    }
    double d = gr->value - old;
    double worse = g->direction > 0 ? d : g->direction < 0 ? -d : fabs(d);
    int abs_bad = g->has_max_change && worse > g->max_change;
    int rel_bad = g->has_max_relative_change && worse > g->max_relative_change * fabs(old);
    if (!abs_bad && !rel_bad) {
        return FA_OK;
    }
    gr->verdict = FA_VERDICT_FAILED;
    snprintf(text, sizeof text, "changed by %+.6g from the baseline's %.6g (allowed: %s%.6g)", d,
             old, abs_bad ? "max_change " : "max_relative_change ",
             abs_bad ? g->max_change : g->max_relative_change);
    return append_reason(gr, text);
}

int fa_gate__evaluate(fa_result *res, const fa_policy *policy, fa_error *err)
{
    res->verdict = FA_VERDICT_PASSED;
    if (policy == NULL || policy->n_gates == 0) {
        return FA_OK;
    }
    if (fa_policy__copy_gates(&res->gate_specs, policy->gates, policy->n_gates) != FA_OK) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    res->n_gate_specs = policy->n_gates;
    /* one result per gate and attribute: at most n_gates * n_attrs */
    res->gates =
        fa_calloc_array(policy->n_gates * (res->n_attrs ? res->n_attrs : 1), sizeof *res->gates);
    if (res->gates == NULL) {
        return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int any_failed = 0, any_inconclusive = 0;
    for (size_t i = 0; i < res->n_gate_specs; i++) {
        const fa_gate_spec *g = &res->gate_specs[i];
        int matched = 0;
        for (size_t a = 0; a < res->n_attrs; a++) {
            const fa_attr_result *at = &res->attrs[a];
            if (g->attribute ? strcmp(g->attribute, at->name) != 0 : at->is_intersection) {
                continue;
            }
            matched = 1;
            fa_gate_result *gr = &res->gates[res->n_gates++];
            gr->spec = g;
            if (set_str(&gr->attribute, at->name) != FA_OK || evaluate_one(gr, at, res) != FA_OK ||
                apply_baseline(gr, res) != FA_OK) {
                return fa_error_set(err, FA_ENOMEM, NULL, 0, 0, "out of memory");
            }
            if (!g->warning) {
                any_failed |= gr->verdict == FA_VERDICT_FAILED;
                any_inconclusive |= gr->verdict == FA_VERDICT_INCONCLUSIVE;
            }
        }
        if (!matched && g->attribute) {
            char jp[64];
            snprintf(jp, sizeof jp, "gates[%zu].attribute", i);
            return fa_error_set_json(err, FA_EINVAL, policy->name, jp,
                                     "'%s' is not an audited attribute (audited: the --group "
                                     "columns%s)",
                                     g->attribute, res->intersect ? " and their intersection" : "");
        }
    }
    res->verdict = any_failed         ? FA_VERDICT_FAILED
                   : any_inconclusive ? FA_VERDICT_INCONCLUSIVE
                                      : FA_VERDICT_PASSED;
    return FA_OK;
}
