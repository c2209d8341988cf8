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

/*
 * The score statistics of every group of every attribute (groups[a][g], arrays the caller
 * frees with free() after fa_scores_free of each), and of all rows (*overall), each merged from
 * its cells. groups has fa_tally_n_attrs(t) slots; a group without scores gets statistics of
 * no rows (its metrics are undefined).
 */
int fa_tally__compute_scores(fa_scores ***groups, fa_scores **overall, const fa_tally *t,
                             const fa_scores_options *o, fa_error *err);

#endif
