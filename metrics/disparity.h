/*
 * metrics/disparity.h - disparities of one metric across the groups of one attribute:
 * against a reference group, between groups (max - min, min / max) and to the overall value.
 */
#ifndef FA_METRICS_DISPARITY_H
#define FA_METRICS_DISPARITY_H

#include <stddef.h>

/* Why a group is left out of the between-groups and to-overall disparities. */
typedef enum fa_exclusion {
    FA_EXCL_NONE = 0,     /* included */
    FA_EXCL_SMALL = 1,    /* fewer rows than min_group_size */
    FA_EXCL_UNDEFINED = 2 /* the metric is undefined for the group */
} fa_exclusion;

/* The aggregate disparities of one metric; NAN where undefined. */
typedef struct fa_disparity {
    double between_difference;    /* max - min over included groups (>= 2 needed) */
    double between_ratio;         /* min / max (NAN when max = 0) */
    double to_overall_difference; /* max |m(g) - m(overall)| */
    double to_overall_ratio;      /* min over g of min(q, 1/q), q = m(g) / m(overall) */
    size_t argmin, argmax;        /* groups attaining min and max (valid when n_included > 0) */
    size_t n_included;
} fa_disparity;

/* m(g) - m(ref): NAN when either is undefined. */
double fa_disparity_difference(double m_g, double m_ref);

/* m(g) / m(ref): NAN when either is undefined or m(ref) = 0. Never capped. */
double fa_disparity_ratio(double m_g, double m_ref);

/*
 * Computes the aggregates over values[0..n) of the groups whose excl[g] is FA_EXCL_NONE.
 * `overall` is the metric over all rows (NAN when undefined). Pure, no allocation.
 */
void fa_disparity_compute(fa_disparity *out, const double values[], const unsigned char excl[],
                          size_t n, double overall);

#endif
