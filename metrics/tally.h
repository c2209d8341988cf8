/* metrics/tally.h - internals of the tally shared with the audit: per-cell score statistics. */
#ifndef FA_METRICS_TALLY_H
#define FA_METRICS_TALLY_H

#include "include/fairaudit.h"
#include "metrics/scores.h"

/*
 * Keeps score statistics per cell (one combination of the attributes' groups) from now on:
 * rows with a score then feed the cell's accumulator (metrics/scores.c). Call before the
 * first row. Tallies merge their cells too.
 */
int fa_tally_enable_scores(fa_tally *t);

/* A cut-off that predicts positive the highest scores (Aequitas's rank_abs / rank_pct). */
typedef enum fa_cutoff_rule {
    FA_CUTOFF_NONE = 0,
    FA_CUTOFF_TOP_K = 1,      /* the k rows (weight k) with the highest scores */
    FA_CUTOFF_TOP_PERCENT = 2 /* the top `percent` % of the rows (of the weight) */
} fa_cutoff_rule;

/* What fa_tally__compute_scores computes. */
typedef struct fa_score_request {
    int metrics;         /* score metrics, reliability bins and a threshold sweep per group */
    size_t sweep_points; /* of the threshold grid shared by every group (>= 2) */
    fa_cutoff_rule cutoff;
    double cutoff_value; /* k, or the percentage */
    fa_scores_options o;
} fa_score_request;

/* What it gives; release what was not taken with fa_tally__score_output_dispose. */
typedef struct fa_score_output {
    size_t n_attrs;
    size_t *n_groups;    /* per attribute */
    fa_scores ***groups; /* [a][g]: metrics and bins, values dropped (NULL without metrics) */
    fa_scores *overall;
    fa_sweep_point ***sweeps; /* [a][g]: n_sweep points each (NULL without metrics) */
    fa_sweep_point *overall_sweep;
    size_t n_sweep;
    fa_cutoff cutoff;         /* with a cut-off: its threshold and what it selects */
    fa_counts **counts;       /* [a][g] with a cut-off: the group's counts, predictions of
                                 the cut-off (tp, fp, tn, fn from its cells) */
    fa_counts overall_counts; /* the same for all rows */
} fa_score_output;

/*
 * From the cells' score statistics: with a cut-off, its threshold (over all rows, ties
 * included: see fa_scores_cutoff_top_k) and every group's confusion counts under it; with
 * metrics, every group's score metrics and its sweep at a grid made from all rows
 * (fa_scores_threshold_grid). Cells and groups are computed in parallel on `threads` threads
 * (<= 0: OpenMP's default), the same bytes whatever their number. FA_EINVAL for a cut-off
 * without scored rows or a bad k; FA_ENOMEM.
 */
int fa_tally__compute_scores(fa_score_output *out, const fa_tally *t, const fa_score_request *req,
                             int threads, fa_error *err);

/* Frees what out still holds (NULL pointers are skipped). */
void fa_tally__score_output_dispose(fa_score_output *out);

#endif
