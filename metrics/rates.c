/*
 * metrics/rates.c - every per-group metric of METRICS.md as a pure function of the group's
 * weighted confusion counts (TP, FP, TN, FN) and, for share and predicted_positive_share, the
 * counts of the whole population.
 *
 * A metric whose denominator is zero is undefined: NAN plus the reason, never 0 (fairlearn
 * reports 0 for a TPR without positives and AIF360 0 for a PPV without predicted positives;
 * both hide missing evidence). Denominators are checked explicitly, never divided through.
 */
#include "metrics/rates.h"

#include <math.h>
#include <string.h>

typedef struct metric_info {
    const char *name;
    const char *aliases[4];
    const char *definition;
} metric_info;

/* Indexed by fa_metric. */
static const metric_info METRICS[FA_METRIC_COUNT_ALL] = {
    {"count",
     {"n", "size", NULL, NULL},
     "count = n = TP + FP + TN + FN, the (weighted) number of rows in the group; never undefined."},
    {"share",
     {NULL, NULL, NULL, NULL},
     "share = n / n_all, the group's share of all rows; undefined when there are no rows."},
    {"base_rate",
     {"prevalence", "prev", NULL, NULL},
     "base_rate = P / n, the share of actual positives (P = TP + FN); undefined when n = 0."},
    {"selection_rate",
     {"sr", "pprev", NULL, NULL},
     "selection_rate = PP / n, the share predicted positive (PP = TP + FP); undefined when n = 0."},
    {"predicted_positive_share",
     {"ppr", NULL, NULL, NULL},
     "predicted_positive_share = PP / PP_all, the group's share of all positive predictions "
     "(Aequitas ppr); undefined when nobody is predicted positive."},
    {"true_positive_rate",
     {"tpr", "recall", "sensitivity", NULL},
     "true_positive_rate = TP / P, the share of actual positives predicted positive; undefined "
     "when the group has no actual positives (P = 0)."},
    {"false_negative_rate",
     {"fnr", "miss_rate", NULL, NULL},
     "false_negative_rate = FN / P; undefined when the group has no actual positives."},
    {"false_positive_rate",
     {"fpr", "fall_out", NULL, NULL},
     "false_positive_rate = FP / N, the share of actual negatives predicted positive; undefined "
     "when the group has no actual negatives (N = FP + TN = 0)."},
    {"true_negative_rate",
     {"tnr", "specificity", NULL, NULL},
     "true_negative_rate = TN / N; undefined when the group has no actual negatives."},
    {"positive_predictive_value",
     {"ppv", "precision", NULL, NULL},
     "positive_predictive_value = TP / PP, the share of positive predictions that are right; "
     "undefined when nobody in the group is predicted positive."},
    {"false_discovery_rate",
     {"fdr", NULL, NULL, NULL},
     "false_discovery_rate = FP / PP; undefined when nobody in the group is predicted "
     "positive."},
    {"negative_predictive_value",
     {"npv", NULL, NULL, NULL},
     "negative_predictive_value = TN / PN (PN = TN + FN); undefined when nobody in the group is "
     "predicted negative."},
    {"false_omission_rate",
     {"for", NULL, NULL, NULL},
     "false_omission_rate = FN / PN; undefined when nobody in the group is predicted negative."},
    {"accuracy", {"acc", NULL, NULL, NULL}, "accuracy = (TP + TN) / n; undefined when n = 0."},
    {"error_rate",
     {"err", NULL, NULL, NULL},
     "error_rate = (FP + FN) / n = 1 - accuracy; undefined when n = 0."},
    {"balanced_accuracy",
     {NULL, NULL, NULL, NULL},
     "balanced_accuracy = (TPR + TNR) / 2; undefined when the group has no actual positives or "
     "no actual negatives."},
    {"f1",
     {"f1_score", NULL, NULL, NULL},
     "f1 = 2TP / (2TP + FP + FN); undefined when TP + FP + FN = 0."},
    {"treatment_equality",
     {NULL, NULL, NULL, NULL},
     "treatment_equality = FN / FP; undefined when the group has no false positives."},
    {"mean_score",
     {NULL, NULL, NULL, NULL},
     "mean_score = the weighted mean of the score column over the group; undefined without a "
     "score column or when no row of the group has a score."},
};

const char *fa_metric_name(fa_metric m)
{
    if ((int)m < 0 || m >= FA_METRIC_COUNT_ALL) {
        return NULL;
    }
    return METRICS[m].name;
}

const char *fa_metric_definition(fa_metric m)
{
    if ((int)m < 0 || m >= FA_METRIC_COUNT_ALL) {
        return NULL;
    }
    return METRICS[m].definition;
}

int fa_metric_from_name(const char *name)
{
    if (name == NULL) {
        return -1;
    }
    for (int m = 0; m < FA_METRIC_COUNT_ALL; m++) {
        if (strcmp(name, METRICS[m].name) == 0) {
            return m;
        }
        for (int k = 0; k < 4 && METRICS[m].aliases[k]; k++) {
            if (strcmp(name, METRICS[m].aliases[k]) == 0) {
                return m;
            }
        }
    }
    return -1;
}

int fa_rates_has_disparity(fa_metric m)
{
    return m != FA_METRIC_COUNT && m != FA_METRIC_SHARE;
}

void fa_counts_add(fa_counts *dst, const fa_counts *src)
{
    dst->tp += src->tp;
    dst->fp += src->fp;
    dst->tn += src->tn;
    dst->fn += src->fn;
    dst->score_sum += src->score_sum;
    dst->score_weight += src->score_weight;
    dst->rows += src->rows;
}

void fa_counts_add_row(fa_counts *c, int label, int pred, double weight, double score)
{
    /* branch-free: labels and predictions are random to a branch predictor */
    const double l = label ? 1.0 : 0.0, p = pred ? 1.0 : 0.0;
    const double lw = l * weight, nlw = weight - lw;
    c->tp += lw * p;
    c->fn += lw - lw * p;
    c->fp += nlw * p;
    c->tn += nlw - nlw * p;
    if (!isnan(score)) {
        c->score_sum += weight * score;
        c->score_weight += weight;
    }
    c->rows++;
}

/* num / den, or NAN with the reason when den is 0. */
static double ratio(double num, double den, const char *why, const char **reason)
{
    if (den == 0.0) {
        *reason = why;
        return NAN;
    }
    return num / den;
}

double fa_metric_value(fa_metric m, const fa_counts *g, const fa_counts *all, const char **reason)
{
    const char *dummy;
    if (reason == NULL) {
        reason = &dummy;
    }
    *reason = NULL;
    const double p = g->tp + g->fn, nn = g->fp + g->tn;
    const double pp = g->tp + g->fp, pn = g->tn + g->fn;
    const double n = p + nn;
    switch (m) {
    case FA_METRIC_COUNT:
        return n;
    case FA_METRIC_SHARE: {
        double n_all = all ? all->tp + all->fn + all->fp + all->tn : 0.0;
        return ratio(n, n_all, "no rows", reason);
    }
    case FA_METRIC_BASE_RATE:
        return ratio(p, n, "no rows", reason);
    case FA_METRIC_SELECTION_RATE:
        return ratio(pp, n, "no rows", reason);
    case FA_METRIC_PREDICTED_POSITIVE_SHARE: {
        double pp_all = all ? all->tp + all->fp : 0.0;
        return ratio(pp, pp_all, "no predicted positives overall", reason);
    }
    case FA_METRIC_TRUE_POSITIVE_RATE:
        return ratio(g->tp, p, "no actual positives", reason);
    case FA_METRIC_FALSE_NEGATIVE_RATE:
        return ratio(g->fn, p, "no actual positives", reason);
    case FA_METRIC_FALSE_POSITIVE_RATE:
        return ratio(g->fp, nn, "no actual negatives", reason);
    case FA_METRIC_TRUE_NEGATIVE_RATE:
        return ratio(g->tn, nn, "no actual negatives", reason);
    case FA_METRIC_POSITIVE_PREDICTIVE_VALUE:
        return ratio(g->tp, pp, "no predicted positives", reason);
    case FA_METRIC_FALSE_DISCOVERY_RATE:
        return ratio(g->fp, pp, "no predicted positives", reason);
    case FA_METRIC_NEGATIVE_PREDICTIVE_VALUE:
        return ratio(g->tn, pn, "no predicted negatives", reason);
    case FA_METRIC_FALSE_OMISSION_RATE:
        return ratio(g->fn, pn, "no predicted negatives", reason);
    case FA_METRIC_ACCURACY:
        return ratio(g->tp + g->tn, n, "no rows", reason);
    case FA_METRIC_ERROR_RATE:
        return ratio(g->fp + g->fn, n, "no rows", reason);
    case FA_METRIC_BALANCED_ACCURACY:
        if (p == 0.0) {
            *reason = "no actual positives";
            return NAN;
        }
        if (nn == 0.0) {
            *reason = "no actual negatives";
            return NAN;
        }
        return (g->tp / p + g->tn / nn) / 2.0;
    case FA_METRIC_F1:
        return ratio(2.0 * g->tp, 2.0 * g->tp + g->fp + g->fn, "no positives, actual or predicted",
                     reason);
    case FA_METRIC_TREATMENT_EQUALITY:
        return ratio(g->fn, g->fp, "no false positives", reason);
    case FA_METRIC_MEAN_SCORE:
        return ratio(g->score_sum, g->score_weight, "no scores", reason);
    case FA_METRIC_COUNT_ALL:
    default:
        *reason = "unknown metric";
        return NAN;
    }
}
