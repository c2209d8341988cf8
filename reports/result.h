/*
 * reports/result.h - the result of an audit: the contract between compute and render.
 * audit/ fills it; the gates and every renderer (JSON, text, later PDF, JUnit) read it.
 * Everything a renderer needs is here, already computed: renderers never compute metrics.
 */
#ifndef FA_REPORTS_RESULT_H
#define FA_REPORTS_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "common/intern.h"
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
    /* with score metrics: rates of "score >= threshold" at the result's n_sweep thresholds
     * (the same grid for every group and overall), for curves; NULL otherwise */
    fa_sweep_point *sweep;
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
    /* the policy's reference population of this attribute (representation ratios): share
     * population_shares[i] of group population_groups[i]; n_population 0 without one */
    char **population_groups;
    double *population_shares;
    size_t n_population;
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
    /* "permutation", or a Shapley estimator: "tree", "linear", "exact", "kernel", "sampling" */
    char *method;
    /* permutation: "accuracy", "demographic_parity_difference", ...; Shapley: NULL */
    char *scoring;
    char *attribute; /* the sensitive column (fairness scoring, or Shapley group means), or NULL */
    double baseline; /* permutation: the unpermuted score; Shapley: NAN */
    size_t rows, repeats, n; /* repeats: 0 for Shapley */
    char **names;            /* n features (or feature groups) */
    /* permutation: mean and std of the score drop; Shapley: mean |phi| and its std over rows */
    double *mean, *std;
    /* Shapley runs only (NULL / 0 otherwise) */
    char *output;      /* "margin" or "probability" */
    double base_value; /* the same for every row */
    size_t n_groups;   /* groups of `attribute`, sorted bytewise; 0 without attribute */
    char **group_names;
    uint64_t *group_rows;
    double *group_output; /* n_groups: mean model output over the group's rows */
    double *group_phi;    /* n_groups x n, row-major: mean phi per feature over the group's rows */
    long reference;       /* index of the reference group, -1 without */
    double *gap;          /* n_groups x n: group_phi[g] - group_phi[reference]; a row adds up to
                             group_output[g] - group_output[reference] */
    size_t bootstrap;     /* replicates behind gap_lo/gap_hi; 0: none (then both NULL) */
    double *gap_lo, *gap_hi; /* n_groups x n: percentile bootstrap interval over rows (stratified by
                                group), at the result's confidence level */
    size_t sample_rows;      /* rows kept for a beeswarm (at most 1000, a seeded sample; 0: none) */
    double *sample_phi, *sample_x; /* sample_rows x n, row-major: phi and the feature's value */
} fa_attribution;

/* Frees what an attribution run owns (not the struct itself). */
void fa_result__attribution_dispose(fa_attribution *a);

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
    /* consistency over consistency_k neighbours, with a features file (k 0: not computed) */
    double consistency;
    size_t consistency_k;
    const char *consistency_why;
    const char *gei_why, *theil_why, *cv_why;
    long min_group_size;
    double tau;
    fa_counts overall;
    double overall_metrics[FA_METRIC_COUNT_ALL];
    fa_interval overall_ci[FA_METRIC_COUNT_ALL];
    fa_scores *overall_scores;     /* with a score column, or NULL */
    fa_sweep_point *overall_sweep; /* n_sweep points, or NULL (see fa_group_result.sweep) */
    size_t n_sweep;
    /* a top-k / top-percent cut-off instead of a prediction column (FA_CUTOFF_NONE: none):
     * prediction = score >= cutoff.threshold, every row tied at the cut score included */
    int cutoff_rule;     /* an fa_cutoff_rule of metrics/tally.h */
    double cutoff_value; /* k or the percentage asked for */
    fa_cutoff cutoff;
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
    /* Provenance, for the report's reproducibility section (filled by audit/, in the JSON's
     * "input" and "policy"): the input's size and SHA-256 (lower-case hex, "" when not
     * computed), the policy's title (NULL without one). */
    uint64_t input_bytes;
    char input_sha256[65];
    char *policy_title;
    char *command_line; /* the audit's command line, arguments quoted for a shell, or NULL */
    /* Text the const char * fields point to when the result was read back from JSON
     * (reports/json_read.c: reasons, reference sources); empty for a computed result. */
    fa_intern strings;
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
