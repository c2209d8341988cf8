/*
 * metrics/summary.h - named summaries of an attribute (fairlearn names) and the AIF360
 * pairwise metrics of an unprivileged against a privileged group, from counts and disparities.
 */
#ifndef FA_METRICS_SUMMARY_H
#define FA_METRICS_SUMMARY_H

#include "include/fairaudit.h"
#include "metrics/disparity.h"

typedef enum fa_summary_id {
    FA_SUMMARY_DEMOGRAPHIC_PARITY_DIFFERENCE = 0,
    FA_SUMMARY_DEMOGRAPHIC_PARITY_RATIO,
    FA_SUMMARY_EQUALIZED_ODDS_DIFFERENCE,
    FA_SUMMARY_EQUALIZED_ODDS_RATIO,
    FA_SUMMARY_EQUAL_OPPORTUNITY_DIFFERENCE,
    FA_SUMMARY_EQUAL_OPPORTUNITY_RATIO,
    FA_SUMMARY_PREDICTIVE_PARITY_DIFFERENCE,
    FA_SUMMARY_PREDICTIVE_PARITY_RATIO,
    FA_SUMMARY_ERROR_RATE_DIFFERENCE,
    FA_SUMMARY_ERROR_RATE_RATIO,
    FA_SUMMARY_COUNT /* number of summaries; the same follow with a _to_overall suffix */
} fa_summary_id;

/* Total number of summary slots: between groups, then to overall. */
#define FA_SUMMARY_SLOTS (2 * FA_SUMMARY_COUNT)

/* Name of summary slot i ("equalized_odds_difference", "..._to_overall"); NULL if out of range. */
const char *fa_summary_name(int i);

/* Slot of a summary name, or -1. */
int fa_summary_from_name(const char *name);

/* One-sentence definition of summary slot i. */
const char *fa_summary_definition(int i);

/*
 * Fills out[FA_SUMMARY_SLOTS] from the attribute's per-metric disparities (disp indexed by
 * fa_metric). NAN where undefined.
 */
void fa_summary_compute(double out[], const fa_disparity disp[]);

/*
 * The rates summary slot i is built from (equalized odds: TPR and FPR; the others one rate):
 * writes them to out and returns how many (1 or 2).
 */
int fa_summary_rates(int i, fa_metric out[2]);

/* Names of the AIF360 pairwise metrics, NULL-terminated (borrowed). */
extern const char *const FA_AIF360_NAMES[];

/*
 * An AIF360 pairwise metric (statistical_parity_difference, disparate_impact, ...) of
 * unprivileged counts u against privileged counts p; `all` is the population (for shares).
 * NAN when undefined or unknown.
 */
double fa_summary_aif360(const char *name, const fa_counts *u, const fa_counts *p,
                         const fa_counts *all);

#endif
