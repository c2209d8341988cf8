/*
 * reports/pdf_attr.c - the chart-heavy sections of the PDF report: per attribute the table of
 * rates with their intervals, the comparison with the reference group, a dot-and-whisker chart
 * of each key rate (reference line, policy band) and a confusion matrix per group; the score
 * curves; the attributions. With many groups the charts show the groups with the highest and
 * the lowest value of the charted rate (the tables list every group) and the caption says so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "reports/ci.h"
#include "reports/pdf.h"

static const fa_metric KEY[] = {FA_METRIC_SELECTION_RATE, FA_METRIC_TRUE_POSITIVE_RATE,
                                FA_METRIC_FALSE_POSITIVE_RATE, FA_METRIC_POSITIVE_PREDICTIVE_VALUE};
#define N_KEY (sizeof KEY / sizeof KEY[0])

/* "0.588 (0.571–0.606)", or "undefined". */
static void rate_cell(char *buf, size_t size, const fa_group_result *g, fa_metric m)
{
    char v[48], ci[112];
    fa_pdf__num(v, sizeof v, g->metrics[m], 3);
    fa_pdf__range(ci, sizeof ci, g->ci[m].lo, g->ci[m].hi, 3);
    if (*ci) {
        snprintf(buf, size, "%s (%s)", v, ci);
    } else {
        snprintf(buf, size, "%s", v);
    }
}

static void rates_table(fa_pdf *p, const fa_attr_result *at)
{
    static const fa_pdf_col COLS[] = {
        {"group", 0.17, 0}, {"rows", 0.07, 1}, {"selection rate", 0.175, 1},
        {"TPR", 0.175, 1},  {"FPR", 0.175, 1}, {"PPV", 0.175, 1},
        {"flags", 0.06, 0}};
    char cap[300];
    snprintf(cap, sizeof cap, "Rates by %s", at->name);
    fa_pdf_table t;
    fa_pdf__table_begin(p, &t, COLS, 7, cap);
    for (size_t g = 0; g < at->n_groups && fa_pdf__ok(p); g++) {
        const fa_group_result *x = &at->groups[g];
        char rows[32], c[N_KEY][192];
        snprintf(rows, sizeof rows, "%llu", (unsigned long long)x->counts.rows);
        for (size_t k = 0; k < N_KEY; k++) {
            rate_cell(c[k], sizeof c[k], x, KEY[k]);
        }
        const char *cells[7] = {x->value,
                                rows,
                                c[0],
                                c[1],
                                c[2],
                                c[3],
                                x->is_reference ? "ref." : x->small ? "small" : ""};
        fa_pdf__table_row(p, &t, cells, x->small ? 0.45 : 0);
    }
}

static void p_cell(char *buf, size_t size, double p)
{
    if (isnan(p)) {
        snprintf(buf, size, "-");
    } else if (p < 1e-4) {
        snprintf(buf, size, "< 0.0001");
    } else {
        snprintf(buf, size, "%.4f", p);
    }
}

static void versus_table(fa_pdf *p, const fa_attr_result *at)
{
    static const fa_pdf_col COLS[] = {{"group", 0.22, 0},
                                      {"sel. rate ratio", 0.2, 1},
                                      {"TPR difference", 0.2, 1},
                                      {"FPR difference", 0.2, 1},
                                      {"p (sel. rate)", 0.18, 1}};
    char cap[300];
    snprintf(cap, sizeof cap, "%s against the reference group", at->name);
    fa_pdf_table t;
    fa_pdf__table_begin(p, &t, COLS, 5, cap);
    static const fa_metric M[3] = {FA_METRIC_SELECTION_RATE, FA_METRIC_TRUE_POSITIVE_RATE,
                                   FA_METRIC_FALSE_POSITIVE_RATE};
    for (size_t g = 0; g < at->n_groups && fa_pdf__ok(p); g++) {
        const fa_group_result *x = &at->groups[g];
        if (x->is_reference) {
            continue;
        }
        char c[3][192], pv[32];
        for (int k = 0; k < 3; k++) {
            double v = k == 0 ? x->ratio[M[k]] : x->diff[M[k]];
            char num[48], ci[112];
            fa_pdf__num(num, sizeof num, v, 3);
            const fa_bootstrap_ci *b = NULL;
            if (at->boot) {
                b = k == 0 ? fa_bootstrap_group_ratio(at->boot, g, M[k])
                           : fa_bootstrap_group_difference(at->boot, g, M[k]);
            }
            fa_pdf__range(ci, sizeof ci, b ? b->lo : NAN, b ? b->hi : NAN, 3);
            snprintf(c[k], sizeof c[k], *ci ? "%s (%s)" : "%s", num, ci);
        }
        p_cell(pv, sizeof pv, x->p_adjusted[FA_TEST_SELECTION]);
        const char *cells[5] = {x->value, c[0], c[1], c[2], pv};
        fa_pdf__table_row(p, &t, cells, x->small ? 0.45 : 0);
    }
}

/* The policy's band for rate m around the reference value: from gates on m against the
 * reference group (ratio: ref x bounds; difference: ref + bounds). NAN when there is none. */
static void policy_band(const fa_result *r, const fa_attr_result *at, fa_metric m, double ref,
                        double *lo, double *hi)
{
    *lo = *hi = NAN;
    for (size_t i = 0; i < r->n_gate_specs && !isnan(ref); i++) {
        const fa_gate_spec *s = &r->gate_specs[i];
        if (s->summary >= 0 || s->rate != (int)m || s->against != FA_AGAINST_REFERENCE ||
            (s->attribute && strcmp(s->attribute, at->name) != 0) ||
            (s->attribute == NULL && at->is_intersection)) { /* gates name an intersection */
            continue;
        }
        double a = s->ratio ? ref * s->min : ref + s->min;
        double b = s->ratio ? ref * s->max : ref + s->max;
        *lo = s->has_min ? fmax(0.0, a) : 0.0;
        *hi = s->has_max ? fmin(1.0, b) : 1.0;
        return;
    }
}

typedef struct pick {
    size_t g;
    double v;
} pick;

static int pick_cmp(const void *x, const void *y)
{
    const pick *a = x, *b = y;
    if (a->v != b->v) {
        return a->v > b->v ? -1 : 1;
    }
    return a->g < b->g ? -1 : a->g > b->g;
}

/*
 * The groups a chart of rate m shows: all of them when they fit, else the max/2 with the
 * highest and the max/2 with the lowest defined value (highest first). Returns how many.
 */
static size_t chart_groups(size_t out[], const fa_attr_result *at, fa_metric m, size_t max,
                           int *cut)
{
    *cut = at->n_groups > max;
    if (!*cut) {
        for (size_t g = 0; g < at->n_groups; g++) {
            out[g] = g;
        }
        return at->n_groups;
    }
    pick *pk = fa_alloc_array(at->n_groups, sizeof *pk);
    if (pk == NULL) {
        return 0;
    }
    size_t n = 0;
    for (size_t g = 0; g < at->n_groups; g++) {
        if (!isnan(at->groups[g].metrics[m])) {
            pk[n].g = g;
            pk[n++].v = at->groups[g].metrics[m];
        }
    }
    qsort(pk, n, sizeof *pk, pick_cmp);
    size_t k = 0, half = max / 2;
    for (size_t i = 0; i < n && i < half; i++) {
        out[k++] = pk[i].g;
    }
    for (size_t i = n > half ? (n - half > half ? n - half : half) : n; i < n; i++) {
        out[k++] = pk[i].g;
    }
    free(pk);
    return k;
}

static void rate_chart(fa_pdf *p, const fa_attr_result *at, fa_metric m, fa_chart_box box,
                       size_t *idx, fa_chart_row *rows, int *cut_out)
{
    int cut;
    size_t n = chart_groups(idx, at, m, FA_PDF_CHART_MAX_ROWS, &cut);
    for (size_t i = 0; i < n; i++) {
        const fa_group_result *x = &at->groups[idx[i]];
        rows[i].label = x->value;
        rows[i].value = x->metrics[m];
        rows[i].lo = x->ci[m].lo;
        rows[i].hi = x->ci[m].hi;
        rows[i].flagged = x->small;
    }
    double ref = at->reference >= 0 ? at->groups[at->reference].metrics[m] : NAN, lo, hi;
    policy_band(p->r, at, m, ref, &lo, &hi);
    char title[128];
    fa_pdf__metric_words(title, sizeof title, fa_metric_name(m));
    fa_pdf__chart(
        p, fa_chart_dot_whisker(p->page, box, &p->st, title, "rate", rows, n, ref, lo, hi, p->err));
    *cut_out |= cut;
}

static void rate_charts(fa_pdf *p, const fa_attr_result *at)
{
    size_t max = FA_PDF_CHART_MAX_ROWS;
    size_t *idx = fa_alloc_array(max, sizeof *idx);
    fa_chart_row *rows = fa_calloc_array(max, sizeof *rows);
    if (idx == NULL || rows == NULL) {
        free(idx);
        free(rows);
        fa_pdf__fail(p, FA_ENOMEM, "out of memory");
        return;
    }
    size_t shown = at->n_groups < max ? at->n_groups : max;
    int two = shown <= 8; /* two charts a row while the groups are few */
    double h = 58 + (two ? 12.0 : 9.5) * (double)shown;
    fa_pdf__need(p, h + 2 * FA_PDF_H2 + 10); /* the heading with its first chart */
    fa_pdf__heading(p, 2, "Key rates by group");
    int cut = 0;
    for (size_t k = 0; k < N_KEY && fa_pdf__ok(p); k += two ? 2 : 1) {
        fa_chart_box box = fa_pdf__box(p, 0, two ? 0.48 : 1.0, h);
        if (!fa_pdf__ok(p)) {
            break;
        }
        rate_chart(p, at, KEY[k], box, idx, rows, &cut);
        if (two && k + 1 < N_KEY) {
            box.x += 0.52 * (p->right - p->left);
            rate_chart(p, at, KEY[k + 1], box, idx, rows, &cut);
        }
        p->y -= h + 10;
    }
    free(idx);
    free(rows);
    char buf[400];
    snprintf(buf, sizeof buf,
             "Dots: each group's rate with its %s interval; hollow: below min_group_size. "
             "Vertical line: the reference group's rate; shaded: the band the policy allows "
             "around it.%s",
             p->r->ci_method == FA_CI_CLOPPER_PEARSON ? "Clopper-Pearson" : "Wilson",
             cut ? " Too many groups to show: each chart shows the groups with the highest and "
                   "the lowest values of its rate; the tables above list every group."
                 : "");
    fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, buf);
}

static void confusion(fa_pdf *p, const fa_attr_result *at)
{
    size_t n = at->n_groups, k = n < FA_PDF_MAX_CONFUSION ? n : FA_PDF_MAX_CONFUSION;
    unsigned char *used = fa_calloc_array(n ? n : 1, 1);
    if (used == NULL) {
        fa_pdf__fail(p, FA_ENOMEM, "out of memory");
        return;
    }
    char buf[300];
    snprintf(buf, sizeof buf, "%s: confusion matrices", at->name);
    fa_pdf__heading(p, 2, buf);
    double w = (p->right - p->left) / 3, h = 118;
    for (size_t i = 0; i < k && fa_pdf__ok(p); i++) {
        size_t best = n;
        for (size_t g = 0; g < n; g++) {
            if (!used[g] &&
                (best == n || at->groups[g].counts.rows > at->groups[best].counts.rows)) {
                best = g;
            }
        }
        used[best] = 1;
        if (i % 3 == 0) {
            if (i > 0) {
                p->y -= h + 8;
            }
            fa_pdf__need(p, h);
        }
        const fa_counts *c = &at->groups[best].counts;
        fa_chart_box box = {p->left + (double)(i % 3) * w, p->y - h, w - 10, h};
        fa_pdf__chart(p, fa_chart_confusion(p->page, box, &p->st, at->groups[best].value, c->tp,
                                            c->fp, c->fn, c->tn, p->err));
    }
    p->y -= h + 8;
    free(used);
    if (k < n) {
        snprintf(buf, sizeof buf,
                 "The %zu largest of %zu groups; the counts of every group are in the JSON "
                 "result.",
                 k, n);
        fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, buf);
    }
}

void fa_pdf__attributes(fa_pdf *p)
{
    const fa_result *r = p->r;
    for (size_t a = 0; a < r->n_attrs && fa_pdf__ok(p); a++) {
        const fa_attr_result *at = &r->attrs[a];
        char buf[600];
        snprintf(buf, sizeof buf, "Attribute: %s", at->name);
        fa_pdf__heading(p, 1, buf);
        size_t n_small = 0;
        for (size_t g = 0; g < at->n_groups; g++) {
            n_small += at->groups[g].small != 0;
        }
        int len = snprintf(buf, sizeof buf, "%zu groups; reference group: %s (%s). ", at->n_groups,
                           at->reference >= 0 ? at->groups[at->reference].value : "none",
                           at->reference_source ? at->reference_source : "-");
        size_t used = len > 0 && (size_t)len < sizeof buf ? (size_t)len : 0;
        if (n_small == 0) {
            snprintf(buf + used, sizeof buf - used, "No group is below min_group_size (%ld).",
                     r->min_group_size);
        } else {
            snprintf(buf + used, sizeof buf - used,
                     "%zu group%s below min_group_size (%ld) %s flagged and left out of the "
                     "summaries and gates.",
                     n_small, n_small == 1 ? "" : "s", r->min_group_size,
                     n_small == 1 ? "is" : "are");
        }
        fa_pdf__para(p, p->font, FA_PDF_BODY, 0, buf);
        if (!r->has_pred) {
            fa_pdf__para(p, p->font, FA_PDF_BODY, 0,
                         "A label-only audit: without a prediction column every rate of a "
                         "prediction is undefined; the data section has each group's size and "
                         "base rate.");
            continue;
        }
        fa_pdf__heading(p, 2, "Rates by group");
        rates_table(p, at);
        p->y -= 4;
        fa_pdf__para(p, p->font, FA_PDF_SMALL, 0,
                     "TPR: true positive rate; FPR: false positive rate; PPV: positive "
                     "predictive value. In brackets: the rate's confidence interval. "
                     "\xE2\x80\x9Cundefined\xE2\x80\x9D: a zero denominator.");
        if (at->reference >= 0 && r->has_pred) {
            fa_pdf__heading(p, 2, "Against the reference group");
            versus_table(p, at);
            p->y -= 4;
            fa_pdf__para(p, p->font, FA_PDF_SMALL, 0,
                         "Ratio and differences with their bootstrap intervals; p: the Holm-"
                         "adjusted p-value of the selection-rate test against the reference.");
        }
        if (r->has_pred) {
            rate_charts(p, at);
            confusion(p, at);
        }
    }
}

/* ------------------------------------------------------------------- scores */

/* The largest groups at or above min_group_size, at most max, in sorted order. */
static size_t largest_groups(size_t out[], const fa_attr_result *at, size_t max)
{
    size_t n = 0;
    for (size_t g = 0; g < at->n_groups; g++) {
        if (at->groups[g].small) {
            continue;
        }
        size_t pos = n;
        while (pos > 0 && at->groups[out[pos - 1]].counts.rows < at->groups[g].counts.rows) {
            pos--;
        }
        if (pos >= max) {
            continue;
        }
        size_t last = n < max ? n : max - 1;
        memmove(out + pos + 1, out + pos, (last - pos) * sizeof *out);
        out[pos] = g;
        n = n < max ? n + 1 : max;
    }
    return n;
}

static void scores_attr(fa_pdf *p, const fa_attr_result *at)
{
    const fa_result *r = p->r;
    size_t idx[FA_CHART_N_COLORS], m = r->n_sweep, nb_max = 64;
    size_t n = largest_groups(idx, at, FA_CHART_N_COLORS);
    fa_chart_series roc[FA_CHART_N_COLORS], sel[FA_CHART_N_COLORS], cal[FA_CHART_N_COLORS];
    double *buf = fa_calloc_array(FA_CHART_N_COLORS * (4 * m + 2 * nb_max) + 1, sizeof *buf);
    if (buf == NULL) {
        fa_pdf__fail(p, FA_ENOMEM, "out of memory");
        return;
    }
    size_t n_roc = 0, n_cal = 0;
    for (size_t i = 0; i < n; i++) {
        const fa_group_result *x = &at->groups[idx[i]];
        double *fx = buf + i * (4 * m + 2 * nb_max), *ty = fx + m, *th = ty + m, *sr = th + m;
        double *cx = sr + m, *cy = cx + nb_max;
        for (size_t k = 0; x->sweep && k < m; k++) {
            fx[k] = x->sweep[k].fpr;
            ty[k] = x->sweep[k].tpr;
            th[k] = x->sweep[k].threshold;
            sr[k] = x->sweep[k].selection_rate;
        }
        if (x->sweep) {
            roc[n_roc] = (fa_chart_series){x->value, fx, ty, m};
            sel[n_roc++] = (fa_chart_series){x->value, th, sr, m};
        }
        size_t nb = 0, kc = 0;
        const fa_calibration_bin *bins = x->scores ? fa_scores_bins(x->scores, &nb) : NULL;
        for (size_t k = 0; bins && k < nb && kc < nb_max; k++) {
            if (bins[k].weight > 0) {
                cx[kc] = bins[k].mean_predicted;
                cy[kc++] = bins[k].observed_rate;
            }
        }
        if (kc > 0) {
            cal[n_cal++] = (fa_chart_series){x->value, cx, cy, kc};
        }
    }
    if (n_roc + n_cal > 0) {
        char title[300];
        snprintf(title, sizeof title, "%s: score curves", at->name);
        fa_pdf__heading(p, 2, title);
        double h = 210;
        fa_chart_box box = fa_pdf__box(p, 0, 0.48, h);
        if (fa_pdf__ok(p) && n_roc > 0) {
            fa_pdf__chart(p,
                          fa_chart_lines(p->page, box, &p->st, "ROC curve", "false positive rate",
                                         "true positive rate", roc, n_roc, 0, 1, 0, 1, 1, p->err));
            box.x += 0.52 * (p->right - p->left);
            fa_pdf__chart(p, fa_chart_lines(p->page, box, &p->st, "Selection rate by threshold",
                                            "threshold (score >= t)", "selection rate", sel, n_roc,
                                            NAN, NAN, 0, 1, 0, p->err));
            p->y -= h + 8;
        }
        if (n_cal > 0) {
            box = fa_pdf__box(p, 0, 0.48, h);
            if (fa_pdf__ok(p)) {
                fa_pdf__chart(p, fa_chart_lines(p->page, box, &p->st, "Calibration",
                                                "mean predicted score", "observed positive rate",
                                                cal, n_cal, 0, 1, 0, 1, 1, p->err));
                p->y -= h + 8;
            }
        }
        snprintf(title, sizeof title,
                 "Curves of %s at or above min_group_size (the ROC curve and the selection "
                 "rate at %zu thresholds shared by every group; calibration: the reliability "
                 "bins that hold rows). The table above lists every group.",
                 at->n_groups > n ? "the largest groups" : "the groups", m);
        fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, title);
    }
    free(buf);
}

void fa_pdf__scores(fa_pdf *p)
{
    const fa_result *r = p->r;
    if (r->overall_scores == NULL) {
        return;
    }
    fa_pdf__heading(p, 1, "Scores");
    for (size_t a = 0; a < r->n_attrs && fa_pdf__ok(p); a++) {
        const fa_attr_result *at = &r->attrs[a];
        static const fa_pdf_col COLS[] = {{"group", 0.28, 0},          {"ROC AUC", 0.12, 1},
                                          {"avg. precision", 0.15, 1}, {"Brier", 0.12, 1},
                                          {"log loss", 0.11, 1},       {"ECE", 0.11, 1},
                                          {"mean score", 0.11, 1}};
        char cap[300];
        snprintf(cap, sizeof cap, "Score metrics by %s", at->name);
        fa_pdf__heading(p, 2, cap);
        fa_pdf_table t;
        fa_pdf__table_begin(p, &t, COLS, 7, cap);
        static const fa_score_metric SM[6] = {FA_SCORE_ROC_AUC, FA_SCORE_AVERAGE_PRECISION,
                                              FA_SCORE_BRIER,   FA_SCORE_LOG_LOSS,
                                              FA_SCORE_ECE,     FA_SCORE_MEAN};
        for (size_t g = 0; g < at->n_groups && fa_pdf__ok(p); g++) {
            const fa_group_result *x = &at->groups[g];
            char c[6][48];
            for (int k = 0; k < 6; k++) {
                fa_pdf__num(c[k], sizeof c[k],
                            x->scores ? fa_scores_value(x->scores, SM[k], NULL) : NAN, 3);
            }
            const char *cells[7] = {x->value, c[0], c[1], c[2], c[3], c[4], c[5]};
            fa_pdf__table_row(p, &t, cells, x->small ? 0.45 : 0);
        }
        scores_attr(p, at);
    }
}

/* ------------------------------------------------------------- attributions */

/* Most features an attribution chart shows (the largest by |value|; the rest are summed into
 * one "other features" step in the waterfall). */
#define FA_PDF_MAX_FEATURES 20

typedef struct ranked {
    size_t j;
    double key;
} ranked;

static int ranked_cmp(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    int an = isnan(a->key), bn = isnan(b->key);
    if (an != bn) {
        return an - bn; /* undefined last */
    }
    if (!an && a->key != b->key) {
        return a->key > b->key ? -1 : 1;
    }
    return a->j < b->j ? -1 : a->j > b->j;
}

/* The indices of the k features with the largest |v[j]| (k <= n), largest first. */
static size_t top_features(size_t out[], const double v[], size_t n, size_t k)
{
    ranked *r = fa_alloc_array(n ? n : 1, sizeof *r);
    if (r == NULL) {
        return 0;
    }
    for (size_t j = 0; j < n; j++) {
        r[j].j = j;
        r[j].key = fabs(v[j]);
    }
    qsort(r, n, sizeof *r, ranked_cmp);
    k = k < n ? k : n;
    for (size_t i = 0; i < k; i++) {
        out[i] = r[i].j;
    }
    free(r);
    return k;
}

/* Feature names, values and optional bounds in the order idx[0..k). */
typedef struct picked {
    const char *names[FA_PDF_MAX_FEATURES + 1];
    double v[FA_PDF_MAX_FEATURES + 1], lo[FA_PDF_MAX_FEATURES + 1], hi[FA_PDF_MAX_FEATURES + 1];
} picked;

static void pick_features(picked *pk, const size_t idx[], size_t k, char **names, const double *v,
                          const double *lo, const double *hi)
{
    for (size_t i = 0; i < k; i++) {
        pk->names[i] = names[idx[i]];
        pk->v[i] = v[idx[i]];
        pk->lo[i] = lo ? lo[idx[i]] : NAN;
        pk->hi[i] = hi ? hi[idx[i]] : NAN;
    }
}

static void shown_note(fa_pdf *p, size_t k, size_t n, const char *by)
{
    if (k < n) {
        char buf[200];
        snprintf(buf, sizeof buf, "The %zu features with the largest %s of %zu.", k, by, n);
        fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, buf);
    }
}

static void permutation_run(fa_pdf *p, const fa_attribution *at)
{
    size_t idx[FA_PDF_MAX_FEATURES];
    size_t k = top_features(idx, at->mean, at->n, FA_PDF_MAX_FEATURES);
    picked pk;
    pick_features(&pk, idx, k, at->names, at->mean, NULL, NULL);
    for (size_t i = 0; i < k; i++) {
        pk.lo[i] = at->mean[idx[i]] - at->std[idx[i]];
        pk.hi[i] = at->mean[idx[i]] + at->std[idx[i]];
    }
    char title[400], base[48];
    snprintf(title, sizeof title, "Permutation importance: %s%s%s", at->scoring,
             at->attribute ? " by " : "", at->attribute ? at->attribute : "");
    double h = 50 + 12.0 * (double)k;
    fa_pdf__need(p, h + 2 * FA_PDF_H2 + 10);
    fa_pdf__heading(p, 2, title);
    fa_chart_box box = fa_pdf__box(p, 0, 1, h);
    if (fa_pdf__ok(p)) {
        fa_pdf__chart(p, fa_chart_hbars(p->page, box, &p->st, "Mean change in the score",
                                        "change in score when the feature is shuffled", pk.names,
                                        pk.v, pk.lo, pk.hi, k, p->err));
        p->y -= h + 6;
    }
    shown_note(p, k, at->n, "mean importance in absolute value");
    snprintf(title, sizeof title,
             "Mean over %zu shuffles of %zu rows, whiskers one standard deviation; unshuffled "
             "score %s.%s",
             at->repeats, at->rows, fa_pdf__num(base, sizeof base, at->baseline, 4),
             at->attribute ? " For a difference, a positive value means the feature carries "
                             "part of the disparity; for a ratio, a negative one."
                           : "");
    fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, title);
}

/* The waterfall of the group whose mean output is farthest from the reference group's. */
static void shapley_waterfall(fa_pdf *p, const fa_attribution *at)
{
    size_t worst = (size_t)at->reference;
    double wd = -1;
    for (size_t g = 0; g < at->n_groups; g++) {
        double d = fabs(at->group_output[g] - at->group_output[at->reference]);
        if ((long)g != at->reference && d > wd) {
            wd = d;
            worst = g;
        }
    }
    if (worst == (size_t)at->reference) {
        return;
    }
    const double *gap = at->gap + worst * at->n;
    size_t idx[FA_PDF_MAX_FEATURES];
    size_t k = top_features(idx, gap, at->n, FA_PDF_MAX_FEATURES);
    picked pk;
    pick_features(&pk, idx, k, at->names, gap, at->gap_lo ? at->gap_lo + worst * at->n : NULL,
                  at->gap_hi ? at->gap_hi + worst * at->n : NULL);
    char other[64];
    int summed = k < at->n;
    if (summed) { /* the rest in one step, so the steps still add up to the gap */
        double rest = 0;
        unsigned char *in = fa_calloc_array(at->n, 1);
        if (in == NULL) {
            fa_pdf__fail(p, FA_ENOMEM, "out of memory");
            return;
        }
        for (size_t i = 0; i < k; i++) {
            in[idx[i]] = 1;
        }
        for (size_t j = 0; j < at->n; j++) {
            rest += in[j] || isnan(gap[j]) ? 0.0 : gap[j];
        }
        free(in);
        snprintf(other, sizeof other, "%zu other features", at->n - k);
        pk.names[k] = other;
        pk.v[k] = rest;
        pk.lo[k] = pk.hi[k] = NAN;
        k++;
    }
    double h = 70 + 12.0 * (double)k;
    char t2[600];
    snprintf(t2, sizeof t2, "Disparity in mean output: %s against %s", at->group_names[worst],
             at->group_names[at->reference]);
    fa_pdf__need(p, h + 2 * FA_PDF_H2 + 10);
    fa_pdf__heading(p, 2, "Where the disparity comes from");
    fa_chart_box box = fa_pdf__box(p, 0, 1, h);
    if (fa_pdf__ok(p)) {
        fa_pdf__chart(p, fa_chart_waterfall(p->page, box, &p->st, t2, "mean model output",
                                            at->group_names[at->reference],
                                            at->group_output[at->reference], pk.names, pk.v,
                                            at->gap_lo ? pk.lo : NULL, at->gap_hi ? pk.hi : NULL, k,
                                            at->group_names[worst], p->err));
        p->y -= h + 6;
    }
    char buf[400];
    snprintf(buf, sizeof buf,
             "Each step is a feature's mean Shapley value in %s minus in %s; the steps add up "
             "to the difference in mean output.%s%s",
             at->group_names[worst], at->group_names[at->reference],
             at->bootstrap ? " Whiskers: bootstrap intervals over rows." : "",
             summed ? " The smallest steps are summed into one." : "");
    fa_pdf__para(p, p->font, FA_PDF_SMALL, 0, buf);
}

static void shapley_run(fa_pdf *p, const fa_attribution *at)
{
    char title[400];
    snprintf(title, sizeof title, "Shapley values (%s, %s)%s%s", at->method,
             at->output ? at->output : "margin", at->attribute ? " by " : "",
             at->attribute ? at->attribute : "");
    size_t idx[FA_PDF_MAX_FEATURES];
    size_t k = top_features(idx, at->mean, at->n, FA_PDF_MAX_FEATURES);
    picked pk;
    pick_features(&pk, idx, k, at->names, at->mean, NULL, NULL);
    double h = 50 + 12.0 * (double)k;
    fa_pdf__need(p, h + 2 * FA_PDF_H2 + 10);
    fa_pdf__heading(p, 2, title);
    fa_chart_box box = fa_pdf__box(p, 0, 1, h);
    if (fa_pdf__ok(p)) {
        fa_pdf__chart(p, fa_chart_hbars(p->page, box, &p->st, "Global importance", "mean |phi|",
                                        pk.names, pk.v, NULL, NULL, k, p->err));
        p->y -= h + 8;
    }
    shown_note(p, k, at->n, "mean |phi|");
    if (at->sample_rows > 0 && at->sample_phi && k > 0) {
        /* the same features, columns picked out of the row-major samples */
        double *phi = fa_alloc_array(at->sample_rows * k, sizeof *phi);
        double *x = at->sample_x ? fa_alloc_array(at->sample_rows * k, sizeof *x) : NULL;
        if (phi == NULL || (at->sample_x && x == NULL)) {
            free(phi);
            free(x);
            fa_pdf__fail(p, FA_ENOMEM, "out of memory");
            return;
        }
        for (size_t r = 0; r < at->sample_rows; r++) {
            for (size_t i = 0; i < k; i++) {
                phi[r * k + i] = at->sample_phi[r * at->n + idx[i]];
                if (x) {
                    x[r * k + i] = at->sample_x[r * at->n + idx[i]];
                }
            }
        }
        h = 60 + 13.0 * (double)k;
        box = fa_pdf__box(p, 0, 1, h);
        if (fa_pdf__ok(p)) {
            snprintf(title, sizeof title, "Shapley values of %zu sampled rows", at->sample_rows);
            fa_pdf__chart(p, fa_chart_beeswarm(p->page, box, &p->st, title, "phi", pk.names, k, phi,
                                               x, at->sample_rows, p->err));
            p->y -= h + 8;
        }
        free(phi);
        free(x);
    }
    if (at->n_groups > 1 && at->reference >= 0 && at->gap && at->group_output) {
        shapley_waterfall(p, at);
    }
}

void fa_pdf__attributions(fa_pdf *p)
{
    const fa_result *r = p->r;
    if (r->n_attributions == 0) {
        return;
    }
    fa_pdf__heading(p, 1, "Attributions");
    for (size_t i = 0; i < r->n_attributions && fa_pdf__ok(p); i++) {
        const fa_attribution *at = &r->attributions[i];
        if (at->n == 0 || at->names == NULL || at->mean == NULL) {
            continue;
        }
        if (strcmp(at->method, "permutation") == 0) {
            if (at->std) {
                permutation_run(p, at);
            }
        } else {
            shapley_run(p, at);
        }
    }
}
