/*
 * reports/result.h - the result of an audit: the contract between compute and render.
 * audit/ fills it; the gates and every renderer (JSON, text, later PDF, JUnit) read it.
 * Everything a renderer needs is here, already computed: renderers never compute metrics.
 */
#ifndef FA_REPORTS_RESULT_H
#define FA_REPORTS_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "include/fairaudit.h"
#include "metrics/bootstrap.h"
#include "metrics/disparity.h"
#include "metrics/imbalance.h"
#include "metrics/interval.h"
#include "metrics/scores.h"
#include "metrics/stattest.h"
#include "metrics/summary.h"

/* The rates tested group against reference, and between all groups (METRICS.md "Tests"):
 * selection rate (PP of n), true positive rate (TP of P), false positive rate (FP of N). */
enum { FA_TEST_SELECTION = 0, FA_TEST_TPR = 1, FA_TEST_FPR = 2, FA_N_TESTED = 3 };

/* One group of one attribute. */
typedef struct fa_group_result {
    char *value;
    fa_counts counts;
    double metrics[FA_METRIC_COUNT_ALL];
    const char *reasons[FA_METRIC_COUNT_ALL]; /* static phrases; NULL when defined */
    double diff[FA_METRIC_COUNT_ALL];         /* m(g) - m(reference) */
    double ratio[FA_METRIC_COUNT_ALL];        /* m(g) / m(reference) */
    fa_interval ci[FA_METRIC_COUNT_ALL];      /* proportions only; NAN bounds otherwise */
    int small;                                /* rows < min_group_size */
    int is_reference;
    fa_prop_test test[FA_N_TESTED]; /* against the reference (not for it) */
    double p_adjusted[FA_N_TESTED]; /* Holm, across every test of the audit */
    fa_imbalance_group imbalance;
    fa_scores *scores; /* score metrics (with a score column), or NULL */
} fa_group_result;

/* One sensitive attribute (or the intersection). */
typedef struct fa_attr_result {
    char *name;
    int is_intersection;
    size_t n_groups;
    fa_group_result *groups;      /* sorted by value, bytewise */
    long reference;               /* index into groups, -1 when there are none */
    const char *reference_source; /* "given", "largest group", "lowest selection rate" */
    fa_disparity disp[FA_METRIC_COUNT_ALL];
    double summary[FA_SUMMARY_SLOTS]; /* between groups, then to overall */
    fa_counts rest;                   /* every group but the reference, pooled (AIF360 "vs rest") */
    fa_chisq_test chisq[FA_N_TESTED]; /* prediction x group: all rows, positives, negatives */
    double chisq_adjusted[FA_N_TESTED];
    fa_imbalance imbalance; /* label x group */
    /* individual fairness decomposed over this attribute's groups (alpha and 1 = Theil) */
    fa_bootstrap *boot; /* intervals of every disparity and summary; NULL without bootstrap */
    double gei_between, gei_within, theil_between, theil_within;
    const char *gei_between_why, *gei_within_why, *theil_between_why, *theil_within_why;
} fa_attr_result;

typedef enum fa_gate_against {
    FA_AGAINST_BETWEEN = 0,
    FA_AGAINST_REFERENCE = 1,
    FA_AGAINST_OVERALL = 2
} fa_gate_against;

typedef enum fa_gate_use { FA_USE_POINT = 0, FA_USE_UPPER_CI = 1, FA_USE_LOWER_CI = 2 } fa_gate_use;

/* A gate as the policy states it. */
typedef struct fa_gate_spec {
    char *name;
    char *metric_name; /* as written */
    int summary;       /* an fa_summary_id, or -1 when the gate is on a rate */
    int rate;          /* an fa_metric when summary < 0 */
    int ratio;         /* 1: disparity "ratio", 0: "difference" (rates only) */
    fa_gate_against against;
    char *attribute; /* NULL: every sensitive attribute */
    int has_min, has_max;
    double min, max;
    fa_gate_use use;
    int warning;          /* severity "warning": reported, never fails the audit */
    int significant_only; /* fail only when the violation is statistically significant */
    /* against a baseline: the largest worsening allowed, absolute and relative to |old| */
    int has_max_change, has_max_relative_change;
    double max_change, max_relative_change;
    int direction; /* the worse direction: +1 increase, -1 decrease, 0 either; default
                      from the bounds (a max: +1; a min: -1; both or none: 0) */
} fa_gate_spec;

/* The outcome of one gate on one attribute. */
typedef struct fa_gate_result {
    const fa_gate_spec *spec; /* borrowed from the result's copy of the policy */
    char *attribute;
    double value; /* the value compared (worst group for "reference") */
    char *group;  /* the group the value belongs to, or NULL */
    fa_verdict verdict;
    char *reason;          /* why inconclusive or failed, in words */
    int small_reference;   /* the reference group is below min_group_size */
    double baseline_value; /* the gate's value in the baseline; NAN without one */
    int has_baseline;
} fa_gate_result;

/* One attribution run kept in the result (plain data: reports/ knows no models). */
typedef struct fa_attribution {
    char *method;    /* "permutation" */
    char *scoring;   /* "accuracy", "demographic_parity_difference", ... */
    char *attribute; /* the sensitive column of a fairness scoring, or NULL */
    double baseline;
    size_t rows, repeats, n;
    char **names; /* n features (or feature groups) */
    double *mean, *std;
} fa_attribution;

/* Options of the policy that reach the result. */
typedef enum fa_inconclusive_map {
    FA_INCONCLUSIVE_KEEP = 0,
    FA_INCONCLUSIVE_PASS = 1,
    FA_INCONCLUSIVE_FAIL = 2
} fa_inconclusive_map;

struct fa_result {
    char *input_path;
    uint64_t rows;
    char *label, *pred, *score, *weight, *positive;
    char **group_cols;
    size_t n_group_cols;
    int intersect;
    int has_pred;            /* 0: a label-only audit (no prediction column, no threshold) */
    double threshold;        /* prediction = score >= threshold when finite */
    double confidence_level; /* of intervals; significance level of tests = 1 - it */
    double gei_alpha;        /* alpha of the generalized entropy index */
    double gei, theil, cv;   /* over all rows (METRICS.md "Individual fairness") */
    const char *gei_why, *theil_why, *cv_why;
    long min_group_size;
    double tau;
    fa_counts overall;
    double overall_metrics[FA_METRIC_COUNT_ALL];
    fa_interval overall_ci[FA_METRIC_COUNT_ALL];
    fa_scores *overall_scores; /* with a score column, or NULL */
    fa_ci_method ci_method;
    size_t bootstrap; /* replicates; 0: none */
    uint64_t seed;
    fa_boot_method boot_method;
    const char *overall_reasons[FA_METRIC_COUNT_ALL];
    size_t n_attrs;
    fa_attr_result *attrs;
    fa_gate_spec *gate_specs; /* copies of the policy's gates */
    size_t n_gate_specs;
    fa_gate_result *gates;
    size_t n_gates;
    fa_inconclusive_map inconclusive;
    fa_verdict verdict;
    char **warnings;
    size_t n_warnings, cap_warnings;
    char *model_path, *features_path;
    const struct fa_baseline *baseline; /* borrowed during fa_result_compute only */
    fa_attribution *attributions;
    size_t n_attributions;
};

/* Appends a warning (copied) to the result; returns FA_OK or FA_ENOMEM. */
int fa_result__add_warning(fa_result *res, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Frees one gate spec's strings (not the struct). */
void fa_result__gate_spec_dispose(fa_gate_spec *g);

#endif
