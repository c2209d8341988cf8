/*
 * reports/text.c - the human-readable summary on stdout: per attribute a table with groups as
 * rows and the key rates and their ratios to the reference as columns (the reference marked,
 * small groups flagged, undefined shown as "-"), the named summaries, then the gates and the
 * verdict. Plain ASCII layout; group names are printed as they are.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "metrics/summary.h"
#include "reports/result.h"

static void cell(FILE *f, double v, int width, int prec)
{
    if (isnan(v)) {
        fprintf(f, " %*s", width, "-");
    } else {
        fprintf(f, " %*.*f", width, prec, v);
    }
}

static const fa_metric KEY[] = {FA_METRIC_SELECTION_RATE, FA_METRIC_TRUE_POSITIVE_RATE,
                                FA_METRIC_FALSE_POSITIVE_RATE, FA_METRIC_POSITIVE_PREDICTIVE_VALUE,
                                FA_METRIC_ACCURACY};
static const char *const KEY_HDR[] = {"sel_rate", "TPR", "FPR", "PPV", "accuracy"};
#define N_KEY (sizeof KEY / sizeof KEY[0])

/* A label-only audit (no prediction): sizes and base rates. */
static void label_table(FILE *f, const fa_attr_result *at, int w)
{
    fprintf(f, "  %-*s %10s %8s %8s %9s  %s\n", w + 2, "group", "n", "share", "base_rt", "BR_ratio",
            "flags");
    for (size_t g = 0; g < at->n_groups; g++) {
        const fa_group_result *gr = &at->groups[g];
        fprintf(f, "  %s %-*.*s", gr->is_reference ? "*" : " ", w + 1, w, gr->value);
        fprintf(f, " %10.10g", gr->metrics[FA_METRIC_COUNT]);
        cell(f, gr->metrics[FA_METRIC_SHARE], 8, 4);
        cell(f, gr->metrics[FA_METRIC_BASE_RATE], 8, 4);
        cell(f, gr->ratio[FA_METRIC_BASE_RATE], 9, 4);
        fprintf(f, "  %s\n", gr->small ? "small (excluded)" : "");
    }
}

static void attr_table(FILE *f, const fa_result *r, const fa_attr_result *at)
{
    int w = 5;
    for (size_t g = 0; g < at->n_groups; g++) {
        int l = (int)strlen(at->groups[g].value);
        if (l > w) {
            w = l > 40 ? 40 : l;
        }
    }
    fprintf(f, "\n%s (reference: %s, %s)\n", at->name,
            at->reference >= 0 ? at->groups[at->reference].value : "none",
            at->reference_source ? at->reference_source : "-");
    if (!r->has_pred) {
        label_table(f, at, w);
        return;
    }
    fprintf(f, "  %-*s %10s", w + 2, "group", "n");
    for (size_t k = 0; k < N_KEY; k++) {
        fprintf(f, " %8s", KEY_HDR[k]);
    }
    fprintf(f, " %8s %8s %15s  %s\n", "SR_ratio", "TPR_diff", "sel_rate CI", "flags");
    for (size_t g = 0; g < at->n_groups; g++) {
        const fa_group_result *gr = &at->groups[g];
        fprintf(f, "  %s %-*.*s", gr->is_reference ? "*" : " ", w + 1, w, gr->value);
        fprintf(f, " %10.10g", gr->metrics[FA_METRIC_COUNT]);
        for (size_t k = 0; k < N_KEY; k++) {
            cell(f, gr->metrics[KEY[k]], 8, 4);
        }
        cell(f, gr->ratio[FA_METRIC_SELECTION_RATE], 8, 4);
        cell(f, gr->diff[FA_METRIC_TRUE_POSITIVE_RATE], 8, 4);
        const fa_interval *ci = &gr->ci[FA_METRIC_SELECTION_RATE];
        if (isnan(ci->lo)) {
            fprintf(f, " %15s", "-");
        } else {
            fprintf(f, "   %.4f-%.4f", ci->lo, ci->hi);
        }
        fprintf(f, "  %s\n", gr->small ? "small (excluded)" : "");
    }
    fprintf(f, "  summary%s:", at->boot ? " [bootstrap CI]" : "");
    static const int SHOWN[] = {FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE,
                                FA_SUMMARY_DEMOGRAPHIC_PARITY_RATIO,
                                FA_SUMMARY_EQUALIZED_ODDS_DIFFERENCE};
    for (size_t k = 0; k < sizeof SHOWN / sizeof SHOWN[0]; k++) {
        double v = at->summary[SHOWN[k]];
        if (isnan(v)) {
            fprintf(f, " %s undefined", fa_summary_name(SHOWN[k]));
        } else {
            fprintf(f, " %s %.4f", fa_summary_name(SHOWN[k]), v);
            const fa_bootstrap_ci *c = at->boot ? fa_bootstrap_summary(at->boot, SHOWN[k]) : NULL;
            if (c && !isnan(c->lo)) {
                fprintf(f, " [%.4f, %.4f]", c->lo, c->hi);
            }
        }
        fprintf(f, "%s", k + 1 < sizeof SHOWN / sizeof SHOWN[0] ? "," : "\n");
    }
}

int fa_result_write_text(const fa_result *res, FILE *f, fa_error *err)
{
    char pred[160];
    if (res->pred) {
        snprintf(pred, sizeof pred, "prediction %s", res->pred);
    } else if (res->has_pred) {
        snprintf(pred, sizeof pred, "prediction %s >= %g", res->score, res->threshold);
    } else {
        snprintf(pred, sizeof pred, "no prediction (labels only)");
    }
    fprintf(f, "fairaudit %s: %s, %llu rows; label %s, %s%s%s\n", FA_VERSION,
            res->input_path ? res->input_path : "(input)", (unsigned long long)res->rows,
            res->label ? res->label : "-", pred, res->score ? ", score " : "",
            res->score ? res->score : "");
    if (!res->has_pred) {
        fprintf(f, "overall: base_rate %.4f\n", res->overall_metrics[FA_METRIC_BASE_RATE]);
    } else
        fprintf(f,
                "overall: selection_rate %.4f, true_positive_rate %.4f, false_positive_rate "
                "%.4f, accuracy %.4f\n",
                res->overall_metrics[FA_METRIC_SELECTION_RATE],
                res->overall_metrics[FA_METRIC_TRUE_POSITIVE_RATE],
                res->overall_metrics[FA_METRIC_FALSE_POSITIVE_RATE],
                res->overall_metrics[FA_METRIC_ACCURACY]);
    for (size_t a = 0; a < res->n_attrs; a++) {
        attr_table(f, res, &res->attrs[a]);
    }
    fprintf(f,
            "  (* reference group; '-' undefined; groups with fewer than %ld rows are "
            "excluded from summaries)\n",
            res->min_group_size);
    for (size_t i = 0; i < res->n_attributions; i++) {
        const fa_attribution *a = &res->attributions[i];
        if (a->scoring != NULL) { /* permutation importance */
            fprintf(f, "\n%s importance, %s%s%s (baseline %.4f, %zu repeats): top features\n",
                    a->method, a->scoring, a->attribute ? " over " : "",
                    a->attribute ? a->attribute : "", a->baseline, a->repeats);
        } else { /* Shapley values: mean |phi| */
            fprintf(f, "\n%s Shapley values (%s)%s%s, %zu rows: top features by mean |phi|\n",
                    a->method, a->output ? a->output : "margin", a->attribute ? ", groups of " : "",
                    a->attribute ? a->attribute : "", a->rows);
        }
        /* the five largest |mean|, without sorting the stored order */
        int shown[5] = {-1, -1, -1, -1, -1};
        for (int s = 0; s < 5 && (size_t)s < a->n; s++) {
            int best = -1;
            for (size_t k = 0; k < a->n; k++) {
                int used = 0;
                for (int u = 0; u < s; u++) {
                    used |= shown[u] == (int)k;
                }
                if (!used && (best < 0 || fabs(a->mean[k]) > fabs(a->mean[best]))) {
                    best = (int)k;
                }
            }
            shown[s] = best;
            fprintf(f, "  %-40.40s %10.5f +- %.5f\n", a->names[best], a->mean[best], a->std[best]);
        }
    }
    if (res->n_gates > 0) {
        fprintf(f, "\ngates:\n");
        for (size_t i = 0; i < res->n_gates; i++) {
            const fa_gate_result *g = &res->gates[i];
            const char *o = g->verdict == FA_VERDICT_PASSED   ? "PASS"
                            : g->verdict == FA_VERDICT_FAILED ? "FAIL"
                                                              : "INCONCLUSIVE";
            fprintf(f, "  %-12s %s [%s]%s", o, g->spec->name, g->attribute,
                    g->spec->warning ? " (warning only)" : "");
            if (!isnan(g->value)) {
                fprintf(f, " value %.4f", g->value);
            }
            if (g->spec->has_min) {
                fprintf(f, " min %g", g->spec->min);
            }
            if (g->spec->has_max) {
                fprintf(f, " max %g", g->spec->max);
            }
            fprintf(f, "\n");
            if (g->reason) {
                fprintf(f, "               %s\n", g->reason);
            }
        }
    }
    const char *v = res->verdict == FA_VERDICT_PASSED   ? "PASSED"
                    : res->verdict == FA_VERDICT_FAILED ? "FAILED"
                                                        : "INCONCLUSIVE";
    fprintf(f, "\nverdict: %s (exit status %d)\n", res->n_gates ? v : "PASSED (no gates)",
            fa_result_exit_status(res));
    if (ferror(f)) {
        return fa_error_set(err, FA_EIO, NULL, 0, 0, "cannot write the summary");
    }
    return FA_OK;
}
