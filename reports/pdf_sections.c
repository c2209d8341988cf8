/*
 * reports/pdf_sections.c - the text sections of the PDF report: the cover (verdict band and
 * findings), the gates, the data and class imbalance, the methodology appendix and the
 * reproducibility section. Everything shown is read from the result: the findings are
 * sentences built from the gates and the stored disparities and bootstrap intervals, the
 * definitions are the library's own (fa_metric_definition, fa_summary_definition), so the
 * report cannot drift from what was computed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "reports/ci.h"
#include "reports/pdf.h"

#define R(x) ((HPDF_REAL)(x))

/* ---------------------------------------------------------------- findings */

static const char *verdict_word(fa_verdict v)
{
    return v == FA_VERDICT_PASSED ? "PASSED" : v == FA_VERDICT_FAILED ? "FAILED" : "INCONCLUSIVE";
}

/* "at least 0.8", "at most 0.1", "between 0.8 and 1.25". */
static void requirement(char *buf, size_t size, const fa_gate_spec *s)
{
    char a[48], b[48];
    fa_ci__num(a, sizeof a, s->min, 6);
    fa_ci__num(b, sizeof b, s->max, 6);
    if (s->has_min && s->has_max) {
        snprintf(buf, size, "between %s and %s", a, b);
    } else if (s->has_min) {
        snprintf(buf, size, "at least %s", a);
    } else if (s->has_max) {
        snprintf(buf, size, "at most %s", b);
    } else {
        snprintf(buf, size, "no bound");
    }
}

/* " (95% CI 1.65–1.88)" or "" without an interval. */
static void ci_clause(char *buf, size_t size, const fa_result *r, double lo, double hi,
                      const char *of)
{
    char range[112], level[32];
    if (isnan(lo) || isnan(hi)) {
        buf[0] = '\0';
        return;
    }
    fa_ci__num(level, sizeof level, 100.0 * r->confidence_level, 4);
    snprintf(buf, size, "; %s%% CI%s %s", level, of, fa_pdf__range(range, sizeof range, lo, hi, 2));
}

static void gate_sentence(fa_ci_str *b, const fa_result *r, const fa_gate_result *gr)
{
    const fa_gate_spec *s = gr->spec;
    const fa_attr_result *at = fa_ci__attr(r, gr);
    char metric[96], v[48], req[112], ci[160], vlo[48], vhi[48];
    fa_pdf__metric_words(metric, sizeof metric, fa_ci__metric(s));
    fa_pdf__num(v, sizeof v, gr->value, 2);
    requirement(req, sizeof req, s);
    double lo = NAN, hi = NAN;
    fa_ci__interval(at, gr, &lo, &hi);
    ci_clause(ci, sizeof ci, r, lo, hi, "");
    long g_lo, g_hi;
    fa_ci__groups(&g_lo, &g_hi, at, gr);
    fa_ci__cat(b, "Gate \xE2\x80\x9C%s\xE2\x80\x9D %s%s: ", s->name,
               gr->verdict == FA_VERDICT_FAILED ? "failed" : "is inconclusive",
               s->warning ? " (warning only)" : "");
    const char *attr = gr->attribute ? gr->attribute : "the audit";
    if (isnan(gr->value)) {
        fa_ci__cat(b, "for %s, the %s could not be computed", attr, metric);
    } else if (s->summary < 0 && s->against == FA_AGAINST_REFERENCE && g_lo >= 0 && g_hi >= 0) {
        const char *grp = at->groups[g_lo].value, *ref = at->groups[g_hi].value;
        if (s->ratio) {
            fa_ci__cat(b, "for %s, the %s of %s is %s times that of %s%s", attr, metric, grp, v,
                       ref, ci);
        } else {
            fa_pdf__num(v, sizeof v, fabs(gr->value), 3);
            fa_ci__cat(b, "for %s, the %s of %s is %s %s than that of %s%s", attr, metric, grp, v,
                       gr->value >= 0 ? "higher" : "lower", ref, ci);
        }
    } else if (g_lo >= 0 && g_hi >= 0) {
        fa_metric ms[2];
        fa_ci__rates(s, ms);
        fa_pdf__num(vlo, sizeof vlo, at->groups[g_lo].metrics[ms[0]], 2);
        fa_pdf__num(vhi, sizeof vhi, at->groups[g_hi].metrics[ms[0]], 2);
        fa_ci__cat(b, "for %s, the %s is %s%s, between %s and %s", attr, metric, v, ci,
                   at->groups[g_lo].value, at->groups[g_hi].value);
    } else {
        fa_ci__cat(b, "for %s, the %s is %s%s", attr, metric, v, ci);
    }
    if (s->use != FA_USE_POINT) {
        fa_ci__cat(b, " (the gate compares the %s bound of the interval)",
                   s->use == FA_USE_UPPER_CI ? "upper" : "lower");
    }
    fa_ci__cat(b, "; the policy requires %s.", req);
    if (gr->verdict != FA_VERDICT_FAILED && gr->reason) {
        fa_ci__cat(b, " Reason: %s.", gr->reason);
    }
}

typedef struct candidate {
    size_t a, g;
    fa_metric m;
    int ratio;
    double weight; /* how far from parity: |ln ratio|, or 2 |difference| */
} candidate;

static int cand_cmp(const void *x, const void *y)
{
    const candidate *a = x, *b = y;
    if (a->weight != b->weight) {
        return a->weight > b->weight ? -1 : 1;
    }
    if (a->a != b->a) {
        return a->a < b->a ? -1 : 1;
    }
    return (int)a->m - (int)b->m;
}

static void disparity_sentence(fa_ci_str *b, const fa_result *r, const candidate *c)
{
    const fa_attr_result *at = &r->attrs[c->a];
    const fa_group_result *g = &at->groups[c->g], *ref = &at->groups[at->reference];
    char metric[96], v[48], x[48], y[48], ci[160];
    fa_pdf__metric_words(metric, sizeof metric, fa_metric_name(c->m));
    const fa_bootstrap_ci *bc = NULL;
    if (at->boot) {
        bc = c->ratio ? fa_bootstrap_group_ratio(at->boot, c->g, c->m)
                      : fa_bootstrap_group_difference(at->boot, c->g, c->m);
    }
    ci_clause(ci, sizeof ci, r, bc ? bc->lo : NAN, bc ? bc->hi : NAN,
              c->ratio ? " of the ratio" : " of the difference");
    fa_pdf__num(x, sizeof x, g->metrics[c->m], 2);
    fa_pdf__num(y, sizeof y, ref->metrics[c->m], 2);
    if (c->ratio) {
        fa_pdf__num(v, sizeof v, g->ratio[c->m], 2);
        fa_ci__cat(b, "For %s, the %s of %s is %s times that of %s (%s vs %s%s).", at->name, metric,
                   g->value, v, ref->value, x, y, ci);
    } else {
        fa_pdf__num(v, sizeof v, fabs(g->diff[c->m]), 2);
        fa_ci__cat(b, "For %s, the %s of %s is %s %s than that of %s (%s vs %s%s).", at->name,
                   metric, g->value, v, g->diff[c->m] >= 0 ? "higher" : "lower", ref->value, x, y,
                   ci);
    }
}

/* The largest disparity of metric m (ratio or difference) in each attribute. */
static size_t candidates(candidate *out, size_t max, const fa_result *r)
{
    static const fa_metric MS[] = {FA_METRIC_SELECTION_RATE, FA_METRIC_FALSE_POSITIVE_RATE,
                                   FA_METRIC_TRUE_POSITIVE_RATE};
    static const fa_metric LABELS[] = {FA_METRIC_BASE_RATE}; /* a label-only audit */
    const fa_metric *ms = r->has_pred ? MS : LABELS;
    size_t n = 0, n_ms = r->has_pred ? 3 : 1;
    for (size_t a = 0; a < r->n_attrs; a++) {
        const fa_attr_result *at = &r->attrs[a];
        for (size_t k = 0; at->reference >= 0 && k < n_ms && n < max; k++) {
            candidate best = {a, 0, ms[k], k == 0, -1};
            for (size_t g = 0; g < at->n_groups; g++) {
                const fa_group_result *x = &at->groups[g];
                double w = best.ratio ? fabs(log(x->ratio[ms[k]])) : 2 * fabs(x->diff[ms[k]]);
                if (!x->is_reference && !x->small && isfinite(w) && w > best.weight) {
                    best.g = g;
                    best.weight = w;
                }
            }
            if (best.weight > 0) {
                out[n++] = best;
            }
        }
    }
    qsort(out, n, sizeof *out, cand_cmp);
    return n;
}

/* 1 when a failed or inconclusive gate on the same rate and attribute already tells it. */
static int told_by_gate(const fa_result *r, const candidate *c)
{
    for (size_t i = 0; i < r->n_gates; i++) {
        const fa_gate_result *g = &r->gates[i];
        if (g->verdict != FA_VERDICT_PASSED && g->spec->summary < 0 && g->spec->rate == (int)c->m &&
            g->attribute && strcmp(g->attribute, r->attrs[c->a].name) == 0) {
            return 1;
        }
    }
    return 0;
}

static int push(char *out[], size_t *n, fa_ci_str *b)
{
    if (b->oom || b->s == NULL) {
        free(b->s);
        return FA_ENOMEM;
    }
    out[(*n)++] = b->s;
    return FA_OK;
}

int fa_pdf__findings(char *out[], size_t max, size_t *n, const fa_result *r)
{
    *n = 0;
    for (int pass = 0; pass < 2; pass++) {
        fa_verdict want = pass == 0 ? FA_VERDICT_FAILED : FA_VERDICT_INCONCLUSIVE;
        for (size_t i = 0; i < r->n_gates && *n < max; i++) {
            if (r->gates[i].verdict == want) {
                fa_ci_str b = {0};
                gate_sentence(&b, r, &r->gates[i]);
                if (push(out, n, &b) != FA_OK) {
                    return FA_ENOMEM;
                }
            }
        }
    }
    if (*n < max && r->n_gates > 0 && r->verdict == FA_VERDICT_PASSED) {
        fa_ci_str b = {0};
        fa_ci__cat(&b, "All %zu gate results of the policy passed.", r->n_gates);
        if (push(out, n, &b) != FA_OK) {
            return FA_ENOMEM;
        }
    }
    size_t cap = 3 * (r->n_attrs + 1);
    candidate *c = fa_alloc_array(cap, sizeof *c);
    if (c == NULL) {
        return FA_ENOMEM;
    }
    size_t n_c = candidates(c, cap, r);
    /* at least three findings: disparities fill up to three, or to max when they are few */
    size_t target = *n < 3 ? 3 : *n;
    for (size_t i = 0; i < n_c && *n < max && (*n < target || *n < 3); i++) {
        if (told_by_gate(r, &c[i])) {
            continue;
        }
        fa_ci_str b = {0};
        disparity_sentence(&b, r, &c[i]);
        if (push(out, n, &b) != FA_OK) {
            free(c);
            return FA_ENOMEM;
        }
    }
    free(c);
    return FA_OK;
}

/* ------------------------------------------------------------------- cover */

static void band(fa_pdf *p, fa_verdict v, int mapped)
{
    double rgb[3] = {0.0, 0.62, 0.45}; /* bluish green (Okabe-Ito) */
    if (v == FA_VERDICT_FAILED) {
        rgb[0] = 0.80, rgb[1] = 0.16, rgb[2] = 0.12;
    } else if (v == FA_VERDICT_INCONCLUSIVE) {
        rgb[0] = 0.90, rgb[1] = 0.62, rgb[2] = 0.0;
    }
    double h = 46;
    fa_pdf__need(p, h + 10);
    HPDF_Page_SetRGBFill(p->page, R(rgb[0]), R(rgb[1]), R(rgb[2]));
    HPDF_Page_Rectangle(p->page, R(p->left), R(p->y - h), R(p->right - p->left), R(h));
    HPDF_Page_Fill(p->page);
    char buf[128];
    snprintf(buf, sizeof buf, "Verdict: %s", verdict_word(v));
    fa_pdf__text(p, p->bold, 20, p->left + 14, p->y - 31, buf, 1.0);
    if (mapped || p->r->n_gates == 0) {
        const char *m = p->r->n_gates == 0                           ? "no gates were evaluated"
                        : p->r->inconclusive == FA_INCONCLUSIVE_PASS ? "the policy maps it to pass"
                                                                     : "the policy maps it to fail";
        double w = fa_pdf__width(p, p->font, FA_PDF_BODY, m);
        fa_pdf__text(p, p->font, FA_PDF_BODY, p->right - 14 - w, p->y - 29, m, 1.0);
    }
    p->y -= h + 16;
}

static void kv(fa_pdf *p, const char *k, const char *v)
{
    if (v == NULL || *v == '\0') {
        return;
    }
    fa_pdf__need(p, FA_PDF_BODY * 1.5);
    fa_pdf__text(p, p->bold, FA_PDF_BODY, p->left, p->y - FA_PDF_BODY, k, 0.25);
    double indent = 110;
    /* values wrap under their own column */
    double save_left = p->left;
    p->left += indent;
    fa_pdf__para(p, p->font, FA_PDF_BODY, 0, v);
    p->left = save_left;
    p->y += FA_PDF_BODY * 0.2;
}

static void date_text(char *buf, size_t size, int64_t t)
{
    static const char *const MONTHS[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL) {
        snprintf(buf, size, "unknown");
        return;
    }
    snprintf(buf, size, "%d %s %d, %02d:%02d UTC", tm.tm_mday, MONTHS[tm.tm_mon], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min);
}

void fa_pdf__cover(fa_pdf *p)
{
    const fa_result *r = p->r;
    fa_pdf__new_page(p);
    if (!fa_pdf__ok(p)) {
        return;
    }
    HPDF_Destination dst = HPDF_Page_CreateDestination(p->page);
    HPDF_Outline o = HPDF_CreateOutline(p->doc, p->root, "Summary and verdict", p->utf8);
    if (o) {
        HPDF_Outline_SetDestination(o, dst);
    }
    fa_pdf__text(p, p->font, FA_PDF_BODY, p->left, p->y - FA_PDF_BODY, "FAIRNESS AUDIT REPORT",
                 0.4);
    p->y -= 28;
    fa_pdf__para(p, p->bold, 22, 0, p->title);
    p->y -= 8;
    char date[96], rows[64];
    date_text(date, sizeof date, p->when);
    snprintf(rows, sizeof rows, "%llu", (unsigned long long)r->rows);
    kv(p, "Data", r->input_path ? r->input_path : "(not recorded)");
    kv(p, "Rows audited", rows);
    kv(p, "Model", r->model_path);
    kv(p, "Features", r->features_path);
    fa_ci_str cols = {0};
    fa_ci__cat(&cols, "label %s", r->label ? r->label : "?");
    if (r->pred) {
        fa_ci__cat(&cols, ", prediction %s", r->pred);
    }
    if (r->score) {
        fa_ci__cat(&cols, ", score %s", r->score);
    }
    for (size_t i = 0; i < r->n_group_cols; i++) {
        fa_ci__cat(&cols, "%s%s", i == 0 ? "; sensitive: " : ", ", r->group_cols[i]);
    }
    kv(p, "Columns", cols.s);
    free(cols.s);
    kv(p, "Date", date);
    p->y -= 14;
    int mapped = r->verdict == FA_VERDICT_INCONCLUSIVE && r->inconclusive != FA_INCONCLUSIVE_KEEP;
    band(p, r->verdict, mapped);
    char gates[160];
    size_t n_pass = 0, n_fail = 0, n_inc = 0;
    for (size_t i = 0; i < r->n_gates; i++) {
        n_pass += r->gates[i].verdict == FA_VERDICT_PASSED;
        n_fail += r->gates[i].verdict == FA_VERDICT_FAILED;
        n_inc += r->gates[i].verdict == FA_VERDICT_INCONCLUSIVE;
    }
    if (r->n_gates) {
        snprintf(gates, sizeof gates,
                 "%zu gate results: %zu passed, %zu failed, %zu inconclusive (page 2).", r->n_gates,
                 n_pass, n_fail, n_inc);
    } else {
        snprintf(gates, sizeof gates, "No policy was given: no gates were evaluated.");
    }
    fa_pdf__para(p, p->font, FA_PDF_BODY, 0, gates);
    p->y -= 6;
    fa_pdf__text(p, p->bold, FA_PDF_H2, p->left, p->y - FA_PDF_H2, "Key findings", 0);
    p->y -= FA_PDF_H2 * 1.9;
    char *f[FA_PDF_MAX_FINDINGS];
    size_t n = 0;
    if (fa_pdf__findings(f, FA_PDF_MAX_FINDINGS, &n, r) != FA_OK) {
        fa_pdf__fail(p, FA_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        char num[32];
        snprintf(num, sizeof num, "%zu.", i + 1);
        fa_pdf__need(p, 3 * FA_PDF_BODY);
        fa_pdf__text(p, p->bold, FA_PDF_BODY + 1, p->left, p->y - FA_PDF_BODY - 1, num, 0);
        fa_pdf__para(p, p->font, FA_PDF_BODY + 1, 16, f[i]);
        p->y -= 4;
        free(f[i]);
    }
    if (n == 0) {
        fa_pdf__para(p, p->font, FA_PDF_BODY + 1, 0,
                     "No disparity against a reference group could be computed.");
    }
    p->y -= 8;
    fa_pdf__para(p, p->font, FA_PDF_SMALL, 0,
                 "Intervals are at the audit's confidence level: Wilson or Clopper-Pearson "
                 "for a group's rate, the stratified count bootstrap for differences, ratios "
                 "and summaries (see Methodology). Groups below min_group_size are flagged and "
                 "left out of every maximum, minimum and gate.");
}

/* ------------------------------------------------------------------- gates */

void fa_pdf__gates(fa_pdf *p)
{
    const fa_result *r = p->r;
    if (r->n_gates == 0) {
        return;
    }
    fa_pdf__heading(p, 1, "Gates");
    fa_pdf__para(p, p->font, FA_PDF_BODY, 0,
                 "Every gate of the policy on every attribute it applies to: the value compared, "
                 "its bootstrap interval, the threshold and the outcome. A value against the "
                 "reference group is the worst group's; \xE2\x80\x9Cwarning\xE2\x80\x9D gates "
                 "never fail the audit.");
    static const fa_pdf_col COLS[] = {
        {"gate", 0.15, 0},  {"attribute", 0.1, 0}, {"metric", 0.24, 0},   {"group", 0.11, 0},
        {"value", 0.07, 1}, {"interval", 0.12, 1}, {"threshold", 0.1, 1}, {"outcome", 0.11, 0}};
    fa_pdf_table t;
    fa_pdf__table_begin(p, &t, COLS, 8, "Gates");
    for (size_t i = 0; i < r->n_gates && fa_pdf__ok(p); i++) {
        const fa_gate_result *gr = &r->gates[i];
        const fa_gate_spec *s = gr->spec;
        const fa_attr_result *at = fa_ci__attr(r, gr);
        char metric[128], v[48], ci[112], th[112];
        char m[96];
        fa_pdf__metric_words(m, sizeof m, fa_ci__metric(s));
        if (s->summary < 0) {
            snprintf(metric, sizeof metric, "%s %s (%s)", m, s->ratio ? "ratio" : "difference",
                     s->against == FA_AGAINST_REFERENCE ? "vs reference"
                     : s->against == FA_AGAINST_OVERALL ? "to overall"
                                                        : "between groups");
        } else {
            snprintf(metric, sizeof metric, "%s", m);
        }
        double lo = NAN, hi = NAN;
        fa_ci__interval(at, gr, &lo, &hi);
        fa_pdf__num(v, sizeof v, gr->value, 3);
        fa_pdf__range(ci, sizeof ci, lo, hi, 3);
        fa_ci__bounds(th, sizeof th, s, 4);
        const char *cells[8] = {s->name,
                                gr->attribute ? gr->attribute : "-",
                                metric,
                                gr->group ? gr->group : "-",
                                v,
                                ci,
                                th,
                                gr->verdict == FA_VERDICT_PASSED ? "passed"
                                : gr->verdict == FA_VERDICT_FAILED
                                    ? (s->warning ? "warning" : "FAILED")
                                    : "inconclusive"};
        fa_pdf__table_row(p, &t, cells, 0);
    }
    p->y -= 8;
    for (size_t i = 0; i < r->n_gates && fa_pdf__ok(p); i++) {
        const fa_gate_result *gr = &r->gates[i];
        if (gr->verdict != FA_VERDICT_PASSED && gr->reason) {
            char buf[1024];
            snprintf(buf, sizeof buf, "%s [%s]: %s", gr->spec->name,
                     gr->attribute ? gr->attribute : "-", gr->reason);
            fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, buf);
        }
    }
}

/* -------------------------------------------------------------------- data */

/* A representation ratio needs a reference population that gives the group a share. */
static int has_population(const fa_imbalance_group *ig)
{
    return ig->population_share.reason == NULL && ig->population_share.value > 0 &&
           ig->representation.reason == NULL && isfinite(ig->representation.value);
}

static void data_attr(fa_pdf *p, const fa_attr_result *at)
{
    const fa_result *r = p->r;
    char buf[512];
    snprintf(buf, sizeof buf, "%s: group sizes", at->name);
    size_t n = at->n_groups, shown = n < FA_PDF_CHART_MAX_ROWS ? n : FA_PDF_CHART_MAX_ROWS;
    fa_pdf__need(p, 2 * FA_PDF_H2 + 50 + 11.0 * (double)shown); /* heading and chart together */
    fa_pdf__heading(p, 2, buf);
    const char **labels = fa_calloc_array(shown ? shown : 1, sizeof *labels);
    double *vals = fa_calloc_array(shown ? shown : 1, sizeof *vals);
    if (labels == NULL || vals == NULL) {
        free(labels);
        free(vals);
        fa_pdf__fail(p, FA_ENOMEM, "out of memory");
        return;
    }
    /* the largest groups when there are too many to show */
    size_t k = 0;
    unsigned char *used = fa_calloc_array(n ? n : 1, 1);
    for (; used && k < shown; k++) {
        size_t best = n;
        for (size_t g = 0; g < n; g++) {
            if (!used[g] &&
                (best == n || at->groups[g].counts.rows > at->groups[best].counts.rows)) {
                best = g;
            }
        }
        used[best] = 1;
        labels[k] = at->groups[best].value;
        vals[k] = at->groups[best].metrics[FA_METRIC_SHARE];
    }
    free(used);
    double h = 40 + 11.0 * (double)k;
    fa_chart_box box = fa_pdf__box(p, 0, 1, h);
    if (fa_pdf__ok(p)) {
        snprintf(buf, sizeof buf, "Share of rows by %s%s", at->name,
                 k < n ? " (largest groups)" : "");
        fa_pdf__chart(p, fa_chart_hbars(p->page, box, &p->st, buf, "share of rows", labels, vals,
                                        NULL, NULL, k, p->err));
        p->y -= h + 6;
    }
    free(labels);
    free(vals);
    if (k < n) {
        snprintf(buf, sizeof buf,
                 "The chart shows the %zu largest of %zu groups; the table lists all.", k, n);
        fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, buf);
    }
    static const fa_pdf_col COLS[] = {{"group", 0.26, 0},     {"rows", 0.08, 1},
                                      {"share", 0.08, 1},     {"base rate", 0.2, 1},
                                      {"represent.", 0.1, 1}, {"class imb.", 0.1, 1},
                                      {"KL (ref.)", 0.1, 1},  {"flags", 0.08, 0}};
    fa_pdf_table t;
    snprintf(buf, sizeof buf, "Groups of %s", at->name);
    fa_pdf__table_begin(p, &t, COLS, 8, buf);
    for (size_t g = 0; g < n && fa_pdf__ok(p); g++) {
        const fa_group_result *x = &at->groups[g];
        const fa_imbalance_group *ig = &x->imbalance;
        char rows[32], sh[32], br[96], ci[64], rep[32], cimb[32], kl[32];
        snprintf(rows, sizeof rows, "%llu", (unsigned long long)x->counts.rows);
        fa_pdf__num(sh, sizeof sh, x->metrics[FA_METRIC_SHARE], 3);
        fa_pdf__num(br, sizeof br, x->metrics[FA_METRIC_BASE_RATE], 3);
        fa_pdf__range(ci, sizeof ci, x->ci[FA_METRIC_BASE_RATE].lo, x->ci[FA_METRIC_BASE_RATE].hi,
                      3);
        if (*ci) {
            size_t l = strlen(br);
            snprintf(br + l, sizeof br - l, " (%s)", ci);
        }
        fa_pdf__num(rep, sizeof rep, ig->representation.value, 2);
        fa_pdf__num(cimb, sizeof cimb, ig->class_imbalance.value, 3);
        fa_pdf__num(kl, sizeof kl, ig->kl_divergence.value, 3);
        const char *cells[8] = {x->value,
                                rows,
                                sh,
                                br,
                                has_population(ig) ? rep : "-",
                                cimb,
                                kl,
                                x->is_reference ? "ref."
                                : x->small      ? "small"
                                                : ""};
        fa_pdf__table_row(p, &t, cells, x->small ? 0.45 : 0);
    }
    const fa_chisq_test *c = &at->imbalance.chisq;
    char x2[48], pv[48], v[48];
    if (isnan(c->p_value)) {
        snprintf(buf, sizeof buf, "Label x group chi-square test: undefined (%s).",
                 c->reason ? c->reason : "no reason given");
    } else {
        snprintf(buf, sizeof buf,
                 "Label x group chi-square test: X\xC2\xB2 = %s, %zu degrees of freedom, p %s%s; "
                 "Cram\xC3\xA9r's V = %s.",
                 fa_pdf__num(x2, sizeof x2, c->statistic, 2), c->dof,
                 c->p_value < 1e-4 ? "< " : "= ",
                 c->p_value < 1e-4 ? "0.0001" : fa_pdf__num(pv, sizeof pv, c->p_value, 4),
                 fa_pdf__num(v, sizeof v, c->cramers_v, 3));
    }
    p->y -= 4;
    fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, buf);
    (void)r;
}

void fa_pdf__data(fa_pdf *p)
{
    const fa_result *r = p->r;
    fa_pdf__heading(p, 1, "Data and class imbalance");
    char buf[1024], a[48], b[48], c[48];
    double P = r->overall.tp + r->overall.fn, N = r->overall.fp + r->overall.tn;
    snprintf(buf, sizeof buf,
             "%llu rows were audited. Actual positives (label %s = positive): %s of the "
             "weight; negatives: %s.",
             (unsigned long long)r->rows, r->label ? r->label : "?",
             fa_pdf__num(a, sizeof a, P + N > 0 ? P / (P + N) : NAN, 3),
             fa_pdf__num(b, sizeof b, P + N > 0 ? N / (P + N) : NAN, 3));
    fa_pdf__para(p, p->font, FA_PDF_BODY, 0, buf);
    if (r->n_attrs > 0) {
        const fa_imbalance *im = &r->attrs[0].imbalance;
        snprintf(buf, sizeof buf,
                 "Imbalance ratio (majority / minority class): %s; minority share: %s; "
                 "base rate overall: %s.",
                 im->imbalance_ratio.reason
                     ? "undefined"
                     : fa_pdf__num(a, sizeof a, im->imbalance_ratio.value, 2),
                 fa_pdf__num(b, sizeof b, im->minority_share.value, 3),
                 fa_pdf__num(c, sizeof c, r->overall_metrics[FA_METRIC_BASE_RATE], 3));
        fa_pdf__para(p, p->font, FA_PDF_BODY, 0, buf);
    }
    fa_pdf__para(p, p->font, FA_PDF_SMALL, 0,
                 "Representation is a group's share divided by its share of a reference "
                 "population (undefined, \xE2\x80\x9C-\xE2\x80\x9D, when none was given). Class "
                 "imbalance is AIF360's (n_g - n_ref) / (n_g + n_ref); KL is the divergence of "
                 "the group's labels from the reference group's, in nats. Small groups (below "
                 "min_group_size) are greyed.");
    for (size_t i = 0; i < r->n_attrs && fa_pdf__ok(p); i++) {
        data_attr(p, &r->attrs[i]);
    }
}

/* -------------------------------------------------------------- methodology */

static void definition(fa_pdf *p, const char *name, const char *def)
{
    fa_pdf__need(p, 3 * FA_PDF_BODY);
    fa_pdf__text(p, p->bold, FA_PDF_BODY, p->left, p->y - FA_PDF_BODY, name, 0);
    p->y -= FA_PDF_BODY * 1.4;
    fa_pdf__para(p, p->font, FA_PDF_BODY, 12, def);
}

void fa_pdf__methodology(fa_pdf *p)
{
    const fa_result *r = p->r;
    fa_pdf__heading(p, 1, "Methodology");
    fa_pdf__heading(p, 2, "Metrics");
    fa_pdf__para(p, p->font, FA_PDF_BODY, 0,
                 "TP, FP, TN and FN are the (weighted) counts of rows with label and prediction "
                 "(1, 1), (0, 1), (0, 0) and (1, 0); P = TP + FN, N = FP + TN, PP = TP + FP, "
                 "n = P + N. Each metric of the report:");
    for (int m = 0; m < FA_METRIC_COUNT_ALL && fa_pdf__ok(p); m++) {
        if (m == FA_METRIC_MEAN_SCORE && r->score == NULL) {
            continue;
        }
        definition(p, fa_metric_name((fa_metric)m), fa_metric_definition((fa_metric)m));
    }
    int used[FA_SUMMARY_SLOTS] = {0};
    for (size_t i = 0; i < r->n_gate_specs; i++) {
        if (r->gate_specs[i].summary >= 0 && r->gate_specs[i].summary < FA_SUMMARY_SLOTS) {
            used[r->gate_specs[i].summary] = 1;
        }
    }
    for (int s = 0; s < FA_SUMMARY_SLOTS && fa_pdf__ok(p); s++) {
        if (used[s]) {
            definition(p, fa_summary_name(s), fa_summary_definition(s));
        }
    }
    fa_pdf__heading(p, 2, "Conventions");
    fa_pdf__para(p, p->font, FA_PDF_BODY, 0,
                 "A rate whose denominator is 0 is undefined: it is shown as "
                 "\xE2\x80\x9Cundefined\xE2\x80\x9D (null in the JSON result, with the reason), "
                 "never as 0. Differences are m(g) - m(reference) and ratios m(g) / m(reference), "
                 "undefined when m(reference) = 0 and never capped; between groups they are "
                 "max - min and min / max over the groups included. Groups below min_group_size, "
                 "or whose metric is undefined, are left out of every maximum, minimum and gate, "
                 "and listed; a gate whose value cannot be decided is inconclusive, never passed.");
    fa_pdf__heading(p, 2, "Intervals and tests");
    char buf[1024], lvl[32];
    fa_ci__num(lvl, sizeof lvl, 100.0 * r->confidence_level, 4);
    snprintf(buf, sizeof buf,
             "Confidence level %s%%. A group's rate has a %s interval. Differences, ratios and "
             "summaries have %s bootstrap intervals from %zu replicates (seed %llu): each "
             "replicate redraws every group's four confusion counts from a multinomial with the "
             "group's own size, so no group vanishes from a replicate.%s",
             lvl,
             r->ci_method == FA_CI_CLOPPER_PEARSON ? "Clopper-Pearson (exact)" : "Wilson score",
             r->boot_method == FA_BOOT_BCA ? "bias-corrected and accelerated (BCa)" : "percentile",
             r->bootstrap, (unsigned long long)r->seed,
             r->bootstrap == 0 ? " This audit ran without a bootstrap: no such intervals." : "");
    fa_pdf__para(p, p->font, FA_PDF_BODY, 0, buf);
    fa_pdf__para(
        p, p->font, FA_PDF_BODY, 0,
        "Each group is tested against the reference group on selection rate, true and "
        "false positive rate: a two-proportion z test, or Fisher's exact test when an "
        "expected cell count is below 5. Chi-square tests of independence of prediction "
        "and group (all rows, actual positives, actual negatives) come with Cram\xC3\xA9r's "
        "V. p-values are Holm-adjusted across every test of the audit.");
}

/* ---------------------------------------------------------- reproducibility */

void fa_pdf__reproducibility(fa_pdf *p)
{
    const fa_result *r = p->r;
    fa_pdf__heading(p, 1, "Reproducibility");
    char buf[256], a[48];
    static const fa_pdf_col KV[] = {{"item", 0.25, 0}, {"value", 0.75, 0}};
    fa_pdf_table t;
    fa_pdf__table_begin(p, &t, KV, 2, "Reproducibility");
#define ROW(k, v)                                                                                  \
    do {                                                                                           \
        const char *cells_[2] = {(k), (v)};                                                        \
        fa_pdf__table_row(p, &t, cells_, 0);                                                       \
    } while (0)
    ROW("fairaudit version", FA_VERSION);
    ROW("input file", r->input_path ? r->input_path : "(not recorded)");
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->rows);
    ROW("rows", buf);
    if (r->input_bytes > 0 || r->input_sha256[0]) {
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->input_bytes);
        ROW("input size (bytes)", buf);
        ROW("input SHA-256", r->input_sha256[0] ? r->input_sha256 : "(not recorded)");
    }
    ROW("label column", r->label);
    ROW("prediction column", r->pred ? r->pred : "(none)");
    if (r->score) {
        ROW("score column", r->score);
    }
    if (isfinite(r->threshold)) {
        ROW("threshold", fa_pdf__num(a, sizeof a, r->threshold, 4));
    }
    if (r->weight) {
        ROW("weight column", r->weight);
    }
    if (r->positive) {
        ROW("positive value", r->positive);
    }
    for (size_t i = 0; i < r->n_group_cols; i++) {
        ROW(i == 0 ? "sensitive columns" : "", r->group_cols[i]);
    }
    if (r->intersect) {
        ROW("intersection", "yes");
    }
    snprintf(buf, sizeof buf, "%ld", r->min_group_size);
    ROW("min_group_size", buf);
    ROW("confidence level", fa_pdf__num(a, sizeof a, r->confidence_level, 3));
    snprintf(buf, sizeof buf, "%zu replicates, %s, seed %llu", r->bootstrap,
             r->boot_method == FA_BOOT_BCA ? "BCa" : "percentile", (unsigned long long)r->seed);
    ROW("bootstrap", r->bootstrap ? buf : "none");
    ROW("tau (Aequitas)", fa_pdf__num(a, sizeof a, r->tau, 3));
    if (r->model_path) {
        ROW("model", r->model_path);
    }
    if (r->features_path) {
        ROW("features", r->features_path);
    }
    if (r->policy_title) {
        ROW("policy title", r->policy_title);
    }
    ROW("inconclusive gates", r->inconclusive == FA_INCONCLUSIVE_PASS   ? "mapped to pass"
                              : r->inconclusive == FA_INCONCLUSIVE_FAIL ? "mapped to fail"
                                                                        : "exit status 4");
#undef ROW
    if (r->command_line) {
        fa_pdf__heading(p, 2, "Command line");
        fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, r->command_line);
    }
    if (r->n_gate_specs == 0) {
        return;
    }
    fa_pdf__heading(p, 2, "The policy's gates, in full");
    static const fa_pdf_col G[] = {
        {"name", 0.17, 0},     {"metric", 0.25, 0}, {"disparity", 0.09, 0}, {"against", 0.11, 0},
        {"attribute", 0.1, 0}, {"bounds", 0.12, 0}, {"use", 0.07, 0},       {"severity", 0.09, 0}};
    fa_pdf__table_begin(p, &t, G, 8, "The policy's gates");
    for (size_t i = 0; i < r->n_gate_specs && fa_pdf__ok(p); i++) {
        const fa_gate_spec *s = &r->gate_specs[i];
        char bounds[112], sev[48];
        fa_ci__bounds(bounds, sizeof bounds, s, 6);
        snprintf(sev, sizeof sev, "%s%s", s->warning ? "warning" : "error",
                 s->significant_only ? ", signif." : "");
        const char *cells[8] = {s->name,
                                s->metric_name,
                                s->summary >= 0 ? "-"
                                : s->ratio      ? "ratio"
                                                : "difference",
                                s->summary >= 0                      ? "-"
                                : s->against == FA_AGAINST_REFERENCE ? "reference"
                                : s->against == FA_AGAINST_OVERALL   ? "to_overall"
                                                                     : "between_groups",
                                s->attribute ? s->attribute : "every",
                                bounds,
                                fa_ci__use(s),
                                sev};
        fa_pdf__table_row(p, &t, cells, 0);
    }
}
