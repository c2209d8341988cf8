/*
 * metrics/imbalance.h - class imbalance of the labels, overall and across the groups of one
 * attribute (METRICS.md "Class imbalance"), from per-group label counts alone: P_g = TP + FN
 * and N_g = FP + TN of a full tally, or the label counts of a label-only tally (no
 * prediction). Pure: no allocation, no I/O.
 */
#ifndef FA_METRICS_IMBALANCE_H
#define FA_METRICS_IMBALANCE_H

#include <stddef.h>

#include "include/fairaudit.h"
#include "metrics/stattest.h"

/* A value that may be undefined: value NAN (or INFINITY, see kl) and a static reason. */
typedef struct fa_measure {
    double value;
    const char *reason; /* NULL when value is a finite number */
} fa_measure;

/* The share a reference population gives a group (borrowed strings). */
typedef struct fa_population_share {
    const char *group;
    double share; /* in [0, 1] */
} fa_population_share;

/* Options of fa_imbalance_compute. Initialise with FA_IMBALANCE_OPTIONS_INIT. */
typedef struct fa_imbalance_options {
    long reference;                        /* index of the reference group; -1: none */
    const fa_population_share *population; /* reference population shares, or NULL */
    size_t n_population;
} fa_imbalance_options;

#define FA_IMBALANCE_OPTIONS_INIT                                                                  \
    {                                                                                              \
        -1, NULL, 0                                                                                \
    }

/* The label distribution of one group and how it compares with the reference group. */
typedef struct fa_imbalance_group {
    double positives, negatives; /* P_g and N_g as given */
    double size;                 /* n_g = P_g + N_g */
    fa_measure share;            /* n_g / n; undefined without rows */
    fa_measure base_rate;        /* P_g / n_g; undefined when the group has no rows */
    fa_measure population_share; /* as given; undefined when the population omits the group */
    fa_measure representation;   /* share / population share */
    fa_measure class_imbalance;  /* AIF360: (n_g - n_ref) / (n_g + n_ref); 0 for the reference */
    /* D(P_g || P_ref) = sum over the labels of p log(p / q), nats, 0 log 0 = 0. INFINITY with
     * kl_infinite = 1 and a reason when the reference lacks a label the group has (q = 0 < p):
     * the JSON reports it as null with that reason. */
    fa_measure kl_divergence;
    int kl_infinite;
    /* D(P_ref || P_g): the direction of AIF360's sklearn kl_divergence (privileged first). */
    fa_measure kl_divergence_ref;
    int kl_ref_infinite;
} fa_imbalance_group;

/* The labels of all rows of one attribute's groups. */
typedef struct fa_imbalance {
    double positives, negatives, n; /* P, N and n = P + N over all groups */
    fa_measure positive_share;      /* P / n */
    fa_measure negative_share;      /* N / n */
    fa_measure imbalance_ratio;     /* majority count / minority count; undefined when a class is
                                       absent */
    fa_measure minority_share;      /* minority count / n (0.5 when balanced) */
    int minority_label;             /* 1 (positives), 0 (negatives), -1 (balanced or no rows) */
    fa_chisq_test chisq;            /* label x group, with Cramer's V; reasons in group terms */
} fa_imbalance;

/*
 * Fills *out and groups[0..n_groups) from the label counts positives[g], negatives[g]
 * (finite, non-negative, weighted or not) of the groups named names[g]. `names` is needed
 * only when opts->population is given (then a group missing from it has an undefined
 * representation ratio, "no population share given"); opts may be NULL (no reference, no
 * population: class imbalance and KL undefined, "no reference group").
 * FA_EDOMAIN for a negative or non-finite count or a population share outside [0, 1];
 * FA_EINVAL for a population naming a group twice. opts->reference must be -1 or a group
 * index (asserted).
 */
int fa_imbalance_compute(fa_imbalance *out, fa_imbalance_group groups[], const double positives[],
                         const double negatives[], const char *const names[], size_t n_groups,
                         const fa_imbalance_options *opts, fa_error *err);

/*
 * majority / minority of two class counts; NAN with *reason ("no rows", "no actual
 * positives", "no actual negatives") when either is 0.
 */
double fa_imbalance_ratio(double positives, double negatives, const char **reason);

/* AIF360's class_imbalance (n_u - n_p) / (n_u + n_p); NAN when both are 0 ("no rows"). */
double fa_imbalance_class_imbalance(double n_u, double n_p, const char **reason);

/*
 * D(P || Q) in nats for the two-label distributions P = (p_pos, p_neg) / (p_pos + p_neg)
 * and Q likewise, with 0 log 0 = 0. INFINITY, *infinite = 1 and a reason when Q gives 0 to a
 * label P gives mass to; NAN with a reason when either has no rows. *infinite is 0 otherwise.
 */
double fa_imbalance_kl(double p_pos, double p_neg, double q_pos, double q_neg, int *infinite,
                       const char **reason);

#endif
