/*
 * metrics/scores.h - score-based metrics per group: a mergeable accumulator of (score, label,
 * weight) rows that keeps one entry per DISTINCT score, and what is computed from it: ROC AUC,
 * average precision, Brier score, log loss, calibration (reliability bins, expected calibration
 * error, calibration-in-the-large), a threshold sweep, the ROC curve, top-k cut-offs and the
 * confusion counts at a threshold. Definitions: METRICS.md "Scores" and metrics/scores.c.
 *
 * Life cycle: fa_scorestats_create; fa_scorestats_add per row (or fa_scorestats_merge of
 * shards); fa_scores_compute, which sorts the distinct values once and leaves the accumulator
 * untouched; then the fa_scores_* queries, which are pure and may run from several threads at
 * once. An accumulator belongs to one thread at a time; there is no global state. An undefined
 * value is NAN with a static reason, never 0. (Private for now: the integration decides what
 * goes into include/fairaudit.h, and where the defaults below end up.)
 */
#ifndef FA_METRICS_SCORES_H
#define FA_METRICS_SCORES_H

#include <stddef.h>
#include <stdint.h>

#include "include/fairaudit.h"

/* Defaults of the score metrics (the one place they are written down). */
#define FA_DEFAULT_SCORE_BINS 10      /* reliability bins, equal width on [0, 1] */
#define FA_DEFAULT_SWEEP_POINTS 101   /* thresholds of the sweep, points of the ROC curve */
#define FA_DEFAULT_LOG_LOSS_EPS 1e-15 /* log loss clips scores to [eps, 1 - eps] */

/* ------------------------------------------------------------------ the accumulator */

/**
 * Per-group score statistics: for every distinct score value (its 64-bit pattern, -0.0 taken
 * as 0.0) the number, or total weight, of positive and of negative rows. Memory grows with the
 * number of distinct scores, not rows: 16 bytes a slot while every weight is 1 (32 with other
 * weights), 17 to 70 % of the slots in use (a map past 4096 slots grows fourfold), plus about
 * 1 KiB of rows held back. Scores of weight 1 that are exactly k / 1e6 (a probability printed
 * with at most six decimals) skip the map: they are logged (4 bytes a row, at most 2^18 rows,
 * 1 MiB) and the full log is counted into 1e6 + 1 dense counters (8 MB, allocated when the
 * log first fills); the first weight other than 1 moves them to the map. Two
 * accumulators merge by adding their maps, logs and counters. Every computed value depends only on
 * the per-value totals, summed in the order of the sorted values, so with integer weights (the
 * unweighted case included) the results are the same bits whatever the order of adds and merges;
 * with fractional weights, a per-value total is a floating-point sum and can differ in its last bit
 * with the order the rows arrive in.
 */
typedef struct fa_scorestats fa_scorestats;

/** Creates an empty accumulator. Caller frees with fa_scorestats_free. */
int fa_scorestats_create(fa_scorestats **out, fa_error *err);

/** Frees an accumulator. NULL-safe. */
void fa_scorestats_free(fa_scorestats *s);

/**
 * Adds one row: label 0 or 1 (anything else is a programming error, asserted), weight >= 0.
 * A row of weight 0 is counted in fa_scorestats_n_rows but has no other effect (as in
 * scikit-learn, which drops zero-weight samples). O(1) amortised. Fails with FA_EDOMAIN for a
 * score that is not finite (callers skip missing scores) or a weight that is negative or not
 * finite, and with FA_ENOMEM when the map cannot grow (the accumulator is then unchanged).
 */
int fa_scorestats_add(fa_scorestats *s, double score, int label, double weight, fa_error *err);

/**
 * dst += src, value by value: O(distinct values of src). src is unchanged; dst and src must
 * differ. FA_ENOMEM, after which dst holds part of src's rows and is to be discarded.
 */
int fa_scorestats_merge(fa_scorestats *dst, const fa_scorestats *src, fa_error *err);

/** Rows added so far (whatever their weight). */
uint64_t fa_scorestats_n_rows(const fa_scorestats *s);

/** Number of distinct score values with a positive weight. */
size_t fa_scorestats_n_distinct(const fa_scorestats *s);

/** Bytes of heap the accumulator holds (the map and the struct). */
size_t fa_scorestats_memory(const fa_scorestats *s);

/* --------------------------------------------------------------- computed statistics */

/** Options of fa_scores_compute. Initialise with FA_SCORES_OPTIONS_INIT. */
typedef struct fa_scores_options {
    size_t n_bins;       /* reliability bins on [0, 1], >= 1 */
    double log_loss_eps; /* clipping of the log loss, in [0, 0.5) */
} fa_scores_options;

/* clang-format off */
#define FA_SCORES_OPTIONS_INIT {FA_DEFAULT_SCORE_BINS, FA_DEFAULT_LOG_LOSS_EPS}
/* clang-format on */

/**
 * The sorted form of an accumulator, with every scalar metric computed: the distinct values in
 * increasing order with the weight of the positive and of the negative rows at each (24 bytes
 * a value). Immutable.
 */
typedef struct fa_scores fa_scores;

/**
 * Sorts the distinct values of `s` (O(d) radix passes) and computes every metric in two passes
 * over them; `s` is left as it is. `opts` may be NULL (defaults). Fails with FA_EINVAL for bad
 * options and FA_ENOMEM. Needs 40 bytes per distinct value while it sorts, 24 after. Caller
 * frees with fa_scores_free.
 */
int fa_scores_compute(fa_scores **out, const fa_scorestats *s, const fa_scores_options *opts,
                      fa_error *err);

/**
 * The statistics of the union of the parts' rows, from their sorted values (a k-way merge,
 * O(D log n_parts) for D values in all): what fa_scores_compute of the parts' accumulators
 * merged would give, the same bits with integer weights; with fractional weights the weights
 * of a value shared by several parts add up in part order. This is how a group made of
 * several cells (a base group of an intersection, or all rows) is computed from the cells'
 * statistics without a second map. FA_EINVAL for bad options, FA_ENOMEM. Caller frees with
 * fa_scores_free.
 */
int fa_scores_merge(fa_scores **out, const fa_scores *const parts[], size_t n_parts,
                    const fa_scores_options *opts, fa_error *err);

/** Frees computed statistics. NULL-safe. */
void fa_scores_free(fa_scores *sc);

/**
 * Frees the distinct values and their weights, keeping the metrics and the reliability bins
 * (what a result needs once its sweeps and cut-offs are computed). After it, the sweep, the
 * ROC curve, the cut-offs, the counts at a threshold and the grids must not be asked of sc
 * (asserted), and fa_scores_min / fa_scores_max are NAN.
 */
void fa_scores_drop_values(fa_scores *sc);

/** The scalar score metrics, in the order the JSON result lists them. */
typedef enum fa_score_metric {
    FA_SCORE_ROC_AUC = 0,       /* P(s+ > s-) + P(s+ = s-) / 2 over weighted pairs */
    FA_SCORE_AVERAGE_PRECISION, /* sum over thresholds of (R_n - R_{n-1}) P_n */
    FA_SCORE_BRIER,             /* sum w (s - y)^2 / sum w */
    FA_SCORE_LOG_LOSS,          /* -sum w [y log s + (1 - y) log(1 - s)] / sum w, clipped */
    FA_SCORE_ECE,               /* sum over bins of weight_b / total |observed - predicted| */
    FA_SCORE_CALIBRATION_IN_THE_LARGE, /* mean score - base rate */
    FA_SCORE_MEAN,                     /* weighted mean score */
    FA_SCORE_METRIC_COUNT              /* number of metrics, not a metric */
} fa_score_metric;

/** snake_case name ("roc_auc", "average_precision", ...); NULL when out of range. */
const char *fa_score_metric_name(fa_score_metric m);

/**
 * The value of metric m: NAN when undefined, and then *reason (if non-NULL) is a static phrase:
 * "no rows with a score", "no actual positives", "no actual negatives" or
 * "scores outside [0, 1]" (Brier, log loss and calibration need probabilities); otherwise
 * *reason is set to NULL.
 */
double fa_scores_value(const fa_scores *sc, fa_score_metric m, const char **reason);

/** Rows the accumulator saw, whatever their weight. */
uint64_t fa_scores_n_rows(const fa_scores *sc);

/** Number of distinct score values (of rows with positive weight). */
size_t fa_scores_n_distinct(const fa_scores *sc);

/** Total weight, weight of actual positives (P) and of actual negatives (N). */
double fa_scores_weight(const fa_scores *sc);
double fa_scores_positive_weight(const fa_scores *sc);
double fa_scores_negative_weight(const fa_scores *sc);

/** Smallest and largest score; NAN when there are no rows. */
double fa_scores_min(const fa_scores *sc);
double fa_scores_max(const fa_scores *sc);

/** 1 when every score lies in [0, 1] (and there is at least one). */
int fa_scores_are_probabilities(const fa_scores *sc);

/**
 * One reliability bin: scores in (lo, hi] (the first bin also holds lo = 0), their total
 * weight, mean score and observed positive rate. An empty bin has weight 0 and NAN means.
 */
typedef struct fa_calibration_bin {
    double lo, hi;
    double weight;
    double mean_predicted;
    double observed_rate;
} fa_calibration_bin;

/**
 * The reliability bins (borrowed until fa_scores_free), n_bins of them; *n is 0 and the result
 * NULL when calibration is undefined (see fa_scores_value for the reason).
 */
const fa_calibration_bin *fa_scores_bins(const fa_scores *sc, size_t *n);

/** One point of a threshold sweep: rates of the rule "score >= threshold". */
typedef struct fa_sweep_point {
    double threshold;
    double selection_rate; /* weight selected / total; NAN without rows */
    double tpr;            /* positives selected / P; NAN without positives */
    double fpr;            /* negatives selected / N; NAN without negatives */
} fa_sweep_point;

/**
 * A threshold grid shared by every group (make it from the overall statistics): every distinct
 * score when there are at most max_points of them; else max_points equally spaced thresholds,
 * i / (max_points - 1) for probabilities, min + i (max - min) / (max_points - 1) otherwise.
 * Writes *n_out <= max_points increasing thresholds to out. FA_EINVAL when max_points < 2.
 */
int fa_scores_threshold_grid(double out[], size_t *n_out, const fa_scores *overall,
                             size_t max_points, fa_error *err);

/**
 * The grid fa_scores_threshold_grid would make from the union of the parts' values (the cells
 * a population is made of), without merging them when a part alone has more than max_points
 * values. FA_EINVAL when max_points < 2, FA_ENOMEM.
 */
int fa_scores_threshold_grid_parts(double out[], size_t *n_out, const fa_scores *const parts[],
                                   size_t n_parts, size_t max_points, fa_error *err);

/**
 * The sweep of one group at n thresholds in increasing order (as fa_scores_threshold_grid
 * gives them; an unsorted or NAN threshold is a programming error, asserted): out[i] for
 * thresholds[i]. One pass, O(n + d).
 */
void fa_scores_sweep(fa_sweep_point out[], const fa_scores *sc, const double thresholds[],
                     size_t n);

/** One point of the ROC curve: rates of "score >= threshold" (threshold INFINITY at (0, 0)). */
typedef struct fa_roc_point {
    double threshold;
    double fpr;
    double tpr;
} fa_roc_point;

/**
 * The ROC curve at the distinct scores, from (0, 0) (threshold INFINITY) to (1, 1) (the lowest
 * score), downsampled to at most max_points (>= 2) points evenly spaced along FPR + TPR (the
 * first point at or past each of max_points - 2 targets), the two ends always kept. Returns
 * the number of points written to out, 0 when the group has no positives or no negatives (see
 * fa_scores_value). One pass, O(d).
 */
size_t fa_scores_roc_curve(fa_roc_point out[], const fa_scores *sc, size_t max_points);

/**
 * The rows "score >= threshold" would select, as confusion counts (weights; `rows` is every row
 * of the group, `score_sum` and `score_weight` its scores). NAN selects nothing. O(d).
 */
void fa_scores_counts_at(fa_counts *out, const fa_scores *sc, double threshold);

/** A cut-off that selects the top of the scores. */
typedef struct fa_cutoff {
    double threshold;  /* predict 1 when score >= threshold */
    double requested;  /* weight asked for (k rows when unweighted) */
    double selected;   /* weight selected: >= requested when enough rows, else all */
    double tied;       /* weight of the rows whose score equals the threshold */
    int ties_included; /* 1 when selected > requested: every row at the cut score is in */
} fa_cutoff;

/**
 * The highest threshold that selects at least weight k (k rows when unweighted): all rows at
 * the cut score are included, so more than k can be selected (then ties_included is 1). When k
 * exceeds the total weight every row is selected (threshold = min score). FA_EINVAL when k is
 * not > 0 and finite, or there are no rows. O(d).
 */
int fa_scores_cutoff_top_k(fa_cutoff *out, const fa_scores *sc, double k, fa_error *err);

/**
 * The same for the top `percent` of the total weight, percent in (0, 100]: selects at least
 * percent * total / 100. FA_EINVAL otherwise.
 */
int fa_scores_cutoff_top_percent(fa_cutoff *out, const fa_scores *sc, double percent,
                                 fa_error *err);

/** The prediction the cut-offs and the sweep mean: 1 when score >= threshold, else 0. */
int fa_scores_predict(double score, double threshold);

/* ------------------------------- restored from a saved result (reports/json_read.c) */

/**
 * Statistics read back from a JSON result, which keeps the scalar metrics and the reliability
 * bins but not the distinct values: fa_scores_value and fa_scores_bins answer as saved; the
 * value-based queries see no values (n_distinct and rows 0, weights and min/max NAN, empty
 * sweep, curve and counts). reason[k] is NULL or a string that must outlive the object
 * (borrowed, not copied); bins are copied. FA_ENOMEM. Caller frees with fa_scores_free.
 */
int fa_scores_restore(fa_scores **out, const double metric[FA_SCORE_METRIC_COUNT],
                      const char *const reason[FA_SCORE_METRIC_COUNT],
                      const fa_calibration_bin bins[], size_t n_bins, fa_error *err);

#endif
