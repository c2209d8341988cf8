/*
 * reports/ci.h - the renderers for CI systems (JUnit XML, SARIF 2.1.0, a GitHub-flavoured
 * Markdown summary, GitHub workflow-command annotations) and the view of a gate result they
 * share: what kind of outcome it is for a CI system, the interval behind its value, the
 * groups it concerns, and numbers formatted the same way everywhere.
 *
 * The shared view is static inline so that it adds no link-time symbol and needs no .c file
 * of its own; every renderer reads the result only (reports/ knows the result, never rows).
 */
#ifndef FA_REPORTS_CI_H
#define FA_REPORTS_CI_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/text.h"
#include "include/fairaudit.h"
#include "metrics/summary.h"
#include "reports/result.h"

/* ------------------------------------------------------------- renderers */

/*
 * JUnit XML (reports/junit.c): one <testsuite name="fairaudit"> inside <testsuites>, one
 * <testcase name="GATE [ATTRIBUTE]" classname="fairaudit.gates"> per gate result. A failed
 * error-severity gate is a <failure>, a gate whose value could not be computed an <error>, a
 * gate short of data (groups below min_group_size or left out) <skipped>; a failed
 * warning-severity gate passes with a <system-out> note. Writes atomically to `path`.
 */
int fa_result_write_junit(const fa_result *res, const char *path, fa_error *err);

/* The same JUnit XML to an open stream. FA_EIO when the stream reports an error. */
int fa_result_write_junit_stream(const fa_result *res, FILE *f, fa_error *err);

/*
 * SARIF 2.1.0 (reports/sarif.c): one rule per gate metric ("fairaudit/selection_rate-ratio",
 * "fairaudit/equalized_odds_difference", ...), one result per failed or inconclusive gate
 * result, located at the input file, with a partialFingerprints entry built from metric,
 * attribute and group. Renders into a newly allocated NUL-terminated string (caller frees
 * with free()).
 */
int fa_result_to_sarif_string(char **out, const fa_result *res, fa_error *err);

/* The SARIF log written atomically to `path`. */
int fa_result_write_sarif(const fa_result *res, const char *path, fa_error *err);

/* The SARIF log written to an open stream. */
int fa_result_write_sarif_stream(const fa_result *res, FILE *f, fa_error *err);

/*
 * The Markdown summary (reports/markdown.c): the verdict, a table of gates and, per
 * attribute, a table of the key rates per group. GitHub-flavoured; every name taken from the
 * data or the policy is escaped. Writes atomically to `path`.
 */
int fa_result_write_markdown(const fa_result *res, const char *path, fa_error *err);

/* The same Markdown to an open stream (for appending to $GITHUB_STEP_SUMMARY). */
int fa_result_write_markdown_stream(const fa_result *res, FILE *f, fa_error *err);

/*
 * GitHub workflow commands (reports/markdown.c): one "::error title=...::message" line per
 * failed error-severity gate result, one "::warning ..." per failed warning-severity or
 * inconclusive one; one per gate and attribute, never per group. Passed gates print
 * nothing. Escaped as GitHub's toolkit does: % CR LF in the message, and also : and , in
 * the title.
 */
int fa_result_write_annotations(const fa_result *res, FILE *f, fa_error *err);

/* ------------------------------------------------ the shared view of a gate result */

/* What a gate result is for a CI system. */
typedef enum fa_ci_outcome {
    FA_CI_PASSED = 0,
    FA_CI_FAILED = 1, /* a computed value breaks a bound */
    FA_CI_ERROR = 2,  /* could not be computed: the value, its interval or its test is missing */
    FA_CI_SKIPPED = 3 /* not enough data: groups below min_group_size, or groups left out */
} fa_ci_outcome;

/* The attribute a gate result belongs to, or NULL. */
static inline const fa_attr_result *fa_ci__attr(const fa_result *res, const fa_gate_result *gr)
{
    for (size_t a = 0; gr->attribute && a < res->n_attrs; a++) {
        if (strcmp(res->attrs[a].name, gr->attribute) == 0) {
            return &res->attrs[a];
        }
    }
    return NULL;
}

/* Index of the group with value `v` in the attribute, or -1. */
static inline long fa_ci__group(const fa_attr_result *at, const char *v)
{
    for (size_t g = 0; at && v && g < at->n_groups; g++) {
        if (strcmp(at->groups[g].value, v) == 0) {
            return (long)g;
        }
    }
    return -1;
}

/* The canonical name of the metric a gate reads ("demographic_parity_ratio", "selection_rate"). */
static inline const char *fa_ci__metric(const fa_gate_spec *s)
{
    return s->summary >= 0 ? fa_summary_name(s->summary) : fa_metric_name((fa_metric)s->rate);
}

/*
 * The rates a gate's value is built from, as audit/gate.c leaves groups out of it: a
 * summary's rates (equalized odds: TPR and FPR), or the gate's rate. Returns how many (1, 2).
 */
static inline int fa_ci__rates(const fa_gate_spec *s, fa_metric out[2])
{
    if (s->summary < 0) {
        out[0] = (fa_metric)s->rate;
        return 1;
    }
    return fa_summary_rates(s->summary, out);
}

/* 1 when v breaks one of the gate's bounds. */
static inline int fa_ci__breaks(const fa_gate_spec *s, double v)
{
    return (s->has_min && v < s->min) || (s->has_max && v > s->max);
}

/*
 * The CI outcome of a gate result. Passed and failed are the verdict. An inconclusive verdict
 * is told apart from the result alone, following the branches of audit/gate.c:
 *  - error: the gate asks for an interval the audit did not compute; a breach that
 *    "significant_only" could not test; an undefined value that small groups do not explain
 *    (an undefined rate, a zero denominator, an undefined interval bound);
 *  - skipped: the reference group is below min_group_size; the value is within bounds but
 *    groups were left out; or the value is undefined only because groups below
 *    min_group_size were left out (every other group has its rates defined, and too few
 *    remain: two for a between-groups or reference value, one for a to-overall value).
 */
static inline fa_ci_outcome fa_ci__outcome(const fa_result *res, const fa_gate_result *gr)
{
    if (gr->verdict == FA_VERDICT_PASSED) {
        return FA_CI_PASSED;
    }
    if (gr->verdict == FA_VERDICT_FAILED) {
        return FA_CI_FAILED;
    }
    const fa_gate_spec *s = gr->spec;
    const fa_attr_result *at = fa_ci__attr(res, gr);
    if (at == NULL || (s->use != FA_USE_POINT && at->boot == NULL)) {
        return FA_CI_ERROR;
    }
    if (gr->small_reference) {
        return FA_CI_SKIPPED;
    }
    if (!isnan(gr->value)) {
        return fa_ci__breaks(s, gr->value) ? FA_CI_ERROR : FA_CI_SKIPPED;
    }
    fa_metric ms[2];
    int n_ms = fa_ci__rates(s, ms);
    size_t n_small = 0, n_undefined = 0, n_ok = 0;
    for (size_t g = 0; g < at->n_groups; g++) {
        const fa_group_result *x = &at->groups[g];
        int undefined = 0;
        for (int k = 0; k < n_ms; k++) {
            undefined |= isnan(x->metrics[ms[k]]);
        }
        n_small += x->small != 0;
        n_undefined += !x->small && undefined;
        n_ok += !x->small && !undefined;
    }
    int to_overall =
        s->summary >= 0 ? s->summary >= FA_SUMMARY_COUNT : s->against == FA_AGAINST_OVERALL;
    size_t needed = to_overall ? 1 : 2;
    if (s->use == FA_USE_POINT && n_small > 0 && n_undefined == 0 && n_ok < needed) {
        return FA_CI_SKIPPED;
    }
    return FA_CI_ERROR;
}

/* 1 when a gate's value is a bound of an interval ("use": "upper_ci" or "lower_ci" and the
 * audit has a bootstrap), 0 when it is the point estimate. */
static inline int fa_ci__value_is_bound(const fa_result *res, const fa_gate_result *gr)
{
    const fa_attr_result *at = fa_ci__attr(res, gr);
    return gr->spec->use != FA_USE_POINT && at != NULL && at->boot != NULL;
}

/*
 * The bootstrap interval of the statistic a gate compares (the summary, the disparity, or
 * the reported group's difference or ratio against the reference). Returns 1 and sets lo and
 * hi, or 0 when the audit has no bootstrap or the interval is undefined.
 */
static inline int fa_ci__interval(const fa_attr_result *at, const fa_gate_result *gr, double *lo,
                                  double *hi)
{
    const fa_gate_spec *s = gr->spec;
    const fa_bootstrap_ci *c = NULL;
    if (at == NULL || at->boot == NULL) {
        return 0;
    }
    if (s->summary >= 0) {
        c = fa_bootstrap_summary(at->boot, s->summary);
    } else if (s->against == FA_AGAINST_REFERENCE) {
        long g = fa_ci__group(at, gr->group);
        if (g >= 0) {
            c = s->ratio ? fa_bootstrap_group_ratio(at->boot, (size_t)g, (fa_metric)s->rate)
                         : fa_bootstrap_group_difference(at->boot, (size_t)g, (fa_metric)s->rate);
        }
    } else {
        fa_disparity_kind k =
            s->against == FA_AGAINST_BETWEEN
                ? (s->ratio ? FA_DISPARITY_BETWEEN_RATIO : FA_DISPARITY_BETWEEN_DIFFERENCE)
                : (s->ratio ? FA_DISPARITY_TO_OVERALL_RATIO : FA_DISPARITY_TO_OVERALL_DIFFERENCE);
        c = fa_bootstrap_disparity(at->boot, (fa_metric)s->rate, k);
    }
    if (c == NULL || isnan(c->lo) || isnan(c->hi)) {
        return 0;
    }
    *lo = c->lo;
    *hi = c->hi;
    return 1;
}

/*
 * The groups behind a gate's value: for a value against the reference, the reported (worst)
 * group and the reference; for a between-groups value, the groups with the lowest and the
 * highest rate (for equalized odds, of the rate that attains the summary). *lo and *hi are
 * group indices or -1. To-overall values name no group.
 */
static inline void fa_ci__groups(long *lo, long *hi, const fa_attr_result *at,
                                 const fa_gate_result *gr)
{
    const fa_gate_spec *s = gr->spec;
    *lo = *hi = -1;
    if (at == NULL) {
        return;
    }
    if (s->summary < 0 && s->against == FA_AGAINST_REFERENCE) {
        *lo = fa_ci__group(at, gr->group);
        *hi = at->reference;
        return;
    }
    if (s->summary >= FA_SUMMARY_COUNT || (s->summary < 0 && s->against == FA_AGAINST_OVERALL)) {
        return;
    }
    fa_metric ms[2];
    int n = fa_ci__rates(s, ms), pick = 0;
    if (n == 2 && s->summary >= 0) {
        /* the summary is the larger difference (or the smaller ratio) of its two rates */
        const fa_disparity *d0 = &at->disp[ms[0]], *d1 = &at->disp[ms[1]];
        int is_ratio = (s->summary % 2) == 1;
        double v0 = is_ratio ? d0->between_ratio : d0->between_difference;
        double v1 = is_ratio ? d1->between_ratio : d1->between_difference;
        pick = !isnan(v1) && (isnan(v0) || (is_ratio ? v1 < v0 : v1 > v0));
    }
    const fa_disparity *d = &at->disp[ms[pick]];
    if (d->n_included >= 2) {
        *lo = (long)d->argmin;
        *hi = (long)d->argmax;
    }
}

/*
 * Formats v with fa_format_double: exactly (digits 0), or rounded to `digits` significant
 * digits first, for messages meant to be read (0.583333 rather than 0.58333333333333337).
 * NAN gives "null"; callers that show words for undefined test isnan first.
 */
static inline int fa_ci__num(char *buf, size_t size, double v, int digits)
{
    if (digits > 0 && isfinite(v)) {
        char tmp[48];
        snprintf(tmp, sizeof tmp, "%.*g", digits, v);
        v = strtod(tmp, NULL);
    }
    return fa_format_double(buf, size, v);
}

/* "min 0.8", "max 0.1" or "min 0.8, max 1.25" (digits as fa_ci__num) into buf. */
static inline void fa_ci__bounds(char *buf, size_t size, const fa_gate_spec *s, int digits)
{
    char a[48], b[48];
    fa_ci__num(a, sizeof a, s->min, digits);
    fa_ci__num(b, sizeof b, s->max, digits);
    if (s->has_min && s->has_max) {
        snprintf(buf, size, "min %s, max %s", a, b);
    } else if (s->has_min) {
        snprintf(buf, size, "min %s", a);
    } else {
        snprintf(buf, size, "max %s", b);
    }
}

/* A growable string: messages carry group names of any length, so they are never truncated. */
typedef struct fa_ci_str {
    char *s; /* NUL-terminated once anything was appended; caller frees */
    size_t len, cap;
    int oom; /* an allocation failed: the text is incomplete */
} fa_ci_str;

static inline void fa_ci__cat(fa_ci_str *b, const char *fmt, ...) FA_PRINTF(2, 3);
static inline void fa_ci__cat(fa_ci_str *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->oom || n < 0) {
        b->oom = 1;
        return;
    }
    size_t need = b->len + (size_t)n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need) {
            cap *= 2;
        }
        char *s = realloc(b->s, cap);
        if (s == NULL) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/*
 * Appends what a CI message says about a gate result besides its reason: the value compared
 * (and which bound of the interval it is), the bootstrap interval when there is one, the
 * thresholds, the groups behind the value with their sizes, and the rows audited:
 * "value 0.583333; min 0.8; lowest F (n 40), highest M (n 60); n 100".
 */
static inline void fa_ci__details(fa_ci_str *b, const fa_result *res, const fa_gate_result *gr,
                                  int digits)
{
    const fa_gate_spec *s = gr->spec;
    const fa_attr_result *at = fa_ci__attr(res, gr);
    char v[48], lo_s[48], hi_s[48], bounds[112];
    fa_ci__num(v, sizeof v, gr->value, digits);
    int is_bound = fa_ci__value_is_bound(res, gr);
    fa_ci__cat(b, "value %s%s", isnan(gr->value) ? "undefined" : v,
               !is_bound                   ? ""
               : s->use == FA_USE_UPPER_CI ? " (upper bound of its interval)"
                                           : " (lower bound of its interval)");
    double lo, hi;
    if (fa_ci__interval(at, gr, &lo, &hi)) {
        char level[48];
        fa_ci__num(level, sizeof level, 100.0 * res->confidence_level, 6);
        fa_ci__num(lo_s, sizeof lo_s, lo, digits);
        fa_ci__num(hi_s, sizeof hi_s, hi, digits);
        fa_ci__cat(b, "; %s%% bootstrap interval [%s, %s]", level, lo_s, hi_s);
    }
    fa_ci__bounds(bounds, sizeof bounds, s, digits);
    fa_ci__cat(b, "; %s", bounds);
    long g_lo, g_hi;
    fa_ci__groups(&g_lo, &g_hi, at, gr);
    int reference = s->summary < 0 && s->against == FA_AGAINST_REFERENCE;
    if (g_lo >= 0) {
        fa_ci__cat(b, "; %s %s (n %llu)", reference ? "worst group" : "lowest",
                   at->groups[g_lo].value, (unsigned long long)at->groups[g_lo].counts.rows);
    }
    if (g_hi >= 0) {
        fa_ci__cat(b, "%s %s (n %llu)",
                   g_lo >= 0 ? (reference ? " against reference" : ", highest")
                             : (reference ? "; reference" : "; highest"),
                   at->groups[g_hi].value, (unsigned long long)at->groups[g_hi].counts.rows);
    }
    fa_ci__cat(b, "; n %llu", (unsigned long long)res->overall.rows);
}

/* "point", "upper_ci" or "lower_ci". */
static inline const char *fa_ci__use(const fa_gate_spec *s)
{
    return s->use == FA_USE_UPPER_CI   ? "upper_ci"
           : s->use == FA_USE_LOWER_CI ? "lower_ci"
                                       : "point";
}

/* "passed", "failed" or "inconclusive". */
static inline const char *fa_ci__verdict(fa_verdict v)
{
    return v == FA_VERDICT_PASSED ? "passed" : v == FA_VERDICT_FAILED ? "failed" : "inconclusive";
}

#endif
