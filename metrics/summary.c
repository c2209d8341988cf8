/*
 * metrics/summary.c - named summaries and AIF360's pairwise metrics.
 *
 * Summaries (fairlearn, METRICS.md "Named summaries"), between groups:
 *   demographic_parity_difference / _ratio  = selection_rate max - min / min / max
 *   equalized_odds_difference = max(TPR difference, FPR difference)      (fairlearn worst_case)
 *   equalized_odds_ratio      = min(TPR ratio, FPR ratio)
 *   equal_opportunity_difference / _ratio   = TPR between groups
 *   predictive_parity_difference / _ratio   = PPV between groups
 *   error_rate_difference / _ratio          = error rate between groups
 * and the same "_to_overall" (fairlearn method="to_overall"). A summary built from two
 * disparities is undefined when either is.
 *
 * AIF360 pairwise (ClassificationMetric, unprivileged u against privileged p):
 *   statistical_parity_difference = SR(u) - SR(p); disparate_impact = SR(u) / SR(p);
 *   average_odds_difference = ((FPR(u) - FPR(p)) + (TPR(u) - TPR(p))) / 2;
 *   average_abs_odds_difference = (|dFPR| + |dTPR|) / 2; equal_opportunity_difference =
 *   true_positive_rate_difference = TPR(u) - TPR(p); error_rate_difference / _ratio on
 *   1 - accuracy; false_{positive,negative,discovery,omission}_rate_difference.
 */
#include "metrics/summary.h"

#include <math.h>
#include <string.h>

static const char *const NAMES[FA_SUMMARY_SLOTS] = {
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "predictive_parity_difference",
    "predictive_parity_ratio",
    "error_rate_difference",
    "error_rate_ratio",
    "demographic_parity_difference_to_overall",
    "demographic_parity_ratio_to_overall",
    "equalized_odds_difference_to_overall",
    "equalized_odds_ratio_to_overall",
    "equal_opportunity_difference_to_overall",
    "equal_opportunity_ratio_to_overall",
    "predictive_parity_difference_to_overall",
    "predictive_parity_ratio_to_overall",
    "error_rate_difference_to_overall",
    "error_rate_ratio_to_overall",
};

/* NOLINTBEGIN(bugprone-suspicious-missing-comma): long sentences split over lines */
static const char *const DEFINITIONS[FA_SUMMARY_COUNT] = {
    "largest minus smallest selection rate over the groups (fairlearn)",
    "smallest selection rate divided by the largest (fairlearn; the four-fifths rule asks >= 0.8)",
    "the larger of the true-positive-rate difference and the false-positive-rate difference "
    "between groups (fairlearn, worst case)",
    "the smaller of the true-positive-rate ratio and the false-positive-rate ratio between groups "
    "(fairlearn)",
    "largest minus smallest true positive rate over the groups",
    "smallest true positive rate divided by the largest",
    "largest minus smallest positive predictive value (precision) over the groups",
    "smallest positive predictive value divided by the largest",
    "largest minus smallest error rate (1 - accuracy) over the groups",
    "smallest error rate divided by the largest",
};
/* NOLINTEND(bugprone-suspicious-missing-comma) */

const char *fa_summary_name(int i)
{
    return i >= 0 && i < FA_SUMMARY_SLOTS ? NAMES[i] : NULL;
}

int fa_summary_from_name(const char *name)
{
    for (int i = 0; name && i < FA_SUMMARY_SLOTS; i++) {
        if (strcmp(name, NAMES[i]) == 0) {
            return i;
        }
    }
    return -1;
}

const char *fa_summary_definition(int i)
{
    if (i < 0 || i >= FA_SUMMARY_SLOTS) {
        return NULL;
    }
    return DEFINITIONS[i % FA_SUMMARY_COUNT];
}

static double max2(double a, double b)
{
    return (isnan(a) || isnan(b)) ? NAN : (a > b ? a : b);
}

static double min2(double a, double b)
{
    return (isnan(a) || isnan(b)) ? NAN : (a < b ? a : b);
}

/* Fills the FA_SUMMARY_COUNT slots from difference/ratio pairs of one method. */
static void fill(double out[], double sr_d, double sr_r, double tpr_d, double tpr_r, double fpr_d,
                 double fpr_r, double ppv_d, double ppv_r, double err_d, double err_r)
{
    out[FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE] = sr_d;
    out[FA_SUMMARY_DEMOGRAPHIC_PARITY_RATIO] = sr_r;
    out[FA_SUMMARY_EQUALIZED_ODDS_DIFFERENCE] = max2(tpr_d, fpr_d);
    out[FA_SUMMARY_EQUALIZED_ODDS_RATIO] = min2(tpr_r, fpr_r);
    out[FA_SUMMARY_EQUAL_OPPORTUNITY_DIFFERENCE] = tpr_d;
    out[FA_SUMMARY_EQUAL_OPPORTUNITY_RATIO] = tpr_r;
    out[FA_SUMMARY_PREDICTIVE_PARITY_DIFFERENCE] = ppv_d;
    out[FA_SUMMARY_PREDICTIVE_PARITY_RATIO] = ppv_r;
    out[FA_SUMMARY_ERROR_RATE_DIFFERENCE] = err_d;
    out[FA_SUMMARY_ERROR_RATE_RATIO] = err_r;
}

void fa_summary_compute(double out[], const fa_disparity disp[])
{
    const fa_disparity *sr = &disp[FA_METRIC_SELECTION_RATE];
    const fa_disparity *tpr = &disp[FA_METRIC_TRUE_POSITIVE_RATE];
    const fa_disparity *fpr = &disp[FA_METRIC_FALSE_POSITIVE_RATE];
    const fa_disparity *ppv = &disp[FA_METRIC_POSITIVE_PREDICTIVE_VALUE];
    const fa_disparity *err = &disp[FA_METRIC_ERROR_RATE];
    fill(out, sr->between_difference, sr->between_ratio, tpr->between_difference,
         tpr->between_ratio, fpr->between_difference, fpr->between_ratio, ppv->between_difference,
         ppv->between_ratio, err->between_difference, err->between_ratio);
    fill(out + FA_SUMMARY_COUNT, sr->to_overall_difference, sr->to_overall_ratio,
         tpr->to_overall_difference, tpr->to_overall_ratio, fpr->to_overall_difference,
         fpr->to_overall_ratio, ppv->to_overall_difference, ppv->to_overall_ratio,
         err->to_overall_difference, err->to_overall_ratio);
}

int fa_summary_rates(int i, fa_metric out[2])
{
    switch (i % FA_SUMMARY_COUNT) {
    case FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE:
    case FA_SUMMARY_DEMOGRAPHIC_PARITY_RATIO:
        out[0] = FA_METRIC_SELECTION_RATE;
        return 1;
    case FA_SUMMARY_EQUALIZED_ODDS_DIFFERENCE:
    case FA_SUMMARY_EQUALIZED_ODDS_RATIO:
        out[0] = FA_METRIC_TRUE_POSITIVE_RATE;
        out[1] = FA_METRIC_FALSE_POSITIVE_RATE;
        return 2;
    case FA_SUMMARY_EQUAL_OPPORTUNITY_DIFFERENCE:
    case FA_SUMMARY_EQUAL_OPPORTUNITY_RATIO:
        out[0] = FA_METRIC_TRUE_POSITIVE_RATE;
        return 1;
    case FA_SUMMARY_PREDICTIVE_PARITY_DIFFERENCE:
    case FA_SUMMARY_PREDICTIVE_PARITY_RATIO:
        out[0] = FA_METRIC_POSITIVE_PREDICTIVE_VALUE;
        return 1;
    default:
        out[0] = FA_METRIC_ERROR_RATE;
        return 1;
    }
}

const char *const FA_AIF360_NAMES[] = {
    "statistical_parity_difference",
    "disparate_impact",
    "average_odds_difference",
    "average_abs_odds_difference",
    "equal_opportunity_difference",
    "true_positive_rate_difference",
    "false_positive_rate_difference",
    "false_negative_rate_difference",
    "false_discovery_rate_difference",
    "false_omission_rate_difference",
    "error_rate_difference",
    "error_rate_ratio",
    NULL,
};

static double diff_of(fa_metric m, const fa_counts *u, const fa_counts *p, const fa_counts *all)
{
    return fa_disparity_difference(fa_metric_value(m, u, all, NULL),
                                   fa_metric_value(m, p, all, NULL));
}

/* AIF360's error rate is 1 - accuracy, computed that way for bitwise agreement. */
static double error_rate(const fa_counts *c)
{
    double acc = fa_metric_value(FA_METRIC_ACCURACY, c, NULL, NULL);
    return isnan(acc) ? NAN : 1.0 - acc;
}

double fa_summary_aif360(const char *name, const fa_counts *u, const fa_counts *p,
                         const fa_counts *all)
{
    if (name == NULL) {
        return NAN;
    }
    if (strcmp(name, "statistical_parity_difference") == 0) {
        return diff_of(FA_METRIC_SELECTION_RATE, u, p, all);
    }
    if (strcmp(name, "disparate_impact") == 0) {
        return fa_disparity_ratio(fa_metric_value(FA_METRIC_SELECTION_RATE, u, all, NULL),
                                  fa_metric_value(FA_METRIC_SELECTION_RATE, p, all, NULL));
    }
    if (strcmp(name, "average_odds_difference") == 0 ||
        strcmp(name, "average_abs_odds_difference") == 0) {
        double dfpr = diff_of(FA_METRIC_FALSE_POSITIVE_RATE, u, p, all);
        double dtpr = diff_of(FA_METRIC_TRUE_POSITIVE_RATE, u, p, all);
        if (name[8] == 'a') { /* average_abs_... */
            return 0.5 * (fabs(dfpr) + fabs(dtpr));
        }
        return 0.5 * (dfpr + dtpr);
    }
    if (strcmp(name, "equal_opportunity_difference") == 0 ||
        strcmp(name, "true_positive_rate_difference") == 0) {
        return diff_of(FA_METRIC_TRUE_POSITIVE_RATE, u, p, all);
    }
    if (strcmp(name, "false_positive_rate_difference") == 0) {
        return diff_of(FA_METRIC_FALSE_POSITIVE_RATE, u, p, all);
    }
    if (strcmp(name, "false_negative_rate_difference") == 0) {
        return diff_of(FA_METRIC_FALSE_NEGATIVE_RATE, u, p, all);
    }
    if (strcmp(name, "false_discovery_rate_difference") == 0) {
        return diff_of(FA_METRIC_FALSE_DISCOVERY_RATE, u, p, all);
    }
    if (strcmp(name, "false_omission_rate_difference") == 0) {
        return diff_of(FA_METRIC_FALSE_OMISSION_RATE, u, p, all);
    }
    if (strcmp(name, "error_rate_difference") == 0) {
        return fa_disparity_difference(error_rate(u), error_rate(p));
    }
    if (strcmp(name, "error_rate_ratio") == 0) {
        return fa_disparity_ratio(error_rate(u), error_rate(p));
    }
    return NAN;
}
